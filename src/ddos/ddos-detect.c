/*
 * ddos-detect.c - per-victim accounting, thresholds, baselines and the attack state machine
 * (see ddos.h for where it runs, ddos-internal.h for the victim entry).
 *
 * Per packet to a protected address: look the destination up in the victim index (open
 * addressing, linear probing). A destination without an entry is only counted in the
 * count-min sketch of this second; once its estimate reaches admit-pps it gets an entry,
 * seeded with that estimate so the second it got hot is not lost. Entries are fixed
 * (max-victims); when all are taken, the idle one with the least recent traffic is evicted,
 * and an attack in progress is never evicted. So the many destinations of a carpet-bombing
 * cost one sketch update each, and memory is the same whatever the traffic.
 *
 * States: idle -> active when a class's sliding rate crosses its static threshold (or the
 * total crosses the pps/bps totals), or crosses max(k x baseline, floor) once the baseline
 * has warm-up seconds behind it; baselines learn only while idle, so an attack does not
 * teach itself in. An active victim stays active while its trigger class keeps at least half
 * the threshold it crossed; after end-after quiet seconds it ends. Start, every
 * update-interval seconds, and end each write a ddos event; start also writes an alert and,
 * with start and end, queues the mitigation commands.
 */
#include "ddos-internal.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

DdosCounterIds ddos_ids;

void ddos_register_counters(void)
{
    ddos_ids.packets = counters_register("ddos.packets");
    ddos_ids.victims = counters_register_max("ddos.victims");
    ddos_ids.victims_evicted = counters_register("ddos.victims_evicted");
    ddos_ids.victim_table_full = counters_register("ddos.victim_table_full");
    ddos_ids.attacks_started = counters_register("ddos.attacks_started");
    ddos_ids.attacks_ended = counters_register("ddos.attacks_ended");
    ddos_ids.mitigation_dropped = counters_register("ddos.mitigation_dropped");
    const CounterId all[] = {ddos_ids.packets,         ddos_ids.victims,
                             ddos_ids.victims_evicted, ddos_ids.victim_table_full,
                             ddos_ids.attacks_started, ddos_ids.attacks_ended,
                             ddos_ids.mitigation_dropped};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        counters_set_private(all[i]);
}

#define USEC 1000000ull
#define HASH_SEED 0x64646f73ull
#define HOT_FRACTION 0.5

/* ---- rates ------------------------------------------------------------------------------ */

static double elapsed_fraction(const DdosVictim *v, uint64_t ts_usec)
{
    uint64_t start = v->sec * USEC;
    if (ts_usec <= start)
        return 0;
    uint64_t in = ts_usec - start;
    return in >= USEC ? 1.0 : (double)in / USEC;
}

double ddos_victim_rate(const DdosVictim *v, DdosClass c, uint64_t ts_usec)
{
    return v->cur[c] + v->prev[c] * (1.0 - elapsed_fraction(v, ts_usec));
}

double ddos_victim_bps(const DdosVictim *v, uint64_t ts_usec)
{
    return 8.0 * ((double)v->cur_bytes + (double)v->prev_bytes *
                  (1.0 - elapsed_fraction(v, ts_usec)));
}

static DdosClass total_class(const Address *a)
{
    return a->family == AF_INET6 ? DDOS_IPV6 : DDOS_IPV4;
}

static uint32_t ttl_distinct(const DdosVictim *v)
{
    uint32_t n = 0;
    for (int i = 0; i < 4; i++)
        n += (uint32_t)__builtin_popcountll(v->ttls[i]);
    return n;
}

void ddos_victim_signs(const DdosVictim *v, DdosSigns *s)
{
    memset(s, 0, sizeof(*s));
    s->syn_unanswered = v->syns ? (v->acks >= v->syns ? 0 : 1.0 - (double)v->acks / v->syns) : 0;
    DdosTopKEntry top;
    if (ddos_topk_sorted(&v->src_ports, &top, 1) == 1 && v->src_ports.total) {
        s->top_src_port = ddos_topk_port(&top);
        s->src_port_share = (double)(top.count - top.error) / (double)v->src_ports.total;
    }
    s->packets = v->sources.total;
    s->src_spread = ddos_spread_estimate(&v->spread, &s->src_spread_saturated);
    s->ttl_distinct = ttl_distinct(v);
}

/* ---- victim index ----------------------------------------------------------------------- */

static uint32_t slot_of(const DdosDetector *d, const Address *a)
{
    return (uint32_t)ddos_hash_address(a, HASH_SEED) & d->index_mask;
}

static DdosVictim *victim_find(DdosDetector *d, const Address *a)
{
    for (uint32_t s = slot_of(d, a);; s = (s + 1) & d->index_mask) {
        uint32_t n = d->index[s];
        if (!n)
            return NULL;
        DdosVictim *v = &d->victims[n - 1];
        if (memcmp(&v->addr, a, sizeof(*a)) == 0)
            return v;
    }
}

static void index_insert(DdosDetector *d, uint32_t number)
{
    uint32_t s = slot_of(d, &d->victims[number].addr);
    while (d->index[s])
        s = (s + 1) & d->index_mask;
    d->index[s] = number + 1;
}

/* Backward-shift deletion: later entries of the probe run move up, so no tombstones. */
static void index_remove(DdosDetector *d, uint32_t number)
{
    uint32_t s = slot_of(d, &d->victims[number].addr);
    while (d->index[s] != number + 1)
        s = (s + 1) & d->index_mask;
    for (uint32_t next = (s + 1) & d->index_mask; d->index[next];
         next = (next + 1) & d->index_mask) {
        uint32_t home = slot_of(d, &d->victims[d->index[next] - 1].addr);
        /* Move next into the hole unless its home lies cyclically in (s, next]. */
        bool stays = s <= next ? (home > s && home <= next) : (home > s || home <= next);
        if (!stays) {
            d->index[s] = d->index[next];
            s = next;
        }
    }
    d->index[s] = 0;
}

static void victim_release(DdosDetector *d, DdosVictim *v)
{
    index_remove(d, (uint32_t)(v - d->victims));
    memset(v, 0, sizeof(*v));
    d->victims_used--;
}

/* A free entry, or the idle one with the least traffic in the last two seconds. */
static DdosVictim *victim_slot(DdosDetector *d)
{
    DdosVictim *best = NULL;
    uint64_t best_load = UINT64_MAX;
    for (uint32_t i = 0; i < d->victim_count; i++) {
        DdosVictim *v = &d->victims[i];
        if (!v->used)
            return v;
        uint64_t load = (uint64_t)v->cur[total_class(&v->addr)] + v->prev[total_class(&v->addr)];
        if (!v->active && load < best_load) {
            best = v;
            best_load = load;
        }
    }
    if (best) {
        victim_release(d, best);
        counter_incr(d->counters, ddos_ids.victims_evicted);
    } else {
        counter_incr(d->counters, ddos_ids.victim_table_full);
    }
    return best;
}

static void reset_signs(DdosVictim *v)
{
    ddos_topk_clear(&v->sources);
    ddos_topk_clear(&v->src_ports);
    ddos_topk_clear(&v->dst_ports);
    ddos_spread_clear(&v->spread);
    memset(v->ttls, 0, sizeof(v->ttls));
    v->syns = v->acks = 0;
}

static DdosVictim *victim_admit(DdosDetector *d, const Packet *p, uint32_t seen)
{
    DdosVictim *v = victim_slot(d);
    if (!v)
        return NULL;
    v->addr = p->dst;
    v->used = true;
    v->thr = ddos_config_thresholds(d->cfg, &p->dst);
    v->prefix = ddos_config_protected(d->cfg, &p->dst);
    v->sec = p->ts_usec / USEC;
    /* The sketch saw `seen` packets this second before this one: assume they were like it. */
    DdosClass c = ddos_packet_class(p), t = total_class(&p->dst);
    v->cur[c] = seen - 1;
    if (c != t)
        v->cur[t] = seen - 1;
    v->cur_bytes = (uint64_t)(seen - 1) * p->wire_len;
    index_insert(d, (uint32_t)(v - d->victims));
    counter_update_max(d->counters, ddos_ids.victims, ++d->victims_used);
    return v;
}

/* ---- time ------------------------------------------------------------------------------- */

/* Moves v's buckets to the second of ts_usec; completed seconds feed the baseline (idle) or
 * the peaks (active). */
static void victim_roll(const DdosConfig *cfg, DdosVictim *v, uint64_t ts_usec)
{
    uint64_t sec = ts_usec / USEC;
    if (sec <= v->sec)
        return;
    uint64_t gap = sec - v->sec;
    DdosClass t = total_class(&v->addr);
    if (v->active) {
        if (v->cur[t] > v->peak_pps)
            v->peak_pps = v->cur[t];
        if (8.0 * (double)v->cur_bytes > v->peak_bps)
            v->peak_bps = 8.0 * (double)v->cur_bytes;
    } else {
        for (int c = 0; c < DDOS_CLASS_COUNT; c++) {
            ddos_ewma_update(&v->baseline[c], v->cur[c], cfg->adaptive_alpha);
            ddos_ewma_decay(&v->baseline[c], gap - 1, cfg->adaptive_alpha);
        }
        /* A quiet second: the signs start over, so they describe what comes next. */
        if (v->cur[t] < cfg->admit_pps)
            reset_signs(v);
    }
    if (gap == 1) {
        memcpy(v->prev, v->cur, sizeof(v->prev));
        v->prev_bytes = v->cur_bytes;
    } else {
        memset(v->prev, 0, sizeof(v->prev));
        v->prev_bytes = 0;
    }
    memset(v->cur, 0, sizeof(v->cur));
    v->cur_bytes = 0;
    v->sec = sec;
}

/* ---- state machine ---------------------------------------------------------------------- */

static void attack_start(DdosDetector *d, DdosVictim *v, const Packet *p, DdosClass c,
                         double threshold, bool adaptive)
{
    DdosSigns signs;
    double rates[DDOS_CLASS_COUNT];
    for (int i = 0; i < DDOS_CLASS_COUNT; i++)
        rates[i] = ddos_victim_rate(v, (DdosClass)i, p->ts_usec);
    ddos_victim_signs(v, &signs);
    v->active = true;
    v->attack = ddos_classify(rates, &signs);
    v->trigger_class = c;
    v->adaptive_trigger = adaptive;
    v->threshold_pps = threshold;
    v->baseline_pps = v->baseline[c].value;
    v->start_usec = v->last_hot_usec = p->ts_usec;
    v->next_update_usec = p->ts_usec + (uint64_t)d->cfg->update_sec * USEC;
    v->packets = v->bytes = 0;
    v->peak_pps = rates[total_class(&v->addr)];
    v->peak_bps = ddos_victim_bps(v, p->ts_usec);
    counter_incr(d->counters, ddos_ids.attacks_started);
    ddos_log_event(d, v, "start", p->ts_usec);
    ddos_log_alert(d, v, p);
    ddos_log_mitigation(d, v, "start", p->ts_usec);
}

/* Peaks are taken at second boundaries; an attack shorter than a second, or the part of
 * one since the last boundary, is folded in here before it is reported. */
static void note_peak(DdosVictim *v, uint64_t ts_usec)
{
    double pps = ddos_victim_rate(v, total_class(&v->addr), ts_usec);
    double bps = ddos_victim_bps(v, ts_usec);
    if (pps > v->peak_pps)
        v->peak_pps = pps;
    if (bps > v->peak_bps)
        v->peak_bps = bps;
}

static void attack_end(DdosDetector *d, DdosVictim *v, uint64_t ts_usec)
{
    note_peak(v, v->last_hot_usec);
    counter_incr(d->counters, ddos_ids.attacks_ended);
    ddos_log_event(d, v, "end", ts_usec);
    ddos_log_mitigation(d, v, "end", ts_usec);
    v->active = false;
    reset_signs(v);
}

/* Which threshold, if any, the packet's class or the victim's total now crosses. */
static void check_start(DdosDetector *d, DdosVictim *v, const Packet *p, DdosClass c)
{
    const DdosThresholds *thr = v->thr;
    DdosClass t = total_class(&v->addr);
    double rate = ddos_victim_rate(v, c, p->ts_usec);
    if (thr->pps[c] && rate >= thr->pps[c]) {
        attack_start(d, v, p, c, thr->pps[c], false);
        return;
    }
    double total = ddos_victim_rate(v, t, p->ts_usec);
    if ((thr->pps[t] && total >= thr->pps[t]) ||
        (thr->bps && ddos_victim_bps(v, p->ts_usec) >= (double)thr->bps)) {
        attack_start(d, v, p, t, thr->pps[t], false);
        return;
    }
    const DdosConfig *cfg = d->cfg;
    const DdosEwma *base = &v->baseline[c];
    if (!cfg->adaptive || base->samples < cfg->adaptive_warmup_sec)
        return;
    double limit = cfg->adaptive_k * base->value;
    if (limit < cfg->adaptive_floor_pps)
        limit = cfg->adaptive_floor_pps;
    if (rate >= limit)
        attack_start(d, v, p, c, limit, true);
}

static void account(DdosDetector *d, DdosVictim *v, const Packet *p)
{
    victim_roll(d->cfg, v, p->ts_usec);
    DdosClass c = ddos_packet_class(p), t = total_class(&p->dst);
    v->cur[c]++;
    if (c != t)
        v->cur[t]++;
    v->cur_bytes += p->wire_len;
    v->last_seen_usec = p->ts_usec;
    ddos_topk_add_address(&v->sources, &p->src);
    if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
        ddos_topk_add_port(&v->src_ports, p->sp);
        ddos_topk_add_port(&v->dst_ports, p->dp);
    }
    ddos_spread_add(&v->spread, ddos_hash_address(&p->src, HASH_SEED));
    v->ttls[p->ttl / 64] |= 1ull << (p->ttl % 64);
    v->syns += c == DDOS_SYN;
    v->acks += c == DDOS_ACK;
    if (!v->active) {
        check_start(d, v, p, c);
        return;
    }
    v->packets++;
    v->bytes += p->wire_len;
    if (ddos_victim_rate(v, v->trigger_class, p->ts_usec) >= HOT_FRACTION * v->threshold_pps)
        v->last_hot_usec = p->ts_usec;
}

void ddos_detector_packet(DdosDetector *d, const Packet *p)
{
    if (!p->ip_version || p->is_reassembled || !ddos_config_protected(d->cfg, &p->dst))
        return;
    if (p->ts_usec > d->now_usec)
        d->now_usec = p->ts_usec;
    counter_incr(d->counters, ddos_ids.packets);
    DdosVictim *v = victim_find(d, &p->dst);
    if (!v) {
        uint64_t sec = p->ts_usec / USEC;
        if (sec != d->cms_sec) {
            ddos_cms_clear(&d->cms);
            d->cms_sec = sec;
            d->cms_total = 0;
        }
        uint32_t seen = ddos_cms_add(&d->cms, ddos_hash_address(&p->dst, HASH_SEED ^ 1), 1);
        /* Less what collisions put in an average counter: many light destinations must
         * not add up to a heavy one, nor seed a victim with their traffic. */
        uint32_t noise = (uint32_t)(++d->cms_total / d->cms.width);
        seen = seen > noise ? seen - noise : 1;
        if (seen < d->cfg->admit_pps || !(v = victim_admit(d, p, seen)))
            return;
    }
    account(d, v, p);
}

void ddos_detector_tick(DdosDetector *d, uint64_t now_usec)
{
    const DdosConfig *cfg = d->cfg;
    if (now_usec > d->now_usec)
        d->now_usec = now_usec;
    for (uint32_t i = 0; i < d->victim_count; i++) {
        DdosVictim *v = &d->victims[i];
        if (!v->used)
            continue;
        victim_roll(cfg, v, now_usec);
        if (!v->active) {
            if (now_usec - v->last_seen_usec >= (uint64_t)cfg->victim_timeout_sec * USEC)
                victim_release(d, v);
        } else if (now_usec - v->last_hot_usec >= (uint64_t)cfg->end_after_sec * USEC) {
            attack_end(d, v, now_usec);
        } else if (cfg->update_sec && now_usec >= v->next_update_usec) {
            note_peak(v, now_usec);
            ddos_log_event(d, v, "update", now_usec);
            v->next_update_usec += (uint64_t)cfg->update_sec * USEC;
        }
    }
}

DdosDetector *ddos_detector_new(const DdosConfig *cfg, EveLog *eve, CounterSet *counters)
{
    DdosDetector *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->cfg = cfg;
    ddos_register_counters(); /* the same ids again when the engine registered them */
    d->counters = counters;
    if (!counters) {
        if (counter_set_init(&d->own_counters) != 0) {
            free(d);
            return NULL;
        }
        d->counters = &d->own_counters;
    }
    d->victim_count = cfg->max_victims;
    uint32_t slots = 2;
    while (slots < 2 * cfg->max_victims)
        slots <<= 1;
    d->index_mask = slots - 1;
    d->victims = calloc(d->victim_count, sizeof(DdosVictim));
    d->index = calloc(slots, sizeof(uint32_t));
    bool ok = d->victims && d->index && ddos_cms_init(&d->cms, DDOS_CMS_WIDTH) == 0;
    if (ok && (cfg->on_start.argc || cfg->on_end.argc)) {
        d->mitigator = ddos_mitigator_new(cfg->mitigation_queue, cfg->mitigation_timeout_sec);
        ok = d->mitigator != NULL;
    }
    if (!ok) {
        ddos_detector_free(d, 0);
        return NULL;
    }
    eve_writer_init(&d->writer, eve);
    return d;
}

void ddos_detector_finish(DdosDetector *d, uint64_t now_usec)
{
    if (!d || !d->victims || !d->writer.log)
        return;
    if (now_usec < d->now_usec)
        now_usec = d->now_usec;
    for (uint32_t i = 0; i < d->victim_count; i++)
        if (d->victims[i].used && d->victims[i].active)
            attack_end(d, &d->victims[i], now_usec);
    eve_writer_flush(&d->writer);
}

void ddos_detector_free(DdosDetector *d, uint64_t now_usec)
{
    if (!d)
        return;
    ddos_detector_finish(d, now_usec);
    ddos_mitigator_free(d->mitigator);
    eve_writer_destroy(&d->writer);
    if (d->own_counters.values)
        counter_set_free(&d->own_counters);
    ddos_cms_free(&d->cms);
    free(d->victims);
    free(d->index);
    free(d);
}
