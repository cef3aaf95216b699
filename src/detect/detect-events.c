/*
 * detect-events.c - keywords on what other stages concluded about the packet or flow:
 * app-layer-protocol (the flow's detected protocol), decode-event and stream-event (events
 * the decoder and stream engine raised on this packet, by Suricata's names such as
 * "ipv4.trunc_pkt" and "3whs_ack_in_wrong_dir"), and app-layer-event (events a
 * parser recorded on the transaction being inspected).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-keywords.h"

typedef struct AppProtoCtx {
    AppProto proto;
    bool negated;
} AppProtoCtx;

static int app_proto_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    char *comma = strchr(buf, ',');
    if (comma)
        *comma = '\0';  /* ",final" / ",original"... : bongsu has one protocol per flow */
    char *name = buf;
    AppProtoCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    if (*name == '!') {
        ctx->negated = true;
        name++;
    }
    ctx->proto = app_proto_by_name(name);
    if (ctx->proto == ALPROTO_UNKNOWN && strcmp(name, "unknown") != 0) {
        snprintf(err, errlen, "unknown or unsupported protocol \"%s\"", name);
        free(ctx);
        return -1;
    }
    return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

/* The protocol the packet's direction was detected as (Suricata compares alproto_ts or
 * alproto_tc): a server's ACK before its response was detected knows none yet. */
static bool app_proto_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const AppProtoCtx *ctx = ctx_ptr;
    const AppLayerFlow *app = m->f ? m->f->app : NULL;
    AppProto have = !app || app->proto == ALPROTO_UNKNOWN ? ALPROTO_UNKNOWN
                  : m->to_server ? app->proto_ts : app->proto_tc;
    if (have == ALPROTO_UNKNOWN && ctx->proto != ALPROTO_UNKNOWN)
        return false;  /* not yet known: neither matches nor "not" matches, as in Suricata */
    return (have == ctx->proto) != ctx->negated;
}

typedef struct EventCtx {
    int event;
} EventCtx;

static int event_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                       size_t errlen)
{
    const char *prefix = strcmp(kw->name, "stream-event") == 0 ? "stream." : "decoder.";
    char name[128];
    snprintf(name, sizeof(name), "%s%s", prefix, value ? value : "");
    int event = decode_event_by_name(name);
    if (event < 0) {
        snprintf(err, errlen, "unknown event \"%s\"", value ? value : "");
        return -1;
    }
    EventCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    ctx->event = event;
    return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

static bool event_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const EventCtx *ctx = ctx_ptr;
    return m->p && packet_has_event(m->p, (DecodeEvent)ctx->event);
}

/* app-layer-event:proto.name. A protocol whose parser records its events per transaction
 * (tx_has_event) makes this a transaction rule of that protocol, checked when detection
 * inspects the transaction; the framework's own events (applayer_mismatch_protocol...) and
 * those of parsers without the hook load but cannot match (inert). */
typedef struct AppEventCtx {
    AppProto proto;
    char name[64];
} AppEventCtx;

static bool app_event_name_valid(const char *value, const char *dot)
{
    return dot && dot != value && dot[1] && !strpbrk(value, " ,;") && strlen(dot + 1) < 64;
}

static int app_event_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    const char *dot = value ? strchr(value, '.') : NULL;
    if (value && !dot && strncmp(value, "applayer_", 9) == 0 && !strpbrk(value, " ,;")) {
        sig->flags |= SIG_FLAG_INERT;  /* framework events: applayer_mismatch_protocol... */
        return 0;
    }
    if (!app_event_name_valid(value, dot)) {
        snprintf(err, errlen, "expected proto.event_name, got \"%s\"", value ? value : "");
        return -1;
    }
    char proto_name[32];
    snprintf(proto_name, sizeof(proto_name), "%.*s", (int)(dot - value), value);
    AppProto proto = app_proto_by_name(proto_name);
    if (proto == ALPROTO_UNKNOWN && strcmp(proto_name, "applayer") != 0 &&
        strcmp(proto_name, "file") != 0) {
        snprintf(err, errlen, "unknown protocol \"%s\"", proto_name);
        return -1;
    }
    const AppLayerParser *parser = proto != ALPROTO_UNKNOWN ? applayer_parser(proto) : NULL;
    if (!parser || !parser->tx_has_event ||
        (sig->alproto != ALPROTO_UNKNOWN && sig->alproto != proto)) {
        sig->flags |= SIG_FLAG_INERT;
        return 0;
    }
    AppEventCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    ctx->proto = proto;
    snprintf(ctx->name, sizeof(ctx->name), "%s", dot + 1);
    sig->alproto = proto;
    sig->flags |= SIG_FLAG_APPLAYER | SIG_FLAG_TX_STATE;
    return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

static bool app_event_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const AppEventCtx *ctx = ctx_ptr;
    if (!m->tx || m->proto != ctx->proto)
        return false;
    const AppLayerParser *parser = applayer_parser(ctx->proto);
    return parser && parser->tx_has_event && parser->tx_has_event(m->tx, ctx->name);
}

const DetectKeyword detect_event_keywords[] = {
    {.name = "app-layer-event", .setup = app_event_setup, .match_packet = app_event_match},
    {.name = "app-layer-protocol", .setup = app_proto_setup, .match_packet = app_proto_match},
    {.name = "decode-event", .setup = event_setup, .match_packet = event_match},
    {.name = "stream-event", .setup = event_setup, .match_packet = event_match},
    {.name = NULL},
};
