/*
 * detect-flow.c - the flow keyword: established, not_established, stateless, to_server /
 * from_client, to_client / from_server, only_stream, no_stream, only_frag, no_frag.
 */
#include "detect/detect-keywords.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOW_ESTABLISHED 0x01
#define FLOW_NOT_ESTABLISHED 0x02
#define FLOW_TOSERVER 0x04
#define FLOW_TOCLIENT 0x08
#define FLOW_ONLY_STREAM 0x10
#define FLOW_NO_STREAM 0x20
#define FLOW_ONLY_FRAG 0x40
#define FLOW_NO_FRAG 0x80

typedef struct FlowMatchCtx {
    uint32_t flags;
} FlowMatchCtx;

bool detect_flow_only_direction(const void *flow_ctx)
{
    const FlowMatchCtx *ctx = flow_ctx;
    return ctx->flags == FLOW_TOSERVER || ctx->flags == FLOW_TOCLIENT;
}

static uint32_t flow_option_flag(const char *opt)
{
    static const struct {
        const char *name;
        uint32_t flag;
    } opts[] = {{"established", FLOW_ESTABLISHED}, {"not_established", FLOW_NOT_ESTABLISHED},
                {"stateless", 0},                  {"to_server", FLOW_TOSERVER},
                {"from_client", FLOW_TOSERVER},    {"to_client", FLOW_TOCLIENT},
                {"from_server", FLOW_TOCLIENT},    {"only_stream", FLOW_ONLY_STREAM},
                {"no_stream", FLOW_NO_STREAM},     {"only_frag", FLOW_ONLY_FRAG},
                {"no_frag", FLOW_NO_FRAG}};
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        if (strcmp(opt, opts[i].name) == 0)
            return opts[i].flag;
    return UINT32_MAX;
}

static int flow_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                      size_t errlen)
{
    if (!value) {
        snprintf(err, errlen, "needs options");
        return -1;
    }
    FlowMatchCtx *ctx = calloc(1, sizeof(*ctx));
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", value);
    char *save = NULL;
    for (char *opt = strtok_r(copy, ", ", &save); opt; opt = strtok_r(NULL, ", ", &save)) {
        uint32_t flag = flow_option_flag(opt);
        if (flag == UINT32_MAX) {
            snprintf(err, errlen, "unknown flow option \"%s\"", opt);
            free(ctx);
            return -1;
        }
        ctx->flags |= flag;
    }
    if ((ctx->flags & FLOW_TOSERVER) && (ctx->flags & FLOW_TOCLIENT)) {
        snprintf(err, errlen, "to_server and to_client together never match");
        free(ctx);
        return -1;
    }
    if (ctx->flags & FLOW_TOSERVER)
        sig->flags |= SIG_FLAG_TOSERVER;
    if (ctx->flags & FLOW_TOCLIENT)
        sig->flags |= SIG_FLAG_TOCLIENT;
    if (ctx->flags & FLOW_NO_STREAM)
        sig->flags |= SIG_FLAG_REQUIRE_PACKET;
    if (ctx->flags & FLOW_ONLY_STREAM)
        sig->flags |= SIG_FLAG_STREAM_ONLY;
    return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

/* The packet's view when the flow module saw it (see Packet.flow_established); packets
 * that did not pass through it (stream and flow-end pseudo packets) take the flow's. */
static bool flow_is_established(const DetectMatchCtx *m)
{
    if (m->p && m->p->flow == m->f && m->f && !m->p->stream_pseudo)
        return m->p->flow_established;
    return m->f && m->f->state != FLOW_STATE_NEW;
}

static bool flow_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const FlowMatchCtx *ctx = ctx_ptr;
    if ((ctx->flags & (FLOW_TOSERVER | FLOW_TOCLIENT)) && !m->f)
        return false;
    if ((ctx->flags & FLOW_TOSERVER) && !m->to_server)
        return false;
    if ((ctx->flags & FLOW_TOCLIENT) && m->to_server)
        return false;
    if ((ctx->flags & FLOW_ESTABLISHED) && !flow_is_established(m))
        return false;
    if ((ctx->flags & FLOW_NOT_ESTABLISHED) && flow_is_established(m))
        return false;
    bool reassembled = m->p && m->p->is_reassembled;
    if ((ctx->flags & FLOW_ONLY_FRAG) && !reassembled)
        return false;
    if ((ctx->flags & FLOW_NO_FRAG) && reassembled)
        return false;
    return true;
}

const DetectKeyword detect_flow_keywords[] = {
    {.name = "flow", .setup = flow_setup, .match_packet = flow_match},
    {.name = NULL},
};
