/*
 * detect-flowbits.c - the flowbits and flowint keywords.
 *
 * flowbits:set|unset|toggle,name are actions: they run only when the rest of the rule
 * matched (SIG_LIST_POSTMATCH). flowbits:isset|isnotset,name (also "a|b": any of them) are
 * conditions on the packet list. flowbits:noalert keeps the rule silent. flowint:name,op,value
 * either changes a per-flow counter (=, +, -) after a match, or compares it (==, !=, <, <=,
 * >, >=, isset, notset) as a condition; the value may be another flowint. Without a flow,
 * conditions do not hold, as in Suricata.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-engine.h"
#include "common/textutil.h"
#include "detect/detect-flowvars.h"
#include "detect/detect-keywords.h"

#define FLOWBITS_MAX_OR 8

typedef enum FlowbitCmd { FB_SET, FB_UNSET, FB_TOGGLE, FB_ISSET, FB_ISNOTSET } FlowbitCmd;

typedef struct FlowbitsCtx {
    FlowbitCmd cmd;
    int ids[FLOWBITS_MAX_OR];
    int count;
} FlowbitsCtx;

static int parse_names(FlowbitsCtx *ctx, char *names, char *err, size_t errlen)
{
    char *save = NULL;
    for (char *n = strtok_r(names, "|", &save); n; n = strtok_r(NULL, "|", &save)) {
        n = text_trim(n);
        if (!*n || strpbrk(n, " \t&") || ctx->count >= FLOWBITS_MAX_OR) {
            snprintf(err, errlen, "invalid flowbit name \"%s\"", n);
            return -1;
        }
        ctx->ids[ctx->count] = flowvar_name_id(n, false);
        if (ctx->ids[ctx->count++] < 0) {
            snprintf(err, errlen, "too many flowbit names");
            return -1;
        }
    }
    if (!ctx->count) {
        snprintf(err, errlen, "needs a flowbit name");
        return -1;
    }
    return 0;
}

static int flowbits_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                          size_t errlen)
{
    static const struct {
        const char *name;
        FlowbitCmd cmd;
    } cmds[] = {{"set", FB_SET}, {"unset", FB_UNSET}, {"toggle", FB_TOGGLE},
                {"isset", FB_ISSET}, {"isnotset", FB_ISNOTSET}};
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    char *comma = strchr(buf, ',');
    if (comma)
        *comma = '\0';
    char *cmd = text_trim(buf);
    if (strcmp(cmd, "noalert") == 0 && !comma) {
        sig->flags |= SIG_FLAG_NOALERT;
        return 0;
    }
    FlowbitsCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    size_t i = 0;
    while (i < sizeof(cmds) / sizeof(cmds[0]) && strcmp(cmd, cmds[i].name) != 0)
        i++;
    if (i == sizeof(cmds) / sizeof(cmds[0]) || !comma) {
        snprintf(err, errlen, i == sizeof(cmds) / sizeof(cmds[0])
                                  ? "unknown command \"%s\" (set, unset, toggle, isset, "
                                    "isnotset, noalert)" : "\"%s\" needs a flowbit name", cmd);
        free(ctx);
        return -1;
    }
    ctx->cmd = cmds[i].cmd;
    if (parse_names(ctx, comma + 1, err, errlen) != 0 ||
        (ctx->count > 1 && ctx->cmd != FB_ISSET && ctx->cmd != FB_ISNOTSET)) {
        if (!err[0])
            snprintf(err, errlen, "only isset and isnotset take several names (a|b)");
        free(ctx);
        return -1;
    }
    bool action = ctx->cmd <= FB_TOGGLE;
    sig->flags |= action ? SIG_FLAG_FLOWBITS_SET : SIG_FLAG_FLOWBITS_READ;
    return sig_append(sig, action ? SIG_LIST_POSTMATCH : SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

static bool flowbits_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const FlowbitsCtx *ctx = ctx_ptr;
    if (!m->f)
        return false;
    FlowVarStore *s = m->dt->flowvars;
    switch (ctx->cmd) {
    case FB_SET: flowbit_set(s, m->f, ctx->ids[0], true); return true;
    case FB_UNSET: flowbit_set(s, m->f, ctx->ids[0], false); return true;
    case FB_TOGGLE: flowbit_toggle(s, m->f, ctx->ids[0]); return true;
    case FB_ISSET:
        for (int i = 0; i < ctx->count; i++)
            if (flowbit_isset(s, m->f, ctx->ids[i]))
                return true;
        return false;
    case FB_ISNOTSET:
        for (int i = 0; i < ctx->count; i++)
            if (!flowbit_isset(s, m->f, ctx->ids[i]))
                return true;
        return false;
    }
    return false;
}

typedef enum FlowintOp {
    FI_SET, FI_ADD, FI_SUB, FI_EQ, FI_NE, FI_LT, FI_LE, FI_GT, FI_GE, FI_ISSET, FI_NOTSET
} FlowintOp;

typedef struct FlowintCtx {
    int id;
    FlowintOp op;
    uint64_t value;
    int value_var;           /* another flowint as the value, or -1 */
} FlowintCtx;

static int flowint_parse_op(const char *op, FlowintOp *out)
{
    static const struct {
        const char *name;
        FlowintOp op;
    } ops[] = {{"=", FI_SET},   {"+", FI_ADD},   {"-", FI_SUB},     {"==", FI_EQ},
               {"!=", FI_NE},   {"<", FI_LT},    {"<=", FI_LE},     {">", FI_GT},
               {">=", FI_GE},   {"isset", FI_ISSET}, {"notset", FI_NOTSET},
               {"isnotset", FI_NOTSET}};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(op, ops[i].name) == 0) {
            *out = ops[i].op;
            return 0;
        }
    }
    return -1;
}

static int flowint_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                         size_t errlen)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    char *parts[3] = {NULL, NULL, NULL};
    char *save = NULL;
    int n = 0;
    for (char *t = strtok_r(buf, ",", &save); t && n < 3; t = strtok_r(NULL, ",", &save))
        parts[n++] = text_trim(t);
    FlowintCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    ctx->value_var = -1;
    if (n < 2 || !*parts[0] || flowint_parse_op(parts[1], &ctx->op) != 0 ||
        ((ctx->op == FI_ISSET || ctx->op == FI_NOTSET) != (n == 2))) {
        snprintf(err, errlen, "expected name,op[,value] with op one of = + - == != < <= > >= "
                              "isset notset");
        free(ctx);
        return -1;
    }
    ctx->id = flowvar_name_id(parts[0], true);
    if (n == 3) {
        char *end;
        if (isdigit((unsigned char)*parts[2])) {
            ctx->value = strtoull(parts[2], &end, 10);
            if (*end) {
                snprintf(err, errlen, "invalid value \"%s\"", parts[2]);
                free(ctx);
                return -1;
            }
        } else {
            ctx->value_var = flowvar_name_id(parts[2], true);
        }
    }
    /* Changes run where they stand among the rule's packet keywords, as in Suricata, so
     * "flowint:n,+,1; flowint:n,>,2;" counts this packet before comparing. */
    return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

static bool flowint_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const FlowintCtx *ctx = ctx_ptr;
    if (!m->f)
        return false;
    FlowVarStore *s = m->dt->flowvars;
    uint64_t cur = 0, val = ctx->value;
    bool set = flowint_get(s, m->f, ctx->id, &cur);
    if (ctx->value_var >= 0 && !flowint_get(s, m->f, ctx->value_var, &val))
        return false;
    switch (ctx->op) {
    case FI_SET: flowint_put(s, m->f, ctx->id, val); return true;
    case FI_ADD: flowint_put(s, m->f, ctx->id, cur + val); return true;
    case FI_SUB: flowint_put(s, m->f, ctx->id, set && cur > val ? cur - val : 0); return true;
    case FI_ISSET: return set;
    case FI_NOTSET: return !set;
    case FI_EQ: return set && cur == val;
    case FI_NE: return set && cur != val;
    case FI_LT: return set && cur < val;
    case FI_LE: return set && cur <= val;
    case FI_GT: return set && cur > val;
    case FI_GE: return set && cur >= val;
    }
    return false;
}

const DetectKeyword detect_flowbits_keywords[] = {
    {.name = "flowbits", .setup = flowbits_setup, .match_packet = flowbits_match},
    {.name = "flowint", .setup = flowint_setup, .match_packet = flowint_match},
    {.name = NULL},
};
