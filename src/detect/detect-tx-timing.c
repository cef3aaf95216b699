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
 * which alerts survive a busy packet depends on that order, so it is Suricata's.
 *
 * Only parsers that ask for it (AppLayerParser.inspect_by_direction: HTTP) are inspected
 * here; a side counts as ready when the parser says it is complete. The transaction stays
 * alive until both sides were inspected (app-layer.c holds its logging back); what is left
 * at flow end is inspected by the transaction hook (detect_tx).
 */
#include <stdlib.h>

#include "detect/detect-engine.h"

static int cmp_tx_alert(const void *a, const void *b)
{
    const TxAlert *x = a, *y = b;
    if (x->sig->num != y->sig->num)
        return x->sig->num < y->sig->num ? -1 : 1;
    return (x->tx_id < y->tx_id) - (x->tx_id > y->tx_id);
}

/* Runs one side of one transaction and adds its alerts to the packet's queue; an alert
 * that finds the queue full counts as an overflow. */
static void collect(DetectThread *dt, Flow *f, const Packet *p, AppLayerFlow *app, void *tx,
                    uint64_t tx_id, int side)
{
    uint32_t n = detect_tx_match(dt, f, p, app->proto, app->state, tx, tx_id, side);
    for (uint32_t i = 0; i < n; i++) {
        if (dt->txq_count == DETECT_ALERT_CAP) {
            detect_count_overflow(dt);
            continue;
        }
        dt->txq[dt->txq_count++] =
            (TxAlert){.sig = dt->alerts[i], .action = dt->alert_actions[i], .tx_id = tx_id,
                      .tx = tx};
    }
}

/* Orders the packet's transaction alerts, writes the first packet-alert-max of them and
 * counts the rest. */
static void write_queue(DetectThread *dt, const Packet *p, Flow *f, AppLayerFlow *app)
{
    qsort(dt->txq, dt->txq_count, sizeof(TxAlert), cmp_tx_alert);
    uint32_t keep = dt->txq_count < dt->alert_max ? dt->txq_count : dt->alert_max;
    for (uint32_t i = 0; i < keep; i++)
        detect_write_tx_alert(dt, p, f, &dt->txq[i], app->proto, app->state);
    for (uint32_t i = keep; i < dt->txq_count; i++)
        detect_count_overflow(dt);
    dt->txq_count = 0;
    dt->alert_count = 0;
}

void detect_tx_packet(DetectThread *dt, const Packet *p, Flow *f)
{
    AppLayerFlow *app = f ? f->app : NULL;
    const AppLayerParser *parser = app && app->state ? applayer_parser(app->proto) : NULL;
    if (!dt || !parser || !parser->inspect_by_direction || p->stream_pseudo)
        return;
    int side = p->to_server ? 0 : 1;
    uint64_t count = parser->tx_count(app->state);
    uint64_t id = app->inspected[side] > app->tx_logged ? app->inspected[side] : app->tx_logged;
    dt->txq_count = 0;
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
}
