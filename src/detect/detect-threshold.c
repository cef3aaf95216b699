/*
 * detect-threshold.c - rate control of alerts: the threshold and detection_filter keywords,
 * the settings syntax they share with threshold.config, and the state that counts events.
 *
 * threshold (type limit: the first `count` events per `seconds`; threshold: every count-th
 * event; both: once per period, at the count-th event), detection_filter (every event after
 * the first `count` in the period) and threshold.config's rate_filter (past `count` events
 * in `seconds`, the rule takes new_action for `timeout` seconds) are tracked per source,
 * destination, address pair (either way round) or rule. Suricata keeps this state globally,
 * not per thread, so it is one table here too, under a mutex that only rules with a
 * threshold ever take. Periods compare whole seconds of packet time, as Suricata does, so a
 * pcap gives the same alerts however fast it is read.
 *
 * The state lives in a BoundedTable (detect-bounded-table.c) capped by detect.thresholds.memcap.
 * An entry whose period (and rate_filter timeout) is over holds nothing a fresh entry would
 * not, so it goes stale then; when no room is left the event is counted as a memcap drop and
 * does not alert, which is what Suricata does when its host table is full.
 */
#include "detect/detect-threshold.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-address.h"
#include "detect/detect-bounded-table.h"
#include "detect/detect-keywords.h"
#include "detect/detect-threshold-settings.h"

typedef struct ThresholdKey {
    uint32_t sig_num, ctx_id;
    Address a, b;
} ThresholdKey;

typedef struct ThresholdState {
    uint64_t start_sec;      /* start of the current period */
    uint64_t action_sec;     /* rate_filter: when the new action began, 0 when inactive */
    uint32_t current;        /* events in the period */
} ThresholdState;

struct ThresholdStore {
    pthread_mutex_t lock;
    BoundedTable *table;     /* ThresholdKey -> ThresholdState, stale times in seconds */
    ThresholdCtx **owned;    /* threshold.config entries */
    uint32_t owned_count;
};

ThresholdStore *threshold_store_new(uint64_t memcap, uint32_t hash_size)
{
    ThresholdStore *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->table = bounded_table_new(sizeof(ThresholdKey), sizeof(ThresholdState), memcap, hash_size);
    if (!s->table) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

static void ctx_free(ThresholdCtx *ctx)
{
    addr_set_free(&ctx->addrs);
    free(ctx);
}

void threshold_store_free(ThresholdStore *s)
{
    if (!s)
        return;
    bounded_table_free(s->table);
    for (uint32_t i = 0; i < s->owned_count; i++)
        ctx_free(s->owned[i]);
    free(s->owned);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

uint64_t threshold_store_memcap_drops(const ThresholdStore *s)
{
    return s ? bounded_table_memcap_drops(s->table) : 0;
}

int threshold_store_adopt(ThresholdStore *s, ThresholdCtx *ctx)
{
    ThresholdCtx **grown = realloc(s->owned, (s->owned_count + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    s->owned = grown;
    ctx->id = THRESHOLD_ID_CONFIG + s->owned_count;
    s->owned[s->owned_count++] = ctx;
    return 0;
}

static int push(const ThresholdCtx ***list, uint32_t *count, const ThresholdCtx *ctx)
{
    const ThresholdCtx **grown = realloc(*list, (*count + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    grown[(*count)++] = ctx;
    *list = grown;
    return 0;
}

int threshold_sig_add(Signature *sig, const ThresholdCtx *ctx)
{
    if (ctx->type == TH_SUPPRESS)
        return push(&sig->suppress, &sig->suppress_count, ctx);
    return push(&sig->th, &sig->th_count, ctx);
}

int threshold_sig_init(Signature *sig)
{
    if (sig->threshold && threshold_sig_add(sig, sig->threshold) != 0)
        return -1;
    if (sig->detection_filter && threshold_sig_add(sig, sig->detection_filter) != 0)
        return -1;
    return 0;
}

/* --- the keywords ------------------------------------------------------------------- */

static int threshold_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    bool filter = strcmp(kw->name, "detection_filter") == 0;
    ThresholdCtx **slot = filter ? &sig->detection_filter : &sig->threshold;
    if (*slot) {
        snprintf(err, errlen, "used twice in one rule");
        return -1;
    }
    ThresholdSettings st;
    if (threshold_settings_parse(value ? value : "", &st, err, errlen) != 0)
        return -1;
    unsigned need = TS_TRACK | TS_COUNT | TS_SECONDS | (filter ? 0 : TS_TYPE);
    if (threshold_settings_expect(&st, need, need, err, errlen) != 0)
        return -1;
    if (st.track == TRACK_EITHER) {
        snprintf(err, errlen, "unknown track \"by_either\" (by_src, by_dst, by_rule, by_both)");
        return -1;
    }
    if (st.count == 0) {
        snprintf(err, errlen, "invalid count \"0\"");
        return -1;
    }
    ThresholdCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    *ctx = (ThresholdCtx){.type = filter ? TH_DETECTION_FILTER : st.type, .track = st.track,
                          .count = st.count, .seconds = st.seconds,
                          .id = filter ? THRESHOLD_ID_FILTER : THRESHOLD_ID_KEYWORD};
    *slot = ctx;
    return 0;
}

const DetectKeyword detect_threshold_keywords[] = {
    {.name = "threshold", .setup = threshold_setup},
    {.name = "detection_filter", .setup = threshold_setup},
    {.name = NULL},
};

/* --- matching ----------------------------------------------------------------------- */

static void endpoints(const Packet *p, const Flow *f, const Address **src, const Address **dst)
{
    *src = p ? &p->src : f ? &f->key.src : NULL;
    *dst = p ? &p->dst : f ? &f->key.dst : NULL;
}

/* The key of (sig, ctx, tracked addresses); an address pair is kept in one order so both
 * directions between two hosts share it. */
static void make_key(ThresholdKey *k, const Signature *sig, const ThresholdCtx *t,
                     const Address *src, const Address *dst)
{
    memset(k, 0, sizeof(*k));
    k->sig_num = sig->num;
    k->ctx_id = t->id;
    if (t->track == TRACK_SRC)
        k->a = *src;
    else if (t->track == TRACK_DST)
        k->a = *dst;
    else if (t->track == TRACK_BOTH) {
        bool swap = memcmp(src, dst, sizeof(*src)) > 0;
        k->a = swap ? *dst : *src;
        k->b = swap ? *src : *dst;
    }
}

/* Counts one event in an entry of a limit/threshold/both/detection_filter ctx. */
static bool count_event(const ThresholdCtx *t, ThresholdState *e, bool created, uint64_t now)
{
    bool in_period = !created && now - e->start_sec < t->seconds;
    if (!in_period) {
        e->start_sec = now;
        e->current = 1;
    } else {
        e->current++;
    }
    switch (t->type) {
    case TH_LIMIT: return e->current <= t->count;
    case TH_THRESHOLD:
        /* A new or restarted period counts its first event without alerting, as Suricata's
         * does (count 1 never gets here: it alerts every time without state). */
        if (!in_period)
            return false;
        if (e->current >= t->count) {
            e->current = 0;
            return true;
        }
        return false;
    case TH_BOTH: return e->current == t->count;
    case TH_DETECTION_FILTER: return e->current > t->count;
    default: return true;
    }
}

/* rate_filter: always alerts; past count events in the period the new action holds for
 * timeout seconds. */
static void rate_event(const ThresholdCtx *t, ThresholdState *e, bool created, uint64_t now,
                       SigAction *action)
{
    if (e->action_sec) {
        if (now - e->action_sec > t->timeout)
            e->action_sec = 0;
        else
            *action = t->new_action;
        return;
    }
    if (created || now - e->start_sec >= t->seconds) {
        e->start_sec = now;
        e->current = 1;
        return;
    }
    if (++e->current > t->count) {
        e->action_sec = now;
        *action = t->new_action;
    }
}

static bool apply(ThresholdStore *s, const Signature *sig, const ThresholdCtx *t,
                  const Address *src, const Address *dst, uint64_t now, SigAction *action)
{
    if (t->type == TH_THRESHOLD && t->count == 1)
        return true;  /* every event: no state needed */
    ThresholdKey k;
    make_key(&k, sig, t, src, dst);
    bool created;
    ThresholdState *e = bounded_table_get(s->table, &k, now, &created);
    if (!e)
        return false;
    bool ok = true;
    if (t->type == TH_RATE)
        rate_event(t, e, created, now, action);
    else
        ok = count_event(t, e, created, now);
    uint64_t stale = e->start_sec + (t->seconds ? t->seconds : 1);
    if (t->type == TH_RATE && e->action_sec && e->action_sec + t->timeout + 1 > stale)
        stale = e->action_sec + t->timeout + 1;
    bounded_table_set_stale(s->table, e, stale);
    return ok;
}

static bool suppressed(const ThresholdCtx *t, const Address *src, const Address *dst)
{
    bool by_src = addr_set_match(&t->addrs, src), by_dst = addr_set_match(&t->addrs, dst);
    switch (t->track) {
    case TRACK_SRC: return by_src;
    case TRACK_DST: return by_dst;
    default: return by_src || by_dst;
    }
}

bool detect_threshold_allows(ThresholdStore *s, const Signature *sig, const Packet *p,
                             const Flow *f, uint64_t ts_usec, SigAction *action)
{
    if (!s || (!sig->th_count && !sig->suppress_count))
        return true;
    const Address *src, *dst;
    endpoints(p, f, &src, &dst);
    if (!src)
        return true;
    for (uint32_t i = 0; i < sig->suppress_count; i++)
        if (suppressed(sig->suppress[i], src, dst))
            return false;
    uint64_t now = ts_usec / 1000000u;
    bool ok = true;
    pthread_mutex_lock(&s->lock);
    for (uint32_t i = 0; ok && i < sig->th_count; i++)
        ok = apply(s, sig, sig->th[i], src, dst, now, action);
    pthread_mutex_unlock(&s->lock);
    return ok;
}
