/*
 * detect-pcre.c - pcre:"/regex/flags" with PCRE2 and its JIT.
 *
 * Standard flags i s m x, Suricata's A (anchored), E (dollar end only), G (ungreedy), R
 * (relative to the previous match), and the buffer flags (U http.uri, I http.uri.raw, P
 * http.request_body, Q http.response_body, H http.header, D http.header.raw, M http.method,
 * C http.cookie, S http.stat_code, Y http.stat_msg, V http.user_agent, W http.host, Z
 * http.host.raw) which put the regex alone in that buffer, as a content modifier does.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-engine.h"
#include "detect/detect-keywords.h"

typedef struct PcreCtx {
    pcre2_code *code;
    bool negated, relative;
} PcreCtx;

static const char *buffer_for_flag(char flag)
{
    switch (flag) {
    case 'U': return "http.uri";
    case 'I': return "http.uri.raw";
    case 'P': return "http.request_body";
    case 'Q': return "http.response_body";
    case 'H': return "http.header";
    case 'D': return "http.header.raw";
    case 'M': return "http.method";
    case 'C': return "http.cookie";
    case 'S': return "http.stat_code";
    case 'Y': return "http.stat_msg";
    case 'V': return "http.user_agent";
    case 'W': return "http.host";
    case 'Z': return "http.host.raw";
    default: return NULL;
    }
}

static int apply_flag(char flag, uint32_t *options, PcreCtx *ctx, const char **buffer)
{
    switch (flag) {
    case 'i': *options |= PCRE2_CASELESS; return 0;
    case 's': *options |= PCRE2_DOTALL; return 0;
    case 'm': *options |= PCRE2_MULTILINE; return 0;
    case 'x': *options |= PCRE2_EXTENDED; return 0;
    case 'A': *options |= PCRE2_ANCHORED; return 0;
    case 'E': *options |= PCRE2_DOLLAR_ENDONLY; return 0;
    case 'G': *options |= PCRE2_UNGREEDY; return 0;
    case 'R': ctx->relative = true; return 0;
    case 'B': case 'O': return 0;
    default:
        *buffer = buffer_for_flag(flag);
        return *buffer ? 0 : -1;
    }
}

static void pcre_free_ctx(void *p)
{
    PcreCtx *ctx = p;
    if (ctx)
        pcre2_code_free(ctx->code);
    free(ctx);
}

static int pcre_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                      size_t errlen)
{
    if (!value) {
        snprintf(err, errlen, "needs \"/regex/flags\"");
        return -1;
    }
    PcreCtx *ctx = calloc(1, sizeof(*ctx));
    const char *v = value;
    if (*v == '!') {
        ctx->negated = true;
        v++;
    }
    size_t len = strlen(v);
    if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
        v++;
        len -= 2;
    }
    const char *close = len ? memrchr(v, '/', len) : NULL;
    if (len < 2 || v[0] != '/' || !close || close == v) {
        snprintf(err, errlen, "expected \"/regex/flags\"");
        free(ctx);
        return -1;
    }
    uint32_t options = 0;
    const char *buffer = NULL;
    for (const char *f = close + 1; f < v + len; f++) {
        if (apply_flag(*f, &options, ctx, &buffer) != 0) {
            snprintf(err, errlen, "unknown pcre flag '%c'", *f);
            free(ctx);
            return -1;
        }
    }
    int code_err;
    PCRE2_SIZE err_off;
    ctx->code = pcre2_compile((PCRE2_SPTR)(v + 1), (size_t)(close - v - 1), options, &code_err,
                              &err_off, NULL);
    if (!ctx->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code_err, msg, sizeof(msg));
        snprintf(err, errlen, "regex error at offset %zu: %s", (size_t)err_off, (char *)msg);
        free(ctx);
        return -1;
    }
    pcre2_jit_compile(ctx->code, PCRE2_JIT_COMPLETE);
    int id = buffer ? applayer_buffer_id(buffer) : -1;
    /* Outside a sticky buffer the flag moves this regex alone there, as a content modifier
     * does: the payload keywords after it stay on the payload (Suricata 7). */
    bool alone = buffer && id >= 0 && !sig_in_sticky_buffer(sig);
    if (buffer && !alone && (id < 0 || sig_set_sticky_buffer(sig, id) != 0)) {
        snprintf(err, errlen, "buffer %s is not available", buffer);
        pcre_free_ctx(ctx);
        return -1;
    }
    if (!sig_append(sig, SIG_LIST_PAYLOAD, kw, ctx))
        return -1;
    return alone ? sig_move_last_to_buffer(sig, id, err, errlen) : 0;
}

/* A relative regex sees the buffer from the previous match's end, so "^" anchors there (as
 * in Suricata). On a later failure the regex is retried past its previous match start. */
static bool pcre_inspect(InspectState *st, const SigMatch *sm)
{
    const PcreCtx *ctx = sm->ctx;
    uint32_t base = ctx->relative ? st->prev_end : 0;
    if (base > st->len)
        return ctx->negated && detect_inspect_list(st, sm->next);
    DetectThread *dt = st->m->dt;
    uint32_t saved = st->prev_end;
    PCRE2_SIZE from = 0;
    while (st->steps++ < INSPECT_STEP_LIMIT) {
        int rc = pcre2_match(ctx->code, st->buf + base, st->len - base, from, 0, dt->pcre_md,
                             dt->pcre_mctx);
        if (ctx->negated)
            return rc < 0 && detect_inspect_list(st, sm->next);
        if (rc < 0)
            return false;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(dt->pcre_md);
        PCRE2_SIZE start = ov[0], end = ov[1];
        st->prev_end = base + (uint32_t)end;
        if (detect_inspect_list(st, sm->next))
            return true;
        st->prev_end = saved;
        if (!sm->next || !sm->next->relative || start + 1 > st->len - base)
            return false;
        from = start + 1;
    }
    return false;
}

static bool pcre_is_relative(const void *ctx)
{
    return ((const PcreCtx *)ctx)->relative;
}

const DetectKeyword detect_pcre_keywords[] = {
    {.name = "pcre", .setup = pcre_setup, .inspect = pcre_inspect, .free_ctx = pcre_free_ctx,
     .is_relative = pcre_is_relative},
    {.name = NULL},
};
