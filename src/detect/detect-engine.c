/*
 * detect-engine.c - matching packets and transactions against the loaded rules.
 *
 * Candidates first, then the full check. Packet rules are grouped by IP protocol and
 * transaction rules by application protocol (detect-group-build.c); in each group the
 * prefilter (detect-prefilter.c) scans the inspected buffer once for every rule's fast
 * pattern (packets: the database of their flow direction), the port index
 * (detect-group-port.c) names the rules without a fast pattern whose ports and direction fit
 * the packet, and on a flow direction's first packet the address index (detect-iponly.c)
 * names the IP-only rules whose addresses may fit. Only those rules are checked in full, in
 * the engine's evaluation order (Suricata's: pass before alert, flowbit
 * setters before readers, then priority). Each candidate is checked cheapest part first:
 * protocol, addresses, ports, then packet keywords, then payload and buffer contents.
 *
 * A matching rule runs its post-match actions (flowbits:set...), then thresholds decide
 * whether it alerts. Alerts of one packet are queued and written together, at most
 * DETECT_ALERT_MAX. A matching pass rule ends the packet's inspection and, as in Suricata 7,
 * that of the rest of its flow.
 */
#include "detect/detect-engine.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "detect/detect-address.h"
#include "detect/detect-flowvars.h"
#include "detect/detect-group-port.h"
#include "detect/detect-iponly.h"
#include "detect/detect-port.h"
#include "detect/detect-prefilter.h"
#include "detect/detect-stream-inspect.h"
#include "detect/detect-tag.h"
#include "detect/detect-threshold.h"
#include "detect/detect-transform.h"
#include "output/output-alert.h"

static CounterId alert_counter, overflow_counter, suppressed_counter;

void detect_register_counters(void)
{
    alert_counter = counters_register("detect.alert");
    overflow_counter = counters_register("detect.alert_queue_overflow");
    suppressed_counter = counters_register("detect.alerts_suppressed");
}

void detect_count_overflow(DetectThread *dt)
{
    counter_incr(dt->counters, overflow_counter);
}

/* Queues an alert when packet-alert-max leaves room; Suricata counts the rest as
 * alert_queue_overflow. */
static void queue_alert(DetectThread *dt, const Signature *sig, SigAction action)
{
    if (dt->alert_count >= dt->alert_max) {
        counter_incr(dt->counters, overflow_counter);
        return;
    }
    dt->alert_actions[dt->alert_count] = action;
    dt->alerts[dt->alert_count++] = sig;
}

/* A pass rule matched: the flow is passed; the rule alerts too with the "alert" keyword.
 * As in Suricata, the verdict is "pass" only when the pass itself found room in the queue. */
static void on_pass(DetectThread *dt, const Signature *sig, Flow *f)
{
    if (f)
        f->action_pass = true;
    if (dt->batch_packet && sig->num < dt->batch_pass_num)
        dt->batch_pass_num = sig->num;
    dt->verdict_pass = dt->alert_count < dt->alert_max;
    if (sig->flags & SIG_FLAG_PASS_ALERT)
        queue_alert(dt, sig, SIG_ACTION_PASS);
    else if (!dt->verdict_pass)
        counter_incr(dt->counters, overflow_counter);
}

int detect_proto_group(uint8_t ipproto)
{
    switch (ipproto) {
    case IPPROTO_TCP: return DETECT_GROUP_TCP;
    case IPPROTO_UDP: return DETECT_GROUP_UDP;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: return DETECT_GROUP_ICMP;
    default: return DETECT_GROUP_OTHER;
    }
}

static bool sig_proto_matches(const Signature *sig, uint8_t proto)
{
    if (!sig->ipproto)
        return true;
    if (sig->ipproto == IPPROTO_ICMP)
        return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
    return sig->ipproto == proto;
}

/* Addresses and ports in the rule's direction (or either, for <>). */
static bool endpoints_match(const Signature *sig, const Address *src, uint16_t sp,
                            const Address *dst, uint16_t dp, bool has_ports)
{
    /* Ports first: a range test or two, where an address set is a binary search of 16-byte
     * compares, and most rules without a fast pattern are told apart by port (with ET Open
     * the address-first order spent a third of the time in those searches). */
    bool fwd = (!has_ports || (port_set_match(&sig->dp, dp) && port_set_match(&sig->sp, sp))) &&
               addr_set_match(&sig->dst, dst) && addr_set_match(&sig->src, src);
    if (fwd || !(sig->flags & SIG_FLAG_BIDIR))
        return fwd;
    return (!has_ports || (port_set_match(&sig->dp, sp) && port_set_match(&sig->sp, dp))) &&
           addr_set_match(&sig->dst, src) && addr_set_match(&sig->src, dst);
}

bool detect_match_endpoints(const DetectMatchCtx *m, const Address **src, const Address **dst)
{
    if (m->p && m->p->ip_version) {
        *src = &m->p->src;
        *dst = &m->p->dst;
    } else if (m->f) {
        *src = m->to_server ? &m->f->key.src : &m->f->key.dst;
        *dst = m->to_server ? &m->f->key.dst : &m->f->key.src;
    } else {
        return false;
    }
    return true;
}

static bool list_matches_packet(const SigList *list, DetectMatchCtx *m)
{
    for (const SigMatch *sm = list->head; sm; sm = sm->next)
        if (sm->keyword->match_packet && !sm->keyword->match_packet(m, sm->ctx))
            return false;
    return true;
}

static bool inspect_buffer(const SigList *list, DetectMatchCtx *m, const uint8_t *buf,
                           uint32_t len)
{
    if (list->transform_count) {
        buf = detect_transform_apply(m->dt, list, buf, &len);
        if (!buf)
            return false;
    }
    InspectState st = inspect_state_make(m, buf, len);
    return detect_inspect_list(&st, list->head);
}

static bool packet_has_ports(const Packet *p)
{
    return p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP || p->proto == IPPROTO_SCTP;
}

bool detect_sig_match_packet(DetectThread *dt, const Signature *sig, const Packet *p, Flow *f)
{
    if (detect_stream_owns_payload(sig, p))
        return false;
    /* a packet of an encrypted session: its payload is not inspected (no content matches) */
    return detect_sig_match_payload(dt, sig, p, f, p->payload,
                                    p->no_payload_inspection ? 0 : p->payload_len);
}

bool detect_sig_match_payload(DetectThread *dt, const Signature *sig, const Packet *p, Flow *f,
                              const uint8_t *buf, uint32_t len)
{
    if (sig->flags & SIG_FLAG_INERT || !sig_proto_matches(sig, p->proto))
        return false;
    if (sig->alproto != ALPROTO_UNKNOWN && (!f || !f->app || f->app->proto != sig->alproto))
        return false;
    if (!endpoints_match(sig, &p->src, p->sp, &p->dst, p->dp, packet_has_ports(p)))
        return false;
    DetectMatchCtx m = {.p = p, .f = f, .to_server = f ? p->to_server : true, .dt = dt,
                        .sig = sig, .stream_data = dt->stream_data_ready};
    if (!list_matches_packet(&sig->fixed[SIG_LIST_PACKET], &m))
        return false;
    const SigList *payload = &sig->fixed[SIG_LIST_PAYLOAD];
    if (payload->head && (!len || !inspect_buffer(payload, &m, buf, len)))
        return false;
    return true;
}

/* The rule matched: post-match actions, thresholds, then the alert queue. Returns false
 * when it was a pass rule, which ends the inspection. */
bool detect_on_match(DetectThread *dt, const Signature *sig, const Packet *p, Flow *f,
                     uint64_t ts_usec)
{
    DetectMatchCtx m = {.p = p, .f = f, .to_server = p ? p->to_server : true, .dt = dt,
                        .sig = sig};
    list_matches_packet(&sig->fixed[SIG_LIST_POSTMATCH], &m);
    SigAction action = sig->action;
    if (!detect_threshold_allows(dt->de->thresholds, sig, p, f, ts_usec, &action)) {
        counter_incr(dt->counters, suppressed_counter);
        return true;
    }
    if (sig->action == SIG_ACTION_PASS) {
        on_pass(dt, sig, f);
        return false;
    }
    if ((action == SIG_ACTION_DROP || action == SIG_ACTION_REJECT) && f && !f->action_pass &&
        (sig->alproto != ALPROTO_UNKNOWN || detect_sig_is_iponly(sig)))
        f->action_drop = true;
    /* A rate_filter's "pass" still logs this alert, then passes the flow, as Suricata. */
    bool pass_now = action == SIG_ACTION_PASS;
    if (pass_now && f)
        f->action_pass = true;
    if (sig->flags & SIG_FLAG_NOALERT)
        counter_incr(dt->counters, suppressed_counter);
    else
        queue_alert(dt, sig, action);
    return !pass_now;
}

/* Suricata's EVE alert.action in IDS mode: a reject happens, so "blocked"; a drop does not. */
static const char *alert_action_name(SigAction action)
{
    return action == SIG_ACTION_REJECT ? "blocked" : "allowed";
}

static json_t *tx_app_object(const DetectThread *dt, AppProto proto, void *state, void *tx);

/* Whether a packet or stream alert of sig logs a transaction, as Suricata 7.0.10 does
 * (checked against the reference): on TCP a stream match does and a packet match (no
 * stream content: flow, dsize...) does not, whatever detect.guess-applayer-tx says; on
 * UDP a rule of an app-layer protocol does, one without does not. */
static bool alert_takes_tx(const DetectThread *dt, const Signature *sig, const Flow *f)
{
    if (f->key.proto == IPPROTO_UDP)
        return sig->alproto != ALPROTO_UNKNOWN;
    return dt->alert_stream != NULL;
}

/* Whether any of the queued alerts logs a transaction: the transaction's app-layer object
 * is built only then, not for every alerting packet of an app-layer flow. */
static bool alerts_take_tx(const DetectThread *dt, const Flow *f)
{
    for (uint32_t i = 0; i < dt->alert_count; i++)
        if (alert_takes_tx(dt, dt->alerts[i], f))
            return true;
    return false;
}

/* The transaction such an alert logs: the first one the packet's direction has not
 * inspected yet, skipping those of the other direction only (a DNS query for a
 * response), with its id and app-layer object; "tx_guessed": true except on UDP. With
 * pipelining that is the oldest open one, not the one whose bytes matched, hence Suricata's
 * "guessed". NULL when the flow has none. */
static json_t *guess_tx(const DetectThread *dt, const Flow *f, const Packet *p, TxAlertCtx *txa)
{
    const AppLayerFlow *app = f ? f->app : NULL;
    const AppLayerParser *parser = app && app->state ? applayer_parser(app->proto) : NULL;
    if (!parser || !p)
        return NULL;
    int side = p->to_server ? 0 : 1;
    uint64_t id = app->tx_logged;
    if (parser->inspect_by_direction && dt->packet_inspect_id > id)
        id = dt->packet_inspect_id;
    for (uint64_t count = parser->tx_count(app->state); id < count; id++) {
        void *tx = parser->tx_get(app->state, id);
        int only = tx && parser->tx_direction ? parser->tx_direction(tx) : 0;
        if (!tx || (only && only != side + 1))
            continue;
        txa->tx_id = id;
        txa->to_client = side == 1;
        txa->guessed = f->key.proto != IPPROTO_UDP;
        return tx_app_object(dt, app->proto, app->state, tx);
    }
    return NULL;
}

/* The reject of the alerts being written (Suricata's packet action): the one of a plain
 * reject or rejectsrc first, then rejectdst, then rejectboth; NULL without a reject. */
static const char *queued_reject_target(const DetectThread *dt)
{
    static const char *const names[] = {"to_client", "to_server", "both"};
    int best = -1;
    for (uint32_t i = 0; i < dt->alert_count; i++) {
        int t = dt->alerts[i]->reject_target;
        if (dt->alert_actions[i] == SIG_ACTION_REJECT && (best < 0 || t < best))
            best = t;
    }
    return best < 0 ? NULL : names[best];
}

void detect_write_alerts(DetectThread *dt, const Packet *p, Flow *f, json_t *app_object,
                         uint64_t ts_usec, const TxAlertCtx *txa)
{
    if (!txa && !app_object && detect_tx_batch_take(dt, p))
        return;
    const char *reject_target = queued_reject_target(dt);
    TxAlertCtx guessed = {0};
    json_t *guessed_app = NULL;
    bool guess = !txa && !app_object && f && alerts_take_tx(dt, f);
    if (guess)
        guessed_app = guess_tx(dt, f, p, &guessed);
    for (uint32_t i = 0; i < dt->alert_count; i++) {
        const Signature *sig = dt->alerts[i];
        if (guess) {
            bool takes = guessed_app && alert_takes_tx(dt, sig, f);
            app_object = takes ? guessed_app : NULL;
            txa = takes ? &guessed : NULL;
        }
        AlertInfo a = {
            .gid = sig->gid, .sid = sig->sid, .rev = sig->rev, .signature = sig->msg,
            .category = sig->class_desc ? sig->class_desc : "",
            .severity = sig->priority ? sig->priority : 3, .metadata = sig->metadata,
            .metadata_json = sig->metadata_json,
            .target = sig->target, .app_object = app_object, .ts_usec = ts_usec,
            .action = alert_action_name(dt->alert_actions[i]),
            .verdict = dt->verdict_pass ? "pass" : "alert",
            .drop = dt->alert_actions[i] == SIG_ACTION_DROP ||
                    dt->alert_actions[i] == SIG_ACTION_REJECT,
            .reject_target = reject_target,
            .has_tx_id = txa != NULL, .tx_id = txa ? txa->tx_id : 0,
            .to_client = txa && txa->to_client, .xff = txa ? txa->xff : NULL,
            .flow_timeout = txa && txa->flow_end, .tx_guessed = txa && txa->guessed,
            .stream = dt->alert_stream != NULL, .stream_data = dt->alert_stream,
            .stream_len = dt->alert_stream_len,
        };
        if (f)
            f->alerted = true;
        counter_incr(dt->counters, alert_counter);
        if (dt->eve)
            output_alert(dt->eve, p, f, &a);
    }
    json_decref(guessed_app);
}

static void add_candidate(void *ud, uint32_t num)
{
    DetectThread *dt = ud;
    if (dt->seen[num] == dt->stamp)
        return;
    dt->seen[num] = dt->stamp;
    dt->cand[dt->cand_count++] = num;
}

static void new_pass(DetectThread *dt)
{
    dt->cand_count = 0;
    if (++dt->stamp == 0) {
        memset(dt->seen, 0, dt->de->count * sizeof(uint32_t));
        dt->stamp = 1;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The prefilter's and the indexes' hits are few and get sorted; the rules the port and
 * address indexes could not key are sorted at build time and disjoint from the hits (a rule
 * is in exactly one list). This walks their union in signature order without sorting it
 * again. */
typedef struct CandidateWalk {
    const uint32_t *lists[3];
    uint32_t counts[3], pos[3];
} CandidateWalk;

static bool next_candidate(CandidateWalk *w, uint32_t *num)
{
    int best = -1;
    for (int i = 0; i < 3; i++) {
        if (w->pos[i] < w->counts[i] &&
            (best < 0 || w->lists[i][w->pos[i]] < w->lists[best][w->pos[best]]))
            best = i;
    }
    if (best < 0)
        return false;
    *num = w->lists[best][w->pos[best]++];
    return true;
}

static void start_walk(DetectThread *dt, CandidateWalk *w, const uint32_t *always,
                       uint32_t always_count, const uint32_t *iponly, uint32_t iponly_count)
{
    qsort(dt->cand, dt->cand_count, sizeof(uint32_t), cmp_u32);
    *w = (CandidateWalk){{dt->cand, always, iponly}, {dt->cand_count, always_count, iponly_count},
                         {0, 0, 0}};
}

static void flush_deferred(DetectThread *dt, const Packet *p, Flow *f);

/* Suricata skips its packet-type rules on flow-end pseudo packets: of the rules walked here
 * only those on an app-layer protocol with neither packet keywords nor payload contents
 * (they match every packet of such a flow) see one; payload contents see the stream
 * (detect_stream_flow_end). */
static bool runs_on_pseudo_packet(const Signature *sig)
{
    return sig->alproto != ALPROTO_UNKNOWN && !sig->fixed[SIG_LIST_PACKET].head &&
           !sig->fixed[SIG_LIST_PAYLOAD].head;
}

/* IP-only rules are evaluated on the first packet of each direction of a flow (as in
 * Suricata); this records that it happened. True the first time per direction. */
static bool iponly_first_in_direction(Flow *f, bool to_server)
{
    bool *done = to_server ? &f->iponly_done_ts : &f->iponly_done_tc;
    bool first = !*done;
    *done = true;
    return first;
}

void detect_packet(DetectThread *dt, Packet *p, Flow *f)
{
    if (dt->deferred_count && f)
        flush_deferred(dt, p, f);
    detect_tx_packet_begin(dt, p, f);
    dt->alert_count = 0;
    dt->verdict_pass = false;
    if (detect_tag_active(dt) && !p->stream_pseudo)
        detect_tag_packet(dt, p);
    /* A packet whose IP header did not decode is still seen by rules on its decoder events
     * (ipv4.trunc_pkt), with no addresses, as in Suricata. */
    if ((!p->ip_version && !p->event_count) || (f && (f->action_pass || f->action_drop)))
        return;
    /* A fragment has no transport header. An IPv4 one still carries its protocol (Suricata
     * reads it before it stops decoding), so that protocol's rules see it, with ports 0 and
     * no payload ("alert udp any any -> any any (dsize:0;)" alerts on it); an IPv6 one's
     * protocol is its fragment header's, seen by the rules of no particular transport (ip,
     * pkthdr: decoder events such as ipv6.frag_overlap). */
    bool no_l4 = !p->ip_version;
    int group = no_l4 ? DETECT_GROUP_OTHER : detect_proto_group(p->proto);
    const SigGroup *g = &dt->de->packet_groups[group];
    new_pass(dt);
    bool to_client = f && !p->to_server;
    const struct Prefilter *pf = g->pf[to_client && g->pf_by_direction];
    if (pf && p->payload_len && !no_l4 && !p->no_payload_inspection)
        prefilter_scan(pf, dt->hs_scratch, p->payload, p->payload_len, add_candidate, dt);
    uint32_t always_rest = 0, iponly_rest = 0;
    const uint32_t *always = port_index_candidates(g->always_ix, to_client, p->sp, p->dp,
                                                   add_candidate, dt, &always_rest);
    const uint32_t *iponly = NULL;
    if (g->iponly_count && (!f || iponly_first_in_direction(f, p->to_server)))
        iponly = iponly_index_candidates(g->iponly_ix, &p->src, &p->dst, add_candidate, dt,
                                         &iponly_rest);
    CandidateWalk w;
    start_walk(dt, &w, always, always_rest, iponly, iponly_rest);
    bool pseudo = p->stream_pseudo;
    bool proto_detected = f && !pseudo && applayer_take_detect_done(f, p->to_server);
    dt->stream_data_ready = detect_stream_data_ready(dt, p, f);
    uint32_t num;
    while (next_candidate(&w, &num)) {
        const Signature *sig = dt->de->sigs[num];
        if ((pseudo && !runs_on_pseudo_packet(sig)) ||
            ((sig->flags & SIG_FLAG_PDONLY) && !proto_detected))
            continue;
        if (detect_sig_match_packet(dt, sig, p, f) && !detect_on_match(dt, sig, p, f, p->ts_usec))
            break;
    }
    dt->stream_data_ready = false;
    detect_write_alerts(dt, p, f, NULL, p->ts_usec, NULL);
    detect_stream_packet(dt, p, f);
}

/* The side of the transaction a buffer list reads: its registered side, or for buffers
 * of both sides (http.header...) the rule's direction, requests first. */
static bool buffer_get(const Signature *sig, int buffer_id, const DetectMatchCtx *m,
                       uint32_t idx, const uint8_t **data, uint32_t *len)
{
    bool ts_first = m->one_side ? m->to_server : !(sig->flags & SIG_FLAG_TOCLIENT);
    if (applayer_buffer_get_nth_proto(buffer_id, m->proto, m->state, m->tx, ts_first, idx,
                                      data, len))
        return true;
    if (m->one_side)
        return false;
    if (sig->flags & (SIG_FLAG_TOSERVER | SIG_FLAG_TOCLIENT) &&
        applayer_buffer_is_to_server(buffer_id) == ts_first)
        return false;
    return applayer_buffer_get_nth_proto(buffer_id, m->proto, m->state, m->tx, !ts_first, idx,
                                         data, len);
}

/* A multi-buffer (tls.certs) matches when one of its instances does. */
static bool tx_buffers_match(const Signature *sig, DetectMatchCtx *m)
{
    for (size_t i = 0; i < sig->buffer_count; i++) {
        const SigList *list = &sig->buffers[i];
        const uint8_t *data = NULL;
        uint32_t len = 0;
        bool matched = false;
        for (uint32_t idx = 0; !matched && buffer_get(sig, list->buffer_id, m, idx, &data,
                                                      &len); idx++) {
            matched = inspect_buffer(list, m, data ? data : (const uint8_t *)"", len);
            if (!applayer_buffer_is_multi(list->buffer_id))
                break;
        }
        if (!matched)
            return false;
    }
    return true;
}

/* Which way round the rule's header must fit the flow: a to_client rule's source is the
 * server, a to_server rule's the client; a rule without direction takes either. */
static bool tx_endpoints_match(const Signature *sig, const Flow *f)
{
    bool has_ports = f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP;
    const FlowKey *k = &f->key;
    if (!(sig->flags & SIG_FLAG_TOCLIENT) &&
        endpoints_match(sig, &k->src, k->sp, &k->dst, k->dp, has_ports))
        return true;
    return !(sig->flags & SIG_FLAG_TOSERVER) &&
           endpoints_match(sig, &k->dst, k->dp, &k->src, k->sp, has_ports);
}

/* A rule whose buffers all belong to one side of a transaction (dns.query, http.uri) goes
 * that way even without a flow direction, as Suricata deduces it. */
static bool tx_buffers_direction(const Signature *sig, bool *to_server)
{
    bool ts = false, tc = false;
    for (size_t i = 0; i < sig->buffer_count; i++) {
        int id = sig->buffers[i].buffer_id;
        bool s = applayer_buffer_is_to_server(id), c = applayer_buffer_is_to_client(id);
        if (s && c)
            return false;
        ts |= s;
        tc |= c;
    }
    if (ts == tc)
        return false;
    *to_server = ts;
    return true;
}

static bool tx_sig_matches(DetectThread *dt, const Signature *sig, Flow *f, const Packet *p,
                           void *state, void *tx, int side)
{
    if (sig->flags & SIG_FLAG_INERT || !sig_proto_matches(sig, f->key.proto) ||
        !tx_endpoints_match(sig, f))
        return false;
    bool to_server = !(sig->flags & SIG_FLAG_TOCLIENT);
    DetectMatchCtx m = {.p = p, .f = f, .to_server = to_server, .dt = dt, .sig = sig,
                        .proto = f->app ? f->app->proto : ALPROTO_UNKNOWN, .state = state,
                        .tx = tx};
    if (side >= 0 && detect_tx_rule_sides(sig) == 3) {
        m.one_side = true;
        m.to_server = side == 0;
    }
    if (!list_matches_packet(&sig->fixed[SIG_LIST_PACKET], &m) ||
        !tx_buffers_match(sig, &m))
        return false;
    /* Payload contents of an app-layer rule ("content:"x"; urilen:9;") are checked on the
     * packet that completed the transaction when it went the rule's way. A rule without a
     * direction whose contents that packet cannot show (none, or no payload) is taken on its
     * buffers alone: detection runs once per transaction here, not once per packet. */
    const SigList *payload = &sig->fixed[SIG_LIST_PAYLOAD];
    if (!payload->head)
        return true;
    bool directed = sig->flags & (SIG_FLAG_TOSERVER | SIG_FLAG_TOCLIENT);
    if (!directed && tx_buffers_direction(sig, &to_server)) {
        directed = true;
        m.to_server = to_server;
    }
    /* Inspected side by side, on a packet that need not carry the data: the contents are
     * matched on the stream the rule's direction keeps, as Suricata's stream engine does. */
    const uint8_t *kept;
    uint32_t kept_len;
    if (side >= 0 && directed &&
        detect_stream_kept(dt, f, to_server, p == NULL, &kept, &kept_len))
        return inspect_buffer(payload, &m, kept, kept_len);
    if (!p || !p->payload_len)
        return !directed;
    if (directed && p->to_server != to_server)
        return false;
    return inspect_buffer(payload, &m, p->payload, p->payload_len) ||
           (!directed && p->to_server != to_server);
}

/* Whether the prefilter of a side's inspection (detect_tx_rule_side; -1 both at once) needs
 * buffer_id's instances of side ts. The request pass reads request instances only; the
 * response pass reads response instances, and the request instances of buffers of both
 * sides (http.header), which its rules without a direction read first. Request-only
 * buffers are scanned once per transaction, in the request pass. */
static bool tx_prefilter_side(int buffer_id, bool ts, int side)
{
    if (side < 0)
        return true;
    if (side == 0)
        return ts;
    return !ts || applayer_buffer_is_to_client(buffer_id);
}

/* Scans each instance of one buffer, on each side it exists (and side needs), after the
 * prefilter's transforms. A missing buffer inspects as empty, and a transform may make bytes
 * of it (dotprefix, digests), so that is scanned too when there are transforms. */
static void tx_prefilter_one(DetectThread *dt, const TxPrefilter *t, AppProto proto,
                             void *state, void *tx, int side)
{
    for (int ts = 1; ts >= 0; ts--) {
        if (!tx_prefilter_side(t->buffer_id, ts, side))
            continue;
        const uint8_t *data = NULL;
        uint32_t len = 0;
        for (uint32_t idx = 0; applayer_buffer_get_nth_proto(t->buffer_id, proto, state, tx,
                                                             ts, idx, &data, &len);
             idx++) {
            if (!data && !t->xf)
                continue;
            if (!data)
                data = (const uint8_t *)"";
            if (t->xf && !(data = detect_transform_apply(dt, t->xf, data, &len)))
                continue;
            prefilter_scan(t->pf, dt->hs_scratch, data, len, add_candidate, dt);
        }
    }
}

/* Scans every buffer (and transform chain) that has a prefilter. */
static void tx_prefilter(DetectThread *dt, const TxGroup *g, AppProto proto, void *state,
                         void *tx, int side)
{
    /* an incomplete side (detect-tx-timing.c) runs only rules whose buffers are final:
     * the others' patterns need not be looked for yet */
    int early = dt->early_app && side >= 0 ? dt->early_progress : APPLAYER_PROGRESS_DONE;
    for (uint32_t i = 0; i < g->pf_count; i++)
        if (g->pfs[i].pf && (early == APPLAYER_PROGRESS_DONE ||
                             applayer_buffer_progress(g->pfs[i].buffer_id, side == 0) < early))
            tx_prefilter_one(dt, &g->pfs[i], proto, state, tx, side);
}

/* The HTTP bodies an alert carries when the alert type's http-body options ask for them. */
static void add_http_bodies(const DetectThread *dt, json_t *http, void *state, void *tx)
{
    const EveAlertConfig *c = &dt->eve->log->cfg.alert;
    if (!c->http_body && !c->http_body_printable)
        return;
    int ids[2] = {applayer_buffer_id("http.request_body"),
                  applayer_buffer_id("http.response_body")};
    const uint8_t *data[2] = {NULL, NULL};
    uint32_t len[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        if (ids[i] < 0 || !applayer_buffer_get(ids[i], state, tx, i == 0, &data[i], &len[i]))
            data[i] = NULL;
    alert_add_http_bodies(dt->eve->log, http, data[0], len[0], data[1], len[1]);
}

/* {"<proto>": the parser's alert object} for the transaction's alerts, or NULL. */
static json_t *tx_app_object(const DetectThread *dt, AppProto proto, void *state, void *tx)
{
    const AppLayerParser *parser = applayer_parser(proto);
    if (!parser || !parser->tx_alert_json)
        return NULL;
    json_t *obj = parser->tx_alert_json(state, tx);
    if (!obj)
        return NULL;
    if (proto == ALPROTO_HTTP && dt->eve && dt->eve->log)
        add_http_bodies(dt, obj, state, tx);
    json_t *app = json_object();
    json_object_set_new(app, parser->alert_key ? parser->alert_key : parser->name, obj);
    json_t *more = parser->tx_alert_more ? parser->tx_alert_more(state, tx) : NULL;
    if (more)
        json_object_update(app, more);
    json_decref(more);
    return app;
}

/* The direction a transaction alert is about: the rule's; for a rule without one, the side
 * of the buffers it inspects when they are all of one side (http.response_body: to_client),
 * else that of the packet that completed the transaction (a DNS response is its own
 * transaction). */
static bool sig_tx_to_server(const Signature *sig, const Packet *p)
{
    if (sig->flags & (SIG_FLAG_TOSERVER | SIG_FLAG_TOCLIENT))
        return !(sig->flags & SIG_FLAG_TOCLIENT);
    bool request_only = false, response_only = false;
    for (size_t i = 0; i < sig->buffer_count; i++) {
        int id = sig->buffers[i].buffer_id;
        bool ts = applayer_buffer_is_to_server(id), tc = applayer_buffer_is_to_client(id);
        request_only |= ts && !tc;
        response_only |= tc && !ts;
    }
    if (request_only != response_only)
        return request_only;
    return !p || p->to_server;
}

struct DeferredAlert {
    const Flow *flow;
    uint64_t flow_id;
    const Signature *sig;
    SigAction action;
    uint64_t tx_id;
    bool to_server;
    json_t *app;  /* a reference */
};

static bool defer_alert(DetectThread *dt, const Flow *f, const Signature *sig, SigAction action,
                        uint64_t tx_id, bool to_server, json_t *app)
{
    DeferredAlert *grown = array_reserve(dt->deferred, sizeof(*grown), dt->deferred_count + 1,
                                         &dt->deferred_cap);
    if (!grown)
        return false;
    dt->deferred = grown;
    dt->deferred[dt->deferred_count++] = (DeferredAlert){
        .flow = f, .flow_id = f->flow_id, .sig = sig, .action = action, .tx_id = tx_id,
        .to_server = to_server, .app = json_incref(app)};
    return true;
}

/* Writes the deferred alerts of flow f that p (NULL: flow end, all of them) travels with,
 * in the order they were raised. */
static void flush_deferred(DetectThread *dt, const Packet *p, Flow *f)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < dt->deferred_count; i++) {
        DeferredAlert *d = &dt->deferred[i];
        if (d->flow != f || d->flow_id != f->flow_id || (p && p->to_server != d->to_server)) {
            dt->deferred[kept++] = *d;
            continue;
        }
        TxAlertCtx txa = {.tx_id = d->tx_id, .to_client = !d->to_server};
        dt->alerts[0] = d->sig;
        dt->alert_actions[0] = d->action;
        dt->alert_count = 1;
        detect_write_alerts(dt, p, f, d->app, p ? p->ts_usec : f->last_usec, &txa);
        json_decref(d->app);
    }
    dt->deferred_count = kept;
    dt->alert_count = 0;
}

int detect_tx_rule_side(const Signature *sig)
{
    if (sig->flags & (SIG_FLAG_TOSERVER | SIG_FLAG_TOCLIENT))
        return sig->flags & SIG_FLAG_TOCLIENT ? 1 : 0;
    bool to_server;
    if (tx_buffers_direction(sig, &to_server))
        return to_server ? 0 : 1;
    return 1;
}

int detect_tx_rule_sides(const Signature *sig)
{
    if (sig->flags & (SIG_FLAG_TOSERVER | SIG_FLAG_TOCLIENT) || sig->fixed[SIG_LIST_PAYLOAD].head)
        return 1 << detect_tx_rule_side(sig);
    int sides = 3;
    for (size_t i = 0; i < sig->buffer_count; i++) {
        int id = sig->buffers[i].buffer_id;
        sides &= (applayer_buffer_is_to_server(id) ? 1 : 0) |
                 (applayer_buffer_is_to_client(id) ? 2 : 0);
    }
    return sides ? sides : 1 << detect_tx_rule_side(sig);
}

uint32_t detect_tx_match(DetectThread *dt, Flow *f, const Packet *p, AppProto proto,
                         void *state, void *tx, uint64_t tx_id, int side)
{
    dt->alert_count = 0;
    dt->verdict_pass = false;
    const TxGroup *g = &dt->de->tx_groups[proto];
    if (!g->count || f->action_pass || f->action_drop)
        return 0;
    new_pass(dt);
    tx_prefilter(dt, g, proto, state, tx, side);
    CandidateWalk w;
    start_walk(dt, &w, g->always, g->always_count, NULL, 0);
    uint64_t ts = p ? p->ts_usec : f->last_usec;
    uint32_t num;
    while (next_candidate(&w, &num)) {
        const Signature *sig = dt->de->sigs[num];
        if ((side >= 0 && !(detect_tx_rule_sides(sig) & (1 << side))) ||
            (dt->early_app && !detect_tx_early_admits(dt, sig)) ||
            !tx_sig_matches(dt, sig, f, p, state, tx, side))
            continue;
        if (sig->flags & SIG_FLAG_TX_NOLOG) { /* a config rule: no alert, no tx log */
            applayer_tx_disable_logging();
            applayer_tx_mark_nolog(f, tx_id);
            continue;
        }
        if (!detect_on_match(dt, sig, p, f, ts))
            break;
    }
    return dt->alert_count;
}

/* The transaction's HTTP X-Forwarded-For address, when the alert output asks for it. */
static const char *tx_xff(const DetectThread *dt, AppProto proto, void *tx, char *buf,
                          size_t len)
{
    if (proto != ALPROTO_HTTP || !dt->eve || !dt->eve->log || !dt->eve->log->cfg.alert.xff)
        return NULL;
    const EveAlertConfig *c = &dt->eve->log->cfg.alert;
    return http_tx_xff_ip(tx, c->xff_header, c->xff_reverse, buf, len) ? buf : NULL;
}

void detect_write_tx_alert(DetectThread *dt, const Packet *p, Flow *f, const TxAlert *a,
                           AppProto proto, void *state)
{
    json_t *app = tx_app_object(dt, proto, state, a->tx);
    char xff[64];
    TxAlertCtx txa = {.tx_id = a->tx_id, .to_client = p && !p->to_server,
                      .xff = tx_xff(dt, proto, a->tx, xff, sizeof(xff))};
    dt->alerts[0] = a->sig;
    dt->alert_actions[0] = a->action;
    dt->alert_count = 1;
    detect_write_alerts(dt, p, f, app, p->ts_usec, &txa);
    json_decref(app);
}

/* Inspects one transaction (side: 0 its request, 1 its response, -1 both at once) and writes
 * its alerts, each with the packet when it travelled in the rule's direction. */
static void tx_inspect(DetectThread *dt, Flow *f, const Packet *p, AppProto proto, void *state,
                       void *tx, uint64_t tx_id, int side)
{
    uint32_t n = detect_tx_match(dt, f, p, proto, state, tx, tx_id, side);
    uint64_t ts = p ? p->ts_usec : f->last_usec;
    json_t *app = n ? tx_app_object(dt, proto, state, tx) : NULL;
    const Signature *matched[DETECT_ALERT_CAP];
    SigAction actions[DETECT_ALERT_CAP];
    memcpy(matched, dt->alerts, n * sizeof(matched[0]));
    memcpy(actions, dt->alert_actions, n * sizeof(actions[0]));
    char xff[64];
    TxAlertCtx txa = {.tx_id = tx_id, .flow_end = p == NULL};
    if (n)
        txa.xff = tx_xff(dt, proto, tx, xff, sizeof(xff));
    const AppLayerParser *parser = applayer_parser(proto);
    int tx_dir = parser && parser->tx_direction ? parser->tx_direction(tx) : 0;
    for (uint32_t i = 0; i < n; i++) {
        bool directed = matched[i]->flags & (SIG_FLAG_TOSERVER | SIG_FLAG_TOCLIENT);
        bool to_server = tx_dir && !directed ? tx_dir == 1 : sig_tx_to_server(matched[i], p);
        if (side >= 0 && detect_tx_rule_sides(matched[i]) == 3)
            to_server = side == 0;
        if (tx_dir && p && f && p->to_server != to_server &&
            defer_alert(dt, f, matched[i], actions[i], tx_id, to_server, app))
            continue;
        txa.to_client = !to_server;
        dt->alerts[0] = matched[i];
        dt->alert_actions[0] = actions[i];
        dt->alert_count = 1;
        detect_write_alerts(dt, p && p->to_server == to_server ? p : NULL, f, app, ts, &txa);
    }
    memcpy(dt->alerts, matched, n * sizeof(matched[0]));
    memcpy(dt->alert_actions, actions, n * sizeof(actions[0]));
    dt->alert_count = n;
    json_decref(app);
}

/* The transaction hook, just before the transaction is logged. A parser whose sides are
 * inspected on packets (detect-tx-timing.c) normally has both done by now; what is left (at
 * flow end, or without packet inspection) is inspected here, request first. */
void detect_tx(void *ud, Flow *f, const Packet *p, AppProto proto, void *state, void *tx,
               uint64_t tx_id)
{
    DetectThread *dt = ud;
    const AppLayerParser *parser = applayer_parser(proto);
    AppLayerFlow *app = f->app;
    if (!parser || !parser->inspect_by_direction || !app) {
        tx_inspect(dt, f, p, proto, state, tx, tx_id, -1);
        return;
    }
    if (parser->inspect_pending_once && tx_id >= app->inspected[0] &&
        tx_id >= app->inspected[1]) {
        detect_tx_early_begin_both(dt, app, tx_id);
        tx_inspect(dt, f, p, proto, state, tx, tx_id, -1);
        detect_tx_early_end(dt, app, tx_id, 0);
        detect_tx_early_end(dt, app, tx_id, 1);
        app->inspected[0] = app->inspected[1] = tx_id + 1;
        return;
    }
    const Signature *both[DETECT_ALERT_CAP];
    SigAction actions[DETECT_ALERT_CAP];
    uint32_t n = 0;
    for (int side = 0; side < 2; side++) {
        if (tx_id < app->inspected[side])
            continue;
        detect_tx_early_begin(dt, app, tx_id, side);
        tx_inspect(dt, f, p, proto, state, tx, tx_id, side);
        detect_tx_early_end(dt, app, tx_id, side);
        app->inspected[side] = tx_id + 1;
        for (uint32_t i = 0; i < dt->alert_count && n < DETECT_ALERT_CAP; i++, n++) {
            both[n] = dt->alerts[i];
            actions[n] = dt->alert_actions[i];
        }
    }
    memcpy(dt->alerts, both, n * sizeof(both[0]));
    memcpy(dt->alert_actions, actions, n * sizeof(actions[0]));
    dt->alert_count = n;
}

bool detect_grow_bytes(uint8_t **buf, uint32_t *cap, uint32_t len)
{
    if (*cap < len) {
        uint8_t *grown = realloc(*buf, len);
        if (!grown)
            return false;
        *buf = grown;
        *cap = len;
    }
    return *buf || (*buf = malloc(1));
}

uint8_t *detect_thread_xform(DetectThread *dt, int i, uint32_t len)
{
    return detect_grow_bytes(&dt->xform[i], &dt->xform_cap[i], len) ? dt->xform[i] : NULL;
}

DetectThread *detect_thread_new(const DetectEngine *de, CounterSet *counters, EveWriter *eve)
{
    DetectThread *dt = calloc(1, sizeof(*dt));
    if (!dt)
        return NULL;
    dt->de = de;
    dt->counters = counters;
    dt->eve = eve;
    dt->alert_max = de->alert_max ? de->alert_max : DETECT_ALERT_MAX;
    dt->cand = malloc((de->count + 1) * sizeof(uint32_t));
    dt->seen = calloc(de->count + 1, sizeof(uint32_t));
    dt->pcre_md = pcre2_match_data_create(32, NULL);
    dt->pcre_mctx = pcre2_match_context_create(NULL);
    dt->flowvars = flowvar_store_new();
    if (dt->pcre_mctx) {
        pcre2_set_match_limit(dt->pcre_mctx, 3500);
        pcre2_set_depth_limit(dt->pcre_mctx, 1500);
    }
    if (de->hs_scratch_proto)
        dt->hs_scratch = prefilter_scratch_clone(de->hs_scratch_proto);
    bool tags = detect_tag_used(de);
    if (tags)
        dt->tags = detect_tag_state_new();
    if (!dt->cand || !dt->seen || !dt->pcre_md || !dt->pcre_mctx || !dt->flowvars ||
        (de->hs_scratch_proto && !dt->hs_scratch) || (tags && !dt->tags)) {
        detect_thread_free(dt);
        return NULL;
    }
    return dt;
}

json_t *detect_flow_metadata(void *ud, const Packet *p, const Flow *f)
{
    DetectThread *dt = ud;
    return dt && dt->flowvars ? flowvar_metadata(dt->flowvars, p, f) : NULL;
}

void detect_thread_free(DetectThread *dt)
{
    if (!dt)
        return;
    free(dt->cand);
    free(dt->seen);
    pcre2_match_data_free(dt->pcre_md);
    pcre2_match_context_free(dt->pcre_mctx);
    prefilter_scratch_free(dt->hs_scratch);
    free(dt->xform[0]);
    free(dt->xform[1]);
    free(dt->b64);
    flowvar_store_free(dt->flowvars);
    detect_stream_thread_free(dt);
    detect_tag_state_free(dt->tags);
    for (uint32_t i = 0; i < dt->deferred_count; i++)
        json_decref(dt->deferred[i].app);
    free(dt->deferred);
    free(dt->batch_stream);
    free(dt);
}

void detect_flow_end(DetectThread *dt, Flow *f)
{
    if (dt && f && dt->deferred_count)
        flush_deferred(dt, NULL, f);
    if (dt && detect_tag_active(dt))
        detect_tag_flow_end(dt, f);
}

void detect_flow_release(DetectThread *dt, Flow *f)
{
    if (dt && f)
        flowvar_store_forget(dt->flowvars, f);
}

bool detect_engine_uses_buffer(const DetectEngine *de, const char *prefix)
{
    size_t n = strlen(prefix);
    for (uint32_t i = 0; de && i < de->count; i++) {
        const Signature *sig = de->sigs[i];
        for (size_t b = 0; b < sig->buffer_count; b++) {
            const char *name = applayer_buffer_name(sig->buffers[b].buffer_id);
            if (name && strncmp(name, prefix, n) == 0)
                return true;
        }
    }
    return false;
}

uint32_t detect_engine_rule_count(const DetectEngine *de)
{
    return de ? de->count : 0;
}
