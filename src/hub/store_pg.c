/*
 * store_pg.c — the PostgreSQL implementation of store.h (libpq), for deployments that
 * outgrow one SQLite file: many hub workers write to one database (issue 10).
 *
 * Same tables and query text as SQLite (store_sql.c builds both), with four differences:
 *   - events is range-partitioned by event time, one partition per UTC day, created on
 *     demand by the batch that first needs it; retention (hub_store_retain) drops whole
 *     partitions, which is instant and leaves no bloat, where DELETE would rewrite pages.
 *     A default partition takes the events of days without one (stray clocks), so a
 *     batch never fails for its timestamps.
 *   - events are found by sensor and address through event_keys (event_keys.c: a row per
 *     batch, key and ten-minute bucket with its events' (time, id) pairs, partitioned by
 *     day as events are) rather than through indexes on those columns, which cost an
 *     insert three B-tree entries; so a batch takes its events' ids itself (event_ids),
 *     and newest-first searches go bucket by bucket (events_by_bucket).
 *   - a batch is buffered in memory and sent at commit with one COPY (row-at-a-time
 *     INSERTs cost a network round trip each).
 *   - writers run concurrently (SQLite serializes them by design). Earlier versions held
 *     one database-wide lock per batch, which kept event ids in commit order but capped
 *     a database at one backend's speed (bench/RESULTS.md). What the lock guaranteed is
 *     now kept without it: TAXII and the STIX export page on "id > last seen", so their
 *     reads stop at the commit horizon (commit_horizon: no id at or below it can still
 *     commit); two batches that claim the same stream entry at once cannot both store
 *     it (each confirms its claim at commit under a lock held only through COMMIT,
 *     claim_confirm: the second fails, its worker retries and its claim check then sees
 *     the first); idempotent HTTP batches, which check a key then record it, still take
 *     the lock (write_lock).
 * Durability: hub_store_commit returns after the WAL is flushed. A batch of stream
 * claims commits without waiting for the flush and has it checked after (pg_commit,
 * pg_durable), by the committing call or, for a worker, by its acking thread while the
 * next batch is stored.
 * Schema changes are numbered migrations in schema_migrations, applied under an advisory
 * lock at open so concurrent starts apply each exactly once.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event_keys.h"
#include "store_backend.h"
#include "store_sql.h"

/* Advisory lock keys (arbitrary constants, "bongsu" in ASCII, then 1 and 2). */
#define LOCK_MIGRATE INT64_C(0x626f6e67737501)
#define LOCK_WRITE INT64_C(0x626f6e67737502)
#define LOCK_CLAIM INT64_C(0x626f6e67737503)

/* An event of the batch: where in the COPY rows its id goes, and the id it is given at
 * commit (event_ids). */
typedef struct {
    size_t id_at;
    int64_t id;
} batch_event;

struct pg_store {
    PGconn *conn;
    pthread_mutex_t *write_mu;
    bool writing;
    bool write_locked;  /* this transaction holds LOCK_WRITE (idempotent HTTP batches) */
    hub_buf claims;     /* this batch's stream claims, to confirm at commit (claim_confirm): */
                        /* scope, lo, hi and the fresh keys' array literal, each NUL-ended */
    hub_commit_mark mark; /* the first claim's row, for an early commit (pg_commit) */
    hub_rollup acc;     /* rollup rows of this batch */
    hub_keys keys;      /* event_keys rows of this batch */
    batch_event *events; /* the batch's events, in order (kept from batch to batch) */
    size_t nevents, events_cap;
    hub_buf copy;       /* COPY rows of this batch (binary format) */
    int64_t days[8];    /* distinct days (since the epoch) this batch writes to; */
    size_t ndays;       /* days past the eighth go to events_default */
    char *prepared[64]; /* read query texts prepared on this connection, hub_r<index> */
    size_t nprepared;
    bool generic_plans; /* the session's plan_cache_mode is force_generic_plan (plan_mode) */
};

#define NO_DEDUP " WITH (deduplicate_items = off)"

/* Event ids are taken in blocks: events_id_seq steps by ID_BLOCK and a batch takes one
 * value per ID_BLOCK events, then numbers its events from each (event_ids). */
#define ID_BLOCK 1024
#define ID_BLOCK_LIT "1024"

static const char *const MIGRATIONS[] = {
    /* 1: the initial layout, matching store_sqlite.c's. */
    "CREATE SEQUENCE events_id_seq;"
    "CREATE TABLE events("
    " id bigint NOT NULL DEFAULT nextval('events_id_seq'), received_us bigint NOT NULL,"
    " sensor text NOT NULL, ts_us bigint NOT NULL, event_type text NOT NULL, src_ip text,"
    " dest_ip text, signature_id bigint, severity integer, signature text, actor text,"
    " techniques text, attack text, victim text, raw text NOT NULL,"
    " PRIMARY KEY(id, ts_us)) PARTITION BY RANGE (ts_us);"
    "CREATE INDEX events_ts ON events(ts_us, id);"
    "CREATE INDEX events_received ON events(received_us);"
    "CREATE INDEX events_type_ts ON events(event_type, ts_us);"
    "CREATE INDEX events_sensor_ts ON events(sensor, ts_us);"
    "CREATE INDEX events_src_ts ON events(src_ip, ts_us);"
    "CREATE INDEX events_dest_ts ON events(dest_ip, ts_us);"
    "CREATE INDEX events_sid_ts ON events(signature_id, ts_us) WHERE signature_id IS NOT NULL;"
    "CREATE INDEX events_actor_ts ON events(actor, ts_us) WHERE actor IS NOT NULL;"
    "CREATE INDEX events_victim_ts ON events(victim, ts_us) WHERE victim IS NOT NULL;"
    "CREATE TABLE tokens(name text PRIMARY KEY, role text NOT NULL, hash text NOT NULL UNIQUE,"
    " created_us bigint NOT NULL, revoked integer NOT NULL DEFAULT 0);"
    "CREATE TABLE idempotency(scope text NOT NULL, key text NOT NULL, reply text NOT NULL,"
    " created_us bigint NOT NULL, PRIMARY KEY(scope, key));"
    "CREATE INDEX idempotency_created ON idempotency(created_us);"
    "CREATE TABLE rollup(hour bigint NOT NULL, sensor text NOT NULL, event_type text NOT NULL,"
    " actor text NOT NULL, attack text NOT NULL, n bigint NOT NULL, min_ts bigint NOT NULL,"
    " max_ts bigint NOT NULL, PRIMARY KEY(hour, sensor, event_type, actor, attack));"
    "CREATE TABLE victim_rollup(hour bigint NOT NULL, victim text NOT NULL, n bigint NOT NULL,"
    " PRIMARY KEY(hour, victim));",
    /* 2: per-minute rollups (summaries of ranges that are not whole hours), filled from
     * what is stored. */
    "CREATE TABLE rollup_minute(minute bigint NOT NULL, sensor text NOT NULL,"
    " event_type text NOT NULL, actor text NOT NULL, attack text NOT NULL, n bigint NOT NULL,"
    " min_ts bigint NOT NULL, max_ts bigint NOT NULL,"
    " PRIMARY KEY(minute, sensor, event_type, actor, attack));"
    "CREATE TABLE victim_rollup_minute(minute bigint NOT NULL, victim text NOT NULL,"
    " n bigint NOT NULL, PRIMARY KEY(minute, victim));"
    "INSERT INTO victim_rollup_minute SELECT ts_us / 60000000, victim, count(*) FROM events"
    " WHERE victim IS NOT NULL GROUP BY 1, 2;"
    "INSERT INTO rollup_minute SELECT ts_us / 60000000, sensor, event_type,"
    " coalesce(actor, ''), coalesce(attack, ''), count(*), min(ts_us), max(ts_us)"
    " FROM events GROUP BY 1, 2, 3, 4, 5;",
    /* 3: stream claims one row per batch (pg_idem_claim), the per-key claims of older
     * versions moved there (a claim batch wrote all its keys with one created_us), and
     * the incident indexes SQLite has (store_sqlite.c): the attributed events in time
     * order and per (actor, victim), covering what incidents read, so both passes are
     * index-only scans. INCLUDE keeps the covered columns out of the key: they are never
     * searched on. SQLite's third one, (actor, techniques), is left out: PostgreSQL
     * counts an actor's techniques by hashing, from events_attr_pair's entries (the
     * same number, and one index less to update per attributed event). */
    "CREATE TABLE claim_batch(scope text COLLATE \"C\" NOT NULL, lo text COLLATE \"C\" NOT NULL,"
    " hi text COLLATE \"C\" NOT NULL, keys text[] NOT NULL, created_us bigint NOT NULL);"
    "CREATE INDEX claim_batch_hi ON claim_batch(scope, hi);"
    "CREATE INDEX claim_batch_created ON claim_batch(created_us);"
    "INSERT INTO claim_batch SELECT scope, min(key COLLATE \"C\"), max(key COLLATE \"C\"),"
    " array_agg(key), created_us FROM idempotency WHERE reply = '' GROUP BY scope, created_us;"
    "DELETE FROM idempotency WHERE reply = '';"
    "CREATE INDEX events_attr_ts ON events(ts_us, id) INCLUDE (actor, victim, sensor,"
    " event_type, src_ip, dest_ip, techniques, signature) WHERE actor IS NOT NULL;"
    "CREATE INDEX events_attr_pair ON events(actor, victim, ts_us, id) INCLUDE (sensor,"
    " event_type, src_ip, dest_ip, techniques, signature) WHERE actor IS NOT NULL;",
    /* 4: writers run concurrently (no write lock, see the top of the file); an event
     * from a stream carries its entry id, unique with its time (the partition key must be
     * in every unique index; one entry always has the same event time), so two batches
     * that claim the same entry at once cannot both commit it. NULL (HTTP and offline
     * ingest, which have no entry id) is never a conflict. */
    ("ALTER TABLE events ADD COLUMN skey text COLLATE \"C\";"
     "CREATE UNIQUE INDEX events_skey ON events(skey, ts_us);"),
    /* 5: events whose day has no partition (a stray clock: before 1000 or after 9999,
     * or a batch spread over more days than it creates partitions for) land here
     * instead of failing their whole batch; a day's rows move to its own partition when
     * one is created (drain_default). */
    "CREATE TABLE events_default PARTITION OF events DEFAULT;",
    /* 6: cheaper inserts (issue 10: PostgreSQL's per-event work bounds the ingest
     * rate). The address indexes lead with the ten-minute bucket of event time, as
     * SQLite's do (store_sqlite.c; the shared query SQL names the buckets, store_sql.c):
     * entries for addresses in any order then all go to the current bucket's few hot
     * pages instead of pages all over an index the size of every address ever seen, so
     * an insert touches pages already in cache and dirties fewer (fewer full-page
     * images in the WAL after each checkpoint). received_us is read only by TAXII's
     * added_after, which only asks for exportable events, so only those are indexed.
     * IF [NOT] EXISTS: the step may run again on a database whose migration records
     * were rolled back past it (test_pg_claim_migration). */
    "DROP INDEX IF EXISTS events_src_ts, events_dest_ts, events_received;"
    "CREATE INDEX IF NOT EXISTS events_src_b ON events((" HUB_ADDR_BUCKET_SQL "),"
    " src_ip, ts_us);"
    "CREATE INDEX IF NOT EXISTS events_dest_b ON events((" HUB_ADDR_BUCKET_SQL "),"
    " dest_ip, ts_us);"
    "CREATE INDEX IF NOT EXISTS events_received_x ON events(received_us)"
    " WHERE event_type IN ('alert', 'ddos');",
    /* 7: cheaper inserts again (issue 10; tests/hub/bench_pg_indexes.py: each full index
     * costs an insert 2-2.8 buffer hits and 75-120 WAL bytes per row). The event type
     * index holds only the types that are not the bulk of a sensor's output: a search
     * for a bulk type (each several percent of all events) finds its page of rows by
     * walking events_ts back from the newest, a few thousand rows at most; a rare one
     * (alerts, anomalies, ddos) by this index. The planner proves `event_type = <value>`
     * implies the predicate only for a known value, hence custom plans (SESSION_SQL). */
    "DROP INDEX IF EXISTS events_type_ts;"
    "CREATE INDEX IF NOT EXISTS events_type_x ON events(event_type, ts_us)"
    " WHERE event_type NOT IN ('flow', 'dns', 'http', 'tls', 'fileinfo');",
    /* 8: cheaper inserts (issue 10): the stream entry id and its unique index go (1.5
     * buffer hits and ~40 WAL bytes per row, and the column's bytes in the heap). Two
     * batches claiming one entry at once are now kept from both committing by the
     * claim's confirmation at commit (claim_confirm: under an advisory lock held only
     * from that check to the end of COMMIT), which is as strict and costs one read of
     * the claim rows around the batch's keys, per batch instead of per event. A worker
     * of an older version still writing skey fails its COPY and stores nothing: upgrade
     * every worker together.
     * The primary key (id, ts_us) goes too (2 buffer hits per row): ids come from
     * events_id_seq, unique without an index, and the only reads in id order, TAXII and
     * the STIX export, ask for exportable events alone, which a partial index on id
     * serves (ingest pays for it on alerts only). */
    "DROP INDEX IF EXISTS events_skey;"
    "ALTER TABLE events DROP COLUMN IF EXISTS skey;"
    "ALTER TABLE events DROP CONSTRAINT IF EXISTS events_pkey;"
    "CREATE INDEX IF NOT EXISTS events_id_x ON events(id) WHERE event_type IN ('alert', 'ddos');",
    /* 9: cheaper inserts (issue 10; instructions per inserted row with all indexes,
     * callgrind of single-user PostgreSQL 15 on real EVE: 70.9k -> 58.0k):
     * - the four full indexes go without deduplication. Their keys end with the event
     *   time or id, so nearly every key is distinct and there is nothing to merge, but
     *   each full leaf page was first scanned for duplicates before it split: 13% of an
     *   insert. A partitioned index takes the option only when created (partitions
     *   created later copy it), hence dropped and made again.
     * - the text columns that indexes and rollup keys compare take the "C" collation
     *   (byte order, SQLite's BINARY; the shared query SQL already sorts keys COLLATE
     *   "C"). Under a database locale such as C.UTF-8 or en_US each comparison in an
     *   index descent went through strcoll: 6% of an insert. The raw line is never
     *   compared and keeps the default. The tables are not rewritten, only the indexes
     *   on these columns rebuilt. */
    "DROP INDEX IF EXISTS events_ts, events_sensor_ts, events_src_b, events_dest_b;"
    "ALTER TABLE events ALTER sensor TYPE text COLLATE \"C\","
    " ALTER event_type TYPE text COLLATE \"C\", ALTER src_ip TYPE text COLLATE \"C\","
    " ALTER dest_ip TYPE text COLLATE \"C\", ALTER signature TYPE text COLLATE \"C\","
    " ALTER actor TYPE text COLLATE \"C\", ALTER techniques TYPE text COLLATE \"C\","
    " ALTER attack TYPE text COLLATE \"C\", ALTER victim TYPE text COLLATE \"C\";"
    "ALTER TABLE rollup ALTER sensor TYPE text COLLATE \"C\","
    " ALTER event_type TYPE text COLLATE \"C\", ALTER actor TYPE text COLLATE \"C\","
    " ALTER attack TYPE text COLLATE \"C\";"
    "ALTER TABLE rollup_minute ALTER sensor TYPE text COLLATE \"C\","
    " ALTER event_type TYPE text COLLATE \"C\", ALTER actor TYPE text COLLATE \"C\","
    " ALTER attack TYPE text COLLATE \"C\";"
    "ALTER TABLE victim_rollup ALTER victim TYPE text COLLATE \"C\";"
    "ALTER TABLE victim_rollup_minute ALTER victim TYPE text COLLATE \"C\";"
    "CREATE INDEX IF NOT EXISTS events_ts ON events(ts_us, id)" NO_DEDUP ";"
    "CREATE INDEX IF NOT EXISTS events_sensor_ts ON events(sensor, ts_us)" NO_DEDUP ";"
    "CREATE INDEX IF NOT EXISTS events_src_b ON events((" HUB_ADDR_BUCKET_SQL "),"
    " src_ip, ts_us)" NO_DEDUP ";"
    "CREATE INDEX IF NOT EXISTS events_dest_b ON events((" HUB_ADDR_BUCKET_SQL "),"
    " dest_ip, ts_us)" NO_DEDUP ";",
    /* 10: cheaper inserts (issue 10): the sensor and address indexes hold the value's
     * 32-bit hash (hashtext, the function hash partitioning and hash indexes rely on,
     * so it is stable) instead of the text, and a search on one of them tests the hash
     * in the index and the value on the row (store_sql.c, arg_keyed). Each insert
     * descends the three indexes from the root; comparing integers there instead of
     * text (with each key's later columns found without cached offsets behind a
     * variable-length one), in index entries a third smaller, took 58.1k -> 49.5k
     * instructions per inserted row with all the indexes (callgrind,
     * bench_pg_indexes.py --instructions 20000). Collisions cost a row read, never a
     * wrong answer. */
    "DROP INDEX IF EXISTS events_sensor_ts, events_src_b, events_dest_b;"
    "CREATE INDEX IF NOT EXISTS events_sensor_h ON events(hashtext(sensor), ts_us)" NO_DEDUP ";"
    "CREATE INDEX IF NOT EXISTS events_src_h ON events((" HUB_ADDR_BUCKET_SQL "),"
    " hashtext(src_ip), ts_us)" NO_DEDUP ";"
    "CREATE INDEX IF NOT EXISTS events_dest_h ON events((" HUB_ADDR_BUCKET_SQL "),"
    " hashtext(dest_ip), ts_us)" NO_DEDUP ";",
    /* 11: cheaper inserts (issue 10): events are found by sensor and address through
     * event_keys (event_keys.c), one row per batch, kind, value and ten-minute bucket
     * holding its events' times and ids, instead of the three hashed indexes of
     * migration 10, which took 9-10k instructions per event each (bench_pg_indexes.py);
     * ids taken in blocks (event_ids). Partitioned by day as events are (a bucket never
     * straddles two days), so retention drops both alike. Filled from the events already
     * stored; IF NOT EXISTS and the TRUNCATE: the step may run again
     * (test_pg_claim_migration). A worker of an older version would store events without
     * their keys, which searches by sensor or address then miss: upgrade every worker
     * together. */
    "CREATE TABLE IF NOT EXISTS event_keys(kind smallint NOT NULL,"
    " value text COLLATE \"C\" NOT NULL, bucket_us bigint NOT NULL, ts bigint[] NOT NULL,"
    " ids bigint[] NOT NULL) PARTITION BY RANGE (bucket_us);"
    "CREATE INDEX IF NOT EXISTS event_keys_k ON event_keys(kind, value, bucket_us);"
    "CREATE TABLE IF NOT EXISTS event_keys_default PARTITION OF event_keys DEFAULT;"
    "DO $$DECLARE p record; BEGIN FOR p IN SELECT c.relname,"
    " pg_get_expr(c.relpartbound, c.oid) AS b FROM pg_inherits i JOIN pg_class c"
    " ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass"
    " AND c.relname LIKE 'events\\_p%' LOOP EXECUTE format('CREATE TABLE IF NOT EXISTS %I"
    " PARTITION OF event_keys %s', 'event_keys_' || substr(p.relname, 8), p.b); END LOOP;"
    " END$$;"
    "TRUNCATE event_keys;"
    "INSERT INTO event_keys SELECT kind, v, b, array_agg(ts_us ORDER BY id),"
    " array_agg(id ORDER BY id) FROM (SELECT kind, v, ts_us, id,"
    " ts_us - mod(mod(ts_us, " HUB_KEY_BUCKET_LIT ") + " HUB_KEY_BUCKET_LIT ", "
    HUB_KEY_BUCKET_LIT ") AS b FROM events CROSS JOIN LATERAL (VALUES (1, sensor),"
    " (2, src_ip), (3, dest_ip)) AS k(kind, v) WHERE v IS NOT NULL) AS e GROUP BY kind, v, b;"
    "DROP INDEX IF EXISTS events_sensor_h, events_src_h, events_dest_h;"
    "ALTER SEQUENCE events_id_seq INCREMENT BY " ID_BLOCK_LIT ";",
};

/* Every session's settings. force_custom_plan: a prepared query is planned with its
 * parameters' values each time, so that a filter on a value can use a partial index
 * whose predicate that value satisfies (migration 7); a generic plan cannot, and might
 * walk every event for a rare type. The reads of attributed events alone switch to
 * generic plans (plan_mode). */
#define SESSION_SQL                                                                        \
    "SET TimeZone = 'UTC'; SET client_min_messages = warning;"                             \
    " SET plan_cache_mode = force_custom_plan"

static hub_status fail(pg_store *s, const char *what)
{
    /* libpq's message ends with a newline; hub_log adds its own. */
    const char *m = PQerrorMessage(s->conn);
    int n = (int)strlen(m);
    hub_log("store: %s: %.*s", what, n && m[n - 1] == '\n' ? n - 1 : n, m);
    return HUB_ERR_STORAGE;
}

/* r when it holds a success; else NULL, the failure logged. Caller PQclear()s. */
static PGresult *checked(pg_store *s, PGresult *r, const char *what)
{
    ExecStatusType t = PQresultStatus(r);
    if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK)
        return r;
    fail(s, what);
    PQclear(r);
    return NULL;
}

/* Runs a statement with text parameters; NULL on failure (logged). Caller PQclear()s. */
static PGresult *run(pg_store *s, const char *sql, int n, const char *const *vals,
                     const char *what)
{
    return checked(s, PQexecParams(s->conn, sql, n, NULL, vals, NULL, NULL, 0), what);
}

/* Parameterless SQL, possibly several statements (migrations). */
static hub_status exec(pg_store *s, const char *sql, const char *what)
{
    PGresult *r = PQexec(s->conn, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok ? HUB_OK : fail(s, what);
}

static const char *i64(char buf[24], int64_t v)
{
    snprintf(buf, 24, "%" PRId64, v);
    return buf;
}

static int64_t col_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static const char *col_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* A connection lost (server restart, network) is re-established before the next batch
 * or query; the batch that was open is lost with it and its caller retries. */
static void prepared_forget(pg_store *s)
{
    for (size_t i = 0; i < s->nprepared; i++)
        free(s->prepared[i]);
    s->nprepared = 0;
}

static hub_status ensure_conn(pg_store *s)
{
    if (PQstatus(s->conn) == CONNECTION_OK)
        return HUB_OK;
    prepared_forget(s); /* a new session has none */
    s->generic_plans = false; /* SESSION_SQL's */
    PQreset(s->conn);
    if (PQstatus(s->conn) != CONNECTION_OK)
        return fail(s, "reconnect");
    hub_log("store: reconnected to PostgreSQL");
    return exec(s, SESSION_SQL, "session");
}

/* ---- open, migrations ----------------------------------------------------------------- */

static hub_status migrate(pg_store *s)
{
    char k[24], v[24];
    const char *lock[] = {i64(k, LOCK_MIGRATE)};
    PGresult *r = NULL;
    hub_status st = exec(s, "BEGIN", "migrate");
    if (st == HUB_OK && (r = run(s, "SELECT pg_advisory_xact_lock($1)", 1, lock, "migrate")))
        PQclear(r);
    if (st == HUB_OK && r)
        st = exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations(version integer PRIMARY KEY,"
                     " applied_us bigint NOT NULL)", "migrate");
    else
        st = HUB_ERR_STORAGE;
    int have = 0;
    if (st == HUB_OK && (r = run(s, "SELECT coalesce(max(version), 0) FROM schema_migrations",
                                 0, NULL, "migrate"))) {
        have = (int)col_i64(r, 0, 0);
        PQclear(r);
    }
    int want = (int)(sizeof MIGRATIONS / sizeof *MIGRATIONS);
    for (int m = have; st == HUB_OK && m < want; m++) {
        char now[24];
        const char *p[] = {i64(v, m + 1), i64(now, hub_now_us())};
        st = exec(s, MIGRATIONS[m], "migration");
        if (st == HUB_OK && !(r = run(s, "INSERT INTO schema_migrations VALUES($1, $2)", 2, p,
                                      "migration")))
            st = HUB_ERR_STORAGE;
        PQclear(r);
    }
    if (exec(s, st == HUB_OK ? "COMMIT" : "ROLLBACK", "migrate") != HUB_OK)
        st = HUB_ERR_STORAGE;
    return st;
}

hub_status pg_open(const char *url, pg_store **out)
{
    pg_store *s = calloc(1, sizeof *s);
    if (!s)
        return HUB_ERR_NOMEM;
    s->conn = PQconnectdb(url);
    hub_status st = PQstatus(s->conn) == CONNECTION_OK ? HUB_OK : fail(s, "connect");
    if (st == HUB_OK)
        st = exec(s, SESSION_SQL, "session");
    if (st == HUB_OK)
        st = migrate(s);
    if (st != HUB_OK) {
        pg_close(s);
        return st;
    }
    *out = s;
    return HUB_OK;
}

static void batch_clear(pg_store *s)
{
    hub_rollup_clear(&s->acc);
    hub_keys_clear(&s->keys);
    s->nevents = 0;
    hub_buf_free(&s->copy);
    hub_buf_free(&s->claims);
    s->mark.pending = false;
    s->ndays = 0;
}

void pg_close(pg_store *s)
{
    if (!s)
        return;
    batch_clear(s);
    free(s->events);
    prepared_forget(s);
    PQfinish(s->conn);
    free(s);
}

/* ---- tokens --------------------------------------------------------------------------- */

hub_status pg_token_add(pg_store *s, const char *name, hub_role role, const char *hash_hex)
{
    char now[24];
    const char *p[] = {name, hub_role_name(role), hash_hex, i64(now, hub_now_us())};
    PGresult *r = PQexecParams(s->conn, "INSERT INTO tokens(name, role, hash, created_us)"
                                        " VALUES($1, $2, $3, $4)",
                               4, NULL, p, NULL, NULL, 0);
    hub_status st = HUB_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        st = state && strcmp(state, "23505") == 0 ? HUB_ERR_EXISTS : fail(s, "token add");
    }
    PQclear(r);
    return st;
}

hub_status pg_token_revoke(pg_store *s, const char *name)
{
    const char *p[] = {name};
    PGresult *r = run(s, "UPDATE tokens SET revoked = 1 WHERE name = $1", 1, p, "token revoke");
    if (!r)
        return HUB_ERR_STORAGE;
    bool changed = strcmp(PQcmdTuples(r), "0") != 0;
    PQclear(r);
    return changed ? HUB_OK : HUB_ERR_NOTFOUND;
}

hub_status pg_token_lookup(pg_store *s, const char *hash_hex, char *name_out, size_t name_len,
                           hub_role *role_out)
{
    if (ensure_conn(s) != HUB_OK)
        return HUB_ERR_STORAGE;
    const char *p[] = {hash_hex};
    PGresult *r = run(s, "SELECT name, role, hash FROM tokens WHERE hash = $1 AND revoked = 0",
                      1, p, "token lookup");
    if (!r)
        return HUB_ERR_STORAGE;
    hub_status res = HUB_ERR_NOTFOUND;
    const char *stored = PQntuples(r) ? PQgetvalue(r, 0, 2) : NULL;
    /* As in SQLite: the lookup is on a hash the client cannot steer; the final equality
     * is constant-time as policy. */
    if (stored && strlen(stored) == strlen(hash_hex) &&
        CRYPTO_memcmp(stored, hash_hex, strlen(hash_hex)) == 0) {
        snprintf(name_out, name_len, "%s", PQgetvalue(r, 0, 0));
        *role_out = hub_role_parse(PQgetvalue(r, 0, 1));
        res = HUB_OK;
    }
    PQclear(r);
    return res;
}

hub_status pg_token_list(pg_store *s, hub_token_cb cb, void *ud)
{
    PGresult *r = run(s, "SELECT name, role, created_us, revoked FROM tokens ORDER BY name", 0,
                      NULL, "token list");
    if (!r)
        return HUB_ERR_STORAGE;
    for (int i = 0; i < PQntuples(r); i++)
        if (cb(PQgetvalue(r, i, 0), hub_role_parse(PQgetvalue(r, i, 1)), col_i64(r, i, 2),
               col_i64(r, i, 3) != 0, ud))
            break;
    PQclear(r);
    return HUB_OK;
}

/* ---- batches -------------------------------------------------------------------------- */

void pg_share_write_lock(pg_store *s, pthread_mutex_t *mu)
{
    s->write_mu = mu;
}

static void write_done(pg_store *s)
{
    if (s->writing && s->write_mu)
        pthread_mutex_unlock(s->write_mu);
    s->writing = false;
    s->write_locked = false;
}

hub_status pg_begin(pg_store *s)
{
    if (s->write_mu)
        pthread_mutex_lock(s->write_mu);
    s->writing = true;
    batch_clear(s);
    hub_status st = ensure_conn(s);
    /* The transaction id is taken before the batch's first event id (commit_horizon).
     * READ COMMITTED whatever the server's default: claim_confirm's check must see the
     * batches committed while it waited for its lock. */
    if (st == HUB_OK)
        st = exec(s, "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_current_xact_id()",
                  "begin");
    if (st != HUB_OK)
        pg_rollback(s);
    return st;
}

/* Idempotent HTTP batches check their key, then store and record it: under LOCK_WRITE,
 * taken before the check, so two concurrent retries of one batch store it once. */
static hub_status write_lock(pg_store *s)
{
    if (!s->writing || s->write_locked)
        return HUB_OK;
    char k[24];
    const char *p[] = {i64(k, LOCK_WRITE)};
    PGresult *r = run(s, "SELECT pg_advisory_xact_lock($1)", 1, p, "write lock");
    PQclear(r);
    s->write_locked = r != NULL;
    return r ? HUB_OK : HUB_ERR_STORAGE;
}

void pg_rollback(pg_store *s)
{
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE && PQstatus(s->conn) == CONNECTION_OK)
        exec(s, "ROLLBACK", "rollback");
    batch_clear(s);
    write_done(s);
}

/* The tables partitioned by day: events on event time, event_keys on its rows' bucket
 * (buckets are aligned to days, event_keys.h), so a day's rows of both go together. */
typedef struct {
    const char *parent, *column;
} day_table;

static const day_table DAY_TABLES[] = {{"events", "ts_us"}, {"event_keys", "bucket_us"}};

/* The partition for `day` (days since the epoch), created when missing. Its name is
 * built from numbers only, so splicing it into DDL (which takes no parameters) is safe. */
static hub_status partition_missing(pg_store *s, const char *name, bool *missing)
{
    const char *p[] = {name};
    PGresult *r = run(s, "SELECT to_regclass($1) IS NULL", 1, p, "partition");
    if (!r)
        return HUB_ERR_STORAGE;
    *missing = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return HUB_OK;
}

/* Moves the rows of [lo, hi) out of t's default partition so that the day's partition
 * can be created (PostgreSQL refuses a partition whose range the default partition holds
 * rows of). The default partition is locked first: no writer can add rows of that day
 * between the move and the CREATE, and readers wait for this transaction rather than
 * seeing the rows in neither place. The parent is locked before it, as the CREATE would
 * (ACCESS EXCLUSIVE), in the order a COPY takes them (parent, then partition): the other
 * order deadlocks with a COPY already routing rows to the default partition. Rows go
 * through a temporary table and back into the parent once the partition exists. */
static hub_status drain_default(pg_store *s, const day_table *t, const char *lo,
                                const char *hi, bool *moved)
{
    const char *p[] = {lo, hi};
    char sql[256];
    PGresult *r = NULL;
    snprintf(sql, sizeof sql, "LOCK TABLE ONLY %s IN ACCESS EXCLUSIVE MODE;"
             " LOCK TABLE %s_default IN ACCESS EXCLUSIVE MODE", t->parent, t->parent);
    hub_status st = exec(s, sql, "drain");
    snprintf(sql, sizeof sql, "SELECT EXISTS(SELECT 1 FROM %s_default WHERE %s >= $1::bigint"
             " AND %s < $2::bigint)", t->parent, t->column, t->column);
    if (st == HUB_OK && !(r = run(s, sql, 2, p, "drain")))
        st = HUB_ERR_STORAGE;
    *moved = st == HUB_OK && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    r = NULL;
    snprintf(sql, sizeof sql, "CREATE TEMP TABLE hub_drain (LIKE %s) ON COMMIT DROP",
             t->parent);
    if (*moved)
        st = exec(s, sql, "drain");
    snprintf(sql, sizeof sql, "WITH m AS (DELETE FROM %s_default WHERE %s >= $1::bigint AND"
             " %s < $2::bigint RETURNING *) INSERT INTO hub_drain SELECT * FROM m", t->parent,
             t->column, t->column);
    if (*moved && st == HUB_OK && !(r = run(s, sql, 2, p, "drain")))
        st = HUB_ERR_STORAGE;
    PQclear(r);
    return st;
}

/* Days that get a partition of their own: four-digit years, so that the name sorts and
 * parses (drop_partitions); others stay in the default partitions. */
static bool day_partitioned(int64_t day)
{
    return day >= INT64_C(-354285) && day <= INT64_C(2932896); /* 1000-01-01 .. 9999-12-31 */
}

/* "<parent>_pYYYYMMDD" */
static bool partition_name(const day_table *t, int64_t day, char name[48])
{
    if (!day_partitioned(day))
        return false;
    time_t tt = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(name, 48, "%s_p%04d%02d%02d", t->parent, tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday);
    return true;
}

static hub_status ensure_partition(pg_store *s, const day_table *t, int64_t day)
{
    char name[48], sql[256], lo[24], hi[24];
    if (!partition_name(t, day, name))
        return HUB_OK;
    bool missing = false, moved = false;
    hub_status st = partition_missing(s, name, &missing);
    /* Writers run concurrently: the first to find the day missing creates it, holding
     * the write lock to its commit; one that waited for the lock looks again. */
    if (st == HUB_OK && missing && (st = write_lock(s)) == HUB_OK)
        st = partition_missing(s, name, &missing);
    if (st != HUB_OK || !missing)
        return st;
    i64(lo, day * HUB_DAY_US);
    i64(hi, (day + 1) * HUB_DAY_US);
    st = drain_default(s, t, lo, hi, &moved);
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM (%s) TO (%s)",
             name, t->parent, lo, hi);
    if (st == HUB_OK)
        st = exec(s, sql, "create partition");
    snprintf(sql, sizeof sql, "INSERT INTO %s SELECT * FROM hub_drain; DROP TABLE hub_drain",
             t->parent);
    if (st == HUB_OK && moved)
        st = exec(s, sql, "drain");
    return st;
}

static hub_status ensure_partitions(pg_store *s)
{
    hub_status st = HUB_OK;
    for (size_t i = 0; st == HUB_OK && i < s->ndays; i++)
        for (size_t t = 0; st == HUB_OK && t < sizeof DAY_TABLES / sizeof *DAY_TABLES; t++)
            st = ensure_partition(s, &DAY_TABLES[t], s->days[i]);
    return st;
}

/* Rows go to the server in COPY's binary format: each field its length and bytes, numbers
 * as big-endian integers. The text format made the server scan every byte of every
 * field (the raw EVE line above all) for delimiters and escapes, and this side escape
 * them; here neither side looks inside a value. */
static void be_store(unsigned char *out, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        out[i] = (unsigned char)v;
}

static void copy_be(hub_buf *b, uint64_t v, int bytes)
{
    unsigned char out[8];
    be_store(out, v, bytes);
    hub_buf_append(b, (const char *)out, (size_t)bytes);
}

/* The file header (signature, flags, no extension) before the first row. */
static void copy_row_start(hub_buf *b, int fields)
{
    static const char sig[11] = "PGCOPY\n\377\r\n";
    if (!b->len) {
        hub_buf_append(b, sig, sizeof sig);
        copy_be(b, 0, 4);
        copy_be(b, 0, 4);
    }
    copy_be(b, (uint64_t)fields, 2);
}

static void copy_field(hub_buf *b, const char *v, size_t len)
{
    if (!v || len > INT32_MAX) { /* NULL (a longer line never reaches the store) */
        copy_be(b, UINT32_MAX, 4);
        return;
    }
    copy_be(b, len, 4);
    hub_buf_append(b, v, len);
}

static void copy_text(hub_buf *b, const char *v)
{
    copy_field(b, v, v ? strlen(v) : 0);
}

/* A bigint (bytes 8) or integer (4) field; 0 as NULL when null_if_zero. */
static void copy_num(hub_buf *b, int64_t v, int bytes, bool null_if_zero)
{
    if (null_if_zero && !v) {
        copy_be(b, UINT32_MAX, 4);
        return;
    }
    copy_be(b, (uint64_t)bytes, 4);
    copy_be(b, (uint64_t)v, bytes);
}

/* Sends rows built in COPY's binary format (after copy_row_start) with `copy`, the
 * COPY ... FROM STDIN statement; the buffer is left with the trailer added. */
static hub_status copy_send(pg_store *s, hub_buf *rows, const char *copy, const char *what)
{
    if (!rows->len)
        return HUB_OK;
    if (rows->failed)
        return HUB_ERR_NOMEM;
    PGresult *r = PQexec(s->conn, copy);
    bool ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    copy_be(rows, UINT16_MAX, 2); /* the trailer: a field count of -1 */
    if (rows->failed)
        ok = false;
    if (ok)
        ok = PQputCopyData(s->conn, rows->data, (int)rows->len) == 1 &&
             PQputCopyEnd(s->conn, NULL) == 1;
    while ((r = PQgetResult(s->conn))) {
        ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
    }
    return ok ? HUB_OK : fail(s, what);
}

/* Gives the batch's events their ids before the rows are sent (event_keys names each
 * event by (time, id)): one value of events_id_seq per ID_BLOCK events, each the first
 * of ID_BLOCK ids no other transaction gets (a value per event, as a column default
 * takes them, cost a row of result each). Taken after the transaction id (pg_begin), as
 * commit_horizon requires. */
static hub_status event_ids(pg_store *s)
{
    if (!s->nevents)
        return HUB_OK;
    if (s->copy.failed)
        return HUB_ERR_NOMEM;
    char n[24];
    size_t blocks = (s->nevents + ID_BLOCK - 1) / ID_BLOCK;
    const char *p[] = {i64(n, (int64_t)blocks)};
    PGresult *r = run(s, "SELECT nextval('events_id_seq') FROM generate_series(1, $1::bigint)",
                      1, p, "event ids");
    if (!r)
        return HUB_ERR_STORAGE;
    hub_status st = (size_t)PQntuples(r) == blocks ? HUB_OK : HUB_ERR_STORAGE;
    for (size_t i = 0; st == HUB_OK && i < s->nevents; i++) {
        batch_event *e = &s->events[i];
        e->id = col_i64(r, (int)(i / ID_BLOCK), 0) + (int64_t)(i % ID_BLOCK);
        be_store((unsigned char *)s->copy.data + e->id_at, (uint64_t)e->id, 8);
    }
    PQclear(r);
    return st;
}

static hub_status copy_events(pg_store *s)
{
    return copy_send(s, &s->copy,
                     "COPY events(id, received_us, sensor, ts_us, event_type, src_ip, dest_ip,"
                     " signature_id, severity, signature, actor, techniques, attack, victim,"
                     " raw) FROM STDIN (FORMAT binary)",
                     "copy events");
}

/* One bigint array field of COPY's binary format: dimensions 1, no NULLs, element type
 * int8 (OID 20), the length and lower bound (1) of the one dimension, then each
 * element's length and value: the key's times, or its events' ids. */
static void copy_key_array(hub_buf *b, const hub_key_row *k, const batch_event *events)
{
    copy_be(b, 20 + 12 * k->n, 4);
    copy_be(b, 1, 4);
    copy_be(b, 0, 4);
    copy_be(b, 20, 4);
    copy_be(b, k->n, 4);
    copy_be(b, 1, 4);
    for (size_t j = 0; j < k->n; j++) {
        copy_be(b, 8, 4);
        copy_be(b, (uint64_t)(events ? events[k->ev[j].event].id : k->ev[j].ts_us), 8);
    }
}

/* The batch's event_keys rows (event_keys.c), after its events. */
static hub_status copy_keys(pg_store *s)
{
    hub_buf b = {0};
    for (size_t i = 0; i < s->keys.cap; i++) {
        const hub_key_row *k = &s->keys.tab[i];
        if (!k->value)
            continue;
        copy_row_start(&b, 5);
        copy_num(&b, k->kind, 2, false);
        copy_text(&b, k->value);
        copy_num(&b, k->bucket_us, 8, false);
        copy_key_array(&b, k, NULL);
        copy_key_array(&b, k, s->events);
    }
    hub_status st = copy_send(s, &b, "COPY event_keys(kind, value, bucket_us, ts, ids) FROM STDIN"
                                     " (FORMAT binary)", "copy event keys");
    hub_buf_free(&b);
    return st;
}

/* PostgreSQL array literals, built element by element ("{a,b}"): a batch's rollup rows
 * and idempotency keys go to the server as a few array parameters of one statement,
 * not as one round trip per row. */
static void array_sep(hub_buf *b)
{
    hub_buf_puts(b, b->len ? "," : "{");
}

static void array_text(hub_buf *b, const char *v)
{
    array_sep(b);
    hub_buf_puts(b, "\"");
    for (const char *c = v; *c;) { /* runs without a character to escape, whole */
        size_t run = strcspn(c, "\"\\");
        hub_buf_append(b, c, run);
        c += run;
        if (*c) {
            hub_buf_append(b, "\\", 1);
            hub_buf_append(b, c++, 1);
        }
    }
    hub_buf_puts(b, "\"");
}

static void array_int(hub_buf *b, int64_t v)
{
    array_sep(b);
    hub_buf_printf(b, "%" PRId64, v);
}

static char *array_take(hub_buf *b)
{
    hub_buf_puts(b, b->len ? "}" : "{}");
    return hub_buf_take(b);
}

/* Upserts every accumulated row of one kind with a single statement (%1$s: the kind's
 * table, %2$s: its period column). Concurrent batches lock the rows they upsert until
 * they commit; in key order, so two that share rows wait for each other instead of
 * deadlocking. */
static hub_status rollup_write(pg_store *s, int kind)
{
    static const char main_sql[] =
        "INSERT INTO %1$s SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[],"
        " $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])"
        " ORDER BY 1, 2, 3, 4, 5 ON CONFLICT"
        " (%2$s, sensor, event_type, actor, attack) DO UPDATE SET n = %1$s.n + excluded.n,"
        " min_ts = least(%1$s.min_ts, excluded.min_ts),"
        " max_ts = greatest(%1$s.max_ts, excluded.max_ts)";
    static const char victim_sql[] =
        "INSERT INTO %1$s SELECT * FROM unnest($1::bigint[], $2::text[],"
        " $3::bigint[]) ORDER BY 1, 2 ON CONFLICT (%2$s, victim) DO UPDATE SET n = %1$s.n + excluded.n";
    char sql[512];
    bool main = !HUB_ROLLUP_IS_VICTIM(kind);
    snprintf(sql, sizeof sql, main ? main_sql : victim_sql, hub_rollup_table(kind),
             hub_rollup_period(kind));
    int ncols = main ? 8 : 3, nparts = main ? 4 : 1;
    hub_buf cols[8] = {{0}};
    size_t rows = 0;
    for (size_t i = 0; i < s->acc.cap; i++) {
        const hub_rollup_row *a = &s->acc.tab[i];
        if (!a->key || a->kind != kind)
            continue;
        const char *parts[4];
        hub_rollup_parts(a, parts);
        array_int(&cols[0], a->period);
        for (int k = 0; k < nparts; k++)
            array_text(&cols[1 + k], parts[k]);
        array_int(&cols[1 + nparts], a->n);
        if (main) {
            array_int(&cols[6], a->min_ts);
            array_int(&cols[7], a->max_ts);
        }
        rows++;
    }
    char *vals[8];
    bool ok = true;
    for (int c = 0; c < ncols; c++)
        ok = (vals[c] = array_take(&cols[c])) != NULL && ok;
    PGresult *r = NULL;
    if (ok && rows)
        r = run(s, sql, ncols, (const char *const *)vals, "rollup");
    for (int c = 0; c < ncols; c++)
        free(vals[c]);
    PQclear(r);
    return !ok ? HUB_ERR_NOMEM : rows && !r ? HUB_ERR_STORAGE : HUB_OK;
}

static hub_status claim_confirm(pg_store *s);

/* The WAL flush a stream batch's commit leaves out (pg_commit): a transaction committed
 * synchronously, whose commit record comes after that batch's (which was visible before
 * this statement began), so it returns once both are on disk. It must write WAL of its
 * own (a one-byte logical message, open to any role): a transaction that only took an
 * id is not flushed at commit (e2e_scale.py crash lost acked entries so). The same
 * statement looks for the batch's claim row: when a crash lost the commit before it
 * reached the disk, the row is not there (the batch must be stored again), and a
 * connection lost meanwhile is an error, so a lost commit is never taken for durable. */
hub_status pg_durable(pg_store *s, const hub_commit_mark *mark)
{
    if (!mark->pending)
        return HUB_OK;
    hub_status st = ensure_conn(s);
    if (st != HUB_OK)
        return st;
    char created[24];
    const char *p[] = {mark->scope, mark->lo, mark->hi, i64(created, mark->created_us)};
    PGresult *r = run(s, "SELECT pg_logical_emit_message(true, 'bongsu', ''), EXISTS(SELECT 1"
                         " FROM claim_batch WHERE scope = $1 AND hi = $3 AND lo = $2"
                         " AND created_us = $4)", 4, p, "commit flush");
    if (!r)
        return HUB_ERR_STORAGE;
    bool found = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    PQclear(r);
    if (!found)
        hub_log("store: a batch committed before a server crash was lost; storing it again");
    return found ? HUB_OK : HUB_ERR_NOTFOUND;
}

/* A batch with stream claims commits without waiting for the WAL flush (SET LOCAL
 * synchronous_commit), so claim_confirm's lock and the rollup rows' locks, held to the
 * end of the transaction, are not held through the disk write: two workers' commits
 * queued behind each other's flush, both sides idle. With `mark` the caller checks the
 * flush later (pg_durable, on any connection); without, it is checked here. Between
 * commit and check the batch is visible but not yet durable: a batch that sees its
 * claims then and skips their entries acks them only after its own check, which
 * flushes this commit too (it is earlier in the WAL). */
hub_status pg_commit(pg_store *s, hub_commit_mark *mark)
{
    hub_status st = ensure_partitions(s);
    if (st == HUB_OK)
        st = event_ids(s);
    if (st == HUB_OK)
        st = copy_events(s);
    if (st == HUB_OK)
        st = copy_keys(s);
    for (int k = 0; k < HUB_ROLLUP_KINDS && st == HUB_OK; k++)
        st = rollup_write(s, k);
    if (st == HUB_OK)
        st = claim_confirm(s);
    hub_commit_mark own = s->mark;
    if (st == HUB_OK)
        st = exec(s, own.pending ? "SET LOCAL synchronous_commit = off; COMMIT" : "COMMIT",
                  "commit");
    if (st != HUB_OK) {
        pg_rollback(s);
        return st;
    }
    batch_clear(s);
    write_done(s);
    if (mark)
        *mark = own;
    return mark ? HUB_OK : pg_durable(s, &own);
}

/* Days since the epoch, rounded down (events before 1970 belong to the day before). */
static int64_t day_of(int64_t ts_us)
{
    return ts_us / HUB_DAY_US - (ts_us % HUB_DAY_US < 0);
}

/* Notes the day of an event for ensure_partitions. A batch spread over more than eight
 * days (a replay of old captures, stray clocks) puts the rest in events_default rather
 * than creating a partition for each: a sensor with a wild clock could otherwise make
 * thousands of tables in one batch. A later batch that creates such a day's partition
 * moves them there (drain_default). */
static void note_day(pg_store *s, int64_t day)
{
    if (!day_partitioned(day))
        return;
    for (size_t i = 0; i < s->ndays; i++)
        if (s->days[i] == day)
            return;
    if (s->ndays < sizeof s->days / sizeof *s->days)
        s->days[s->ndays++] = day;
}

static bool events_grow(pg_store *s)
{
    size_t cap = s->events_cap ? s->events_cap * 2 : 1024;
    batch_event *ev = realloc(s->events, cap * sizeof *ev);
    if (!ev)
        return false;
    s->events = ev;
    s->events_cap = cap;
    return true;
}

hub_status pg_event_add(pg_store *s, const char *sensor, int64_t received_us,
                        const hub_event_fields *f)
{
    if (s->nevents == s->events_cap && !events_grow(s))
        return HUB_ERR_NOMEM;
    hub_buf *b = &s->copy;
    copy_row_start(b, 15); /* the columns copy_events names, in order */
    copy_be(b, 8, 4);
    s->events[s->nevents].id_at = b->len;
    copy_be(b, 0, 8); /* the id, set at commit (event_ids) */
    copy_num(b, received_us, 8, false);
    copy_text(b, sensor);
    copy_num(b, f->ts_us, 8, false);
    copy_text(b, f->event_type);
    copy_text(b, f->src_ip);
    copy_text(b, f->dest_ip);
    copy_num(b, f->signature_id, 8, true);
    copy_num(b, f->severity, 4, true);
    copy_text(b, f->signature);
    copy_text(b, f->actor);
    copy_text(b, f->techniques);
    copy_text(b, f->attack);
    copy_text(b, f->victim);
    copy_field(b, f->raw, f->raw_len);
    if (b->failed)
        return HUB_ERR_NOMEM;
    note_day(s, day_of(f->ts_us));
    size_t event = s->nevents++;
    hub_status st = hub_keys_add(&s->keys, HUB_KEY_SENSOR, sensor, f->ts_us, event);
    if (st == HUB_OK)
        st = hub_keys_add(&s->keys, HUB_KEY_SRC_IP, f->src_ip, f->ts_us, event);
    if (st == HUB_OK)
        st = hub_keys_add(&s->keys, HUB_KEY_DEST_IP, f->dest_ip, f->ts_us, event);
    return st == HUB_OK ? hub_rollup_event(&s->acc, sensor, f) : st;
}

/* ---- idempotency ---------------------------------------------------------------------- */

hub_status pg_idem_get(pg_store *s, const char *scope, const char *key, char **reply_out)
{
    const char *p[] = {scope, key};
    if (write_lock(s) != HUB_OK)
        return HUB_ERR_STORAGE;
    PGresult *r = run(s, "SELECT reply FROM idempotency WHERE scope = $1 AND key = $2", 2, p,
                      "idempotency get");
    if (!r)
        return HUB_ERR_STORAGE;
    hub_status res = HUB_ERR_NOTFOUND;
    if (PQntuples(r)) {
        *reply_out = strdup(PQgetvalue(r, 0, 0));
        res = *reply_out ? HUB_OK : HUB_ERR_NOMEM;
    }
    PQclear(r);
    return res;
}

hub_status pg_idem_put(pg_store *s, const char *scope, const char *key, const char *reply)
{
    char now[24];
    const char *p[] = {scope, key, reply, i64(now, hub_now_us())};
    if (write_lock(s) != HUB_OK)
        return HUB_ERR_STORAGE;
    PGresult *r = run(s, "INSERT INTO idempotency(scope, key, reply, created_us)"
                         " VALUES($1, $2, $3, $4)", 4, p, "idempotency put");
    PQclear(r);
    return r ? HUB_OK : HUB_ERR_STORAGE;
}

hub_status pg_idem_prune(pg_store *s, int64_t before_us, int64_t *removed)
{
    char t[24];
    const char *p[] = {i64(t, before_us)};
    *removed = 0;
    static const char *const tables[] = {"idempotency", "claim_batch"};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char sql[80];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE created_us < $1", tables[i]);
        PGresult *r = run(s, sql, 1, p, "idempotency prune");
        if (!r)
            return HUB_ERR_STORAGE;
        *removed += strtoll(PQcmdTuples(r), NULL, 10);
        PQclear(r);
    }
    return HUB_OK;
}

static char *text_array(const char *const *keys, size_t n)
{
    hub_buf b = {0};
    for (size_t i = 0; i < n; i++)
        array_text(&b, keys[i]);
    return array_take(&b);
}

/* Claims are recorded one row per batch (claim_batch: the batch's keys as an array, with
 * their smallest and largest key in byte order), not one row per key: a row per key cost
 * a unique-index insert, its WAL and a heap tuple for every event, about a quarter of the
 * server's time per batch. A key was claimed before iff it is in the keys of a batch
 * whose [lo, hi] holds it, so only the batches whose range overlaps this one's are read.
 * Stream ids grow with time, so a batch of new entries overlaps only the few batches
 * committed around it (other workers'); a batch of reclaimed entries (XAUTOCLAIM, a
 * restart) reads the batches committed since its oldest entry, which is still a small
 * table walk. Correct for keys in any order (serve --redis's `key` fields): the range
 * test only ever skips batches that cannot hold the key. A batch that commits between
 * the check and this batch's commit is not seen here, so the check is confirmed at
 * commit (claim_confirm). */
static void key_range(const char *const *keys, size_t n, const char **lo, const char **hi)
{
    *lo = *hi = keys[0];
    for (size_t i = 1; i < n; i++) {
        if (strcmp(keys[i], *lo) < 0)
            *lo = keys[i];
        if (strcmp(keys[i], *hi) > 0)
            *hi = keys[i];
    }
}

/* Keeps what claim_confirm needs: the scope, the claim's key range and its fresh keys
 * (those this batch will store), as NUL-ended strings back to back. */
static void claims_note(pg_store *s, const char *scope, const char *lo, const char *hi,
                        int64_t created_us, const char *const *keys, const bool *fresh,
                        size_t n)
{
    hub_buf fresh_keys = {0};
    for (size_t i = 0; i < n; i++)
        if (fresh[i])
            array_text(&fresh_keys, keys[i]);
    char *arr = array_take(&fresh_keys);
    const char *parts[] = {scope, lo, hi, arr ? arr : ""};
    hub_commit_mark *m = &s->mark;
    if (!s->claims.len && strlen(scope) < sizeof m->scope && strlen(lo) < sizeof m->lo &&
        strlen(hi) < sizeof m->hi) {
        m->pending = true;
        snprintf(m->scope, sizeof m->scope, "%s", scope);
        snprintf(m->lo, sizeof m->lo, "%s", lo);
        snprintf(m->hi, sizeof m->hi, "%s", hi);
        m->created_us = created_us;
    }
    for (size_t i = 0; i < 4; i++)
        hub_buf_append(&s->claims, parts[i], strlen(parts[i]) + 1);
    s->claims.failed |= !arr;
    free(arr);
}

/* Confirms this batch's claims just before COMMIT: no batch committed since the claim
 * check holds one of its fresh keys. Under LOCK_CLAIM, which every claiming batch takes
 * here and keeps to the end of its COMMIT, so of two batches that claimed one entry at
 * once the second to get the lock sees the first's committed claim row (its statement's
 * snapshot is taken after the lock is granted) and fails; its worker retries, and the
 * claim check then leaves that entry out. Only the check and the commit are serialized,
 * not the batches' COPY. This batch's own claim rows are told apart by their xmin. */
static hub_status claim_confirm(pg_store *s)
{
    if (!s->claims.len)
        return HUB_OK;
    if (s->claims.failed)
        return HUB_ERR_NOMEM;
    char k[24];
    const char *lock[] = {i64(k, LOCK_CLAIM)};
    PGresult *r = run(s, "SELECT pg_advisory_xact_lock($1)", 1, lock, "claim lock");
    for (size_t off = 0; r && off < s->claims.len;) {
        const char *p[4];
        for (size_t i = 0; i < 4; i++) {
            p[i] = s->claims.data + off;
            off += strlen(p[i]) + 1;
        }
        PQclear(r);
        r = run(s, "SELECT 1 FROM claim_batch b, unnest(b.keys) AS d(key) WHERE b.scope = $1"
                   " AND b.hi >= $2 AND b.lo <= $3 AND b.xmin <> pg_current_xact_id()::xid"
                   " AND d.key = ANY($4::text[]) LIMIT 1", 4, p, "claim confirm");
        if (r && PQntuples(r)) {
            hub_log("store: a concurrent batch stored entries of this one's; retrying");
            PQclear(r);
            return HUB_ERR_STORAGE;
        }
    }
    PQclear(r);
    return r ? HUB_OK : HUB_ERR_STORAGE;
}

typedef struct {
    const char *key;
    size_t i;
} key_at;

static int key_at_cmp(const void *a, const void *b)
{
    const key_at *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Marks each repeat of a key earlier in the batch as not new: here, not in the claim's
 * SQL, where sorting the batch's keys cost the server a third of the statement. */
static bool repeats_mark(const char *const *keys, size_t n, bool *fresh)
{
    key_at *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return false;
    for (size_t i = 0; i < n; i++)
        sorted[i] = (key_at){keys[i], i};
    qsort(sorted, n, sizeof *sorted, key_at_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(sorted[i].key, sorted[i - 1].key) == 0)
            fresh[sorted[i].i] = false;
    free(sorted);
    return true;
}

hub_status pg_idem_claim(pg_store *s, const char *scope, const char *const *keys, size_t n,
                         bool *fresh)
{
    for (size_t i = 0; i < n; i++)
        fresh[i] = true;
    if (!n)
        return HUB_OK;
    int64_t created_us = hub_now_us();
    char now[24], *arr = text_array(keys, n);
    if (!arr || !repeats_mark(keys, n, fresh)) {
        free(arr);
        return HUB_ERR_NOMEM;
    }
    const char *lo, *hi;
    key_range(keys, n, &lo, &hi);
    const char *p[] = {scope, arr, lo, hi, i64(now, created_us)};
    static const Oid types[] = {0, 1009 /* text[]: the literal is parsed once */, 0, 0, 0};
    /* The ordinals of the keys claimed by an earlier batch (all statements of a WITH see
     * the same snapshot, so the SELECT does not see this batch's own row). */
    PGresult *r = checked(
        s,
        PQexecParams(s->conn,
                     "WITH ins AS (INSERT INTO claim_batch(scope, lo, hi, keys, created_us)"
                     " VALUES($1, $3, $4, $2, $5))"
                     " SELECT k.i FROM unnest($2) WITH ORDINALITY AS k(key, i)"
                     " WHERE k.key IN (SELECT d.key FROM claim_batch b, unnest(b.keys) AS d(key)"
                     "  WHERE b.scope = $1 AND b.hi >= $3 AND b.lo <= $4)",
                     5, types, p, NULL, NULL, 0),
        "idempotency claim");
    free(arr);
    if (!r)
        return HUB_ERR_STORAGE;
    for (int row = 0; row < PQntuples(r); row++) {
        int64_t i = col_i64(r, row, 0);
        if (i >= 1 && (size_t)i <= n)
            fresh[i - 1] = false;
    }
    PQclear(r);
    claims_note(s, scope, lo, hi, created_us, keys, fresh, n);
    return s->claims.failed ? HUB_ERR_NOMEM : HUB_OK;
}

/* ---- retention ------------------------------------------------------------------------ */

/* Drops t's day partitions that end at or before `day` (their names carry the date),
 * and deletes the rows before it from its default partition. */
static hub_status drop_partitions(pg_store *s, const day_table *t, int64_t day,
                                  int64_t *dropped)
{
    char sql[160], cut[24];
    const char *pc[] = {i64(cut, day * HUB_DAY_US)};
    snprintf(sql, sizeof sql, "SELECT c.relname FROM pg_inherits i JOIN pg_class c"
             " ON c.oid = i.inhrelid WHERE i.inhparent = '%s'::regclass", t->parent);
    PGresult *r = run(s, sql, 0, NULL, "retention");
    if (!r)
        return HUB_ERR_STORAGE;
    hub_status st = HUB_OK;
    size_t plen = strlen(t->parent);
    for (int i = 0; st == HUB_OK && i < PQntuples(r); i++) {
        int y, m, d;
        char tail;
        const char *name = PQgetvalue(r, i, 0);
        if (strncmp(name, t->parent, plen) != 0 ||
            sscanf(name + plen, "_p%4d%2d%2d%c", &y, &m, &d, &tail) != 3)
            continue; /* not one of ours: leave it */
        struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
        int64_t pday = (int64_t)timegm(&tm) / 86400;
        if (pday + 1 > day)
            continue;
        snprintf(sql, sizeof sql, "DROP TABLE %s", name); /* digits only: see above */
        if ((st = exec(s, sql, "drop partition")) == HUB_OK && t == DAY_TABLES)
            (*dropped)++;
    }
    PQclear(r);
    snprintf(sql, sizeof sql, "DELETE FROM %s_default WHERE %s < $1::bigint", t->parent,
             t->column);
    if (st == HUB_OK && !(r = run(s, sql, 1, pc, "retention")))
        st = HUB_ERR_STORAGE;
    PQclear(r);
    return st;
}

/* *dropped counts the days of events dropped. */
hub_status pg_retain(pg_store *s, int64_t before_us, int64_t *dropped)
{
    int64_t day = day_of(before_us);
    *dropped = 0;
    hub_status st = pg_begin(s);
    if (st != HUB_OK)
        return st;
    for (size_t t = 0; st == HUB_OK && t < sizeof DAY_TABLES / sizeof *DAY_TABLES; t++)
        st = drop_partitions(s, &DAY_TABLES[t], day, dropped);
    bool ok = st == HUB_OK;
    for (int k = 0; k < HUB_ROLLUP_KINDS && ok; k++) {
        char v[24], sql[128];
        const char *p[] = {i64(v, HUB_ROLLUP_IS_MINUTE(k) ? day * 1440 : day * 24)};
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s < $1", hub_rollup_table(k),
                 hub_rollup_period(k));
        PGresult *r = run(s, sql, 1, p, "retention");
        ok = r != NULL;
        PQclear(r);
    }
    if (!ok) {
        pg_rollback(s);
        return HUB_ERR_STORAGE;
    }
    return pg_commit(s, NULL);
}

/* ---- reads ---------------------------------------------------------------------------- */

/* Reads run as named prepared statements, one per query text and connection. A query
 * sent with its parameters is planned at every execution, and planning weighs each day
 * partition's dozen indexes: 27-74 ms against 0.6 ms of execution for one incident's
 * extension query, and an incidents page runs one per open incident. A prepared one is
 * planned per execution for its first five runs, then PostgreSQL keeps a generic plan
 * (partitions pruned at run time) when that plan is no costlier than the custom ones
 * were. The texts are few (one per filter shape); past 64, all are dropped and prepared
 * again as they come. The name of q's statement, prepared when new; NULL on failure. */
static const char *prepared_name(pg_store *s, const char *sql, int nargs, char name[16])
{
    size_t n = sizeof s->prepared / sizeof *s->prepared, i = 0;
    while (i < s->nprepared && strcmp(s->prepared[i], sql) != 0)
        i++;
    if (i == n) {
        if (exec(s, "DEALLOCATE ALL", "deallocate") != HUB_OK)
            return NULL;
        prepared_forget(s);
        i = 0;
    }
    snprintf(name, 16, "hub_r%zu", i);
    if (i < s->nprepared)
        return name;
    char *copy = strdup(sql);
    PGresult *r = copy ? checked(s, PQprepare(s->conn, name, sql, nargs, NULL), "prepare") : NULL;
    PQclear(r);
    if (!r) {
        free(copy);
        return NULL;
    }
    s->prepared[s->nprepared++] = copy;
    return name;
}

/* Custom plans cost a planning per execution over every day partition the time range
 * keeps and each one's indexes: 1.2 ms against 0.4 ms of execution for an incident's
 * extension query on 10 M events (EXPLAIN ANALYZE; 0.04 ms planning for the generic
 * plan), which an incidents page pays once per open incident. Reads of attributed
 * events (require_actor: the incidents' two passes) need no value's plan: the partial
 * attribution indexes' predicate is in their text, and their partitions are pruned at
 * run time from the time bounds. So they run generic plans, planned once per prepared
 * statement. The mode is a session setting, changed only outside a transaction (a
 * rollback would undo it unseen); a read inside one keeps the current mode, which
 * changes its cost, not its answer. */
static void plan_mode(pg_store *s, bool generic)
{
    if (generic == s->generic_plans || PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        return;
    if (exec(s, generic ? "SET plan_cache_mode = force_generic_plan"
                        : "SET plan_cache_mode = force_custom_plan",
             "plan mode") == HUB_OK)
        s->generic_plans = generic;
}

/* Runs a built query (prepared unless it is a cursor's DECLARE, which cannot be) with
 * generic or custom plans (plan_mode); NULL on failure. */
static PGresult *sql_run(pg_store *s, hub_sql *q, bool prepare, bool generic,
                         const char *what)
{
    char *sql = hub_buf_take(&q->sql);
    if (!sql || ensure_conn(s) != HUB_OK) {
        free(sql);
        return NULL;
    }
    char nums[HUB_SQL_MAX_ARGS][24], name[16];
    const char *vals[HUB_SQL_MAX_ARGS];
    for (int i = 0; i < q->nargs; i++)
        vals[i] = q->args[i].is_text ? q->args[i].text : i64(nums[i], q->args[i].num);
    PGresult *r = NULL;
    if (prepare)
        plan_mode(s, generic);
    if (!prepare)
        r = run(s, sql, q->nargs, vals, what);
    else if (prepared_name(s, sql, q->nargs, name))
        r = checked(s, PQexecPrepared(s->conn, name, q->nargs, vals, NULL, NULL, 0), what);
    free(sql);
    return r;
}

static void row_from_result(const PGresult *r, int i, hub_event_row *row)
{
    memset(row, 0, sizeof *row);
    row->id = col_i64(r, i, 0);
    row->received_us = col_i64(r, i, 1);
    row->sensor = col_text(r, i, 2);
    row->f.ts_us = col_i64(r, i, 3);
    row->f.event_type = col_text(r, i, 4);
    row->f.src_ip = col_text(r, i, 5);
    row->f.dest_ip = col_text(r, i, 6);
    row->f.signature_id = col_i64(r, i, 7);
    row->f.severity = (int)col_i64(r, i, 8);
    row->f.signature = col_text(r, i, 9);
    row->f.actor = col_text(r, i, 10);
    row->f.techniques = col_text(r, i, 11);
    row->f.attack = col_text(r, i, 12);
    row->f.victim = col_text(r, i, 13);
    row->f.raw = col_text(r, i, 14);
    row->f.raw_len = row->f.raw ? (size_t)PQgetlength(r, i, 14) : 0;
}

/* Hands each row of r to cb; true when cb asked to stop. */
static bool each_event(const PGresult *r, hub_event_cb cb, void *ud)
{
    hub_event_row row;
    for (int i = 0; i < PQntuples(r); i++) {
        row_from_result(r, i, &row);
        if (cb(&row, ud))
            return true;
    }
    return false;
}

/* Unbounded reads (incidents walking back in time, exports) are read a page at a time:
 * libpq would otherwise hold the whole result in memory before the first row reaches
 * the callback, and callers that stop early (incidents) would still pay for every row.
 * The first page is a plain (prepared) query with LIMIT: most such reads end within it
 * (incidents extend each open incident with one read that stops at the first gap), and
 * a cursor costs five round trips and a planning each time. Reads that go on continue
 * through a cursor, after the first page's last row (the same order, so the same rows
 * as one read). A cursor (and LIMIT) also makes the planner favour plans that return
 * the first rows fast. */
#define PAGE_ROWS 1000u
#define CURSOR_PAGE "1000"

static hub_status events_cursor(pg_store *s, hub_sql *q, hub_event_cb cb, void *ud)
{
    bool own_tx = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    if (own_tx && exec(s, "BEGIN READ ONLY", "query events") != HUB_OK)
        return HUB_ERR_STORAGE;
    hub_buf decl = {0};
    hub_buf_puts(&decl, "DECLARE hub_events NO SCROLL CURSOR FOR ");
    hub_buf_append(&decl, q->sql.data, q->sql.len);
    hub_buf_free(&q->sql);
    q->sql = decl;
    PGresult *r = sql_run(s, q, false, false, "query events");
    hub_status st = r ? HUB_OK : HUB_ERR_STORAGE;
    PQclear(r);
    bool done = false;
    while (st == HUB_OK && !done) {
        r = run(s, "FETCH " CURSOR_PAGE " FROM hub_events", 0, NULL, "query events");
        if (!r) {
            st = HUB_ERR_STORAGE;
            break;
        }
        done = PQntuples(r) == 0 || each_event(r, cb, ud);
        PQclear(r);
    }
    if (st == HUB_OK)
        st = exec(s, "CLOSE hub_events", "query events");
    if (own_tx)
        exec(s, st == HUB_OK ? "COMMIT" : "ROLLBACK", "query events");
    return st;
}

/* One query of at most `limit` rows; *more: it filled the page and the callback wants
 * more, *rest then bounds the read that continues after its last row. */
static hub_status events_page(pg_store *s, const hub_event_filter *flt, hub_event_cb cb,
                              void *ud, bool *more, hub_event_filter *rest)
{
    hub_sql q = {.dialect = HUB_SQL_PG};
    hub_sql_events(&q, flt);
    PGresult *r = sql_run(s, &q, true, flt->require_actor && !flt->event_type, "query events");
    if (!r)
        return HUB_ERR_STORAGE;
    int n = PQntuples(r);
    *more = !each_event(r, cb, ud) && n > 0 && (unsigned)n == flt->limit;
    if (*more) {
        *rest = *flt;
        int64_t id = col_i64(r, n - 1, 0), ts = col_i64(r, n - 1, 3);
        if (flt->order == HUB_ORDER_NEWEST) {
            rest->has_before = true;
            rest->before_ts = ts;
            rest->before_id = id;
        } else {
            rest->after_id = id;
        }
    }
    PQclear(r);
    return HUB_OK;
}

/* The commit horizon H: every event id <= H belongs to a batch that has committed or
 * rolled back, so a reader paging on "id > last seen" (TAXII, the STIX export) that
 * stops at H never skips an id that commits later. Writers take ids in parallel and
 * commit in any order; each takes its transaction id before its first event id
 * (pg_begin). So with L the last id handed out (the end of the last block taken,
 * event_ids), read first, and N the next transaction id, read after: every id <= L
 * went to a transaction whose id is below N, and once the oldest running transaction
 * id (the snapshot's xmin) reaches N they have all ended.
 * The wait is at most the longest batch then in flight. */
#define HORIZON_WAIT_US INT64_C(10000000)

static hub_status commit_horizon(pg_store *s, int64_t *h)
{
    PGresult *r = run(s, "SELECT CASE WHEN is_called THEN last_value + " ID_BLOCK_LIT " - 1"
                         " ELSE 0 END FROM events_id_seq", 0, NULL, "commit horizon");
    if (!r)
        return HUB_ERR_STORAGE;
    *h = col_i64(r, 0, 0);
    PQclear(r);
    if (!(r = run(s, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text", 0, NULL,
                  "commit horizon")))
        return HUB_ERR_STORAGE;
    char next[32];
    snprintf(next, sizeof next, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *p[] = {next};
    for (int64_t waited = 0, step = 1000;; waited += step, step = step < 50000 ? step * 2 : step) {
        if (!(r = run(s, "SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8", 1, p,
                      "commit horizon")))
            return HUB_ERR_STORAGE;
        bool reached = PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (reached)
            return HUB_OK;
        if (waited >= HORIZON_WAIT_US) {
            hub_log("store: commit horizon: a write transaction has been open for 10 s");
            return HUB_ERR_STORAGE;
        }
        usleep((useconds_t)step);
    }
}

static hub_status events_read(pg_store *s, const hub_event_filter *flt, hub_event_cb cb,
                              void *ud)
{
    hub_event_filter first = *flt, rest;
    bool unbounded = !flt->limit || flt->limit > PAGE_ROWS, more = false;
    if (unbounded)
        first.limit = PAGE_ROWS;
    hub_status st = HUB_OK;
    /* Not inside this connection's own write: its own transaction id would hold xmin. */
    if (flt->order == HUB_ORDER_OLDEST && !s->writing && ensure_conn(s) == HUB_OK) {
        first.has_max_id = true;
        st = commit_horizon(s, &first.max_id);
    }
    if (st == HUB_OK)
        st = events_page(s, &first, cb, ud, &more, &rest);
    if (st != HUB_OK || !unbounded || !more)
        return st;
    rest.limit = flt->limit ? flt->limit - PAGE_ROWS : 0;
    hub_sql q = {.dialect = HUB_SQL_PG};
    hub_sql_events(&q, &rest);
    return ensure_conn(s) == HUB_OK ? events_cursor(s, &q, cb, ud) : HUB_ERR_STORAGE;
}

/* The newest bucket of a key's events (event_keys) with bucket_us in [lo, hi); *any
 * false when there is none. */
static hub_status key_bucket_below(pg_store *s, hub_key_kind kind, const char *value,
                                   int64_t lo, int64_t hi, int64_t *bucket, bool *any)
{
    char k[24], l[24], h[24];
    const char *p[] = {i64(k, kind), value, i64(l, lo), i64(h, hi)};
    PGresult *r = run(s, "SELECT max(bucket_us) FROM event_keys WHERE kind = $1::smallint"
                         " AND value = $2 AND bucket_us >= $3::bigint AND bucket_us < $4::bigint",
                      4, p, "query events");
    if (!r)
        return HUB_ERR_STORAGE;
    *any = !PQgetisnull(r, 0, 0);
    *bucket = col_i64(r, 0, 0);
    PQclear(r);
    return HUB_OK;
}

/* Rows of one bucket's read, handed on until the caller's limit or callback stops. */
typedef struct {
    hub_event_cb cb;
    void *ud;
    unsigned left; /* 0: no limit */
    bool stop;
} bucket_walk;

static int bucket_row(const hub_event_row *row, void *ud)
{
    bucket_walk *w = ud;
    w->stop = w->cb(row, w->ud) || (w->left && --w->left == 0);
    return w->stop;
}

/* Newest first by sensor or address: bucket by bucket (event_keys' ten minutes) from
 * the newest that holds the key, each bucket's events in (time, id) order, until the
 * limit: a busy key costs a bucket or two, a rare one a seek per bucket it has events
 * in (buckets without are skipped). One query over every bucket would have to gather
 * and sort every event of the key first. */
static hub_status events_by_bucket(pg_store *s, const hub_event_filter *flt, hub_event_cb cb,
                                   void *ud)
{
    hub_key_kind kind;
    const char *value = hub_sql_event_key(flt, &kind);
    int64_t lo, hi, bucket;
    hub_sql_time_bounds(flt, &lo, &hi);
    int64_t first = hub_key_bucket(lo), below = hi;
    bucket_walk w = {.cb = cb, .ud = ud, .left = flt->limit};
    bool any = true;
    hub_status st = HUB_OK;
    while (st == HUB_OK && !w.stop &&
           (st = key_bucket_below(s, kind, value, first, below, &bucket, &any)) == HUB_OK &&
           any) {
        hub_event_filter f = *flt;
        f.has_since = f.has_until = true;
        f.since_us = bucket > lo ? bucket : lo;
        /* bucket < hi, so the difference fits unsigned */
        f.until_us = (uint64_t)hi - (uint64_t)bucket > (uint64_t)HUB_KEY_BUCKET_US
                         ? bucket + HUB_KEY_BUCKET_US
                         : hi;
        f.limit = w.left;
        st = events_read(s, &f, bucket_row, &w);
        below = bucket;
    }
    return st;
}

hub_status pg_events(pg_store *s, const hub_event_filter *flt, hub_event_cb cb, void *ud)
{
    hub_key_kind kind;
    if (flt->order == HUB_ORDER_NEWEST && hub_sql_event_key(flt, &kind))
        return ensure_conn(s) == HUB_OK ? events_by_bucket(s, flt, cb, ud) : HUB_ERR_STORAGE;
    return events_read(s, flt, cb, ud);
}

/* A pair's rows newest first come from each day partition's index in order, merged
 * (Merge Append) so the read stops after per_pair rows; but the planner estimates a
 * row or two per pair and plans an Append of everything the pair has in the range,
 * sorted: every row of each pair's week read to return 64 (a page of 200 incidents on
 * 10 M events: 80-84 ms against 30-34 merged, server log). Sorts are switched off
 * for this query alone (SET LOCAL, in its own transaction; one read inside a caller's
 * transaction keeps the session's settings, which changes its cost, not its rows). */
static PGresult *pair_query(pg_store *s, hub_sql *q, bool generic)
{
    if (ensure_conn(s) != HUB_OK)
        return NULL;
    bool own_tx = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    plan_mode(s, generic); /* before BEGIN: it changes the mode only outside one */
    const char *begin = "BEGIN READ ONLY; SET LOCAL enable_sort = off";
    bool begun = !own_tx || exec(s, begin, "query pairs") == HUB_OK;
    PGresult *r = begun ? sql_run(s, q, true, generic, "query pairs") : NULL;
    /* a failed BEGIN; SET may have left a transaction open: roll it back too */
    if (own_tx && PQtransactionStatus(s->conn) != PQTRANS_IDLE &&
        exec(s, r ? "COMMIT" : "ROLLBACK", "query pairs") != HUB_OK) {
        PQclear(r);
        return NULL;
    }
    return r;
}

/* Pairs run[0..n), each with a victim, in one query; cb gets their indexes from `first`. */
static hub_status pair_batch(pg_store *s, const hub_event_filter *flt, const hub_pair_read *run,
                             size_t n, size_t first, unsigned per_pair, hub_pair_cb cb, void *ud)
{
    hub_buf b[4] = {{0}};
    for (size_t i = 0; i < n; i++) {
        array_text(&b[0], run[i].actor);
        array_text(&b[1], run[i].victim);
        array_int(&b[2], run[i].before_ts);
        array_int(&b[3], run[i].before_id);
    }
    char *arrays[4];
    for (int k = 0; k < 4; k++)
        arrays[k] = array_take(&b[k]);
    hub_status st = arrays[0] && arrays[1] && arrays[2] && arrays[3] ? HUB_OK : HUB_ERR_NOMEM;
    hub_sql q = {.dialect = HUB_SQL_PG};
    if (st == HUB_OK)
        hub_sql_pair_events(&q, flt, (const char **)arrays, per_pair);
    PGresult *r = st == HUB_OK ? pair_query(s, &q, flt->require_actor && !flt->event_type) : NULL;
    if (st == HUB_OK && !r)
        st = HUB_ERR_STORAGE;
    hub_event_row row;
    int64_t done = 0; /* the pair (1-based) whose callback asked to stop */
    for (int i = 0; r && i < PQntuples(r); i++) {
        int64_t pair = col_i64(r, i, 15);
        if (pair == done)
            continue;
        row_from_result(r, i, &row);
        if (cb(first + (size_t)pair - 1, &row, ud))
            done = pair;
    }
    PQclear(r);
    hub_buf_free(&q.sql);
    for (int k = 0; k < 4; k++)
        free(arrays[k]);
    return st;
}

/* Runs of pairs with a victim go in one query each; a pair without one (rare: an alert
 * without destination address) is read alone, as victim = $n cannot match NULL. */
hub_status pg_pair_events(pg_store *s, const hub_event_filter *flt, const hub_pair_read *pairs,
                          size_t n, unsigned per_pair, hub_pair_cb cb, void *ud)
{
    hub_status st = HUB_OK;
    for (size_t i = 0, j; i < n && st == HUB_OK; i = j) {
        for (j = i; j < n && pairs[j].victim; j++)
            ;
        if (j > i) {
            st = pair_batch(s, flt, pairs + i, j - i, i, per_pair, cb, ud);
            continue;
        }
        hub_event_filter f = hub_pair_filter(flt, &pairs[i], per_pair);
        hub_pair_one one = {cb, ud, i};
        st = pg_events(s, &f, hub_pair_row, &one);
        j = i + 1;
    }
    return st;
}

hub_status pg_count_by(pg_store *s, const hub_event_filter *flt, hub_dim dim, unsigned limit,
                       hub_count_cb cb, void *ud)
{
    hub_sql q = {.dialect = HUB_SQL_PG};
    hub_sql_count_by(&q, flt, dim, limit);
    PGresult *r = sql_run(s, &q, true, false, "count");
    if (!r)
        return HUB_ERR_STORAGE;
    for (int i = 0; i < PQntuples(r); i++)
        if (cb(PQgetvalue(r, i, 0), col_i64(r, i, 1), ud))
            break;
    PQclear(r);
    return HUB_OK;
}

hub_status pg_time_range(pg_store *s, const hub_event_filter *flt, int64_t *count,
                         int64_t *first_us, int64_t *last_us)
{
    hub_sql q = {.dialect = HUB_SQL_PG};
    hub_sql_time_range(&q, flt);
    PGresult *r = sql_run(s, &q, true, false, "count");
    if (!r)
        return HUB_ERR_STORAGE;
    *count = col_i64(r, 0, 0);
    *first_us = col_i64(r, 0, 1);
    *last_us = col_i64(r, 0, 2);
    PQclear(r);
    return HUB_OK;
}
