/*
 * app-layer-tls-cert.c - certificate chains from Certificate messages and the X.509 fields
 * Suricata logs: subject, issuerdn, serial, notbefore/notafter and the SHA-1 fingerprint.
 *
 * Suricata decodes certificates with the Rust x509-parser crate and prints names the way that
 * crate does; OpenSSL's libcrypto does the ASN.1 decoding here (d2i_X509_NAME, d2i_ASN1_TIME)
 * and this file reproduces the printing. The certificate's outer structure is walked here
 * rather than handed whole to d2i_X509, which also decodes the public key through OpenSSL 3's
 * provider machinery: about 240 us a certificate against 36 for the fields logged. The
 * printing: relative distinguished names joined with ", ", the attributes of a multi-valued
 * RDN with " + ", each "ABBREV=value" where ABBREV is C, ST, L, O, OU, CN, DC or Email, or
 * else the OID's short name from x509-parser's registry ("streetAddress", "postalCode",
 * app-layer-tls-oids.c), or "OID(1.2.3)" for OIDs it does not know. String values are printed as they are (the name
 * becomes "<X509Error: Invalid X.509 name>" if one is not valid UTF-8), BMPStrings are
 * converted from UTF-16, other types are printed as upper-case hex. The serial is the raw
 * INTEGER content, "00:97:E6:..." (upper case), read from the DER because OpenSSL would
 * normalise it; the fingerprint is lower case "aa:bb:...". Validity times are converted to
 * seconds since 1970 with proleptic Gregorian arithmetic, so certificates from before 1970 keep
 * their dates.
 *
 * As in Suricata, the fields come from the first certificate of the list that decodes (a
 * certificate that does not decode is left out of the logged chain too), and a side's chain
 * is taken from its first Certificate message only.
 */
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applayer/app-layer-tls-internal.h"

#include "common/textbuf.h"

#define INVALID_NAME "<X509Error: Invalid X.509 name>"

/* Names are printed into a TextBuf; its `failed` is also set for an unprintable value, which
 * turns the whole name into INVALID_NAME. */

static bool utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                     : (c & 0xf8) == 0xf0 ? 3 : 9;
        if (extra == 9 || (extra == 1 && c < 0xc2) || i + extra >= n + (extra ? 0 : 1))
            return false;
        uint32_t cp = extra ? c & (0x3f >> extra) : c;
        for (size_t k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += extra + 1;
    }
    return true;
}

static void put_utf8(TextBuf *s, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | cp >> 6);
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | cp >> 12);
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | cp >> 18);
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    text_buf_put(s, b, n);
}

/* UTF-16BE (BMPString) -> UTF-8; unpaired surrogates make the name invalid. */
static void put_bmp(TextBuf *s, const uint8_t *p, size_t n)
{
    if (n % 2) {
        s->failed = true;
        return;
    }
    for (size_t i = 0; i < n; i += 2) {
        uint32_t u = (uint32_t)p[i] << 8 | p[i + 1];
        if (u >= 0xd800 && u <= 0xdbff && i + 3 < n) {
            uint32_t lo = (uint32_t)p[i + 2] << 8 | p[i + 3];
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                put_utf8(s, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
                i += 2;
                continue;
            }
        }
        if (u >= 0xd800 && u <= 0xdfff) {
            s->failed = true;
            return;
        }
        put_utf8(s, u);
    }
}

static void put_value(TextBuf *s, const ASN1_STRING *v)
{
    const uint8_t *p = ASN1_STRING_get0_data(v);
    size_t n = (size_t)ASN1_STRING_length(v);
    switch (ASN1_STRING_type(v)) {
    case V_ASN1_NUMERICSTRING: case V_ASN1_VISIBLESTRING: case V_ASN1_PRINTABLESTRING:
    case V_ASN1_GENERALSTRING: case V_ASN1_OBJECT_DESCRIPTOR: case V_ASN1_GRAPHICSTRING:
    case V_ASN1_T61STRING: case V_ASN1_VIDEOTEXSTRING: case V_ASN1_UTF8STRING:
    case V_ASN1_IA5STRING:
        if (!utf8_valid(p, n))
            s->failed = true;
        else
            text_buf_put(s, (const char *)p, n);
        return;
    case V_ASN1_BMPSTRING:
        put_bmp(s, p, n);
        return;
    default:
        for (size_t i = 0; i < n; i++)
            text_buf_printf(s, "%02X", p[i]);
    }
}

static void put_attr_name(TextBuf *s, const ASN1_OBJECT *obj)
{
    char oid[128];
    if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0) {
        s->failed = true;
        return;
    }
    const char *name = tls_oid_name(oid);
    if (name) {
        text_buf_puts(s, name);
        return;
    }
    text_buf_puts(s, "OID(");
    text_buf_puts(s, oid);
    text_buf_puts(s, ")");
}

static char *name_string(const X509_NAME *name)
{
    TextBuf s = {0};
    int count = X509_NAME_entry_count(name);
    int prev_set = -1;
    for (int i = 0; i < count; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        int set = X509_NAME_ENTRY_set(e);
        if (i > 0)
            text_buf_puts(&s, set == prev_set ? " + " : ", ");
        prev_set = set;
        put_attr_name(&s, X509_NAME_ENTRY_get_object(e));
        text_buf_puts(&s, "=");
        put_value(&s, X509_NAME_ENTRY_get_data(e));
    }
    char *text = text_buf_take(&s);
    return text ? text : strdup(INVALID_NAME);
}

/* ---- DER: the TBSCertificate fields --------------------------------------------------------- */

/* Why a certificate does not decode: Suricata's event names for x509-parser's errors. */
#define EV_LENGTH "CERTIFICATE_INVALID_LENGTH"   /* a header cut short (nom Incomplete) */
#define EV_CERT "INVALID_CERTIFICATE"            /* anything else x509-parser rejects */
#define EV_SERIAL "CERTIFICATE_INVALID_SERIAL"
#define EV_NAME "CERTIFICATE_INVALID_X509NAME"
#define EV_DATE "CERTIFICATE_INVALID_DATE"

/* Reads one tag-length header at *p (definite lengths up to 4 bytes). NULL, or the event:
 * a header that runs out of bytes, or a length beyond them. */
static const char *der_header(const uint8_t **p, const uint8_t *end, uint8_t *tag,
                              uint32_t *len)
{
    if (end - *p < 2)
        return EV_LENGTH;
    *tag = *(*p)++;
    uint8_t l = *(*p)++;
    if (l & 0x80) {
        uint32_t n = l & 0x7f;
        if (n == 0 || n > 4)
            return EV_CERT;
        if ((uint32_t)(end - *p) < n)
            return EV_LENGTH;
        *len = 0;
        while (n--)
            *len = *len << 8 | *(*p)++;
    } else {
        *len = l;
    }
    return *len <= (uint32_t)(end - *p) ? NULL : EV_CERT;
}

/* One element, header included. */
typedef struct Der {
    const uint8_t *start, *body;
    uint32_t size, len;
    uint8_t tag;
} Der;

/* Reads the next element, which must have tag `want`; NULL or the event. */
static const char *der_next(const uint8_t **p, const uint8_t *end, uint8_t want, Der *out)
{
    out->start = *p;
    const char *err = der_header(p, end, &out->tag, &out->len);
    if (err)
        return err;
    out->body = *p;
    *p += out->len;
    out->size = (uint32_t)(*p - out->start);
    return out->tag == want ? NULL : EV_CERT;
}

/* The elements of a certificate that Suricata logs, located in the DER. */
typedef struct TbsFields {
    Der serial, issuer, not_before, not_after, subject;
} TbsFields;

/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }, with
 * TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
 * validity SEQUENCE { notBefore, notAfter }, subject, subjectPublicKeyInfo, ... }.
 * Returns NULL, or the event Suricata raises for such a certificate. */
static const char *locate_fields(const uint8_t *der, uint32_t len, TbsFields *f)
{
    const uint8_t *p = der, *end = der + len;
    Der cert, tbs, e, validity, alg, sig;
    const char *err;
    if ((err = der_next(&p, end, 0x30, &cert)))
        return err;
    p = cert.body;
    end = cert.body + cert.len;
    if ((err = der_next(&p, end, 0x30, &tbs)) || (err = der_next(&p, end, 0x30, &alg)) ||
        (err = der_next(&p, end, 0x03, &sig)))
        return err;
    p = tbs.body;
    end = tbs.body + tbs.len;
    const uint8_t *before_version = p;
    if (der_next(&p, end, 0xa0, &e))
        p = before_version;   /* no version: v1 */
    if (der_next(&p, end, 0x02, &f->serial))
        return EV_SERIAL;
    if ((err = der_next(&p, end, 0x30, &alg)))
        return err;
    if (der_next(&p, end, 0x30, &f->issuer))
        return EV_NAME;
    if (der_next(&p, end, 0x30, &validity))
        return EV_DATE;
    if (der_next(&p, end, 0x30, &f->subject))
        return EV_NAME;
    if ((err = der_next(&p, end, 0x30, &e)))   /* subjectPublicKeyInfo */
        return err;
    p = validity.body;
    end = validity.body + validity.len;
    Der *times[2] = {&f->not_before, &f->not_after};
    for (int i = 0; i < 2; i++) {
        const uint8_t *at = p;
        if (der_next(&p, end, 0x17, times[i])) {     /* UTCTime or GeneralizedTime */
            p = at;
            if (der_next(&p, end, 0x18, times[i]))
                return EV_DATE;
        }
    }
    return NULL;
}

static char *serial_string(const Der *serial)
{
    uint32_t l = serial->len;
    char *out = malloc(l ? 3 * (size_t)l : 1);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (uint32_t i = 0; i < l; i++)
        snprintf(out + (i ? 3 * i - 1 : 0), 4, i ? ":%02X" : "%02X", serial->body[i]);
    return out;
}

static char *decoded_name(const Der *d)
{
    const unsigned char *p = d->start;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, d->size);
    if (!name)
        return NULL;
    char *text = name_string(name);
    X509_NAME_free(name);
    return text;
}

/* ---- times -------------------------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (any year). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool asn1_time_seconds(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return false;
    int64_t days = days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                   (unsigned)tm.tm_mday);
    *out = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return true;
}

static bool der_time_seconds(const Der *d, int64_t *out)
{
    const unsigned char *p = d->start;
    ASN1_TIME *t = d2i_ASN1_TIME(NULL, &p, d->size);
    bool ok = asn1_time_seconds(t, out);
    ASN1_TIME_free(t);
    return ok;
}

const char *tls_cert_decode(const uint8_t *der, uint32_t len, TlsCertInfo *out)
{
    TbsFields f;
    memset(out, 0, sizeof(*out));
    const char *err = locate_fields(der, len, &f);
    if (err)
        return err;
    if (!der_time_seconds(&f.not_before, &out->not_before) ||
        !der_time_seconds(&f.not_after, &out->not_after))
        return EV_DATE;
    out->subject = decoded_name(&f.subject);
    out->issuer = decoded_name(&f.issuer);
    out->serial = serial_string(&f.serial);
    if (!out->subject || !out->issuer || !out->serial) {
        tls_cert_info_free(out);
        return EV_NAME;
    }
    unsigned char sha1[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(der, len, sha1, &n, EVP_sha1(), NULL) == 1)
        for (unsigned int i = 0; i < n && i < 20; i++)
            snprintf(out->fingerprint + (i ? 3 * i - 1 : 0), 4, i ? ":%02x" : "%02x", sha1[i]);
    return NULL;
}

void tls_cert_info_free(TlsCertInfo *info)
{
    free(info->subject);
    free(info->issuer);
    free(info->serial);
    memset(info, 0, sizeof(*info));
}

void tls_chain_free(TlsChain *chain)
{
    if (chain)
        free(chain->buf);
    free(chain);
}

static uint32_t be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Certificate message: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. Returns -1 when
 * the list is malformed or this side already sent one (the message is then ignored). */
int tls_parse_certificates(TlsState *s, TlsSide *side, const uint8_t *data, uint32_t len)
{
    if (len < 3 || be24(data) > len - 3 || side->chain)
        return -1;
    uint32_t list_len = be24(data);
    TlsChain *chain = calloc(1, sizeof(*chain));
    if (!chain || !(chain->buf = malloc(list_len ? list_len : 1))) {
        free(chain);
        return -1;
    }
    side->chain = chain;
    memcpy(chain->buf, data + 3, list_len);
    chain->buf_len = list_len;
    uint32_t pos = 0;
    while (pos < list_len) {
        if (list_len - pos < 3 || be24(chain->buf + pos) > list_len - pos - 3) {
            tls_event(s, "INVALID_CERTIFICATE");
            return -1;
        }
        uint32_t cert_len = be24(chain->buf + pos);
        const uint8_t *der = chain->buf + pos + 3;
        bool keep = true;
        if (!side->has_cert) {
            const char *err = tls_cert_decode(der, cert_len, &side->cert);
            keep = side->has_cert = err == NULL;
            if (err)
                tls_event(s, err);
        }
        if (keep && chain->count < TLS_CHAIN_MAX_CERTS) {
            chain->off[chain->count] = pos + 3;
            chain->len[chain->count++] = cert_len;
        }
        pos += 3 + cert_len;
    }
    return 0;
}
