/*
 * detect-threshold.c - rate control of alerts: the threshold and detection_filter keywords
 * and the suppress/threshold entries of threshold.config.
 *
 * threshold (type limit: the first `count` events per `seconds`; threshold: every count-th
 * event; both: once per period after count events) and detection_filter (alert on every event
 * after the first `count` in the period) are tracked per source, destination, address pair or
 * rule. Suricata keeps this state per host across all threads, so it is shared here too: one
 * table under a mutex, touched only by rules that have a threshold, which are few. Periods
 * run on packet time, so a pcap gives the same alerts however fast it is read. The table is
 * bounded (THRESHOLD_MAX_ENTRIES); when full, expired entries are reused and a rule without a
 * slot alerts as if unthresholded.
 */
#include "detect/detect-threshold.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "detect/detect-address.h"
#include "detect/detect-keywords.h"

#define THRESHOLD_MAX_ENTRIES 65536

typedef struct ThresholdEntry {
    uint32_t sid, gid;
    uint8_t kind;            /* 0 threshold, 1 detection_filter */
    Address a, b;
    uint64_t start_usec;
    uint32_t current;
    bool used;
} ThresholdEntry;

typedef struct Suppress {
    uint32_t sid, gid;       /* sid 0: every sid of gid */
    ThresholdTrack track;    /* TRACK_RULE: suppress entirely */
    AddrSet addrs;
} Suppress;

struct ThresholdStore {
    pthread_mutex_t lock;
    ThresholdEntry *entries;
    uint32_t count, cap;
    Suppress *suppress;
    uint32_t suppress_count;
};

ThresholdStore *threshold_store_new(void)
{
    ThresholdStore *s = calloc(1, sizeof(*s));
    if (s)
        pthread_mutex_init(&s->lock, NULL);
    return s;
}

void threshold_store_free(ThresholdStore *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->suppress_count; i++)
        addr_set_free(&s->suppress[i].addrs);
    free(s->suppress);
    free(s->entries);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* "type limit, track by_src, count 1, seconds 60" (keyword form) into ctx. */
static int parse_settings(char *text, ThresholdCtx *ctx, bool need_type, char *err,
                          size_t errlen)
{
    bool have_type = false, have_track = false, have_count = false, have_seconds = false;
    char *save = NULL;
    for (char *item = strtok_r(text, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char key[32], val[32], extra[2];
        if (sscanf(item, " %31s %31s %1s", key, val, extra) != 2) {
            snprintf(err, errlen, "\"%s\" is not \"name value\"", item);
            return -1;
        }
        if (strcmp(key, "type") == 0) {
            static const char *const types[] = {"limit", "threshold", "both"};
            int t = -1;
            for (int i = 0; i < 3; i++)
                if (strcmp(val, types[i]) == 0)
                    t = i;
            if (t < 0) {
                snprintf(err, errlen, "unknown type \"%s\" (limit, threshold, both)", val);
                return -1;
            }
            ctx->type = (ThresholdType)t;
            have_type = true;
        } else if (strcmp(key, "track") == 0) {
            static const char *const tracks[] = {"by_src", "by_dst", "by_rule", "by_both",
                                                 "by_either"};
            int t = -1;
            for (int i = 0; i < 5; i++)
                if (strcmp(val, tracks[i]) == 0)
                    t = i;
            if (t < 0 || t == TRACK_EITHER) {
                snprintf(err, errlen, "unknown track \"%s\" (by_src, by_dst, by_rule, by_both)",
                         val);
                return -1;
            }
            ctx->track = (ThresholdTrack)t;
            have_track = true;
        } else if (strcmp(key, "count") == 0 || strcmp(key, "seconds") == 0) {
            char *end;
            unsigned long v = strtoul(val, &end, 10);
            if (*end || !isdigit((unsigned char)val[0]) || v > UINT32_MAX ||
                (v == 0 && key[0] == 'c')) {
                snprintf(err, errlen, "invalid %s \"%s\"", key, val);
                return -1;
            }
            if (key[0] == 'c') {
                ctx->count = (uint32_t)v;
                have_count = true;
            } else {
                ctx->seconds = (uint32_t)v;
                have_seconds = true;
            }
        } else {
            snprintf(err, errlen, "unknown setting \"%s\"", key);
            return -1;
        }
    }
    if ((need_type && !have_type) || !have_track || !have_count || !have_seconds) {
        snprintf(err, errlen, "needs %strack, count and seconds", need_type ? "type, " : "");
        return -1;
    }
    return 0;
}

static int threshold_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    bool filter = strcmp(kw->name, "detection_filter") == 0;
    ThresholdCtx **slot = filter ? &sig->detection_filter : &sig->threshold;
    if (*slot) {
        snprintf(err, errlen, "used twice in one rule");
        return -1;
    }
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    ThresholdCtx ctx = {0};
    if (parse_settings(buf, &ctx, !filter, err, errlen) != 0)
        return -1;
    if (filter)
        ctx.type = TH_DETECTION_FILTER;
    *slot = malloc(sizeof(ctx));
    if (!*slot)
        return -1;
    **slot = ctx;
    return 0;
}

const DetectKeyword detect_threshold_keywords[] = {
    {.name = "threshold", .setup = threshold_setup},
    {.name = "detection_filter", .setup = threshold_setup},
    {.name = NULL},
};

static void tracked(const ThresholdCtx *t, const Packet *p, const Flow *f, Address *a,
                    Address *b)
{
    memset(a, 0, sizeof(*a));
    memset(b, 0, sizeof(*b));
    const Address *src = p ? &p->src : f ? &f->key.src : NULL;
    const Address *dst = p ? &p->dst : f ? &f->key.dst : NULL;
    if (!src)
        return;
    if (t->track == TRACK_SRC || t->track == TRACK_BOTH)
        *a = *src;
    if (t->track == TRACK_DST)
        *a = *dst;
    if (t->track == TRACK_BOTH)
        *b = *dst;
}

/* The entry of (sig, kind, addresses); reuses an expired one when the table is full. */
static ThresholdEntry *entry_for(ThresholdStore *s, const Signature *sig, uint8_t kind,
                                 const Address *a, const Address *b, uint64_t now,
                                 uint32_t seconds)
{
    ThresholdEntry *free_slot = NULL;
    for (uint32_t i = 0; i < s->count; i++) {
        ThresholdEntry *e = &s->entries[i];
        if (e->sid == sig->sid && e->gid == sig->gid && e->kind == kind &&
            memcmp(&e->a, a, sizeof(*a)) == 0 && memcmp(&e->b, b, sizeof(*b)) == 0)
            return e;
        if (!free_slot && now - e->start_usec > (uint64_t)seconds * 2000000u + 60000000u)
            free_slot = e;
    }
    if (!free_slot && s->count < THRESHOLD_MAX_ENTRIES) {
        if (s->count == s->cap) {
            uint32_t cap = s->cap ? s->cap * 2 : 64;
            ThresholdEntry *grown = realloc(s->entries, cap * sizeof(ThresholdEntry));
            if (!grown)
                return NULL;
            s->entries = grown;
            s->cap = cap;
        }
        free_slot = &s->entries[s->count++];
    }
    if (free_slot)
        *free_slot = (ThresholdEntry){sig->sid, sig->gid, kind, *a, *b, now, 0, false};
    return free_slot;
}

static bool apply(ThresholdStore *s, const Signature *sig, const ThresholdCtx *t, uint8_t kind,
                  const Packet *p, const Flow *f, uint64_t now)
{
    Address a, b;
    tracked(t, p, f, &a, &b);
    ThresholdEntry *e = entry_for(s, sig, kind, &a, &b, now, t->seconds);
    if (!e)
        return true;
    if (now - e->start_usec >= (uint64_t)t->seconds * 1000000u) {
        e->start_usec = now;
        e->current = 0;
        e->used = false;
    }
    e->current++;
    switch (t->type) {
    case TH_LIMIT: return e->current <= t->count;
    case TH_THRESHOLD:
        if (e->current >= t->count) {
            e->current = 0;
            e->start_usec = now;
            return true;
        }
        return false;
    case TH_BOTH:
        if (e->current >= t->count && !e->used) {
            e->used = true;
            return true;
        }
        return false;
    case TH_DETECTION_FILTER: return e->current > t->count;
    case TH_SUPPRESS: return false;
    }
    return true;
}

static bool suppressed(const ThresholdStore *s, const Signature *sig, const Packet *p,
                       const Flow *f)
{
    const Address *src = p ? &p->src : f ? &f->key.src : NULL;
    const Address *dst = p ? &p->dst : f ? &f->key.dst : NULL;
    for (uint32_t i = 0; i < s->suppress_count; i++) {
        const Suppress *sp = &s->suppress[i];
        if (sp->gid != sig->gid || (sp->sid && sp->sid != sig->sid))
            continue;
        if (sp->track == TRACK_RULE)
            return true;
        bool by_src = src && addr_set_match(&sp->addrs, src);
        bool by_dst = dst && addr_set_match(&sp->addrs, dst);
        if ((sp->track == TRACK_SRC && by_src) || (sp->track == TRACK_DST && by_dst) ||
            (sp->track == TRACK_EITHER && (by_src || by_dst)))
            return true;
    }
    return false;
}

bool detect_threshold_allows(ThresholdStore *s, const Signature *sig, const Packet *p,
                             const Flow *f, uint64_t ts_usec)
{
    if (!s || (!sig->threshold && !sig->detection_filter && !s->suppress_count))
        return true;
    pthread_mutex_lock(&s->lock);
    bool ok = !suppressed(s, sig, p, f);
    if (ok && sig->detection_filter)
        ok = apply(s, sig, sig->detection_filter, 1, p, f, ts_usec);
    if (ok && sig->threshold)
        ok = apply(s, sig, sig->threshold, 0, p, f, ts_usec);
    pthread_mutex_unlock(&s->lock);
    return ok;
}
