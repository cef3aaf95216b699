/*
 * detect-payload.c - payload keywords that test where data is rather than what it is:
 * isdataat, bsize, urilen, and base64_decode / base64_data.
 *
 * isdataat:[!]N[,relative] holds when the buffer has a byte at N (relative: N bytes past the
 * previous match's end, ending at the buffer's end at the latest, as Suricata counts it).
 * bsize and urilen compare the whole buffer's length (urilen on http.uri, or http.uri.raw
 * with ",raw"). base64_decode decodes part of the buffer into the thread's scratch and
 * base64_data makes the keywords after it inspect that decoded data from its start.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/textutil.h"
#include "detect/detect-engine.h"
#include "detect/detect-keywords.h"
#include "detect/detect-uint.h"

typedef struct IsdataatCtx {
    DetectValue at;
    bool negated, relative;
} IsdataatCtx;

static int isdataat_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                          char *err, size_t errlen)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    IsdataatCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    char *save = NULL, *first = strtok_r(buf, ",", &save);
    char *num = first ? first : buf;
    while (isspace((unsigned char)*num))
        num++;
    if (*num == '!') {
        ctx->negated = true;
        num++;
    }
    if (detect_value_parse(sig, num, 0, 65535, &ctx->at, err, errlen) != 0) {
        free(ctx);
        return -1;
    }
    for (char *opt = strtok_r(NULL, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*opt))
            opt++;
        if (strncmp(opt, "relative", 8) == 0)
            ctx->relative = true;
        else if (strncmp(opt, "rawbytes", 8) != 0) {
            snprintf(err, errlen, "unknown option \"%s\" (relative, rawbytes)", opt);
            free(ctx);
            return -1;
        }
    }
    return sig_append(sig, SIG_LIST_PAYLOAD, kw, ctx) ? 0 : -1;
}

static bool isdataat_inspect(InspectState *st, const SigMatch *sm)
{
    const IsdataatCtx *ctx = sm->ctx;
    int64_t at = detect_value_get(&ctx->at, st);
    bool present = ctx->relative ? (int64_t)st->prev_end + at <= (int64_t)st->len
                                 : at < (int64_t)st->len;
    if (present == ctx->negated)
        return false;
    return detect_inspect_list(st, sm->next);
}

static bool isdataat_is_relative(const void *ctx)
{
    return ((const IsdataatCtx *)ctx)->relative;
}

/* bsize / urilen: a length comparison on the whole buffer. */
static int length_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                        size_t errlen)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    const char *buffer = NULL;
    if (strcmp(kw->name, "urilen") == 0) {
        buffer = "http.uri";
        char *comma = strchr(buf, ',');
        if (comma) {
            *comma = '\0';
            char *opt = comma + 1;
            while (isspace((unsigned char)*opt))
                opt++;
            if (strcmp(opt, "raw") == 0)
                buffer = "http.uri.raw";
            else if (strcmp(opt, "norm") != 0) {
                snprintf(err, errlen, "unknown option \"%s\" (norm, raw)", opt);
                return -1;
            }
        }
    } else if (!sig_in_sticky_buffer(sig)) {
        snprintf(err, errlen, "needs a sticky buffer before it");
        return -1;
    }
    DetectUint *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    /* Suricata types urilen (the one with a buffer) as 16 bits, bsize as 64: the bounds of
     * "<=max" and ">max" */
    if (detect_uint_parse(buf, ctx, buffer ? UINT16_MAX : UINT64_MAX) != 0) {
        snprintf(err, errlen, "invalid value \"%s\"", buf);
        free(ctx);
        return -1;
    }
    if (!buffer)
        return sig_append(sig, SIG_LIST_PAYLOAD, kw, ctx) ? 0 : -1;
    int id = applayer_buffer_id(buffer);
    int saved = sig->active_buffer;
    if (id < 0 || sig_set_sticky_buffer(sig, id) != 0) {
        snprintf(err, errlen, "buffer %s is not available for this rule", buffer);
        free(ctx);
        return -1;
    }
    SigMatch *sm = sig_append(sig, SIG_LIST_PAYLOAD, kw, ctx);
    sig->active_buffer = saved;
    return sm ? 0 : -1;
}

static bool length_inspect(InspectState *st, const SigMatch *sm)
{
    return detect_uint_match(sm->ctx, st->len) && detect_inspect_list(st, sm->next);
}

typedef struct Base64Ctx {
    uint32_t bytes, offset;
    bool relative;
} Base64Ctx;

/* Without a sticky buffer, base64_decode works in the buffer of the match before it (a
 * content moved there by http_uri...), as Suricata 7 does; the keywords after it follow. */
static void follow_last_match(Signature *sig)
{
    if (sig_in_sticky_buffer(sig) || !sig->last_content)
        return;
    for (size_t i = 0; i < sig->buffer_count; i++) {
        const SigMatch *tail = sig->buffers[i].tail;
        if (tail && tail->ctx == sig->last_content)
            sig->active_list = &sig->buffers[i];
    }
}

static int base64_decode_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                               char *err, size_t errlen)
{
    follow_last_match(sig);
    Base64Ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    char *save = NULL;
    for (char *opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
        char name[16];
        unsigned v;
        char extra;
        if (sscanf(opt, " %15s %u %c", name, &v, &extra) == 2 &&
            (strcmp(name, "bytes") == 0 || strcmp(name, "offset") == 0) && v <= 65535) {
            *(name[0] == 'b' ? &ctx->bytes : &ctx->offset) = v;
        } else if (sscanf(opt, " %15s %c", name, &extra) == 1 && strcmp(name, "relative") == 0) {
            ctx->relative = true;
        } else {
            snprintf(err, errlen, "unknown option \"%s\" (bytes N, offset N, relative)", opt);
            free(ctx);
            return -1;
        }
    }
    if (value && ctx->bytes == 0 && strstr(value, "bytes")) {
        snprintf(err, errlen, "bytes must be above 0");
        free(ctx);
        return -1;
    }
    return sig_append(sig, SIG_LIST_PAYLOAD, kw, ctx) ? 0 : -1;
}

/* Decodes until the first character outside the alphabet (spaces are skipped). */
static uint32_t b64_decode(const uint8_t *in, uint32_t len, uint8_t *out)
{
    uint32_t n = 0, acc = 0;
    int bits = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (isspace(in[i]))
            continue;
        int v = text_base64_value(in[i]);
        if (v < 0)
            break;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

static bool base64_decode_inspect(InspectState *st, const SigMatch *sm)
{
    const Base64Ctx *ctx = sm->ctx;
    uint64_t start = (ctx->relative ? st->prev_end : 0) + (uint64_t)ctx->offset;
    if (start >= st->len)
        return false;
    uint32_t len = st->len - (uint32_t)start;
    if (ctx->bytes && ctx->bytes < len)
        len = ctx->bytes;
    DetectThread *dt = st->m->dt;
    if (dt->b64_cap < len) {
        uint8_t *grown = realloc(dt->b64, len);
        if (!grown)
            return false;
        dt->b64 = grown;
        dt->b64_cap = len;
    }
    st->b64_len = b64_decode(st->buf + start, len, dt->b64);
    st->b64 = dt->b64;
    return st->b64_len > 0 && detect_inspect_list(st, sm->next);
}

static bool base64_is_relative(const void *ctx)
{
    return ((const Base64Ctx *)ctx)->relative;
}

static int base64_data_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                             char *err, size_t errlen)
{
    (void)value;
    SigList *list = sig_payload_list(sig);
    bool decoded = false;
    for (const SigMatch *sm = list ? list->head : NULL; sm; sm = sm->next)
        decoded = decoded || strcmp(sm->keyword->name, "base64_decode") == 0;
    if (!decoded) {
        snprintf(err, errlen, "needs a base64_decode before it in the same buffer");
        return -1;
    }
    return sig_append(sig, SIG_LIST_PAYLOAD, kw, NULL) ? 0 : -1;
}

/* The rest of the list inspects the decoded bytes, from their start. */
static bool base64_data_inspect(InspectState *st, const SigMatch *sm)
{
    if (!st->b64)
        return false;
    InspectState sub = *st;
    sub.buf = st->b64;
    sub.len = st->b64_len;
    sub.prev_end = 0;
    sub.b64 = NULL;
    bool ok = detect_inspect_list(&sub, sm->next);
    st->steps = sub.steps;
    return ok;
}

const DetectKeyword detect_payload_keywords[] = {
    {.name = "isdataat", .setup = isdataat_setup, .inspect = isdataat_inspect,
     .is_relative = isdataat_is_relative},
    {.name = "bsize", .setup = length_setup, .inspect = length_inspect},
    {.name = "urilen", .setup = length_setup, .inspect = length_inspect},
    {.name = "base64_decode", .setup = base64_decode_setup, .inspect = base64_decode_inspect,
     .is_relative = base64_is_relative},
    {.name = "base64_data", .setup = base64_data_setup, .inspect = base64_data_inspect},
    {.name = NULL},
};
