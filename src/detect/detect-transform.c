/*
 * detect-transform.c - transforms: keywords after a sticky buffer that rewrite the buffer
 * before the contents that follow inspect it (to_lowercase, to_uppercase, strip_whitespace,
 * compress_whitespace, dotprefix, url_decode, to_md5, to_sha1, to_sha256).
 *
 * They are recorded on the buffer's list in rule order and applied at inspection into the
 * thread's two scratch buffers, alternating, so chains cost no allocation per packet. They
 * need a sticky buffer; like Suricata 7 they may come after a content of that buffer
 * (ET Open has such rules): the buffer then gets a second list, and only the matches after
 * the transform inspect the transformed bytes (Suricata makes the transformed buffer a
 * buffer type of its own from that point).
 */
#include "detect/detect-transform.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "detect/detect-keywords.h"

typedef enum TransformId {
    TR_LOWER, TR_UPPER, TR_STRIP_WS, TR_COMPRESS_WS, TR_DOTPREFIX, TR_URL_DECODE, TR_MD5,
    TR_SHA1, TR_SHA256, TR_COUNT
} TransformId;

static const char *const transform_names[TR_COUNT] = {
    "to_lowercase", "to_uppercase", "strip_whitespace", "compress_whitespace", "dotprefix",
    "url_decode", "to_md5", "to_sha1", "to_sha256"};

int transform_add(Signature *sig, uint8_t id, TransformParam *tp, char *err, size_t errlen)
{
    if (!sig_in_sticky_buffer(sig)) {
        snprintf(err, errlen, "transforms must follow a sticky buffer");
        return -1;
    }
    SigList *list = sig_payload_list(sig);
    if (list && list->head) {  /* matches before it keep the untransformed buffer */
        SigList *split = sig_buffer_split(sig);
        list = split ? split : list;
    }
    if (!list)
        return -1;
    if (list->transform_count >= SIG_MAX_TRANSFORMS) {
        snprintf(err, errlen, "more than %d transforms on one buffer", SIG_MAX_TRANSFORMS);
        return -1;
    }
    list->transform_params[list->transform_count] = tp;
    list->transforms[list->transform_count++] = id;
    return 0;
}

static int transform_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    (void)value;
    for (int i = 0; i < TR_COUNT; i++)
        if (strcmp(kw->name, transform_names[i]) == 0)
            return transform_add(sig, (uint8_t)i, NULL, err, errlen);
    return -1;
}

static int hex_digit(uint8_t c)
{
    if (isdigit(c))
        return c - '0';
    c = (uint8_t)tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Writes the transform of in[0..len) to out (at most len + 1 bytes, or 32 for digests). */
static uint32_t transform_one(TransformId id, const uint8_t *in, uint32_t len, uint8_t *out)
{
    uint32_t n = 0;
    switch (id) {
    case TR_LOWER:
        for (uint32_t i = 0; i < len; i++)
            out[n++] = (uint8_t)tolower(in[i]);
        return n;
    case TR_UPPER:
        for (uint32_t i = 0; i < len; i++)
            out[n++] = (uint8_t)toupper(in[i]);
        return n;
    case TR_STRIP_WS:
        for (uint32_t i = 0; i < len; i++)
            if (!isspace(in[i]))
                out[n++] = in[i];
        return n;
    case TR_COMPRESS_WS:
        for (uint32_t i = 0; i < len; i++)
            if (!isspace(in[i]) || n == 0 || !isspace(out[n - 1]))
                out[n++] = in[i];
        return n;
    case TR_DOTPREFIX:
        out[n++] = '.';
        memcpy(out + n, in, len);
        return len + 1;
    case TR_URL_DECODE:
        for (uint32_t i = 0; i < len; i++) {
            int hi, lo;
            if (in[i] == '%' && i + 2 < len && (hi = hex_digit(in[i + 1])) >= 0 &&
                (lo = hex_digit(in[i + 2])) >= 0) {
                out[n++] = (uint8_t)(hi << 4 | lo);
                i += 2;
            } else {
                out[n++] = in[i] == '+' ? ' ' : in[i];
            }
        }
        return n;
    default: {
        const EVP_MD *md = id == TR_MD5 ? EVP_md5() : id == TR_SHA1 ? EVP_sha1() : EVP_sha256();
        unsigned int dlen = 0;
        EVP_Digest(in, len, out, &dlen, md, NULL);
        return dlen;
    }
    }
}

const uint8_t *detect_transform_apply(DetectThread *dt, const SigList *list, const uint8_t *buf,
                                      uint32_t *len)
{
    for (int i = 0; i < list->transform_count; i++) {
        uint8_t *out = detect_thread_xform(dt, i & 1, *len + 64);
        if (!out)
            return NULL;
        if (list->transform_params[i])
            *len = transform_param_apply(list->transform_params[i], dt, buf, *len, out);
        else
            *len = transform_one((TransformId)list->transforms[i], buf, *len, out);
        buf = out;
    }
    return buf;
}

/* Transforms here have no options, so the chain of ids says everything. */
bool detect_transform_same(const SigList *a, const SigList *b)
{
    if (a->transform_count != b->transform_count ||
        memcmp(a->transforms, b->transforms, (size_t)a->transform_count) != 0)
        return false;
    /* A transform with a value (xor key, pcrexform regex) is the same only as itself: two
     * rules' equal values are not worth comparing, they merely get separate prefilters. */
    for (int i = 0; i < a->transform_count; i++)
        if (a->transform_params[i] != b->transform_params[i])
            return false;
    return true;
}

const DetectKeyword detect_transform_keywords[] = {
    {.name = "to_lowercase", .setup = transform_setup},
    {.name = "to_uppercase", .setup = transform_setup},
    {.name = "strip_whitespace", .setup = transform_setup},
    {.name = "compress_whitespace", .setup = transform_setup},
    {.name = "dotprefix", .setup = transform_setup},
    {.name = "url_decode", .setup = transform_setup},
    {.name = "to_md5", .setup = transform_setup},
    {.name = "to_sha1", .setup = transform_setup},
    {.name = "to_sha256", .setup = transform_setup},
    {.name = NULL},
};
