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
 * here; a side counts as ready when the parser says it is complete. Before that, a parser
 * that tells its progress (AppLayerParser.tx_progress) has the rules whose buffers are all
 * final by then inspected already, as Suricata 7's per-engine progress does (a request's
 * URI and header rules at the packet after its headers were parsed, not after its body):
 * each such rule is decided then, once (Suricata's inspect flags: matched or can't match),
 * recorded in the flow's early_* record and skipped when the side completes. Rules with
 * payload contents or a buffer without a progress wait for the complete side. The early
 * pass runs again only when the progress moved. The transaction stays
 * alive until both sides were inspected (app-layer.c holds its logging back); what is left
 * at flow end is inspected by the transaction hook (detect_tx).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "detect/detect-engine.h"
#include "detect/detect-internal.h"
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
    dt->packet_inspect_id = f && f->app ? f->app->inspected[p->to_server ? 0 : 1] : 0;
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

/* Whether sig's buffers are all final on that side at that progress (the buffer's
 * registered progress passed) and it inspects no payload, which is the stream's. */
static bool sig_final_at(const Signature *sig, int side, int progress)
{
    if (!sig->buffer_count || sig->fixed[SIG_LIST_PAYLOAD].head)
        return false;
    for (size_t i = 0; i < sig->buffer_count; i++) {
        int id = sig->buffers[i].buffer_id;
        bool on_side = side == 0 ? applayer_buffer_is_to_server(id)
                                 : applayer_buffer_is_to_client(id);
        if (!on_side || applayer_buffer_progress(id, side == 0) >= progress)
            return false;
    }
    return true;
}

/* Position of num in the sorted record (where it would go when absent). */
static uint32_t early_find(const AppLayerFlow *app, int side, uint32_t num)
{
    uint32_t lo = 0, hi = app->early_count[side];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (app->early_nums[side][mid] < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool early_recorded(const AppLayerFlow *app, int side, uint32_t num)
{
    uint32_t at = early_find(app, side, num);
    return at < app->early_count[side] && app->early_nums[side][at] == num;
}

bool detect_tx_early_admits(DetectThread *dt, const Signature *sig)
{
    AppLayerFlow *app = dt->early_app;
    int side = dt->early_side;
    if (side < 0) /* both sides at once (detect_tx_early_begin_both) */
        return !early_recorded(app, 0, sig->num) && !early_recorded(app, 1, sig->num);
    uint32_t at = early_find(app, side, sig->num);
    if (at < app->early_count[side] && app->early_nums[side][at] == sig->num)
        return false;
    if (dt->early_progress == APPLAYER_PROGRESS_DONE)
        return true;
    if (!sig_final_at(sig, side, dt->early_progress))
        return false;
    uint32_t *grown = array_reserve(app->early_nums[side], sizeof(*grown),
                                    app->early_count[side] + 1, &app->early_cap[side]);
    if (!grown)
        return false;
    app->early_nums[side] = grown;
    memmove(grown + at + 1, grown + at, (app->early_count[side] - at) * sizeof(*grown));
    grown[at] = sig->num;
    app->early_count[side]++;
    return true;
}

void detect_tx_early_begin(DetectThread *dt, AppLayerFlow *app, uint64_t tx_id, int side)
{
    bool recorded = app->early_count[side] && app->early_tx[side] == tx_id;
    dt->early_app = recorded ? app : NULL;
    dt->early_side = side;
    dt->early_progress = APPLAYER_PROGRESS_DONE;
}

void detect_tx_early_begin_both(DetectThread *dt, AppLayerFlow *app, uint64_t tx_id)
{
    bool recorded = false;
    for (int side = 0; side < 2; side++) {
        if (app->early_tx[side] != tx_id)
            app->early_count[side] = 0;   /* another transaction's: not this one's */
        recorded |= app->early_count[side] != 0;
    }
    dt->early_app = recorded ? app : NULL;
    dt->early_side = -1;
    dt->early_progress = APPLAYER_PROGRESS_DONE;
}

void detect_tx_early_end(DetectThread *dt, AppLayerFlow *app, uint64_t tx_id, int side)
{
    dt->early_app = NULL;
    if (app->early_tx[side] == tx_id) {
        app->early_count[side] = 0;
        app->early_progress[side] = 0;
    }
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

/* The rules of an incomplete side that are final at its progress, once per progress. */
static void collect_early(DetectThread *dt, Flow *f, const Packet *p, AppLayerFlow *app,
                          void *tx, uint64_t tx_id, int side)
{
    const AppLayerParser *parser = applayer_parser(app->proto);
    int progress = parser->tx_progress ? parser->tx_progress(app->state, tx, side == 0) : 0;
    if (app->early_tx[side] != tx_id) {
        app->early_tx[side] = tx_id;
        app->early_count[side] = 0;
        app->early_progress[side] = 0;
    }
    if (progress <= app->early_progress[side])
        return;
    app->early_progress[side] = progress;
    dt->early_app = app;
    dt->early_side = side;
    dt->early_progress = progress;
    collect(dt, f, p, app, tx, tx_id, side);
    dt->early_app = NULL;
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
        if (tx && !parser->tx_done(tx, side == 0)) {
            if (!f->action_pass)
                collect_early(dt, f, p, app, tx, id, side);
            break;
        }
        if (tx && !f->action_pass) {
            detect_tx_early_begin(dt, app, id, side);
            collect(dt, f, p, app, tx, id, side);
        }
        detect_tx_early_end(dt, app, id, side);
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
