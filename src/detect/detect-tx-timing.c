/*
 * detect-tx-timing.c - when the two sides of a transaction are inspected, as Suricata 7 does.
 *
 * Suricata inspects a flow's transactions on every packet, in the packet's direction only:
 * a packet to the server runs the request-side rules over each transaction whose request it
 * has not inspected yet, a packet to the client the response-side rules. In IDS mode a
 * request reaches the parser when the server acknowledges it, i.e. on a packet to the
 * client, so its rules run at the next packet to the server; with pipelining one packet may
 * inspect many transactions. The alerts of a packet are then ordered by rule (Suricata's
 * internal order, our signature number), and for one rule by descending transaction id, and
 * only the first packet-alert-max are kept (the rest count as detect.alert_queue_overflow):
 * which alerts survive a busy packet depends on that order, so it is Suricata's. The
 * packet's own and its stream alerts share that queue (detect_write_alerts hands them here
 * while such a packet is inspected); they sort before transaction alerts of the same rule.
 *
 * Only parsers that ask for it (AppLayerParser.inspect_by_direction: HTTP) are inspected
 * here; a side counts as ready when the parser says it is complete. The transaction stays
 * alive until both sides were inspected (app-layer.c holds its logging back); what is left
 * at flow end is inspected by the transaction hook (detect_tx).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-engine.h"
#include "stream/stream-tcp.h"

static int cmp_tx_alert(const void *a, const void *b)
{
    const TxAlert *x = a, *y = b;
    if (x->sig->num != y->sig->num)
        return x->sig->num < y->sig->num ? -1 : 1;
    return (x->tx_id < y->tx_id) - (x->tx_id > y->tx_id);
}

static void enqueue(DetectThread *dt, TxAlert a)
{
    if (dt->txq_count == DETECT_ALERT_CAP)
        detect_count_overflow(dt);
    else
        dt->txq[dt->txq_count++] = a;
}

/* The flow's parser has its transaction sides inspected on packets. */
static AppLayerFlow *by_direction(Flow *f)
{
    AppLayerFlow *app = f ? f->app : NULL;
    const AppLayerParser *parser = app && app->state ? applayer_parser(app->proto) : NULL;
    return parser && parser->inspect_by_direction ? app : NULL;
}

void detect_tx_packet_begin(DetectThread *dt, const Packet *p, Flow *f)
{
    dt->txq_count = 0;
    dt->batch_pass_num = UINT32_MAX;
    dt->batch_packet = dt->tx_timing && !p->stream_pseudo && by_direction(f) ? p : NULL;
}

bool detect_tx_batch_take(DetectThread *dt, const Packet *p)
{
    if (!p || p != dt->batch_packet)
        return false;
    if (dt->alert_stream) {
        uint32_t len = dt->alert_stream_len;
        if (!detect_grow_bytes(&dt->batch_stream, &dt->batch_stream_cap, len))
            return false;
        memcpy(dt->batch_stream, dt->alert_stream, len);
        dt->batch_stream_len = len;
    }
    for (uint32_t i = 0; i < dt->alert_count; i++)
        enqueue(dt, (TxAlert){.sig = dt->alerts[i], .action = dt->alert_actions[i],
                              .tx_id = UINT64_MAX, .stream = dt->alert_stream != NULL});
    return true;
}

/* Runs one side of one transaction and adds its alerts to the packet's queue. */
static void collect(DetectThread *dt, Flow *f, const Packet *p, AppLayerFlow *app, void *tx,
                    uint64_t tx_id, int side)
{
    uint32_t n = detect_tx_match(dt, f, p, app->proto, app->state, tx, tx_id, side);
    for (uint32_t i = 0; i < n; i++)
        enqueue(dt, (TxAlert){.sig = dt->alerts[i], .action = dt->alert_actions[i],
                              .tx_id = tx_id, .tx = tx});
}

/* A packet or stream alert from the queue, as detect_packet would have written it. */
static void write_packet_alert(DetectThread *dt, const Packet *p, Flow *f, const TxAlert *a)
{
    dt->alerts[0] = a->sig;
    dt->alert_actions[0] = a->action;
    dt->alert_count = 1;
    dt->alert_stream = a->stream ? dt->batch_stream : NULL;
    dt->alert_stream_len = a->stream ? dt->batch_stream_len : 0;
    if (a->stream && !dt->alert_stream)
        dt->alert_stream = (const uint8_t *)"";
    detect_write_alerts(dt, p, f, NULL, p->ts_usec, NULL);
    dt->alert_stream = NULL;
    dt->alert_stream_len = 0;
}

/* Orders the packet's alerts, writes the first packet-alert-max of them and counts the
 * rest. A pass rule that matched ends the queue where it sorts: Suricata keeps no alert of
 * a rule after it (packet rules included, though they ran first), and logs the pass itself
 * only with the "alert" keyword. */
static void write_queue(DetectThread *dt, const Packet *p, Flow *f, AppLayerFlow *app)
{
    dt->batch_packet = NULL;
    qsort(dt->txq, dt->txq_count, sizeof(TxAlert), cmp_tx_alert);
    uint32_t written = 0;
    for (uint32_t i = 0; i < dt->txq_count; i++) {
        const TxAlert *a = &dt->txq[i];
        if (a->sig->num > dt->batch_pass_num)
            break;
        if (written == dt->alert_max) {
            detect_count_overflow(dt);
            continue;
        }
        if (a->tx)
            detect_write_tx_alert(dt, p, f, a, app->proto, app->state);
        else
            write_packet_alert(dt, p, f, a);
        written++;
        if (a->action == SIG_ACTION_PASS)
            break;
    }
    dt->txq_count = 0;
    dt->alert_count = 0;
}

void detect_tx_packet(DetectThread *dt, const Packet *p, Flow *f)
{
    AppLayerFlow *app = by_direction(f);
    if (!dt || !app || p->stream_pseudo) {
        if (dt)
            dt->batch_packet = NULL;
        return;
    }
    const AppLayerParser *parser = applayer_parser(app->proto);
    int side = p->to_server ? 0 : 1;
    uint64_t count = parser->tx_count(app->state);
    uint64_t id = app->inspected[side] > app->tx_logged ? app->inspected[side] : app->tx_logged;
    for (; id < count; id++) {
        void *tx = parser->tx_get(app->state, id);
        if (tx && !parser->tx_done(tx, side == 0))
            break;
        if (tx && !f->action_pass)
            collect(dt, f, p, app, tx, id, side);
        app->inspected[side] = id + 1;
    }
    if (dt->txq_count)
        write_queue(dt, p, f, app);
    dt->batch_packet = NULL;
}

void detect_thread_inspect_tx_by_packet(DetectThread *dt)
{
    dt->tx_timing = true;
}

/* Suricata's "active" transaction of a side: the lowest not yet logged or, where sides are
 * inspected on packets, not yet inspected that way. One below the count still needs work.
 * Suricata logs a transaction once it is complete; such parsers' transactions stay here
 * (unlogged) until both sides were inspected, so complete ones count as logged. */
static bool tx_side_pending(const Flow *f, int side)
{
    const AppLayerFlow *app = f->app;
    const AppLayerParser *parser = app && app->state ? applayer_parser(app->proto) : NULL;
    if (!parser)
        return false;
    uint64_t count = parser->tx_count(app->state);
    uint64_t active = app->tx_logged;
    if (!parser->inspect_by_direction)
        return active < count;
    for (; active < count && active < app->inspected[side]; active++) {
        void *tx = parser->tx_get(app->state, active);
        if (tx && !(parser->tx_done(tx, true) && parser->tx_done(tx, false)))
            break;
    }
    return active < count;
}

void detect_flow_end_directions(const struct StreamThread *st, const Flow *f, bool pseudo[2])
{
    for (int side = 0; side < 2; side++)
        pseudo[side] = f->tcp_session && (stream_flow_end_needs_pseudo(st, f, side == 0) ||
                                          tx_side_pending(f, side));
}
