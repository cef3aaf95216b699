/*
 * detect-pcre.c - pcre:"/regex/flags" with PCRE2 and its JIT.
 *
 * Standard flags i s m x, Suricata's A (anchored), E (dollar end only), G (ungreedy), R
 * (relative to the previous match), and the buffer flags (U http.uri, I http.uri.raw, P
 * http.request_body, Q http.response_body, H http.header, D http.header.raw, M http.method,
 * C http.cookie, S http.stat_code, Y http.stat_msg, V http.user_agent, W http.host, Z
 * http.host.raw) which put the regex alone in that buffer, as a content modifier does.
 *
 * Captures, as Suricata 7: "/re/flags, flow:a,pkt:b" stores capture group 1 in flow
 * variable a and group 2 in packet variable b ("pkt:key,pkt:value": group 1 names a packet
 * variable, group 2 is its value); named groups (?P<flow_a>...) and (?P<pkt_b>...) come
 * after those. At most 8. A regex without a list of names is compiled with its plain
 * groups not capturing (faster; unless a back-reference needs them). The values are kept
 * only once the whole rule matched (detect-flowvars.c).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-engine.h"
#include "detect/detect-flowvars.h"
#include "detect/detect-keywords.h"

#define PCRE_CAPTURE_MAX 8

/* Where capture group i+1 goes. */
typedef struct PcreCapture {
    VarCapture type;
    int id;               /* variable name id */
    bool key_value;       /* pkt:key: this group is the name, the next one the value */
} PcreCapture;

typedef struct PcreCtx {
    pcre2_code *code;
    bool negated, relative;
    PcreCapture caps[PCRE_CAPTURE_MAX];
    uint8_t cap_count;
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

/* Suricata splits "/re/flags, flow:a,pkt:b" at the first "flow:" or "pkt:" that commas or
 * spaces separate from what is before it; without a separator it is part of the regex.
 * Returns the length of the regex part; *names the list, or NULL. */
static size_t split_capture_names(const char *v, size_t len, const char **names)
{
    const char *fl = memmem(v, len, "flow:", 5), *pk = memmem(v, len, "pkt:", 4);
    const char *cut = !fl ? pk : !pk ? fl : fl < pk ? fl : pk;
    *names = NULL;
    if (!cut || cut - v <= 1)
        return len;
    size_t end = (size_t)(cut - v), off = end - 1;
    while (off && (v[off] == ',' || v[off] == ' '))
        off--;
    if (off + 1 == end)
        return len;
    *names = cut;
    return off + 1;
}

static int add_capture(PcreCtx *ctx, VarCapture type, const char *name, bool key_value)
{
    if (ctx->cap_count >= PCRE_CAPTURE_MAX)
        return -1;
    int id = key_value ? 0 : flowvar_capture_name_id(name, type);
    if (id < 0)
        return -1;
    ctx->caps[ctx->cap_count++] = (PcreCapture){type, id, key_value};
    return 0;
}

/* One name of the list; *key: a pkt:key is waiting for its pkt:value. */
static int parse_capture_name(PcreCtx *ctx, const char *name, bool *key, char *err, size_t errlen)
{
    bool is_value = strcmp(name, "pkt:value") == 0;
    if (*key || is_value) {
        *key = false;
        if (is_value && ctx->cap_count && ctx->caps[ctx->cap_count - 1].key_value)
            return 0;
        snprintf(err, errlen, "pkt:key must be followed by pkt:value");
        return -1;
    }
    int rc;
    if (strcmp(name, "pkt:key") == 0)
        rc = add_capture(ctx, VAR_CAPTURE_PKT, NULL, *key = true);
    else if (strncmp(name, "flow:", 5) == 0)
        rc = add_capture(ctx, VAR_CAPTURE_FLOW, name + 5, false);
    else if (strncmp(name, "pkt:", 4) == 0)
        rc = add_capture(ctx, VAR_CAPTURE_PKT, name + 4, false);
    else {
        snprintf(err, errlen, "capture names must start with 'pkt:' or 'flow:'");
        return -1;
    }
    if (rc != 0)
        snprintf(err, errlen, "at most %d pkt/flow var captures", PCRE_CAPTURE_MAX);
    return rc;
}

/* "flow:a,pkt:b" (up to end; a closing quote ends it too): no more names than groups. */
static int parse_capture_list(PcreCtx *ctx, const char *names, const char *end, char *err,
                              size_t errlen)
{
    uint32_t groups = 0;
    pcre2_pattern_info(ctx->code, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (!groups)
        return 0;
    char *list = strndup(names, (size_t)(end - names));
    if (!list)
        return -1;
    bool key = false;
    int rc = 0;
    char *save = NULL;
    for (char *n = strtok_r(list, " ,\"", &save); n && rc == 0; n = strtok_r(NULL, " ,\"", &save)) {
        if (ctx->cap_count >= groups) {
            snprintf(err, errlen, "more pkt/flow var capture names than capturing substrings");
            rc = -1;
        } else {
            rc = parse_capture_name(ctx, n, &key, err, errlen);
        }
    }
    free(list);
    return rc == 0 && key ? (snprintf(err, errlen, "pkt:key without pkt:value"), -1) : rc;
}

/* Named groups "(?P<flow_name>" and "(?P<pkt_name>" anywhere in the option; other kinds
 * are skipped (and take no variable). */
static int parse_named_captures(PcreCtx *ctx, const char *v, char *err, size_t errlen)
{
    for (const char *at = strstr(v, "(?P<"); at; at = strstr(at + 1, "(?P<")) {
        const char *type = at + 4, *us = strchr(type, '_');
        const char *close = us ? strchr(us, '>') : NULL;
        if (!close || us == type || close == us + 1)
            continue;
        bool flow = us - type == 4 && strncmp(type, "flow", 4) == 0;
        bool pkt = us - type == 3 && strncmp(type, "pkt", 3) == 0;
        if (!flow && !pkt)
            continue;
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(close - us - 1), us + 1);
        if (add_capture(ctx, flow ? VAR_CAPTURE_FLOW : VAR_CAPTURE_PKT, name, false) != 0) {
            snprintf(err, errlen, "at most %d pkt/flow var captures", PCRE_CAPTURE_MAX);
            return -1;
        }
    }
    return 0;
}

/* Plain groups do not capture unless variables are named after the regex, as Suricata
 * compiles it; a regex that refers back to a group (error 115) is compiled as written. */
static pcre2_code *compile_regex(const char *re, size_t len, uint32_t options, bool names,
                                 int *code_err, PCRE2_SIZE *err_off)
{
    uint32_t no_auto = names ? 0 : PCRE2_NO_AUTO_CAPTURE;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, len, options | no_auto, code_err, err_off,
                                     NULL);
    if (!code && no_auto && *code_err == 115)
        code = pcre2_compile((PCRE2_SPTR)re, len, options, code_err, err_off, NULL);
    return code;
}

static void pcre_free_ctx(void *p)
{
    PcreCtx *ctx = p;
    if (ctx)
        pcre2_code_free(ctx->code);
    free(ctx);
}

/* The rule matched in full: its captures become variables (Suricata's flowvar post-match). */
static uint64_t capture_tag(const DetectThread *dt, const Signature *sig)
{
    return (uint64_t)dt->stamp << 32 | sig->num;
}

static bool capture_store_match(DetectMatchCtx *m, const void *ctx)
{
    (void)ctx;
    flowvar_capture_commit(m->dt->flowvars, capture_tag(m->dt, m->sig), m->p, m->f);
    return true;
}

/* Not in the keyword table: a rule cannot name it, pcre adds it. */
static const DetectKeyword capture_store_kw = {.name = "pcre capture store",
                                               .match_packet = capture_store_match};

static int add_capture_store(Signature *sig)
{
    for (const SigMatch *sm = sig->fixed[SIG_LIST_POSTMATCH].head; sm; sm = sm->next)
        if (sm->keyword == &capture_store_kw)
            return 0;
    return sig_append(sig, SIG_LIST_POSTMATCH, &capture_store_kw, NULL) ? 0 : -1;
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
    const char *names = NULL;
    const char *v_end = v + len;
    len = split_capture_names(v, len, &names);
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
    ctx->code = compile_regex(v + 1, (size_t)(close - v - 1), options, names != NULL, &code_err,
                              &err_off);
    if (!ctx->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code_err, msg, sizeof(msg));
        snprintf(err, errlen, "regex error at offset %zu: %s", (size_t)err_off, (char *)msg);
        free(ctx);
        return -1;
    }
    if ((names && parse_capture_list(ctx, names, v_end, err, errlen) != 0) ||
        parse_named_captures(ctx, value, err, errlen) != 0 ||
        (ctx->cap_count && add_capture_store(sig) != 0)) {
        pcre_free_ctx(ctx);
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

/* Keeps the groups a match captured for the rule's variables (at most 64 KiB each, a
 * key/value pair's key 255 bytes, as Suricata). */
static void record_captures(const PcreCtx *ctx, InspectState *st, const uint8_t *base, int rc)
{
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->m->dt->pcre_md);
    uint64_t tag = capture_tag(st->m->dt, st->m->sig);
    for (int x = 0; x < ctx->cap_count && x + 1 < rc; x++) {
        const PcreCapture *c = &ctx->caps[x];
        PCRE2_SIZE a = ov[2 * (x + 1)], b = ov[2 * (x + 1) + 1];
        if (a == PCRE2_UNSET || b < a)
            continue;
        uint16_t len = b - a < 0xffff ? (uint16_t)(b - a) : 0xffff;
        if (!c->key_value) {
            flowvar_capture(st->m->dt->flowvars, tag, c->type, c->id, NULL, 0, base + a, len);
            continue;
        }
        if (x + 2 >= rc || ov[2 * (x + 2)] == PCRE2_UNSET)
            break;
        PCRE2_SIZE va = ov[2 * (x + 2)], vb = ov[2 * (x + 2) + 1];
        flowvar_capture(st->m->dt->flowvars, tag, c->type, 0, base + a, len < 0xff ? len : 0xff,
                        base + va, vb - va < 0xffff ? (uint16_t)(vb - va) : 0xffff);
    }
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
        if (ctx->cap_count && rc > 1)
            record_captures(ctx, st, st->buf + base, rc);
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
