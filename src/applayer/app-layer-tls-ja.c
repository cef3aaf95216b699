/*
 * app-layer-tls-ja.c - TLS client/server fingerprints: JA3, JA3S and JA4, as Suricata 7.
 *
 * JA3 is "version,ciphers,extensions,curves,point-formats" from the ClientHello (JA3S:
 * "version,cipher,extensions" from the ServerHello), each list "a-b-c" in decimal with GREASE
 * values left out, and its MD5 in hex. The hello parser feeds values in wire order into
 * TlsJa3Buf lists and joins them with tls_ja3_append, which reproduces Suricata's
 * quirks exactly: an empty list still adds its comma, so a hello without extensions gives
 * "771,47-53,,,".
 *
 * JA4 (FoxIO) as Suricata 7.0 computes it: "t" + version code + d/i (SNI present) + cipher
 * count + extension count (both capped at 99, extensions counted with SNI and ALPN) + first
 * and last character of the first ALPN value, then the first 12 hex digits of the SHA-256 of
 * the sorted ciphers, and of the sorted extensions (without SNI and ALPN) + "_" + signature
 * algorithms in wire order. Suricata hashes even empty lists and always writes the "_", so
 * this does too.
 *
 * Lists are bounded (TLS_JA3_MAX_LEN characters; a JA4 list by the 16-bit length of the
 * hello field that feeds it); a JA3 list that would outgrow its bound is abandoned and no
 * fingerprint is logged for that hello.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-tls-internal.h"

#include "common/array.h"

bool tls_is_grease(uint16_t value)
{
    /* 0x0a0a, 0x1a1a, ... 0xfafa (RFC 8701) */
    return (value & 0x0f0f) == 0x0a0a && (value >> 12) == ((value >> 4) & 0x0f);
}

/* ---- JA3 ---------------------------------------------------------------------------------- */

static bool ja3_reserve(TlsJa3Buf *b, uint32_t more)
{
    if (b->failed)
        return false;
    uint32_t need = b->len + more + 1;
    if (need > TLS_JA3_MAX_LEN) {
        b->failed = true;
        return false;
    }
    char *p = array_reserve(b->data, 1, need, &b->cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    return true;
}

void tls_ja3_add(TlsJa3Buf *b, uint32_t value)
{
    char num[16];
    int n = snprintf(num, sizeof(num), b->len ? "-%u" : "%u", value);
    if (!ja3_reserve(b, (uint32_t)n))
        return;
    memcpy(b->data + b->len, num, (size_t)n + 1);
    b->len += (uint32_t)n;
}

/* dst += "," + src (just "," when src is empty); src is consumed. */
void tls_ja3_append(TlsJa3Buf *dst, TlsJa3Buf *src)
{
    if (src->failed)
        dst->failed = true;
    if (!dst->failed && ja3_reserve(dst, src->len + 1)) {
        dst->data[dst->len++] = ',';
        if (src->len)
            memcpy(dst->data + dst->len, src->data, src->len);
        dst->len += src->len;
        dst->data[dst->len] = '\0';
    }
    tls_ja3_free(src);
}

void tls_ja3_free(TlsJa3Buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static void hex_digest(const EVP_MD *md, const void *data, size_t len, char *out, size_t hex_len)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    out[0] = '\0';
    if (EVP_Digest(data, len, digest, &dlen, md, NULL) != 1)
        return;
    for (unsigned int i = 0; i < dlen && 2 * i + 1 < hex_len; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

void tls_ja3_hash(const TlsJa3Buf *b, char out[33])
{
    out[0] = '\0';
    if (b->failed || !b->data)
        return;
    hex_digest(EVP_md5(), b->data, b->len, out, 33);
}

/* ---- JA4 ---------------------------------------------------------------------------------- */

TlsJa4 *tls_ja4_new(void)
{
    TlsJa4 *j = calloc(1, sizeof(*j));
    if (j) {
        j->alpn[0] = '0';
        j->alpn[1] = '0';
    }
    return j;
}

void tls_ja4_free(TlsJa4 *j)
{
    if (!j)
        return;
    free(j->ciphers);
    free(j->exts);
    free(j->sigalgs);
    free(j);
}

/* Appends to a u16 list; a hello carries at most 32767 values per list, so each list is
 * bounded by the message that feeds it. */
static void list_push(uint16_t **list, uint32_t *n, size_t *cap, uint16_t v)
{
    if (*n >= 65536)
        return;
    uint16_t *p = array_reserve(*list, sizeof(*p), *n + 1, cap);
    if (!p)
        return;
    *list = p;
    (*list)[(*n)++] = v;
}

void tls_ja4_set_version(TlsJa4 *j, uint16_t version)
{
    if (tls_is_grease(version))
        return;
    if (!j->has_version || version > j->version)
        j->version = version;
    j->has_version = true;
}

static bool is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

void tls_ja4_set_alpn(TlsJa4 *j, const uint8_t *alpn, uint32_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (len == 0)
        return;
    if (len == 2 && tls_is_grease((uint16_t)(alpn[0] << 8 | alpn[1])))
        return;
    uint8_t first = alpn[0], last = alpn[len - 1];
    if (!is_alnum(first) || !is_alnum(last)) {
        j->alpn[0] = hex[first >> 4];
        j->alpn[1] = hex[last & 0x0f];
        return;
    }
    j->alpn[0] = (char)first;
    j->alpn[1] = (char)last;
}

void tls_ja4_add_cipher(TlsJa4 *j, uint16_t cipher)
{
    if (!tls_is_grease(cipher))
        list_push(&j->ciphers, &j->n_ciphers, &j->cap_ciphers, cipher);
}

void tls_ja4_add_extension(TlsJa4 *j, uint16_t ext)
{
    if (tls_is_grease(ext))
        return;
    if (ext == 0x0000)
        j->sni = true;
    else if (ext != 0x0010)
        list_push(&j->exts, &j->n_exts, &j->cap_exts, ext);
    j->ext_count++;
}

void tls_ja4_add_sigalg(TlsJa4 *j, uint16_t sigalg)
{
    if (!tls_is_grease(sigalg))
        list_push(&j->sigalgs, &j->n_sigalgs, &j->cap_sigalgs, sigalg);
}

static const char *ja4_version_code(const TlsJa4 *j)
{
    if (!j->has_version)
        return "00";
    switch (j->version) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    default: return "00";
    }
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* "0a0b,1301,..." of a list, sorted or in wire order, appended to *text at *pos. */
static void hex_list(const uint16_t *list, uint32_t n, bool sorted, char *text, size_t *pos)
{
    uint16_t *copy = NULL;
    if (sorted && n) {
        copy = malloc(n * sizeof(uint16_t));
        if (copy) {
            memcpy(copy, list, n * sizeof(uint16_t));
            qsort(copy, n, sizeof(uint16_t), cmp_u16);
            list = copy;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        *pos += (size_t)sprintf(text + *pos, i ? ",%04x" : "%04x", list[i]);
    free(copy);
}

static void truncated_sha256(const char *text, size_t len, char out[13])
{
    char full[65];
    hex_digest(EVP_sha256(), text, len, full, sizeof(full));
    memcpy(out, full, 12);
    out[12] = '\0';
}

void tls_ja4_string(const TlsJa4 *j, char out[37])
{
    uint32_t nc = j->n_ciphers < 99 ? j->n_ciphers : 99;
    uint32_t ne = j->ext_count < 99 ? j->ext_count : 99;
    char a[16], b[13], c[13];
    snprintf(a, sizeof(a), "t%s%c%02u%02u%c%c", ja4_version_code(j), j->sni ? 'd' : 'i', nc, ne,
             j->alpn[0], j->alpn[1]);
    /* 5 characters per value ("xxxx,"), plus the "_" and a NUL. */
    size_t cap = 5 * ((size_t)j->n_ciphers + j->n_exts + j->n_sigalgs) + 2;
    char *text = malloc(cap);
    if (!text) {
        out[0] = '\0';
        return;
    }
    size_t pos = 0;
    hex_list(j->ciphers, j->n_ciphers, true, text, &pos);
    truncated_sha256(text, pos, b);
    pos = 0;
    hex_list(j->exts, j->n_exts, true, text, &pos);
    text[pos++] = '_';
    hex_list(j->sigalgs, j->n_sigalgs, false, text, &pos);
    truncated_sha256(text, pos, c);
    free(text);
    char whole[64];
    snprintf(whole, sizeof(whole), "%s_%s_%s", a, b, c);
    memcpy(out, whole, 36);
    out[36] = '\0';
}
