/*
 * detect-engine.c - matching packets and transactions against the loaded rules.
 *
 * Rules are grouped at load time: packet rules by IP protocol (a packet only meets the rules
 * of its protocol plus the "ip" ones) and transaction rules by application protocol. Each
 * candidate is checked cheapest part first: header (protocol, addresses, ports, direction),
 * then packet keywords, then payload and buffer contents.
 */
#include "detect/detect-engine.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-address.h"
#include "detect/detect-port.h"
#include "output/output-alert.h"

static CounterId alert_counter;

void detect_register_counters(void)
{
    alert_counter = counters_register("detect.alert");
}

static int proto_group(uint8_t ipproto)
{
    switch (ipproto) {
    case IPPROTO_TCP: return DETECT_GROUP_TCP;
    case IPPROTO_UDP: return DETECT_GROUP_UDP;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: return DETECT_GROUP_ICMP;
    default: return DETECT_GROUP_OTHER;
    }
}

static int add_to_group(SigGroup *g, uint32_t num)
{
    uint32_t *grown = realloc(g->sigs, (g->count + 1) * sizeof(uint32_t));
    if (!grown)
        return -1;
    grown[g->count++] = num;
    g->sigs = grown;
    return 0;
}

int detect_engine_build_groups(DetectEngine *de)
{
    for (uint32_t i = 0; i < de->count; i++) {
        const Signature *sig = de->sigs[i];
        if (sig->buffer_count) {
            if (add_to_group(&de->tx_groups[sig->alproto], i) != 0)
                return -1;
            continue;
        }
        if (sig->ipproto) { /* "icmp" rules see ICMPv6 too: both are the ICMP group */
            if (add_to_group(&de->packet_groups[proto_group(sig->ipproto)], i) != 0)
                return -1;
            continue;
        }
        for (int g = 0; g < DETECT_GROUP_COUNT; g++)
            if (add_to_group(&de->packet_groups[g], i) != 0)
                return -1;
    }
    return 0;
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
    bool fwd = addr_set_match(&sig->src, src) && addr_set_match(&sig->dst, dst) &&
               (!has_ports || (port_set_match(&sig->sp, sp) && port_set_match(&sig->dp, dp)));
    if (fwd || !(sig->flags & SIG_FLAG_BIDIR))
        return fwd;
    return addr_set_match(&sig->src, dst) && addr_set_match(&sig->dst, src) &&
           (!has_ports || (port_set_match(&sig->sp, dp) && port_set_match(&sig->dp, sp)));
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
    InspectState st = {.buf = buf, .len = len, .m = m};
    return detect_inspect_list(&st, list->head);
}

static void raise_alert(DetectThread *dt, const Signature *sig, const Packet *p, Flow *f,
                        json_t *app_object)
{
    if (sig->flags & SIG_FLAG_NOALERT || sig->action == SIG_ACTION_PASS)
        return;
    AlertInfo a = {
        .gid = sig->gid, .sid = sig->sid, .rev = sig->rev, .signature = sig->msg,
        .category = sig->class_desc ? sig->class_desc : "",
        .severity = sig->priority ? sig->priority : 3, .metadata = sig->metadata,
        .target = sig->target, .app_object = app_object,
    };
    if (f)
        f->alerted = true;
    counter_incr(dt->counters, alert_counter);
    if (dt->eve)
        output_alert(dt->eve, p, f, &a);
}

static bool packet_has_ports(const Packet *p)
{
    return p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP || p->proto == IPPROTO_SCTP;
}

static bool sig_matches_packet(const Signature *sig, const Packet *p, Flow *f)
{
    if (!sig_proto_matches(sig, p->proto))
        return false;
    if (sig->alproto != ALPROTO_UNKNOWN && (!f || !f->app || f->app->proto != sig->alproto))
        return false;
    if (!endpoints_match(sig, &p->src, p->sp, &p->dst, p->dp, packet_has_ports(p)))
        return false;
    DetectMatchCtx m = {.p = p, .f = f, .to_server = f ? p->to_server : true};
    if (!list_matches_packet(&sig->fixed[SIG_LIST_PACKET], &m))
        return false;
    const SigList *payload = &sig->fixed[SIG_LIST_PAYLOAD];
    if (payload->head && (!p->payload_len || !inspect_buffer(payload, &m, p->payload,
                                                             p->payload_len)))
        return false;
    return true;
}

void detect_packet(DetectThread *dt, Packet *p, Flow *f)
{
    if (!p->ip_version || p->is_fragment)
        return;
    const SigGroup *g = &dt->de->packet_groups[proto_group(p->proto)];
    for (uint32_t i = 0; i < g->count; i++) {
        const Signature *sig = dt->de->sigs[g->sigs[i]];
        if (sig_matches_packet(sig, p, f))
            raise_alert(dt, sig, p, f, NULL);
    }
}

/* All buffer lists of a transaction rule, each buffer taken from its own side. */
static bool tx_buffers_match(const Signature *sig, DetectMatchCtx *m, void *state, void *tx)
{
    for (size_t i = 0; i < sig->buffer_count; i++) {
        const SigList *list = &sig->buffers[i];
        bool to_server = applayer_buffer_is_to_server(list->buffer_id);
        const uint8_t *data = NULL;
        uint32_t len = 0;
        if (!applayer_buffer_get(list->buffer_id, state, tx, to_server, &data, &len))
            return false;
        if (!inspect_buffer(list, m, data ? data : (const uint8_t *)"", len))
            return false;
    }
    return true;
}

void detect_tx(void *ud, Flow *f, const Packet *p, AppProto proto, void *state, void *tx,
               uint64_t tx_id)
{
    (void)tx_id;
    DetectThread *dt = ud;
    const SigGroup *g = &dt->de->tx_groups[proto];
    const AppLayerParser *parser = applayer_parser(proto);
    for (uint32_t i = 0; i < g->count; i++) {
        const Signature *sig = dt->de->sigs[g->sigs[i]];
        if (!sig_proto_matches(sig, f->key.proto))
            continue;
        bool has_ports = f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP;
        if (!endpoints_match(sig, &f->key.src, f->key.sp, &f->key.dst, f->key.dp, has_ports) &&
            !endpoints_match(sig, &f->key.dst, f->key.dp, &f->key.src, f->key.sp, has_ports))
            continue;
        bool to_server = !(sig->flags & SIG_FLAG_TOCLIENT);
        DetectMatchCtx m = {.p = p, .f = f, .to_server = to_server};
        if (!list_matches_packet(&sig->fixed[SIG_LIST_PACKET], &m) ||
            !tx_buffers_match(sig, &m, state, tx))
            continue;
        json_t *app = NULL;
        if (parser && parser->tx_alert_json) {
            json_t *obj = parser->tx_alert_json(state, tx);
            if (obj) {
                app = json_object();
                json_object_set_new(app, parser->name, obj);
            }
        }
        /* The alert carries the packet when it travelled in the rule's direction. */
        const Packet *alert_packet = p && p->to_server == to_server ? p : NULL;
        raise_alert(dt, sig, alert_packet, f, app);
        json_decref(app);
    }
}

DetectThread *detect_thread_new(const DetectEngine *de, CounterSet *counters, EveWriter *eve)
{
    DetectThread *dt = calloc(1, sizeof(*dt));
    if (!dt)
        return NULL;
    dt->de = de;
    dt->counters = counters;
    dt->eve = eve;
    return dt;
}

void detect_thread_free(DetectThread *dt)
{
    free(dt);
}

uint32_t detect_engine_rule_count(const DetectEngine *de)
{
    return de ? de->count : 0;
}
