/*
 * event_keys.c — the per-batch table of event keys written to PostgreSQL's event_keys.
 *
 * Why: searches by sensor, source or destination address need an index on each, and
 * PostgreSQL pays for a B-tree entry per event per index: the descent, the page insert
 * and its WAL record, 9-10k instructions each, three quarters of an event's insert
 * cost with those three indexes (bench/RESULTS.md, issue 10). A batch repeats its keys
 * (a sensor writes hundreds of events per batch, an address a few): real EVE batches of
 * 1,000 events hold 1.2 sensors, 228 sources and 189 destinations per ten-minute bucket.
 * So each (kind, value, bucket) of a batch becomes one row holding its events' times and
 * ids, and one index entry: a search reads the rows of its value's buckets and finds
 * each event by (time, id), the key of the time index, exactly: by time alone a search
 * would read every event of that microsecond (a replayed pcap stamps the flows it ends
 * with its last packet's time, hundreds or thousands of them).
 */
#include "event_keys.h"

#include <stdlib.h>
#include <string.h>

int64_t hub_key_bucket(int64_t ts_us)
{
    int64_t r = ts_us % HUB_KEY_BUCKET_US;
    if (r < 0)
        r += HUB_KEY_BUCKET_US;
    return ts_us < INT64_MIN + r ? INT64_MIN : ts_us - r; /* the first bucket is cut short */
}

/* FNV-1a over the value, then the kind and bucket mixed in. */
static uint64_t key_hash(hub_key_kind kind, const char *value, int64_t bucket_us)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    h ^= (uint64_t)kind * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)bucket_us;
    return h ^ (h >> 29);
}

static hub_key_row *slot_of(hub_key_row *tab, size_t cap, hub_key_kind kind, const char *value,
                            int64_t bucket_us)
{
    size_t i = (size_t)key_hash(kind, value, bucket_us) & (cap - 1);
    while (tab[i].value && (tab[i].kind != kind || tab[i].bucket_us != bucket_us ||
                            strcmp(tab[i].value, value) != 0))
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* Doubles the table (16 slots at first), keeping it at most half full. */
static bool grow(hub_keys *k)
{
    size_t cap = k->cap ? k->cap * 2 : 16;
    hub_key_row *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return false;
    for (size_t i = 0; i < k->cap; i++)
        if (k->tab[i].value)
            *slot_of(tab, cap, k->tab[i].kind, k->tab[i].value, k->tab[i].bucket_us) =
                k->tab[i];
    free(k->tab);
    k->tab = tab;
    k->cap = cap;
    return true;
}

static bool row_push(hub_key_row *r, int64_t ts_us, size_t event)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        hub_key_event *ev = realloc(r->ev, cap * sizeof *ev);
        if (!ev)
            return false;
        r->ev = ev;
        r->cap = cap;
    }
    r->ev[r->n++] = (hub_key_event){ts_us, event};
    return true;
}

hub_status hub_keys_add(hub_keys *k, hub_key_kind kind, const char *value, int64_t ts_us,
                        size_t event)
{
    if (!value)
        return HUB_OK;
    if ((k->used + 1) * 2 > k->cap && !grow(k))
        return HUB_ERR_NOMEM;
    int64_t bucket_us = hub_key_bucket(ts_us);
    hub_key_row *r = slot_of(k->tab, k->cap, kind, value, bucket_us);
    if (!r->value) {
        char *copy = strdup(value);
        if (!copy)
            return HUB_ERR_NOMEM;
        *r = (hub_key_row){.value = copy, .kind = kind, .bucket_us = bucket_us};
        k->used++;
    }
    return row_push(r, ts_us, event) ? HUB_OK : HUB_ERR_NOMEM;
}

void hub_keys_clear(hub_keys *k)
{
    for (size_t i = 0; i < k->cap; i++) {
        free(k->tab[i].value);
        free(k->tab[i].ev);
    }
    free(k->tab);
    *k = (hub_keys){0};
}
