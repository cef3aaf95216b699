/*
 * util.c — the hub's small shared helpers: status and role names, EVE/RFC 3339 time
 * parsing, UUIDv5, logging. (The growable buffer for JSON replies is src/common/textbuf.c.)
 *
 * Time parsing is hand-written rather than strptime()-based because strptime is locale-
 * and libc-dependent, does not handle fractional seconds or "+0000" offsets portably, and
 * this parser sees untrusted input on every ingested line: it must be strict and bounded.
 */
#include "hub.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *hub_status_str(hub_status st)
{
    switch (st) {
    case HUB_OK: return "ok";
    case HUB_ERR_NOMEM: return "out of memory";
    case HUB_ERR_STORAGE: return "storage error";
    case HUB_ERR_EXISTS: return "already exists";
    case HUB_ERR_NOTFOUND: return "not found";
    case HUB_ERR_INVALID: return "invalid input";
    case HUB_ERR_LIMIT: return "limit exceeded";
    case HUB_ERR_IO: return "i/o error";
    }
    return "unknown error";
}

const char *hub_role_name(hub_role r)
{
    switch (r) {
    case HUB_ROLE_SENSOR: return "sensor";
    case HUB_ROLE_ANALYST: return "analyst";
    case HUB_ROLE_PARTNER: return "partner";
    case HUB_ROLE_ADMIN: return "admin";
    default: return "none";
    }
}

hub_role hub_role_parse(const char *s)
{
    static const hub_role all[] = {HUB_ROLE_SENSOR, HUB_ROLE_ANALYST, HUB_ROLE_PARTNER,
                                   HUB_ROLE_ADMIN};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, hub_role_name(all[i])) == 0)
            return all[i];
    return HUB_ROLE_NONE;
}

/* ---- time ------------------------------------------------------------------------ */

int64_t hub_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm), so we
 * need neither timegm() nor the TZ environment. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

/* Reads exactly n decimal digits. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool parse_offset(const char *p, int *off_s)
{
    if (*p == 'Z' || *p == 'z') {
        *off_s = 0;
        return p[1] == '\0';
    }
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p == '-' ? -1 : 1, hh, mm;
    p++;
    if (!digits(&p, 2, &hh))
        return false;
    if (*p == ':')
        p++;
    if (!digits(&p, 2, &mm) || *p != '\0' || hh > 23 || mm > 59)
        return false;
    *off_s = sign * (hh * 3600 + mm * 60);
    return true;
}

static bool date_valid(int y, int mo, int d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1];
}

bool hub_time_parse(const char *s, int64_t *out_us)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
    int64_t frac = 0;
    const char *p = s;
    if (!s || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || !date_valid(y, mo, d))
        return false;
    if (*p != '\0') {
        if ((*p != 'T' && *p != 't' && *p != ' ') || (p++, !digits(&p, 2, &h)) ||
            *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' || !digits(&p, 2, &sec) ||
            h > 23 || mi > 59 || sec > 60)
            return false;
        if (*p == '.') {
            p++;
            int n = 0;
            for (; *p >= '0' && *p <= '9'; p++, n++)
                if (n < 6)
                    frac = frac * 10 + (*p - '0');
            if (n == 0 || n > 9)
                return false;
            for (; n < 6; n++)
                frac *= 10;
        }
        if (!parse_offset(p, &off))
            return false;
    }
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off;
    *out_us = secs * 1000000 + frac;
    return true;
}

static void format_common(int64_t us, char *buf, size_t len, int frac_digits)
{
    int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
    int64_t rem = us - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t sod = secs - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int h = (int)(sod / 3600), mi = (int)(sod / 60 % 60), s = (int)(sod % 60);
    /* Format into a buffer the compiler can see is large enough, then copy. */
    char tmp[96];
    if (frac_digits == 6)
        snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", y, m, d, h, mi, s,
                 (long long)rem);
    else
        snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02d:%02d:%02d.%03lldZ", y, m, d, h, mi, s,
                 (long long)(rem / 1000));
    size_t n = strlen(tmp);
    if (len == 0)
        return;
    if (n >= len)
        n = len - 1;
    memcpy(buf, tmp, n);
    buf[n] = '\0';
}

void hub_time_format(int64_t us, char *buf, size_t len)
{
    format_common(us, buf, len, 6);
}

void hub_time_format_ms(int64_t us, char *buf, size_t len)
{
    format_common(us, buf, len, 3);
}

/* ---- ids and logging --------------------------------------------------------------- */

/* SHA-1, fetched from the default provider once: EVP_sha1() makes every
 * EVP_DigestInit_ex look the algorithm up again (a property query under a lock), which
 * with the formatting below was 13% of a 1,000-event STIX export (perf). */
static EVP_MD *sha1_md;
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;

static void sha1_fetch(void)
{
    sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

void hub_uuid5(const uint8_t ns[16], const char *name, size_t name_len, char out[37])
{
    uint8_t md[EVP_MAX_MD_SIZE] = {0};
    unsigned int mdlen = 0;
    pthread_once(&sha1_once, sha1_fetch);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c && EVP_DigestInit_ex(c, sha1_md ? sha1_md : EVP_sha1(), NULL) == 1) {
        EVP_DigestUpdate(c, ns, 16);
        EVP_DigestUpdate(c, name, name_len);
        EVP_DigestFinal_ex(c, md, &mdlen);
    }
    EVP_MD_CTX_free(c);
    md[6] = (uint8_t)((md[6] & 0x0f) | 0x50); /* version 5 */
    md[8] = (uint8_t)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[md[i] >> 4];
        *o++ = hex[md[i] & 15];
    }
    *o = '\0';
}

void hub_log(const char *fmt, ...)
{
    char ts[32];
    hub_time_format_ms(hub_now_us(), ts, sizeof ts);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s bongsu-hub: ", ts);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
