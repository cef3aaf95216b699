/*
 * app-layer.c - the application-layer framework (see app-layer.h): per-flow state, the hand-off
 * from detection to the parser, transaction logging and clean-up, counters.
 */
#include "applayer/app-layer.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-internal.h"
#include "common/timefmt.h"
#include "config/config.h"

static const char *const proto_names[ALPROTO_MAX] = {
    [ALPROTO_UNKNOWN] = "unknown", [ALPROTO_HTTP] = "http", [ALPROTO_DNS] = "dns",
    [ALPROTO_TLS] = "tls",         [ALPROTO_FAILED] = "failed",
    [ALPROTO_FTP] = "ftp",         [ALPROTO_FTPDATA] = "ftp-data",
    [ALPROTO_SMB] = "smb",         [ALPROTO_SMTP] = "smtp",
};

const struct ConfNode *applayer_eve_type_conf(const struct ConfNode *conf, const char *type)
{
    const ConfNode *outputs = conf ? conf_node(conf, "outputs") : NULL;
    for (size_t i = 0; outputs && i < conf_node_count(outputs); i++) {
        const ConfNode *eve = conf_node_lookup(conf_node_child(outputs, i), "eve-log");
        const ConfNode *body = NULL;
        if (eve && conf_seq_has_item(conf_node_lookup(eve, "types"), type, &body))
            return body;
    }
    return NULL;
}

const char *app_proto_name(AppProto proto)
{
    return (unsigned)proto < ALPROTO_MAX ? proto_names[proto] : "unknown";
}

AppProto app_proto_by_name(const char *name)
{
    for (int i = 0; i < ALPROTO_MAX; i++)
        if (strcmp(proto_names[i], name) == 0)
            return (AppProto)i;
    if (strcmp(name, "http1") == 0)
        return ALPROTO_HTTP;
    return ALPROTO_UNKNOWN;
}

AppLayerCounterIds applayer_ids;

/* Suricata names per-protocol counters with a transport suffix when the protocol runs over
 * both (dns_tcp, dns_udp) and without one otherwise (http, tls). */
static void counter_name(char *buf, size_t len, const char *prefix, const AppLayerParser *p,
                         bool tcp, const char *suffix)
{
    if (p->on_tcp && p->on_udp)
        snprintf(buf, len, "%s.%s_%s%s", prefix, p->name, tcp ? "tcp" : "udp", suffix);
    else
        snprintf(buf, len, "%s.%s%s", prefix, p->name, suffix);
}

void applayer_register_counters(void)
{
    applayer_ids.failed_tcp = counters_register("app_layer.flow.failed_tcp");
    applayer_ids.failed_udp = counters_register("app_layer.flow.failed_udp");
    for (int proto = 0; proto < ALPROTO_MAX; proto++) {
        const AppLayerParser *p = applayer_parser((AppProto)proto);
        if (!p)
            continue;
        for (int tcp = 0; tcp < 2; tcp++) {
            if ((tcp && !p->on_tcp) || (!tcp && !p->on_udp))
                continue;
            char name[128];
            counter_name(name, sizeof(name), "app_layer.flow", p, tcp, "");
            applayer_ids.flows[proto][tcp] = counters_register(name);
            counter_name(name, sizeof(name), "app_layer.tx", p, tcp, "");
            applayer_ids.txs[proto][tcp] = counters_register(name);
            counter_name(name, sizeof(name), "app_layer.error", p, tcp, ".parser");
            applayer_ids.parser_errors[proto][tcp] = counters_register(name);
        }
    }
}

AppLayerFlow *applayer_flow_state(Flow *f)
{
    if (!f->app)
        f->app = calloc(1, sizeof(AppLayerFlow));
    return f->app;
}

static bool flow_is_tcp(const Flow *f)
{
    return f->key.proto == IPPROTO_TCP;
}

/* Set by a transaction hook through applayer_tx_disable_logging() while it inspects the
 * transaction about to be logged; per thread because each worker logs its own flows. */
static _Thread_local bool tx_logging_disabled;

void applayer_tx_disable_logging(void)
{
    tx_logging_disabled = true;
}

/* Whether detection is through with transaction id: always, unless it inspects this
 * parser's transactions side by side on packets, and one side still waits for its packet
 * (at flow end the transaction hook inspects what is left). */
static bool sides_inspected(const AppLayerThread *th, const AppLayerParser *parser,
                            const AppLayerFlow *app, uint64_t id)
{
    return !th->inspect_per_packet || !parser->inspect_by_direction ||
           (id < app->inspected[0] && id < app->inspected[1]);
}

/* After the packet's detection: the complete transactions that detection still holds (a
 * side waits for its packet) are logged now, once (app->logged_early remembers how far), as
 * Suricata logs a transaction on the packet it completes. A config rule of this packet has
 * already marked its transaction. */
static void log_early(AppLayerThread *th, Flow *f, const Packet *p)
{
    AppLayerFlow *app = f->app;
    const AppLayerParser *parser = applayer_parser(app->proto);
    if (!parser || !parser->log_tx || !th->eve)
        return;
    AppLayerCtx ctx = {.thread = th, .flow = f, .packet = p, .now_usec = p->ts_usec};
    uint64_t count = parser->tx_count(app->state);
    uint64_t id = app->logged_early > app->tx_logged ? app->logged_early : app->tx_logged;
    for (; id < count; id++) {
        void *tx = parser->tx_get(app->state, id);
        if (tx && !(parser->tx_done(tx, true) && parser->tx_done(tx, false)))
            break;
        uint64_t bit = id - app->tx_logged;
        bool nolog = bit < 64 && (app->nolog_mask >> bit) & 1;
        if (tx && !nolog)
            parser->log_tx(&ctx, app->state, tx, id);
    }
    app->logged_early = id;
}

/* Logs and frees transactions that are complete in both directions (all of them at flow
 * end), in id order, so each is logged exactly once. */
static void log_transactions(AppLayerThread *th, Flow *f, const Packet *p, uint64_t now,
                             bool flow_ending)
{
    AppLayerFlow *app = f->app;
    const AppLayerParser *parser = applayer_parser(app->proto);
    if (!parser || !app->state)
        return;
    AppLayerCtx ctx = {.thread = th, .flow = f, .packet = p, .now_usec = now};
    uint64_t count = parser->tx_count(app->state);
    while (app->tx_logged < count) {
        uint64_t id = app->tx_logged;
        void *tx = parser->tx_get(app->state, id);
        if (tx) {
            bool done = parser->tx_done(tx, true) && parser->tx_done(tx, false);
            if (!done && !flow_ending)
                break;
            if (!flow_ending && !sides_inspected(th, parser, app, id))
                break;
            if (!parser->tx_uncounted)
                counter_incr(th->counters, applayer_ids.txs[app->proto][flow_is_tcp(f)]);
            tx_logging_disabled = false;
            if (th->tx_hook)
                th->tx_hook(th->tx_hook_ud, f, p, app->proto, app->state, tx, id);
            tx_logging_disabled |= app->nolog_mask & 1;
            if (tx_logging_disabled && parser->tx_logging_disabled)
                parser->tx_logging_disabled(app->state, tx);
            if (parser->log_tx && th->eve && !tx_logging_disabled && id >= app->logged_early)
                parser->log_tx(&ctx, app->state, tx, id);
            parser->tx_free(app->state, id);
        }
        app->tx_logged++;
        app->nolog_mask >>= 1;
    }
}

void applayer_tx_mark_nolog(Flow *f, uint64_t tx_id)
{
    AppLayerFlow *app = f ? f->app : NULL;
    if (app && tx_id >= app->tx_logged && tx_id - app->tx_logged < 64)
        app->nolog_mask |= 1ull << (tx_id - app->tx_logged);
}

void applayer_change_protocol(AppLayerCtx *ctx)
{
    applayer_change_protocol_expect(ctx, ALPROTO_UNKNOWN);
}

void applayer_change_protocol_expect(AppLayerCtx *ctx, AppProto expect)
{
    if (ctx->flow && ctx->flow->app) {
        ctx->flow->app->change_requested = true;
        ctx->flow->app->proto_expect = expect;
        ctx->flow->app->change_rest = 0;
    }
}

void applayer_change_protocol_expect_rest(AppLayerCtx *ctx, AppProto expect, uint32_t rest)
{
    applayer_change_protocol_expect(ctx, expect);
    if (ctx->flow && ctx->flow->app)
        ctx->flow->app->change_rest = rest;
}

bool applayer_change_in_progress(const AppLayerCtx *ctx)
{
    return ctx->flow && ctx->flow->app && ctx->flow->app->changing;
}

/* Ends the current parser's life on this flow and re-arms detection (see app-layer.h). */
static void change_protocol(AppLayerThread *th, Flow *f, const Packet *p, uint64_t now)
{
    AppLayerFlow *app = f->app;
    const AppLayerParser *parser = applayer_parser(app->proto);
    log_transactions(th, f, p, now, true);
    if (parser && app->state)
        parser->state_free(app->state);
    app->state = NULL;
    app->proto_orig = app->proto;
    app->proto = app->proto_ts = app->proto_tc = ALPROTO_UNKNOWN;
    app->tx_logged = 0;
    app->inspected[0] = app->inspected[1] = 0;
    app->early_count[0] = app->early_count[1] = 0;
    app->logged_early = 0;
    app->nolog_mask = 0;
    app->probed_ts = app->probed_tc = 0;
    app->detect_done_ts = app->detect_done_tc = false;
    app->parser_error = app->change_requested = false;
    app->changing = true;
}

void applayer_trigger_raw(AppLayerCtx *ctx, bool to_server)
{
    if (ctx->flow && ctx->flow->app)
        ctx->flow->app->raw_trigger |= to_server ? 1 : 2;
}

void applayer_stop_inspection(AppLayerCtx *ctx, bool no_reassembly)
{
    if (!ctx->flow)
        return;
    ctx->flow->no_payload_inspection = true;
    ctx->flow->no_reassembly |= no_reassembly;
}

void applayer_parse(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                    const uint8_t *data, uint32_t len, uint32_t flags)
{
    AppLayerFlow *app = f->app;
    const AppLayerParser *parser = applayer_parser(app->proto);
    if (!parser || app->parser_error)
        return;
    if (!app->state) {
        app->state = parser->state_new();
        if (!app->state)
            return;
    }
    uint64_t now = p ? p->ts_usec : f->last_usec;
    AppLayerCtx ctx = {.thread = th, .flow = f, .packet = p, .now_usec = now};
    bool changing = app->changing;
    if (parser->parse(app->state, &ctx, to_server, data, len, flags) != 0) {
        app->parser_error = true;
        counter_incr(th->counters, applayer_ids.parser_errors[app->proto][flow_is_tcp(f)]);
    }
    if (changing)
        app->changing = false; /* the first parse after the change is over */
    app->parsed[to_server ? 0 : 1] += len;
    uint64_t txs = parser->tx_count(app->state);
    void *last = txs > app->tx_logged ? parser->tx_get(app->state, txs - 1) : NULL;
    /* TLS asks at every record (a parse call here, near enough), others when a
     * transaction's side completes */
    if (app->proto == ALPROTO_TLS ||
        (last && !parser->no_raw_trigger && parser->tx_done(last, to_server)))
        app->raw_trigger |= to_server ? 1 : 2;
    /* Without a packet the stream is being flushed at flow end: its transactions are
     * inspected and logged once every direction is flushed (applayer_flow_end), so that
     * what the last data raised (a TLS certificate's events) is on them, as Suricata's
     * flow-end pseudo packets see it. */
    if (p && !(th->inspect_per_packet && p->proto == IPPROTO_UDP))
        log_transactions(th, f, p, now, false);
    /* A datagram's transactions wait for its detection (applayer_log_ready), as Suricata
     * logs them after it: a UDP rule of the protocol then alerts with the message's
     * transaction, and the alerts come before the transaction's own record. */
    if (!app->change_requested)
        return;
    uint32_t rest = app->change_rest;
    app->change_rest = 0;
    change_protocol(th, f, p, now);
    /* what followed the hand-over in this chunk is the next protocol's first bytes */
    if (rest && rest <= len && data && !(flags & APP_FLAG_GAP))
        applayer_detect(th, f, p, to_server, data + (len - rest), rest, flags);
}

void applayer_handle_data(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                          const uint8_t *data, uint32_t len, uint32_t flags)
{
    AppLayerFlow *app = applayer_flow_state(f);
    if (!app)
        return;
    if (f->swap_pending)
        to_server = !to_server;   /* the stream layer turns the flow round after this packet */
    /* UDP probes each direction once: a flow whose first direction failed is still
     * recognised from the other one, as Suricata does. */
    bool probe_udp = (flags & APP_FLAG_DATAGRAM) && app->proto == ALPROTO_FAILED &&
                     !(to_server ? app->detect_done_ts : app->detect_done_tc);
    if (app->proto == ALPROTO_UNKNOWN || probe_udp) {
        applayer_detect(th, f, p, to_server, data, len, flags);
        return;
    }
    if (flags & APP_FLAG_DATAGRAM)
        applayer_detect_udp_side(f, to_server, data, len);
    else if (!(flags & APP_FLAG_GAP))
        applayer_detect_other_side(th, f, p, to_server, data, len);
    applayer_parse(th, f, p, to_server, data, len, flags);
}

void applayer_handle_udp(AppLayerThread *th, Flow *f, const Packet *p)
{
    if (!p->payload_len)
        return;
    applayer_handle_data(th, f, p, p->to_server, p->payload, p->payload_len, APP_FLAG_DATAGRAM);
}

void applayer_log_ready(AppLayerThread *th, Flow *f, const Packet *p)
{
    if (f->app && f->app->state && th->inspect_per_packet) {
        log_transactions(th, f, p, p->ts_usec, false);
        log_early(th, f, p);
    }
}

void applayer_flow_end(AppLayerThread *th, Flow *f, uint64_t now_usec)
{
    AppLayerFlow *app = f->app;
    if (!app)
        return;
    applayer_detect_flow_end(th, f);
    log_transactions(th, f, NULL, now_usec, true);
}

void applayer_flow_free(Flow *f)
{
    AppLayerFlow *app = f->app;
    if (!app)
        return;
    const AppLayerParser *parser = applayer_parser(app->proto);
    if (parser && app->state)
        parser->state_free(app->state);
    free(app->pending_ts);
    free(app->pending_tc);
    free(app->frames);
    free(app->expect);
    free(app->early_nums[0]);
    free(app->early_nums[1]);
    free(app);
    f->app = NULL;
}

json_t *applayer_eve_header(AppLayerCtx *ctx, const char *event_type, uint64_t tx_id)
{
    json_t *obj = eve_header_flow(ctx->thread->eve->log, ctx->flow, ctx->now_usec, event_type);
    if (ctx->packet && ctx->packet->pcap_cnt)
        json_object_set_new(obj, "pcap_cnt", json_integer((json_int_t)ctx->packet->pcap_cnt));
    /* Suricata names the packet a transaction was logged on; without one the flow is ending,
     * which Suricata does on its flow-timeout pseudo packet. */
    json_object_set_new(obj, "pkt_src", json_string(ctx->packet ? eve_packet_source_name(ctx->packet)
                                                                : "stream (flow timeout)"));
    json_object_set_new(obj, "tx_id", json_integer((json_int_t)tx_id));
    return obj;
}

/* An applayer anomaly of a parser (layer proto_parser, about transaction tx_id) or of
 * protocol detection (proto_detect, no transaction: tx_id < 0). */
static void raise_event(AppLayerCtx *ctx, const char *event_name, int64_t tx_id,
                        const char *layer)
{
    EveWriter *w = ctx->thread->eve;
    if (!w || !eve_enabled(w->log, EVE_ANOMALY) || !w->log->cfg.anomaly_applayer)
        return;
    /* Suricata writes these about the packet that raised them (its direction, pkt_src). */
    json_t *obj;
    if (ctx->packet) {
        obj = eve_header_packet(w->log, ctx->packet, "anomaly");
        if (tx_id >= 0)
            json_object_set_new(obj, "tx_id", json_integer((json_int_t)tx_id));
    } else {
        obj = applayer_eve_header(ctx, "anomaly", tx_id >= 0 ? (uint64_t)tx_id : 0);
        if (tx_id < 0)
            json_object_del(obj, "tx_id");
    }
    json_t *anomaly = json_object();
    json_object_set_new(anomaly, "app_proto",
                        json_string(app_proto_name(ctx->flow->app ? ctx->flow->app->proto
                                                                  : ALPROTO_UNKNOWN)));
    json_object_set_new(anomaly, "type", json_string("applayer"));
    json_object_set_new(anomaly, "event", json_string(event_name));
    json_object_set_new(anomaly, "layer", json_string(layer));
    json_object_set_new(obj, "anomaly", anomaly);
    eve_write(w, EVE_ANOMALY, obj);
}

void applayer_raise_event(AppLayerCtx *ctx, const char *event_name, uint64_t tx_id)
{
    raise_event(ctx, event_name, tx_id > INT64_MAX ? INT64_MAX : (int64_t)tx_id, "proto_parser");
}

void applayer_raise_detect_event(AppLayerCtx *ctx, const char *event_name)
{
    raise_event(ctx, event_name, -1, "proto_detect");
}
