/*
 * detect-bounded-table.c - the memcap-bounded expiring hash behind thresholds and xbits.
 *
 * Each entry is one allocation: a header (chain link, stale time), the key, then the value.
 * An entry past its stale time holds nothing its users would miss, so it is reused when its
 * key comes back and freed by a sweep of a few buckets whenever the memcap is in the way,
 * moving round the table from call to call; memory never exceeds the memcap. Insertions that
 * still find no room fail and are counted, and the caller decides what that means.
 */
#include "detect/detect-bounded-table.h"

#include <stdlib.h>
#include <string.h>

/* Buckets swept for stale entries per insertion that hit the memcap. */
#define SWEEP_BUCKETS 64

typedef struct Entry {
    struct Entry *next;
    uint64_t stale;
    /* key, padded to 8 bytes, then the value */
} Entry;

struct BoundedTable {
    Entry **buckets;
    uint32_t mask, sweep_at;
    size_t key_size, key_room, entry_size;
    uint64_t memcap, memuse, memcap_drops;
};

BoundedTable *bounded_table_new(size_t key_size, size_t value_size, uint64_t memcap,
                                uint32_t hash_size)
{
    uint32_t n = 1;
    while (n < hash_size && n < (1u << 24))
        n <<= 1;
    BoundedTable *t = calloc(1, sizeof(*t));
    if (!t || !(t->buckets = calloc(n, sizeof(Entry *)))) {
        free(t);
        return NULL;
    }
    t->mask = n - 1;
    t->key_size = key_size;
    t->key_room = (key_size + 7) & ~(size_t)7;
    t->entry_size = sizeof(Entry) + t->key_room + value_size;
    t->memcap = memcap;
    t->memuse = (uint64_t)n * sizeof(Entry *);
    return t;
}

void bounded_table_free(BoundedTable *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i <= t->mask; i++) {
        for (Entry *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(t->buckets);
    free(t);
}

static uint8_t *key_of(Entry *e)
{
    return (uint8_t *)(e + 1);
}

static void *value_of(const BoundedTable *t, Entry *e)
{
    return key_of(e) + t->key_room;
}

static Entry **bucket(const BoundedTable *t, const void *key)
{
    const uint8_t *b = key;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < t->key_size; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return &t->buckets[(uint32_t)(h ^ (h >> 32)) & t->mask];
}

static Entry *lookup(const BoundedTable *t, const void *key)
{
    for (Entry *e = *bucket(t, key); e; e = e->next)
        if (memcmp(key_of(e), key, t->key_size) == 0)
            return e;
    return NULL;
}

void *bounded_table_find(BoundedTable *t, const void *key, uint64_t now)
{
    Entry *e = lookup(t, key);
    return e && now < e->stale ? value_of(t, e) : NULL;
}

static void sweep(BoundedTable *t, uint64_t now)
{
    for (int n = 0; n < SWEEP_BUCKETS; n++) {
        Entry **pp = &t->buckets[t->sweep_at++ & t->mask];
        while (*pp) {
            Entry *e = *pp;
            if (now >= e->stale) {
                *pp = e->next;
                free(e);
                t->memuse -= t->entry_size;
            } else {
                pp = &e->next;
            }
        }
    }
}

void *bounded_table_get(BoundedTable *t, const void *key, uint64_t now, bool *created)
{
    Entry *e = lookup(t, key);
    *created = !e || now >= e->stale;
    if (e) {
        if (*created)
            memset(value_of(t, e), 0, t->entry_size - sizeof(Entry) - t->key_room);
        return value_of(t, e);
    }
    if (t->memuse + t->entry_size > t->memcap)
        sweep(t, now);
    if (t->memuse + t->entry_size > t->memcap || !(e = calloc(1, t->entry_size))) {
        t->memcap_drops++;
        return NULL;
    }
    memcpy(key_of(e), key, t->key_size);
    e->stale = UINT64_MAX;
    Entry **head = bucket(t, key);
    e->next = *head;
    *head = e;
    t->memuse += t->entry_size;
    return value_of(t, e);
}

void bounded_table_set_stale(BoundedTable *t, void *value, uint64_t stale)
{
    Entry *e = (Entry *)((uint8_t *)value - t->key_room) - 1;
    e->stale = stale;
}

void bounded_table_remove(BoundedTable *t, const void *key)
{
    for (Entry **pp = bucket(t, key); *pp; pp = &(*pp)->next) {
        if (memcmp(key_of(*pp), key, t->key_size) == 0) {
            Entry *e = *pp;
            *pp = e->next;
            free(e);
            t->memuse -= t->entry_size;
            return;
        }
    }
}

uint64_t bounded_table_memcap_drops(const BoundedTable *t)
{
    return t ? t->memcap_drops : 0;
}

uint64_t bounded_table_memuse(const BoundedTable *t)
{
    return t ? t->memuse : 0;
}
