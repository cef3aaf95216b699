/*
 * store.h — the hub's storage interface (hub_store_*).
 *
 * Everything above this line (ingest, query, incidents, stix, auth, worker) talks to
 * storage only through these functions, and none of them exposes SQL types. Two backends
 * implement it (store_sqlite.c, store_pg.c), chosen at open time by the location: a
 * "postgresql://" or "postgres://" URL opens PostgreSQL, anything else is a SQLite file
 * (store.c dispatches). Both have the same semantics, and every hub test runs on both:
 *   - a handle is used by one thread at a time (the server keeps a pool of handles);
 *   - hub_store_begin/commit bracket a batch, and a successful commit is durable
 *     (survives kill -9 and power loss, within what the OS and disk promise);
 *   - idempotency records are written in the same transaction as the events they
 *     describe, so "acknowledged" and "stored" can never disagree.
 * Strings handed to callbacks are valid only during the callback.
 */
#ifndef BONGSU_HUB_STORE_H
#define BONGSU_HUB_STORE_H

#include <pthread.h>

#include "hub.h"

typedef struct hub_store hub_store;

/* What ingest extracts from one EVE line; all strings may be NULL except event_type
 * and raw. raw is the line exactly as received (minus surrounding whitespace). */
typedef struct {
    int64_t ts_us;
    const char *event_type;
    const char *src_ip;
    const char *dest_ip;
    int64_t signature_id; /* 0 when the event has no alert */
    int severity;         /* 0 when none */
    const char *signature;
    const char *actor;      /* first alert.metadata.actor */
    const char *techniques; /* alert.metadata.mitre_technique_id, comma-joined */
    const char *attack;     /* ddos.attack, or alert.category */
    const char *victim;     /* ddos.victim, or the inside host of an alert */
    const char *raw;
    size_t raw_len;
} hub_event_fields;

/* A stored event as read back. */
typedef struct {
    int64_t id;
    int64_t received_us;
    const char *sensor;
    hub_event_fields f;
} hub_event_row;

typedef enum {
    HUB_ORDER_NEWEST = 0, /* event time, then id, descending: search and its paging */
    HUB_ORDER_OLDEST,     /* id (arrival) ascending: TAXII paging, exports */
} hub_order;

/* Filters are ANDed; NULL / 0 / false means "not filtered". */
typedef struct {
    const char *event_type, *actor, *sensor, *src_ip, *dest_ip, *victim, *q;
    int64_t signature_id;
    bool has_since, has_until;
    int64_t since_us, until_us; /* on the event's own timestamp, until exclusive */
    int64_t added_after_us;     /* on receive time, exclusive (TAXII added_after) */
    bool has_before;            /* cursor for HUB_ORDER_NEWEST: (ts_us, id) < (before_ts, */
    int64_t before_ts, before_id; /* before_id) */
    int64_t after_id;           /* cursor for HUB_ORDER_OLDEST: id > after_id */
    bool has_max_id;            /* id <= max_id: PostgreSQL's commit horizon for */
    int64_t max_id;             /* HUB_ORDER_OLDEST reads (store_pg.c) */
    bool victim_none; /* victim IS NULL (an incident without victim, hub_pair_read) */
    bool require_actor;
    bool exportable; /* only event types the STIX export covers (alert, ddos) */
    bool lean; /* rows carry only what incidents read: id, sensor, ts_us, event_type,
                * src_ip, dest_ip, signature, actor, techniques, victim (others NULL/0),
                * the columns SQLite's incident indexes hold, so no table row is read */
    hub_order order;
    unsigned limit; /* 0 means no limit: callers must bound it themselves */
} hub_event_filter;

typedef enum {
    HUB_DIM_ACTOR,
    HUB_DIM_ATTACK,
    HUB_DIM_SENSOR,
    HUB_DIM_HOUR, /* key is the hour start, "2023-11-14T22:00:00Z" */
    HUB_DIM_EVENT_TYPE,
    HUB_DIM_VICTIM,
    HUB_DIM_TECHNIQUES, /* the comma-joined list as stored; callers split it */
    HUB_DIM_MINUTE,     /* like HUB_DIM_HOUR, per minute */
    HUB_DIM_DAY,        /* like HUB_DIM_HOUR, per day */
} hub_dim;

/* Callbacks return 0 to continue, non-zero to stop early (not an error). */
typedef int (*hub_event_cb)(const hub_event_row *row, void *ud);
typedef int (*hub_count_cb)(const char *key, int64_t count, void *ud);
typedef int (*hub_token_cb)(const char *name, hub_role role, int64_t created_us, bool revoked,
                            void *ud);

/* path: a SQLite file name, or a PostgreSQL URL ("postgresql://user@host:port/db"). */
hub_status hub_store_open(const char *path, hub_store **out);
bool hub_store_is_pg(const char *path);
void hub_store_close(hub_store *s);

/* Tokens: only the SHA-256 (hex) of a token is ever stored. */
hub_status hub_store_token_add(hub_store *s, const char *name, hub_role role,
                               const char *hash_hex);
hub_status hub_store_token_revoke(hub_store *s, const char *name);
/* HUB_ERR_NOTFOUND if unknown or revoked. name_out gets up to name_len-1 bytes. */
hub_status hub_store_token_lookup(hub_store *s, const char *hash_hex, char *name_out,
                                  size_t name_len, hub_role *role_out);
hub_status hub_store_token_list(hub_store *s, hub_token_cb cb, void *ud);

/* Batches. A write batch (begin .. commit/rollback) is exclusive. When several handles
 * of one process share a database, give them one mutex here so waiting writers queue on
 * it instead of polling the database lock (which is unfair under load and can starve a
 * writer past the busy timeout). NULL (the default) means no in-process lock. */
void hub_store_share_write_lock(hub_store *s, pthread_mutex_t *mu);
hub_status hub_store_begin(hub_store *s);
hub_status hub_store_commit(hub_store *s); /* a failed commit has rolled back */
/* What hub_store_durable needs to know whether an early commit reached the disk (a
 * batch whose claim has a longer key commits durably instead). */
#define HUB_CLAIM_KEY_MAX 255
typedef struct {
    bool pending;          /* not known to be durable yet */
    char scope[300];       /* PostgreSQL: the batch's first stream claim (its row in */
    char lo[HUB_CLAIM_KEY_MAX + 1], hi[HUB_CLAIM_KEY_MAX + 1]; /* claim_batch) */
    int64_t created_us;
} hub_commit_mark;
/* Commits like hub_store_commit, but a batch that claimed stream keys may be committed
 * before it is durable (PostgreSQL: before the WAL flush, so that the locks it holds to
 * its end are not held through the disk write); *mark tells hub_store_durable which. */
hub_status hub_store_commit_early(hub_store *s, hub_commit_mark *mark);
/* HUB_OK once the marked commit is durable; HUB_ERR_NOTFOUND when the server lost it
 * (a crash before it reached the disk): the batch must be stored again. Any handle of
 * the same database can ask. */
hub_status hub_store_durable(hub_store *s, const hub_commit_mark *mark);
void hub_store_rollback(hub_store *s);
hub_status hub_store_event_add(hub_store *s, const char *sensor, int64_t received_us,
                               const hub_event_fields *f);
/* Idempotency: the reply stored for (scope, key); *reply_out is malloc'd. */
hub_status hub_store_idem_get(hub_store *s, const char *scope, const char *key,
                              char **reply_out);
hub_status hub_store_idem_put(hub_store *s, const char *scope, const char *key,
                              const char *reply);
/* Forgets idempotency records created before `before_us`; *removed gets how many. */
hub_status hub_store_idem_prune(hub_store *s, int64_t before_us, int64_t *removed);
/* Inside a batch: records each of keys[0..n) under `scope` unless already recorded, and
 * sets fresh[i] to whether keys[i] was new. The hub worker keys every Redis stream entry
 * by its id this way, so an entry delivered twice (a reclaimed batch) is stored once. */
hub_status hub_store_idem_claim(hub_store *s, const char *scope, const char *const *keys,
                                size_t n, bool *fresh);

/* Retention: removes events whose own timestamp is before `before_us` (rounded down to
 * a whole day: PostgreSQL drops whole daily partitions) and their rollup rows.
 * *dropped gets how many day partitions (PostgreSQL) or events (SQLite) went. */
hub_status hub_store_retain(hub_store *s, int64_t before_us, int64_t *dropped);

/* Reads. */
hub_status hub_store_events(hub_store *s, const hub_event_filter *flt, hub_event_cb cb,
                            void *ud);
hub_status hub_store_count_by(hub_store *s, const hub_event_filter *flt, hub_dim dim,
                              unsigned limit, hub_count_cb cb, void *ud);
hub_status hub_store_count(hub_store *s, const hub_event_filter *flt, int64_t *out);
/* One (actor, victim) pair of hub_store_pair_events and where its read resumes. */
typedef struct {
    const char *actor;
    const char *victim;           /* NULL: the actor's events without a victim */
    int64_t before_ts, before_id; /* rows (ts_us, id) < (before_ts, before_id) */
} hub_pair_read;

/* A row of pair `pair` (its index); non-zero: no more rows of that pair. */
typedef int (*hub_pair_cb)(size_t pair, const hub_event_row *row, void *ud);

/* Several newest-first reads at once: for each of pairs[0..n), in that order, the rows
 * matching flt and the pair (actor, victim, before its cursor), newest first, at most
 * per_pair of them; flt's own actor, victim, cursor, order and limit are not used. The
 * incidents' second pass follows hundreds of pairs back in time: PostgreSQL answers
 * them with one query (one round trip, one plan) where a read per pair cost one each.
 * A pair that got per_pair rows may have more: read on from its last row. */
hub_status hub_store_pair_events(hub_store *s, const hub_event_filter *flt,
                                 const hub_pair_read *pairs, size_t n, unsigned per_pair,
                                 hub_pair_cb cb, void *ud);
/* Earliest and latest event timestamp matching; *count 0 when nothing matches. */
hub_status hub_store_time_range(hub_store *s, const hub_event_filter *flt, int64_t *count,
                                int64_t *first_us, int64_t *last_us);

#endif
