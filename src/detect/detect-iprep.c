/*
 * detect-iprep.c - iprep:<any|src|dst|both>,<category>,<op>,<score>;
 *
 * Looks up the packet's source and/or destination in the reputation store (the most specific
 * netblock covering it) for a category named in the categories file, and compares the score
 * with <, >, =, <=, >= or !=. An address no entry covers has no score and never matches; `any`
 * holds when the source or the destination does, `both` when the two do, as Suricata's. For a
 * transaction, the flow's addresses stand in for the packet's, in the rule's direction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-engine.h"
#include "detect/detect-iprep.h"
#include "detect/detect-keywords.h"
#include "detect/detect-uint.h"

typedef enum IprepSide { IR_ANY, IR_SRC, IR_DST, IR_BOTH } IprepSide;

typedef struct IprepCtx {
    IprepSide side;
    int cat;
    DetectUint cmp;
} IprepCtx;

static IprepStore *loading_store;

void iprep_loading(IprepStore *s)
{
    loading_store = s;
}

static int iprep_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                       size_t errlen)
{
    static const char *const sides[] = {"any", "src", "dst", "both"};
    char side[8], cat[64], op[4], num[8], extra[2];
    IprepCtx ctx = {.side = IR_ANY, .cat = -1};
    int s = -1;
    if (!value || sscanf(value, " %7[a-z] , %63[^, ] , %3[<>=!] , %7[0-9] %1s", side, cat, op,
                         num, extra) != 4 || detect_uint_parse_op(op, num, &ctx.cmp, 127) != 0) {
        snprintf(err, errlen, "expected <any|src|dst|both>,<category>,<op>,<score 0-127>");
        return -1;
    }
    for (int i = 0; i < 4; i++)
        if (strcmp(side, sides[i]) == 0)
            s = i;
    ctx.cat = iprep_category(loading_store, cat);
    if (s < 0 || ctx.cat < 0) {
        snprintf(err, errlen, s < 0 ? "unknown side \"%s\" (any, src, dst, both)"
                                    : "unknown reputation category \"%s\"",
                 s < 0 ? side : cat);
        return -1;
    }
    ctx.side = (IprepSide)s;
    IprepCtx *copy = malloc(sizeof(*copy));
    if (!copy)
        return -1;
    *copy = ctx;
    return sig_append(sig, SIG_LIST_PACKET, kw, copy) ? 0 : -1;
}

static bool side_matches(const IprepStore *store, const IprepCtx *ctx, const Address *a)
{
    int score = iprep_lookup(store, a, ctx->cat);
    return score >= 0 && detect_uint_match(&ctx->cmp, (uint64_t)score);
}

static bool iprep_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const IprepCtx *ctx = ctx_ptr;
    const IprepStore *store = m->dt->de->iprep;
    const Address *src, *dst;
    if (!store || !detect_match_endpoints(m, &src, &dst))
        return false;
    switch (ctx->side) {
    case IR_SRC: return side_matches(store, ctx, src);
    case IR_DST: return side_matches(store, ctx, dst);
    case IR_BOTH: return side_matches(store, ctx, src) && side_matches(store, ctx, dst);
    default: return side_matches(store, ctx, src) || side_matches(store, ctx, dst);
    }
}

const DetectKeyword detect_iprep_keywords[] = {
    {.name = "iprep", .setup = iprep_setup, .match_packet = iprep_match},
    {.name = NULL},
};
