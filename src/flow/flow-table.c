/*
 * flow-table.c - the per-worker flow table: lookup, creation, timeouts, memcap.
 *
 * A chained hash table (hash-size buckets) finds flows; a doubly linked list in order of last
 * activity lets expiry and eviction start from the least recently seen flow. The table never
 * holds more flows than memcap / sizeof(Flow). When it is full it enters emergency mode, as
 * Suricata does: shorter (emergency) timeouts apply, and if nothing has timed out the least
 * recently seen flow is evicted (reason "forced", counted in flow.get_used). Emergency mode
 * ends once emergency-recovery percent of the capacity is free again.
 *
 * Timeouts: a flow sits in the slot of a timing wheel (one slot per second, WHEEL_SLOTS
 * seconds around) for the second its timeout may pass; each tick of packet time looks only at
 * the slots whose second has come, so a flow is examined about once per timeout rather than
 * once per second. A flow found not yet expired there (it saw packets since) moves to its new
 * slot. Emergency mode shortens every timeout at once, so it scans the whole table instead.
 *
 * All times are packet time, so a pcap gives the same flows however fast it is read.
 */
#include "flow/flow-internal.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct FlowCounterIds {
    CounterId tcp, udp, icmpv4, icmpv6, total, memcap, tcp_reuse, get_used, emerg_entered,
        emerg_over, memuse, active, timeout, forced;
    CounterId end_state[3];
    CounterId end_tcp_state[FLOW_TCP_CLOSED + 1];
} FlowCounterIds;

static FlowCounterIds ids;

#define WHEEL_SLOTS 1024u /* seconds; longer timeouts just go round more than once */

struct FlowTable {
    FlowConfig cfg;
    Flow **buckets;
    uint32_t bucket_mask;
    Flow *lru_head, *lru_tail;
    Flow *wheel[WHEEL_SLOTS];
    uint64_t wheel_next_sec;   /* first second not yet examined; 0 before the first packet */
    uint64_t last_emergency_sweep_sec;
    uint32_t active, capacity;
    bool emergency;
    uint64_t next_id_seq;
    CounterSet *counters;
    FlowEndCallback on_end;
    void *ud;
};

void flow_register_counters(void)
{
    ids.tcp = counters_register("flow.tcp");
    ids.udp = counters_register("flow.udp");
    ids.icmpv4 = counters_register("flow.icmpv4");
    ids.icmpv6 = counters_register("flow.icmpv6");
    ids.total = counters_register("flow.total");
    ids.memcap = counters_register("flow.memcap");
    ids.tcp_reuse = counters_register("flow.tcp_reuse");
    ids.get_used = counters_register("flow.get_used");
    ids.emerg_entered = counters_register("flow.emerg_mode_entered");
    ids.emerg_over = counters_register("flow.emerg_mode_over");
    ids.memuse = counters_register_max("flow.memuse");
    ids.active = counters_register_max("flow.active");
    ids.timeout = counters_register("flow.mgr.flows_timeout");
    ids.forced = counters_register("flow.wrk.flows_evicted");
    for (int st = FLOW_STATE_NEW; st <= FLOW_STATE_CLOSED; st++) {
        char name[64];
        snprintf(name, sizeof(name), "flow.end.state.%s", flow_state_name((FlowState)st));
        ids.end_state[st] = counters_register(name);
    }
    for (int st = FLOW_TCP_NONE; st <= FLOW_TCP_CLOSED; st++) {
        char name[64];
        snprintf(name, sizeof(name), "flow.end.tcp_state.%s", flow_tcp_state_name((FlowTcpState)st));
        ids.end_tcp_state[st] = counters_register(name);
    }
}

void flow_config_default(FlowConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->memcap = 128ull << 20;
    cfg->hash_size = 65536;
    cfg->emergency_recovery = 30;
    cfg->vlan_tracking = true;
    cfg->timeouts[FLOW_PROTO_DEFAULT] = (FlowTimeouts){30, 300, 0, 10, 100, 0};
    cfg->timeouts[FLOW_PROTO_TCP] = (FlowTimeouts){60, 600, 60, 5, 100, 10};
    cfg->timeouts[FLOW_PROTO_UDP] = (FlowTimeouts){30, 300, 0, 10, 100, 0};
    cfg->timeouts[FLOW_PROTO_ICMP] = (FlowTimeouts){30, 300, 0, 10, 100, 0};
}

static uint32_t round_up_pow2(uint32_t v)
{
    uint32_t p = 1;
    while (p < v && p < (1u << 30))
        p <<= 1;
    return p;
}

FlowTable *flow_table_new(const FlowConfig *cfg, uint64_t memcap_share, CounterSet *counters,
                          FlowEndCallback on_end, void *ud)
{
    FlowTable *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cfg = *cfg;
    uint32_t buckets = round_up_pow2(cfg->hash_size ? cfg->hash_size : 1);
    t->buckets = calloc(buckets, sizeof(Flow *));
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->bucket_mask = buckets - 1;
    uint64_t bucket_bytes = (uint64_t)buckets * sizeof(Flow *);
    uint64_t usable = memcap_share > bucket_bytes ? memcap_share - bucket_bytes : 0;
    uint64_t capacity = usable / sizeof(Flow);
    t->capacity = capacity > UINT32_MAX ? UINT32_MAX : (uint32_t)(capacity ? capacity : 1);
    t->counters = counters;
    t->on_end = on_end;
    t->ud = ud;
    return t;
}

static void lru_unlink(FlowTable *t, Flow *f)
{
    if (f->lru_prev)
        f->lru_prev->lru_next = f->lru_next;
    else
        t->lru_head = f->lru_next;
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        t->lru_tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void lru_append(FlowTable *t, Flow *f)
{
    f->lru_prev = t->lru_tail;
    f->lru_next = NULL;
    if (t->lru_tail)
        t->lru_tail->lru_next = f;
    else
        t->lru_head = f;
    t->lru_tail = f;
}

static void bucket_unlink(FlowTable *t, Flow *f)
{
    Flow **link = &t->buckets[f->hash & t->bucket_mask];
    while (*link && *link != f)
        link = &(*link)->hash_next;
    if (*link)
        *link = f->hash_next;
}

static void wheel_unlink(FlowTable *t, Flow *f)
{
    if (!f->deadline_sec)
        return;
    if (f->wheel_prev)
        f->wheel_prev->wheel_next = f->wheel_next;
    else
        t->wheel[f->deadline_sec % WHEEL_SLOTS] = f->wheel_next;
    if (f->wheel_next)
        f->wheel_next->wheel_prev = f->wheel_prev;
    f->wheel_prev = f->wheel_next = NULL;
    f->deadline_sec = 0;
}

static void wheel_link(FlowTable *t, Flow *f, uint64_t deadline_sec)
{
    Flow **slot = &t->wheel[deadline_sec % WHEEL_SLOTS];
    f->deadline_sec = deadline_sec;
    f->wheel_prev = NULL;
    f->wheel_next = *slot;
    if (*slot)
        (*slot)->wheel_prev = f;
    *slot = f;
}

static uint64_t flow_timeout_usec(const FlowTable *t, const Flow *f);

/* The second in which "last seen + timeout < now" first becomes true. */
static uint64_t flow_deadline_sec(const FlowTable *t, const Flow *f)
{
    return (f->last_usec + flow_timeout_usec(t, f)) / 1000000 + 1;
}

void flow_table_reschedule(FlowTable *t, Flow *f)
{
    uint64_t deadline = flow_deadline_sec(t, f);
    /* a deadline already behind the wheel is due at the next tick */
    if (deadline < t->wheel_next_sec)
        deadline = t->wheel_next_sec;
    if (deadline == f->deadline_sec)
        return;
    wheel_unlink(t, f);
    wheel_link(t, f, deadline);
}

static void update_memuse(FlowTable *t)
{
    counter_update_max(t->counters, ids.memuse,
                       (uint64_t)t->active * sizeof(Flow) +
                           (uint64_t)(t->bucket_mask + 1) * sizeof(Flow *));
    counter_update_max(t->counters, ids.active, t->active);
}

static void flow_end(FlowTable *t, Flow *f, FlowEndReason reason, uint64_t now_usec)
{
    if (reason == FLOW_END_TIMEOUT)
        counter_incr(t->counters, ids.timeout);
    else if (reason == FLOW_END_FORCED)
        counter_incr(t->counters, ids.forced);
    counter_incr(t->counters, ids.end_state[f->state]);
    if (f->tcp_session) /* as Suricata: only flows the stream engine tracked */
        counter_incr(t->counters, ids.end_tcp_state[f->tcp_state]);
    if (t->on_end)
        t->on_end(f, reason, now_usec, t->ud);
    bucket_unlink(t, f);
    lru_unlink(t, f);
    wheel_unlink(t, f);
    t->active--;
    free(f);
}

static int timeout_proto(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP:
        return FLOW_PROTO_TCP;
    case IPPROTO_UDP:
        return FLOW_PROTO_UDP;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        return FLOW_PROTO_ICMP;
    default:
        return FLOW_PROTO_DEFAULT;
    }
}

static uint64_t flow_timeout_usec(const FlowTable *t, const Flow *f)
{
    const FlowTimeouts *to = &t->cfg.timeouts[timeout_proto(f->key.proto)];
    uint32_t sec;
    switch (f->state) {
    case FLOW_STATE_ESTABLISHED:
        sec = t->emergency ? to->emerg_established_sec : to->established_sec;
        break;
    case FLOW_STATE_CLOSED:
        sec = t->emergency ? to->emerg_closed_sec : to->closed_sec;
        break;
    default:
        sec = t->emergency ? to->emerg_new_sec : to->new_sec;
        break;
    }
    return (uint64_t)sec * 1000000;
}

static void leave_emergency_if_recovered(FlowTable *t)
{
    uint64_t free_slots = t->capacity - t->active;
    if (t->emergency && free_slots * 100 >= (uint64_t)t->capacity * t->cfg.emergency_recovery) {
        t->emergency = false;
        counter_incr(t->counters, ids.emerg_over);
    }
}

/* Emergency: timeouts just got shorter for every flow, so every flow is checked. */
static uint32_t expire_scan(FlowTable *t, uint64_t now_usec)
{
    uint32_t ended = 0;
    for (Flow *f = t->lru_head, *next; f; f = next) {
        next = f->lru_next;
        if (f->last_usec + flow_timeout_usec(t, f) < now_usec) {
            flow_end(t, f, FLOW_END_TIMEOUT, now_usec);
            ended++;
        } else {
            flow_table_reschedule(t, f);
        }
    }
    return ended;
}

/* The flows of one wheel slot whose deadline second is `sec`: end the expired ones, move
 * the others (seen again since, or due in a later round) to their slot. */
static uint32_t expire_slot(FlowTable *t, uint64_t sec, uint64_t now_usec)
{
    uint32_t ended = 0;
    Flow *f = t->wheel[sec % WHEEL_SLOTS];
    while (f) {
        Flow *next = f->wheel_next;
        if (f->deadline_sec <= sec) {
            if (f->last_usec + flow_timeout_usec(t, f) < now_usec) {
                flow_end(t, f, FLOW_END_TIMEOUT, now_usec);
                ended++;
            } else if (flow_deadline_sec(t, f) > sec) {
                flow_table_reschedule(t, f);
            }
        }
        f = next;
    }
    return ended;
}

uint32_t flow_table_expire(FlowTable *t, uint64_t now_usec)
{
    uint64_t now_sec = now_usec / 1000000;
    uint32_t ended = 0;
    if (t->emergency) {
        ended = expire_scan(t, now_usec);
    } else if (t->wheel_next_sec) {
        /* A flow due in second D has "last seen + timeout" before D, so by any time in D it
         * has expired: slots up to now are complete. A jump longer than the wheel visits each
         * slot once, which covers every flow. */
        uint64_t from = t->wheel_next_sec;
        if (now_sec >= from + WHEEL_SLOTS)
            from = now_sec - WHEEL_SLOTS + 1;
        for (uint64_t sec = from; sec <= now_sec; sec++)
            ended += expire_slot(t, sec, now_usec);
    }
    if (now_sec + 1 > t->wheel_next_sec)
        t->wheel_next_sec = now_sec + 1;
    leave_emergency_if_recovered(t);
    return ended;
}

/* Make room for one more flow; false when memcap forbids it and nothing can be freed. */
static bool make_room(FlowTable *t, uint64_t now_usec)
{
    if (t->active < t->capacity)
        return true;
    counter_incr(t->counters, ids.memcap);
    if (!t->emergency) {
        t->emergency = true;
        counter_incr(t->counters, ids.emerg_entered);
    }
    /* The emergency sweep visits every flow, so at flood rates it may run once per second of
     * packet time, not once per new flow; in between, the least recently seen flow makes
     * room. Each new flow then costs O(1). */
    uint64_t now_sec = now_usec / 1000000;
    if (now_sec != t->last_emergency_sweep_sec) {
        t->last_emergency_sweep_sec = now_sec;
        flow_table_expire(t, now_usec);
        if (t->active < t->capacity)
            return true;
    }
    if (!t->lru_head)
        return false;
    counter_incr(t->counters, ids.get_used);
    flow_end(t, t->lru_head, FLOW_END_FORCED, now_usec);
    return true;
}

static uint64_t make_flow_id(FlowTable *t, uint32_t hash, uint64_t start_usec)
{
    /* splitmix64 over (hash, start time, sequence): unique within the run and stable for a
     * given input, reduced to 51 bits so JSON consumers that use doubles keep every bit. */
    uint64_t x = ((uint64_t)hash << 32) ^ start_usec ^ (++t->next_id_seq * 0x9e3779b97f4a7c15ull);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    x &= 0x7ffffffffffffull;
    return x ? x : 1;
}

static void count_new_flow(FlowTable *t, uint8_t proto)
{
    counter_incr(t->counters, ids.total);
    if (proto == IPPROTO_TCP)
        counter_incr(t->counters, ids.tcp);
    else if (proto == IPPROTO_UDP)
        counter_incr(t->counters, ids.udp);
    else if (proto == IPPROTO_ICMP)
        counter_incr(t->counters, ids.icmpv4);
    else if (proto == IPPROTO_ICMPV6)
        counter_incr(t->counters, ids.icmpv6);
}

static Flow *flow_create(FlowTable *t, const FlowKey *key, uint32_t hash, const Packet *p)
{
    if (!make_room(t, p->ts_usec))
        return NULL;
    Flow *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->key = *key;
    f->hash = hash;
    f->start_usec = f->last_usec = p->ts_usec;
    f->flow_id = make_flow_id(t, hash, p->ts_usec);
    f->state = FLOW_STATE_NEW;
    f->icmp_type = p->icmp_type;
    f->icmp_code = p->icmp_code;
    f->esp_spi = p->esp_spi;
    f->min_ttl_ts = f->min_ttl_tc = 255;
    Flow **bucket = &t->buckets[hash & t->bucket_mask];
    f->hash_next = *bucket;
    *bucket = f;
    lru_append(t, f);
    if (!t->wheel_next_sec)
        t->wheel_next_sec = p->ts_usec / 1000000;
    flow_table_reschedule(t, f);
    t->active++;
    count_new_flow(t, key->proto);
    update_memuse(t);
    return f;
}

static Flow *flow_lookup(FlowTable *t, const FlowKey *key, uint32_t hash, bool *to_server)
{
    for (Flow *f = t->buckets[hash & t->bucket_mask]; f; f = f->hash_next) {
        if (f->hash != hash)
            continue;
        FlowDirectionMatch m = flow_key_match(&f->key, key);
        if (m != FLOW_MATCH_NONE) {
            *to_server = (m == FLOW_MATCH_TOSERVER);
            return f;
        }
    }
    return NULL;
}

static void add_mac(uint8_t set[][6], uint8_t *count, const uint8_t mac[6])
{
    for (int i = 0; i < *count; i++)
        if (memcmp(set[i], mac, 6) == 0)
            return;
    if (*count < FLOW_MAX_MACS)
        memcpy(set[(*count)++], mac, 6);
}

/* Client-side MACs are the sources of packets to the server and the destinations of packets
 * to the client; the server side the other way round. */
static void track_macs(Flow *f, const Packet *p, bool to_server)
{
    if (!p->has_mac)
        return;
    FlowMacSet *m = &f->macs;
    add_mac(m->client, &m->client_count, to_server ? p->src_mac : p->dst_mac);
    add_mac(m->server, &m->server_count, to_server ? p->dst_mac : p->src_mac);
}

static void track_ttl(uint8_t *min, uint8_t *max, uint8_t ttl)
{
    if (ttl < *min)
        *min = ttl;
    if (ttl > *max)
        *max = ttl;
}

static void flow_update(FlowTable *t, Flow *f, Packet *p, bool to_server)
{
    /* Bytes as captured, link layer included, as Suricata counts them. */
    uint32_t bytes = p->len + p->link_len;
    f->last_usec = p->ts_usec > f->last_usec ? p->ts_usec : f->last_usec;
    track_macs(f, p, to_server);
    if (to_server) {
        f->pkts_toserver++;
        f->bytes_toserver += bytes;
        track_ttl(&f->min_ttl_ts, &f->max_ttl_ts, p->ttl);
    } else {
        f->pkts_toclient++;
        f->bytes_toclient += bytes;
        track_ttl(&f->min_ttl_tc, &f->max_ttl_tc, p->ttl);
        if (!f->resp_icmp_seen && (f->key.proto == IPPROTO_ICMP || f->key.proto == IPPROTO_ICMPV6)) {
            f->resp_icmp_seen = true;
            f->resp_icmp_type = p->icmp_type;
            f->resp_icmp_code = p->icmp_code;
        }
    }
    if (f->key.proto == IPPROTO_TCP) {
        if (to_server)
            f->tcp_flags_ts |= p->tcp_flags;
        else
            f->tcp_flags_tc |= p->tcp_flags;
    } else if (f->state == FLOW_STATE_NEW && f->pkts_toserver && f->pkts_toclient) {
        f->state = FLOW_STATE_ESTABLISHED;
    }
    lru_unlink(t, f);
    lru_append(t, f);
    p->flow = f;
    p->to_server = to_server;
    p->flow_established = f->state != FLOW_STATE_NEW;
    p->no_payload_inspection = f->no_payload_inspection;
}

/* As Suricata: flows for the protocols it tracks, not for tunnel carriers such as GRE
 * (their inner packets get the flows), IPv6-in-IPv4 excepted. */
static bool proto_wants_flow(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
    case IPPROTO_SCTP:
    case IPPROTO_ESP:
    case IPPROTO_IPV6:
        return true;
    default:
        return false;
    }
}

static bool packet_wants_flow(const Packet *p)
{
    /* An anomaly found after the transport header was read (a bad TCP option) marks the
     * packet invalid, but Suricata still counts it in its flow. */
    return p->ip_version != 0 && !p->is_fragment && (!p->is_invalid || p->l4_hdr) &&
           proto_wants_flow(p->proto);
}

/* An ICMPv4 error counts in the flow it quotes, travelling against that packet's direction;
 * without such a flow it has none. */
static Flow *handle_icmp_error(FlowTable *t, Packet *p, const FlowKey *key, uint32_t hash)
{
    bool quoted_to_server = true;
    Flow *f = flow_lookup(t, key, hash, &quoted_to_server);
    if (!f)
        return NULL;
    bool to_server = !quoted_to_server;
    f->last_usec = p->ts_usec > f->last_usec ? p->ts_usec : f->last_usec;
    if (to_server) {
        f->pkts_toserver++;
        f->bytes_toserver += p->len + p->link_len;
    } else {
        f->pkts_toclient++;
        f->bytes_toclient += p->len + p->link_len;
    }
    lru_unlink(t, f);
    lru_append(t, f);
    p->flow = f;
    p->to_server = to_server;
    p->flow_established = f->state != FLOW_STATE_NEW;
    p->no_payload_inspection = f->no_payload_inspection;
    return f;
}

Flow *flow_handle_packet(FlowTable *t, Packet *p)
{
    if (!packet_wants_flow(p))
        return NULL;
    FlowKey key;
    flow_key_from_packet(p, &key);
    uint32_t hash = flow_hash_key(&key);
    p->flow_hash = hash;
    if (flow_icmp_is_error(p))
        return key.proto == IPPROTO_ICMP ? NULL : handle_icmp_error(t, p, &key, hash);
    bool to_server = true;
    Flow *f = flow_lookup(t, &key, hash, &to_server);
    if (f && f->key.proto == IPPROTO_TCP &&
        flow_tcp_is_reuse(f, p, to_server, t->cfg.tcp_synack_starts)) {
        counter_incr(t->counters, ids.tcp_reuse);
        flow_end(t, f, FLOW_END_TIMEOUT, p->ts_usec);
        f = NULL;
    }
    if (!f) {
        f = flow_create(t, &key, hash, p);
        if (!f)
            return NULL;
        to_server = true;
    }
    flow_update(t, f, p, to_server);
    return f;
}

uint32_t flow_table_active(const FlowTable *t)
{
    return t->active;
}

void flow_table_free(FlowTable *t, uint64_t now_usec)
{
    if (!t)
        return;
    while (t->lru_head)
        flow_end(t, t->lru_head, FLOW_END_SHUTDOWN, now_usec);
    free(t->buckets);
    free(t);
}

const char *flow_state_name(FlowState state)
{
    switch (state) {
    case FLOW_STATE_ESTABLISHED:
        return "established";
    case FLOW_STATE_CLOSED:
        return "closed";
    default:
        return "new";
    }
}

const char *flow_end_reason_name(FlowEndReason reason)
{
    switch (reason) {
    case FLOW_END_TIMEOUT:
        return "timeout";
    case FLOW_END_FORCED:
        return "forced";
    default:
        return "shutdown";
    }
}
