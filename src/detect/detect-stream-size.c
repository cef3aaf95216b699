/*
 * detect-stream-size.c - stream_size:<server|client|both|either>,<op>,<bytes>;
 *
 * Compares how far each side of the TCP session has got: its next expected sequence number
 * minus its initial one, as Suricata does, so the SYN counts as one byte and a side that sent
 * SYN plus 100 bytes has size 101. Operators are <, >, =, !=, <= and >=. `both` needs the
 * comparison to hold for the two sides, `either` for one. Packets without a TCP session never
 * match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-keywords.h"
#include "detect/detect-uint.h"
#include "stream/stream-tcp.h"

typedef enum StreamSizeSide { SS_SERVER, SS_CLIENT, SS_BOTH, SS_EITHER } StreamSizeSide;

typedef struct StreamSizeCtx {
    StreamSizeSide side;
    DetectUint cmp;
} StreamSizeCtx;

static int parse_side(const char *text, StreamSizeSide *side)
{
    static const char *const names[] = {"server", "client", "both", "either"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            *side = (StreamSizeSide)i;
            return 0;
        }
    }
    return -1;
}

static int stream_size_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                             char *err, size_t errlen)
{
    char side[16], op[8], num[24], extra[2];
    StreamSizeCtx ctx;
    if (!value || sscanf(value, " %15[a-z] , %7[<>=!] , %23[0-9] %1s", side, op, num, extra) != 3 ||
        parse_side(side, &ctx.side) != 0 || detect_uint_parse_op(op, num, &ctx.cmp, UINT32_MAX) != 0) {
        snprintf(err, errlen, "expected <server|client|both|either>,<op>,<bytes>, not \"%s\"",
                 value ? value : "");
        return -1;
    }
    StreamSizeCtx *copy = malloc(sizeof(*copy));
    if (!copy)
        return -1;
    *copy = ctx;
    return sig_append(sig, SIG_LIST_PACKET, kw, copy) ? 0 : -1;
}

static bool stream_size_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const StreamSizeCtx *ctx = ctx_ptr;
    uint32_t client, server;
    if (!m->f || !stream_seen_bytes(m->f, &client, &server))
        return false;
    bool c = detect_uint_match(&ctx->cmp, client), s = detect_uint_match(&ctx->cmp, server);
    switch (ctx->side) {
    case SS_SERVER: return s;
    case SS_CLIENT: return c;
    case SS_BOTH: return c && s;
    default: return c || s;
    }
}

const DetectKeyword detect_stream_size_keywords[] = {
    {.name = "stream_size", .setup = stream_size_setup, .match_packet = stream_size_match},
    {.name = NULL},
};
