/*
 * event_keys.h — a batch's event keys, PostgreSQL's lookup of events by sensor or
 * address (store_pg.c, table event_keys).
 *
 * For each (kind, value, ten-minute bucket of event time) the batch holds, its events
 * with that value (time and id): one row per batch and key instead of one index entry
 * per event and key. See event_keys.c for why.
 */
#ifndef BONGSU_HUB_EVENT_KEYS_H
#define BONGSU_HUB_EVENT_KEYS_H

#include "hub.h"

/* The kinds of key, as stored (event_keys.kind). */
typedef enum { HUB_KEY_SENSOR = 1, HUB_KEY_SRC_IP = 2, HUB_KEY_DEST_IP = 3 } hub_key_kind;

/* The bucket width: ten minutes, aligned to days; the bucket of t starts at
 * hub_key_bucket(t) (rounded down, also before 1970). */
#define HUB_KEY_BUCKET_US INT64_C(600000000)
#define HUB_KEY_BUCKET_LIT "600000000"
int64_t hub_key_bucket(int64_t ts_us);

/* One event of a key: its time and its number in the batch (store_pg.c gives each
 * number its id before the rows are written). */
typedef struct {
    int64_t ts_us;
    size_t event;
} hub_key_event;

typedef struct {
    char *value; /* NULL: an empty slot */
    hub_key_kind kind;
    int64_t bucket_us;
    hub_key_event *ev; /* in the order added */
    size_t n, cap;
} hub_key_row;

/* An open-addressing table of rows; zero-initialized is empty. */
typedef struct {
    hub_key_row *tab;
    size_t cap, used;
} hub_keys;

/* Adds one event's key (nothing for a NULL value). */
hub_status hub_keys_add(hub_keys *k, hub_key_kind kind, const char *value, int64_t ts_us,
                        size_t event);
void hub_keys_clear(hub_keys *k);

#endif
