/*
 * store_sql.h — what the SQLite and PostgreSQL backends of store.h share.
 *
 * Both keep the same tables (events, tokens, idempotency, rollup, victim_rollup and their
 * per-minute twins rollup_minute, victim_rollup_minute) and answer
 * the same filters, so the query text is built once, here, for either SQL dialect: the
 * differences are the placeholder style (? or $n), a few function names and SQLite's
 * index hints. The per-batch rollup accumulator (counts per hour and dimension, summed in
 * memory and written once per row at commit) is shared too. Backends only prepare, bind
 * and step. Filter values are always bound parameters, never spliced into SQL text.
 */
#ifndef BONGSU_HUB_STORE_SQL_H
#define BONGSU_HUB_STORE_SQL_H

#include "event_keys.h"
#include "store.h"

#define HUB_MINUTE_US INT64_C(60000000)
#define HUB_HOUR_US INT64_C(3600000000)
#define HUB_DAY_US (24 * HUB_HOUR_US)
/* PostgreSQL: the key a filter's search goes through event_keys by (store_pg.c), the
 * value and its kind; NULL when the filter names no sensor or address. */
const char *hub_sql_event_key(const hub_event_filter *f, hub_key_kind *kind);
/* The event times a filter keeps: [*lo, *hi), INT64_MIN / INT64_MAX where open. */
void hub_sql_time_bounds(const hub_event_filter *f, int64_t *lo, int64_t *hi);
/* SQLite indexes addresses inside buckets of event time (store_sqlite.c): the bucket
 * width, and the index expression, which a query must spell exactly so for SQLite to
 * use those indexes. */
#define HUB_ADDR_BUCKET_US INT64_C(600000000)
#define HUB_ADDR_BUCKET_LIT "600000000"
#define HUB_ADDR_BUCKET_SQL "ts_us / " HUB_ADDR_BUCKET_LIT
/* Bucket k spans [k, k + 1) x width for k > 0, (k - 1, k] x width for k < 0 and both
 * signs for k = 0 (division truncates toward zero); the first time of the next lower
 * bucket's span is below this bound: */
#define HUB_ADDR_BUCKET_FLOOR(k) \
    ((k) > 0 ? (k) * HUB_ADDR_BUCKET_US : ((k) - 1) * HUB_ADDR_BUCKET_US + 1)

typedef enum { HUB_SQL_SQLITE, HUB_SQL_PG } hub_sql_dialect;

#define HUB_SQL_MAX_ARGS 24

/* A statement under construction: SQL text plus the values to bind, in order. */
typedef struct {
    hub_sql_dialect dialect;
    hub_buf sql;
    struct {
        const char *text;
        int64_t num;
        bool is_text;
    } args[HUB_SQL_MAX_ARGS];
    int nargs;
} hub_sql;

/* SELECT id, received_us, sensor, ts_us, event_type, src_ip, dest_ip, signature_id,
 * severity, signature, actor, techniques, attack, victim, raw (columns 0..14). */
void hub_sql_events(hub_sql *q, const hub_event_filter *f);
/* Pair reads (hub_store_pair_events). The filter that reads pair p alone: flt narrowed
 * to its actor and victim, newest first from its cursor, at most per_pair rows. */
hub_event_filter hub_pair_filter(const hub_event_filter *flt, const hub_pair_read *p,
                                 unsigned per_pair);
/* The callback state of a pair read alone: hub_pair_row hands each row to cb as pair's. */
typedef struct {
    hub_pair_cb cb;
    void *ud;
    size_t pair;
} hub_pair_one;
int hub_pair_row(const hub_event_row *row, void *ud);
/* PostgreSQL only: the rows of several pairs, each with a victim, in one query: the
 * columns of hub_sql_events, then the pair's number (1-based), pairs in order, each
 * newest first. Binds four text arguments first, the pairs' actors, victims, before_ts
 * and before_id as array literals (the caller's, alive until the query has run). */
void hub_sql_pair_events(hub_sql *q, const hub_event_filter *flt, const char *arrays[4],
                         unsigned per_pair);
/* SELECT key, count. */
void hub_sql_count_by(hub_sql *q, const hub_event_filter *f, hub_dim dim, unsigned limit);
/* SELECT count, min(ts_us), max(ts_us). */
void hub_sql_time_range(hub_sql *q, const hub_event_filter *f);

/* ---- rollup accumulator ----------------------------------------------------------- */

/* Four kinds of row: bit 0 says victim (else the main dimensions), bit 1 per minute
 * (else per hour). */
enum { HUB_ROLLUP_MAIN, HUB_ROLLUP_VICTIM, HUB_ROLLUP_MAIN_MINUTE, HUB_ROLLUP_VICTIM_MINUTE,
       HUB_ROLLUP_KINDS };
#define HUB_ROLLUP_IS_VICTIM(kind) (((kind) & 1) != 0)
#define HUB_ROLLUP_PER_MINUTE 2 /* the kind bit: kind | HUB_ROLLUP_PER_MINUTE */
#define HUB_ROLLUP_IS_MINUTE(kind) (((kind) & HUB_ROLLUP_PER_MINUTE) != 0)

/* The table a kind's rows go to, and the name of its period column ("hour"/"minute"). */
const char *hub_rollup_table(int kind);
const char *hub_rollup_period(int kind);

/* One rollup row being accumulated in the current transaction. `key` holds the parts
 * (sensor, event_type, actor, attack for MAIN; victim for VICTIM) back to back,
 * NUL-separated, so one allocation and one memcmp identify it. '' stands for "none".
 * `period` is the hour or minute since the epoch, as the kind says. */
typedef struct {
    int64_t period, n, min_ts, max_ts;
    uint32_t hash;
    size_t key_len;
    char *key;
    int kind;
} hub_rollup_row;

typedef struct {
    hub_rollup_row *tab; /* open addressing; a slot is used when key != NULL */
    size_t cap, used;
} hub_rollup;

hub_status hub_rollup_event(hub_rollup *r, const char *sensor, const hub_event_fields *f);
void hub_rollup_clear(hub_rollup *r);
/* The parts of a row's key, up to 4; returns how many. */
int hub_rollup_parts(const hub_rollup_row *row, const char *parts[4]);

#endif
