/*
 * detect-dataset-file.c - Suricata's dataset file format, both ways.
 *
 * One value per line: strings as base64 (so any byte can be in one), md5 and sha256 as hex,
 * ipv4 as dotted quads, ip as IPv6 or IPv4 notation (an IPv4 address is kept in the first four
 * of sixteen bytes, as Suricata keeps it). A ",value" after the entry belongs to datarep and
 * is ignored; blank lines are skipped. A malformed line stops the load with name:line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "detect/detect-dataset.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_hex(const char *text, size_t n, uint8_t *out, uint32_t want)
{
    if (n != 2 * (size_t)want)
        return -1;
    for (uint32_t i = 0; i < want; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int parse_base64(const char *text, size_t n, uint8_t *out, uint32_t *len)
{
    if (n % 4 || n / 4 * 3 > DATASET_VALUE_MAX)
        return -1;
    int got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
    if (got < 0)
        return -1;
    while (n && text[n - 1] == '=') { /* EVP counts padding as zero bytes */
        n--;
        got--;
    }
    if (got <= 0)  /* an empty value could not be saved and read back */
        return -1;
    *len = (uint32_t)got;
    return 0;
}

static int parse_ip(DatasetType type, const char *text, uint8_t *out, uint32_t *len)
{
    memset(out, 0, 16);
    *len = type == DS_IPV4 ? 4 : 16;
    if (inet_pton(AF_INET, text, out) == 1)
        return 0;
    if (type != DS_IP || inet_pton(AF_INET6, text, out) != 1)
        return -1;
    /* ::ffff:a.b.c.d is an IPv4 address: kept as one (4 bytes, zero padded), so that an
     * IPv4 packet's address finds it, as in Suricata */
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(out, mapped, 12) == 0) {
        memmove(out, out + 12, 4);
        memset(out + 4, 0, 12);
    }
    return 0;
}

int dataset_parse_line(DatasetType type, const char *line, uint8_t *out, uint32_t *len)
{
    char text[DATASET_VALUE_MAX / 3 * 4 + 8];
    size_t n = strcspn(line, ",\r\n");
    while (n && isspace((unsigned char)line[n - 1]))
        n--;
    while (n && isspace((unsigned char)*line)) {
        line++;
        n--;
    }
    if (!n)
        return 1;
    if (n >= sizeof(text))
        return -1;
    memcpy(text, line, n);
    text[n] = '\0';
    switch (type) {
    case DS_STRING: return parse_base64(text, n, out, len);
    case DS_MD5: *len = 16; return parse_hex(text, n, out, 16);
    case DS_SHA256: *len = 32; return parse_hex(text, n, out, 32);
    default: return parse_ip(type, text, out, len);
    }
}

int dataset_read(Dataset *d, FILE *f, const char *name, char *err, size_t errlen)
{
    size_t cap = DATASET_VALUE_MAX / 3 * 4 + 64;
    char *line = malloc(cap);
    uint8_t *value = malloc(DATASET_VALUE_MAX);
    int count = 0, lineno = 0;
    while (line && value && fgets(line, (int)cap, f)) {
        lineno++;
        uint32_t len = 0;
        int rc = dataset_parse_line(dataset_type(d), line, value, &len);
        if (rc == 1)
            continue;
        const char *comma = strchr(line, ',');  /* a datarep file's reputation */
        uint16_t rep = comma ? (uint16_t)strtoul(comma + 1, NULL, 10) : 0;
        if (rc < 0 || dataset_add_rep(d, value, len, rep) < 0) {
            snprintf(err, errlen, "%s:%d: %s", name, lineno,
                     rc < 0 ? "not a value of the dataset's type" : "no room (memcap)");
            count = -1;
            break;
        }
        count++;
    }
    free(line);
    free(value);
    return count;
}

int dataset_load_file(Dataset *d, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    int n = dataset_read(d, f, path, err, errlen);
    fclose(f);
    return n;
}

static void write_ip(FILE *f, const uint8_t *v, uint32_t len)
{
    char text[INET6_ADDRSTRLEN];
    static const uint8_t zeros[12] = {0};
    bool v4 = len == 4 || memcmp(v + 4, zeros, 12) == 0;
    inet_ntop(v4 ? AF_INET : AF_INET6, v, text, sizeof(text));
    fprintf(f, "%s\n", text);
}

void dataset_write_value(FILE *f, DatasetType type, const uint8_t *value, uint32_t len)
{
    if (type == DS_IPV4 || type == DS_IP) {
        write_ip(f, value, len);
        return;
    }
    if (type == DS_STRING) {
        char *out = malloc(4 * ((size_t)len / 3 + 1) + 1);
        if (out) {
            EVP_EncodeBlock((unsigned char *)out, value, (int)len);
            fprintf(f, "%s\n", out);
            free(out);
        }
        return;
    }
    for (uint32_t i = 0; i < len; i++)
        fprintf(f, "%02x", value[i]);
    fputc('\n', f);
}
