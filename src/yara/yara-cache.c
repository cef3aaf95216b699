/*
 * yara-cache.c - the scan-result cache (see yara-cache.h).
 *
 * One mutex for the whole table: a lookup is a hash and a memcmp, far below the cost of the
 * scan it saves, and scanner threads are few. Entries copy the matching rules' info pointers,
 * which stay valid for the generation stored with them (retired rule sets are freed only at
 * the end of the run, see yara-scan.c).
 */
#include "yara/yara-cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "yara/yara-rules.h"

typedef struct Slot {
    bool used;
    uint8_t sha256[32];
    uint64_t len, gen;
    char *name_part;
    const YaraRuleInfo **hits;
    size_t count;
} Slot;

struct YaraCache {
    pthread_mutex_t lock;
    Slot *slots;
    uint32_t count;
    YaraCacheStats st;
};

YaraCache *yara_cache_new(uint32_t slots)
{
    if (!slots)
        return NULL;
    YaraCache *c = calloc(1, sizeof(*c));
    if (!c || !(c->slots = calloc(slots, sizeof(*c->slots)))) {
        free(c);
        return NULL;
    }
    c->count = slots;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void slot_clear(Slot *s)
{
    free(s->name_part);
    free(s->hits);
    memset(s, 0, sizeof(*s));
}

void yara_cache_free(YaraCache *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->count; i++)
        slot_clear(&c->slots[i]);
    free(c->slots);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

const char *yara_cache_name_part(unsigned externals, const char *name)
{
    if (externals & YARA_EXTERNAL_FILEPATH)
        return name;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (externals & YARA_EXTERNAL_FILENAME)
        return base;
    const char *dot = strrchr(base, '.');
    return (externals & YARA_EXTERNAL_EXTENSION) && dot ? dot : "";
}

/* FNV-1a over the key's fields; the sha256 alone already spreads well. */
static uint32_t slot_of(const YaraCache *c, const YaraCacheKey *k)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof(k->sha256); i++)
        h = (h ^ k->sha256[i]) * 1099511628211ull;
    h = (h ^ k->len) * 1099511628211ull;
    for (const char *p = k->name_part; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    return (uint32_t)(h % c->count);
}

static bool slot_matches(const Slot *s, const YaraCacheKey *k)
{
    return s->used && s->len == k->len && s->gen == k->gen &&
           memcmp(s->sha256, k->sha256, sizeof(s->sha256)) == 0 &&
           strcmp(s->name_part, k->name_part) == 0;
}

bool yara_cache_get(YaraCache *c, const YaraCacheKey *key, YaraMatch *out)
{
    pthread_mutex_lock(&c->lock);
    const Slot *s = &c->slots[slot_of(c, key)];
    bool hit = slot_matches(s, key);
    if (hit) {
        memcpy(out->hits, s->hits, s->count * sizeof(*s->hits));
        out->count = s->count;
        out->timeout = out->error = out->gate_skipped = false;
        c->st.hits++;
    } else {
        c->st.misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void yara_cache_put(YaraCache *c, const YaraCacheKey *key, const YaraMatch *m)
{
    if (m->timeout || m->error)
        return;  /* not the rules' verdict on these bytes */
    char *name = strdup(key->name_part);
    const YaraRuleInfo **hits = malloc((m->count ? m->count : 1) * sizeof(*hits));
    if (!name || !hits) {
        free(name);
        free(hits);
        return;
    }
    memcpy(hits, m->hits, m->count * sizeof(*hits));
    pthread_mutex_lock(&c->lock);
    Slot *s = &c->slots[slot_of(c, key)];
    if (s->used && !slot_matches(s, key))
        c->st.evictions++;
    slot_clear(s);
    *s = (Slot){.used = true, .len = key->len, .gen = key->gen, .name_part = name,
                .hits = hits, .count = m->count};
    memcpy(s->sha256, key->sha256, sizeof(s->sha256));
    pthread_mutex_unlock(&c->lock);
}

void yara_cache_stats(YaraCache *c, YaraCacheStats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->st;
    pthread_mutex_unlock(&c->lock);
}
