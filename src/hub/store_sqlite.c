/*
 * store_sqlite.c — the SQLite implementation of store.h.
 *
 * One table holds every event: the raw EVE line exactly as received (so queries return
 * what sensors posted, byte for byte) plus a few columns extracted at ingest (time, type,
 * addresses, signature, actor, victim, ...) that the filters and aggregations use. Each
 * filter column has an index on (column, event time); SQLite appends the rowid, so
 * "actor = ? AND ts_us in a range ORDER BY ts_us DESC, id DESC" (search, with its
 * (time, id) cursor) is one index range walked in order: no sort, and no visit to the
 * actor's other events. Columns most events leave NULL (signature, actor, victim) get
 * partial indexes, which SQLite still uses for "col = ?" and which cost nothing at
 * ingest for the events without them. Every index is paid for on each insert, so add
 * one only with a query that needs it. Hourly and per-minute rollup tables answer
 * summaries (store_sql.c).
 *
 * Durability: WAL mode with synchronous=FULL, so a COMMIT that returned has been fsync'd
 * to the WAL; that is what lets the HTTP layer promise "2xx means durable". busy_timeout
 * lets several handles (the server's pool) share the file; SQLite serializes writers.
 *
 * All SQL is parameterized: filter values are bound, never spliced into the text. The
 * only text that varies is the fixed column names and operators chosen below.
 */
#include "store_backend.h"
#include "store_sql.h"
#include "sqlite_ckpt.h"

#include <assert.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQ_ROWS 64 /* events per INSERT statement */
#define SQ_COLS 14 /* bound values per event */
#define SQ_ROWBUF_KEEP 16384 /* a row buffer grown past this is freed once inserted */
#define SQ_STMT_CACHE 16     /* query statements kept prepared per handle (sql_run) */
#define HUB_CKPT_MB 32       /* WAL length (MiB) that asks for a checkpoint */

typedef struct {
    char *sql; /* the text it was prepared from: the cache key */
    sqlite3_stmt *st;
} sq_cached_stmt;

struct sq_store {
    sqlite3 *db;
    sqlite3_stmt *ins_events;  /* SQ_ROWS rows per step (see event_flush) */
    int pending;               /* rows bound into ins_events, not yet inserted */
    char *rowbuf[SQ_ROWS];     /* each pending row's strings, bound STATIC */
    size_t rowcap[SQ_ROWS];
    sqlite3_stmt *ins_rollup[HUB_ROLLUP_KINDS]; /* upserts, by rollup kind */
    pthread_mutex_t *write_mu; /* shared with the other handles of this process, or NULL */
    int wal_pages;             /* WAL length after this handle's last commit (wal_hook) */
    int ckpt_pages;            /* checkpoint once the WAL is this long */
    sq_ckpt *ckpt;             /* the checkpoint thread, started at the first long WAL */
    bool writing;              /* between begin and commit/rollback */
    hub_rollup acc;            /* rollup rows of this transaction (store_sql.c) */
    sq_cached_stmt cache[SQ_STMT_CACHE]; /* see stmt_get */
    unsigned cache_next;       /* the slot the next miss replaces (round robin) */
};

static hub_status rollup_flush(sq_store *s);

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS events("
    " id INTEGER PRIMARY KEY, received_us INTEGER NOT NULL, sensor TEXT NOT NULL,"
    " ts_us INTEGER NOT NULL, event_type TEXT NOT NULL, src_ip TEXT, dest_ip TEXT,"
    " signature_id INTEGER, severity INTEGER, signature TEXT, actor TEXT, techniques TEXT,"
    " attack TEXT, victim TEXT, raw TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_ts ON events(ts_us);"
    "CREATE INDEX IF NOT EXISTS events_received ON events(received_us);"
    "CREATE INDEX IF NOT EXISTS events_type_ts ON events(event_type, ts_us);"
    "CREATE INDEX IF NOT EXISTS events_sensor_ts ON events(sensor, ts_us);"
    /* Addresses are indexed inside ten-minute buckets of event time (HUB_ADDR_BUCKET_US,
     * store_sql.h): (bucket, address, time). Keyed by address first, every insert went
     * to a random leaf of a tree as large as the table's history, so each event dirtied
     * a page of each address index that the commit wrote to the WAL and the checkpoint
     * wrote again (0.9 page writes per event at 1 M events, half the ingest CPU). Keyed
     * by bucket first, inserts land in the current bucket's few hundred pages, which stay
     * cached and are written once per commit. Searches walk the buckets newest first
     * (sq_events); aggregates name the buckets in an IN list (store_sql.c). */
    "CREATE INDEX IF NOT EXISTS events_src_b ON events(" HUB_ADDR_BUCKET_SQL ", src_ip, ts_us)"
    " WHERE src_ip IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS events_dest_b ON events(" HUB_ADDR_BUCKET_SQL ", dest_ip, ts_us)"
    " WHERE dest_ip IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS events_sid_ts ON events(signature_id, ts_us)"
    " WHERE signature_id IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS events_actor_ts ON events(actor, ts_us)"
    " WHERE actor IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS events_victim_ts ON events(victim, ts_us)"
    " WHERE victim IS NOT NULL;"
    /* Incidents (incidents.c) walk attributed events newest first, then each (actor,
     * victim) pair back in time. These two partial indexes hold every column that
     * reads (a "lean" row), in those two orders, so neither pass reads a table row:
     * through events_ts it read one per stored event in the range (most unattributed),
     * through events_victim_ts one per event of the pair. Only attributed events (a few
     * percent) pay for them at ingest. */
    "CREATE INDEX IF NOT EXISTS events_attr_ts ON events(ts_us, id, actor, victim, sensor,"
    " event_type, src_ip, dest_ip, techniques, signature) WHERE actor IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS events_attr_pair ON events(actor, victim, ts_us, id, sensor,"
    " event_type, src_ip, dest_ip, techniques, signature) WHERE actor IS NOT NULL;"
    /* An actor's techniques (the actor page) counted in index order, narrow entries. */
    "CREATE INDEX IF NOT EXISTS events_attr_tech ON events(actor, techniques)"
    " WHERE actor IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS tokens("
    " name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,"
    " created_us INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS idempotency("
    " scope TEXT NOT NULL, key TEXT NOT NULL, reply TEXT NOT NULL,"
    " created_us INTEGER NOT NULL, PRIMARY KEY(scope, key));"
    "CREATE TABLE IF NOT EXISTS rollup("
    " hour INTEGER NOT NULL, sensor TEXT NOT NULL, event_type TEXT NOT NULL,"
    " actor TEXT NOT NULL, attack TEXT NOT NULL,"
    " n INTEGER NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL,"
    " PRIMARY KEY(hour, sensor, event_type, actor, attack)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS victim_rollup("
    " hour INTEGER NOT NULL, victim TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(hour, victim)) WITHOUT ROWID;"
    /* Top victims over many hours (the dashboard's all-time summary) sum the hourly rows
     * per victim: in this index's order they are grouped as read, where the table's
     * (hour, victim) order made SQLite sort every row first (17k rows at 10 M events,
     * half of that query). Rollup rows change once per commit, not per event, so the
     * index costs ingest next to nothing. */
    "CREATE INDEX IF NOT EXISTS victim_rollup_v ON victim_rollup(victim, n);"
    "CREATE TABLE IF NOT EXISTS rollup_minute("
    " minute INTEGER NOT NULL, sensor TEXT NOT NULL, event_type TEXT NOT NULL,"
    " actor TEXT NOT NULL, attack TEXT NOT NULL,"
    " n INTEGER NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL,"
    " PRIMARY KEY(minute, sensor, event_type, actor, attack)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS victim_rollup_minute("
    " minute INTEGER NOT NULL, victim TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(minute, victim)) WITHOUT ROWID;";

/* Databases from before this layout (user_version < 6) lose the old single-column
 * indexes and get the rollup (re)built, once, at open. */
static const char ROLLUP_BACKFILL[] =
    "DROP INDEX IF EXISTS events_type; DROP INDEX IF EXISTS events_sensor;"
    "DROP INDEX IF EXISTS events_src; DROP INDEX IF EXISTS events_dest;"
    "DROP INDEX IF EXISTS events_sid; DROP INDEX IF EXISTS events_actor;"
    "DROP INDEX IF EXISTS events_victim;"
    "DELETE FROM rollup; DELETE FROM victim_rollup;"
    "INSERT INTO victim_rollup SELECT ts_us / 3600000000, victim, count(*) FROM events"
    " WHERE victim IS NOT NULL GROUP BY 1, 2;"
    "INSERT INTO rollup SELECT ts_us / 3600000000, sensor, event_type, coalesce(actor, ''),"
    " coalesce(attack, ''), count(*), min(ts_us), max(ts_us)"
    " FROM events GROUP BY 1, 2, 3, 4, 5;"
    "PRAGMA user_version = 6;";

/* Version 7 added the per-minute rollups; older databases get them filled once. */
static const char MINUTE_BACKFILL[] =
    "DELETE FROM rollup_minute; DELETE FROM victim_rollup_minute;"
    "INSERT INTO victim_rollup_minute SELECT ts_us / 60000000, victim, count(*) FROM events"
    " WHERE victim IS NOT NULL GROUP BY 1, 2;"
    "INSERT INTO rollup_minute SELECT ts_us / 60000000, sensor, event_type,"
    " coalesce(actor, ''), coalesce(attack, ''), count(*), min(ts_us), max(ts_us)"
    " FROM events GROUP BY 1, 2, 3, 4, 5;"
    "PRAGMA user_version = 7;";

/* Version 8 replaced the (address, time) indexes by bucketed ones (SCHEMA built those). */
static const char ADDR_INDEX_DROP[] =
    "DROP INDEX IF EXISTS events_src_ts; DROP INDEX IF EXISTS events_dest_ts;"
    "PRAGMA user_version = 8;";

/* Upserts of one accumulated rollup row; %s is the kind's table. */
static const char UPSERT_ROLLUP[] =
    "INSERT INTO %s VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO UPDATE"
    " SET n = n + ?6, min_ts = min(min_ts, ?7), max_ts = max(max_ts, ?8)";

static const char UPSERT_VICTIM[] =
    "INSERT INTO %s VALUES(?1, ?2, ?3) ON CONFLICT DO UPDATE SET n = n + ?3";



/* Events are inserted SQ_ROWS at a time by one statement whose LIMIT (bound last) says
 * how many of its rows are filled: one step per SQ_ROWS events instead of one per
 * event. A single-row INSERT opened and closed a cursor on the table and on each index
 * for every event (statement start and end were 11% of ingest instructions), and a
 * fresh cursor seeks every index from its root; cursors that stay open across rows
 * append to the time-ordered indexes without that seek. OR FAIL rather than the default
 * ABORT: a failed step fails the whole batch (the caller rolls the transaction back), so
 * SQLite need not keep a statement journal to undo just this statement's rows (that
 * journal copied every page the statement touched: 16% of ingest instructions).
 * Each row's strings are copied into that row's own buffer (rowbuf) and bound STATIC:
 * one memcpy per row instead of a malloc per text value. */
static const char INSERT_EVENTS_HEAD[] =
    "INSERT OR FAIL INTO events(received_us, sensor, ts_us, event_type, src_ip, dest_ip,"
    " signature_id, severity, signature, actor, techniques, attack, victim, raw)"
    " SELECT * FROM (VALUES";
static const char INSERT_EVENTS_ROW[] = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static hub_status fail(sq_store *s, const char *what)
{
    hub_log("store: %s: %s", what, sqlite3_errmsg(s->db));
    return HUB_ERR_STORAGE;
}

static hub_status exec(sq_store *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        hub_log("store: %s", err ? err : "exec failed");
        sqlite3_free(err);
        return HUB_ERR_STORAGE;
    }
    return HUB_OK;
}

/* The value of an integer PRAGMA (sql is "PRAGMA name"), -1 when it cannot be read. */
static int pragma_int(sq_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int user_version(sq_store *s)
{
    return pragma_int(s, "PRAGMA user_version");
}

static hub_status migrate(sq_store *s)
{
    if (user_version(s) >= 8)
        return HUB_OK;
    hub_status st = exec(s, "BEGIN IMMEDIATE");
    if (st != HUB_OK)
        return st;
    if (user_version(s) < 6) /* another process may have migrated meanwhile */
        st = exec(s, ROLLUP_BACKFILL);
    if (st == HUB_OK && user_version(s) < 7)
        st = exec(s, MINUTE_BACKFILL);
    if (st == HUB_OK && user_version(s) < 8)
        st = exec(s, ADDR_INDEX_DROP);
    return exec(s, st == HUB_OK ? "COMMIT" : "ROLLBACK") == HUB_OK ? st : HUB_ERR_STORAGE;
}

static bool prepare_rollups(sq_store *s)
{
    for (int k = 0; k < HUB_ROLLUP_KINDS; k++) {
        char sql[256];
        snprintf(sql, sizeof sql, HUB_ROLLUP_IS_VICTIM(k) ? UPSERT_VICTIM : UPSERT_ROLLUP,
                 hub_rollup_table(k));
        if (sqlite3_prepare_v2(s->db, sql, -1, &s->ins_rollup[k], NULL) != SQLITE_OK)
            return false;
    }
    return true;
}

static bool prepare_insert(sq_store *s)
{
    size_t row = sizeof INSERT_EVENTS_ROW, len = sizeof INSERT_EVENTS_HEAD + SQ_ROWS * row + 16;
    char *sql = malloc(len), *p = sql;
    if (!sql)
        return false;
    p += sprintf(p, "%s", INSERT_EVENTS_HEAD);
    for (int r = 0; r < SQ_ROWS; r++)
        p += sprintf(p, "%s%s", r ? "," : "", INSERT_EVENTS_ROW);
    sprintf(p, ") LIMIT ?");
    bool ok = sqlite3_prepare_v2(s->db, sql, -1, &s->ins_events, NULL) == SQLITE_OK;
    free(sql);
    return ok;
}

/* SQLite's memory statistics take a global mutex on every allocation (two lock pairs
 * per inserted event, 3% of ingest instructions); the hub never reads them. This only
 * works before SQLite initializes, hence once, before the first open. */
static void sqlite_global_config(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

hub_status sq_open(const char *path, sq_store **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_global_config);
    sq_store *s = calloc(1, sizeof *s);
    if (!s)
        return HUB_ERR_NOMEM;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        hub_log("store: cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "?");
        sq_close(s);
        return HUB_ERR_STORAGE;
    }
    sqlite3_busy_timeout(s->db, 10000);
    /* FULL: a returned COMMIT is fsync'd (the 2xx promise). A 64 MiB page cache keeps the
     * hot index pages of a batch in memory; checkpoints every 32 MiB of WAL instead of
     * 4 MiB cost fewer pauses under sustained ingest; the WAL file is trimmed back to
     * 64 MiB after a checkpoint so a burst does not leave it large. 16 KiB pages (new
     * databases only: an existing file keeps its size) quarter the pages, page writes
     * and reads of an insert: an import of 18,080 events into 1 M made 3,038 page
     * writes and 1,044 reads against 11,388 and 3,794 with 4 KiB, and took 12.7-13.8
     * us/event of user CPU against 17.7-19.4 (load 17). */
    hub_status st = exec(s, "PRAGMA page_size=16384;"
                            " PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                            " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                            " PRAGMA journal_size_limit=67108864;");
    int page = pragma_int(s, "PRAGMA page_size"); /* the autocheckpoint counts pages */
    s->ckpt_pages = (HUB_CKPT_MB << 20) / (page > 0 ? page : 4096);
    if (st == HUB_OK)
        sqlite3_wal_autocheckpoint(s->db, s->ckpt_pages);
    if (st == HUB_OK)
        st = exec(s, SCHEMA);
    if (st == HUB_OK)
        st = migrate(s);
    if (st == HUB_OK && (!prepare_insert(s) || !prepare_rollups(s)))
        st = fail(s, "prepare insert");
    if (st != HUB_OK) {
        sq_close(s);
        return st;
    }
    *out = s;
    return HUB_OK;
}

void sq_close(sq_store *s)
{
    if (!s)
        return;
    sq_ckpt_stop(s->ckpt);
    hub_rollup_clear(&s->acc);
    sqlite3_finalize(s->ins_events);
    for (int r = 0; r < SQ_ROWS; r++)
        free(s->rowbuf[r]);
    for (int k = 0; k < HUB_ROLLUP_KINDS; k++)
        sqlite3_finalize(s->ins_rollup[k]);
    for (int i = 0; i < SQ_STMT_CACHE; i++) {
        sqlite3_finalize(s->cache[i].st);
        free(s->cache[i].sql);
    }
    sqlite3_close(s->db);
    free(s);
}

/* ---- small statement helpers ------------------------------------------------------ */

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Runs a one-shot statement with up to four text bindings; returns the step result. */
static int run_simple(sq_store *s, const char *sql, const char *a, const char *b,
                      const char *c, int64_t n)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    int np = sqlite3_bind_parameter_count(st);
    const char *vals[3] = {a, b, c};
    for (int i = 0; i < np && i < 3; i++)
        bind_text(st, i + 1, vals[i]);
    if (np == 4)
        sqlite3_bind_int64(st, 4, n);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc;
}

/* ---- tokens ---------------------------------------------------------------------- */

hub_status sq_token_add(sq_store *s, const char *name, hub_role role,
                               const char *hash_hex)
{
    int rc = run_simple(s,
                        "INSERT INTO tokens(name, role, hash, created_us) VALUES(?,?,?,?)",
                        name, hub_role_name(role), hash_hex, hub_now_us());
    if (rc == SQLITE_DONE)
        return HUB_OK;
    if (rc == SQLITE_CONSTRAINT)
        return HUB_ERR_EXISTS;
    return fail(s, "token add");
}

hub_status sq_token_revoke(sq_store *s, const char *name)
{
    int rc = run_simple(s, "UPDATE tokens SET revoked = 1 WHERE name = ?", name, NULL, NULL,
                        0);
    if (rc != SQLITE_DONE)
        return fail(s, "token revoke");
    return sqlite3_changes(s->db) > 0 ? HUB_OK : HUB_ERR_NOTFOUND;
}

hub_status sq_token_lookup(sq_store *s, const char *hash_hex, char *name_out,
                                  size_t name_len, hub_role *role_out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT name, role, hash FROM tokens "
                                  "WHERE hash = ? AND revoked = 0",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "token lookup");
    bind_text(st, 1, hash_hex);
    hub_status res = HUB_ERR_NOTFOUND;
    int rc = sqlite3_step(st);
    const char *stored = rc == SQLITE_ROW ? col_text(st, 2) : NULL;
    /* The index lookup is on a SHA-256 the client cannot steer, so it leaks nothing
     * useful; the final equality check is still constant-time as policy. */
    if (stored && strlen(stored) == strlen(hash_hex) &&
        CRYPTO_memcmp(stored, hash_hex, strlen(hash_hex)) == 0) {
        snprintf(name_out, name_len, "%s", col_text(st, 0));
        *role_out = hub_role_parse(col_text(st, 1));
        res = HUB_OK;
    } else if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        res = fail(s, "token lookup");
    }
    sqlite3_finalize(st);
    return res;
}

hub_status sq_token_list(sq_store *s, hub_token_cb cb, void *ud)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT name, role, created_us, revoked FROM tokens "
                                  "ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "token list");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(col_text(st, 0), hub_role_parse(col_text(st, 1)), sqlite3_column_int64(st, 2),
               sqlite3_column_int(st, 3) != 0, ud))
            break;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? HUB_OK : fail(s, "token list");
}

/* ---- batches --------------------------------------------------------------------- */

static int wal_length(void *ud, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    ((sq_store *)ud)->wal_pages = pages;
    return SQLITE_OK;
}

/* Handles that share the process's write lock (the server's writer and pool) do not
 * checkpoint inside COMMIT as the autocheckpoint does: copying 32 MiB of WAL into the
 * database and its fsync (up to 1.4 s seen on this shared disk) would hold the batch's
 * reply and every other sensor's batch behind the lock. They hand it to a checkpoint
 * thread (sqlite_ckpt.c). Called under the write lock: the handle may be the server's
 * single writer, which the next batch's thread uses as soon as the lock is released.
 * Only when that thread cannot run does the writer checkpoint (PASSIVE) itself. */
static void checkpoint_if_long(sq_store *s)
{
    if (!s->write_mu || s->wal_pages < s->ckpt_pages)
        return;
    int pages = s->wal_pages;
    s->wal_pages = 0;
    if (!s->ckpt)
        s->ckpt = sq_ckpt_start(sqlite3_db_filename(s->db, "main"), s->ckpt_pages,
                                s->write_mu);
    if (!s->ckpt || !sq_ckpt_kick(s->ckpt, pages))
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

void sq_share_write_lock(sq_store *s, pthread_mutex_t *mu)
{
    s->write_mu = mu;
    if (mu) /* sq_commit checkpoints, once the lock is released */
        sqlite3_wal_hook(s->db, wal_length, s);
}

static void write_done(sq_store *s)
{
    bool held = s->writing;
    s->writing = false; /* before the unlock: the next holder sets it again */
    if (held && s->write_mu)
        pthread_mutex_unlock(s->write_mu);
}

hub_status sq_begin(sq_store *s)
{
    if (s->write_mu) /* before touching s: the server's writer is shared by threads */
        pthread_mutex_lock(s->write_mu);
    assert(!s->writing);
    s->writing = true;
    /* IMMEDIATE takes the database write lock now, so the idempotency check that
     * follows and the inserts see one consistent state (other processes included). */
    hub_status st = exec(s, "BEGIN IMMEDIATE");
    if (st != HUB_OK)
        write_done(s);
    return st;
}

static hub_status event_flush(sq_store *s);
static void rows_release(sq_store *s);

/* SQLite's commit is durable when it returns: no early commits. */
hub_status sq_durable(sq_store *s, const hub_commit_mark *mark)
{
    (void)s;
    (void)mark;
    return HUB_OK;
}

hub_status sq_commit(sq_store *s, hub_commit_mark *mark)
{
    if (mark)
        mark->pending = false;
    hub_status st = event_flush(s);
    if (st == HUB_OK)
        st = rollup_flush(s);
    if (st == HUB_OK)
        st = exec(s, "COMMIT");
    if (st != HUB_OK) {
        sq_rollback(s); /* releases the lock: s is not to be touched after */
        return st;
    }
    checkpoint_if_long(s);
    write_done(s);
    return st;
}

void sq_rollback(sq_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        exec(s, "ROLLBACK");
    rows_release(s);
    hub_rollup_clear(&s->acc);
    write_done(s);
}

static int acc_write(sq_store *s, const hub_rollup_row *a)
{
    sqlite3_stmt *st = s->ins_rollup[a->kind];
    sqlite3_bind_int64(st, 1, a->period);
    const char *parts[4];
    int nparts = hub_rollup_parts(a, parts);
    for (int k = 0; k < nparts; k++)
        sqlite3_bind_text(st, 2 + k, parts[k], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2 + nparts, a->n);
    if (!HUB_ROLLUP_IS_VICTIM(a->kind)) {
        sqlite3_bind_int64(st, 7, a->min_ts);
        sqlite3_bind_int64(st, 8, a->max_ts);
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

/* Writes the accumulated rows; called just before COMMIT. */
static hub_status rollup_flush(sq_store *s)
{
    for (size_t i = 0; i < s->acc.cap; i++)
        if (s->acc.tab[i].key && acc_write(s, &s->acc.tab[i]) != SQLITE_DONE)
            return fail(s, "rollup");
    hub_rollup_clear(&s->acc);
    return HUB_OK;
}

/* Forgets the pending rows: drops the bindings (they point into the row buffers) and
 * frees the buffers that one long line grew (lines go up to 1 MiB, and every pooled
 * handle has SQ_ROWS buffers: kept, a few long lines would pin that memory). */
static void rows_release(sq_store *s)
{
    sqlite3_clear_bindings(s->ins_events);
    for (int r = 0; r < s->pending; r++) {
        if (s->rowcap[r] > SQ_ROWBUF_KEEP) {
            free(s->rowbuf[r]);
            s->rowbuf[r] = NULL;
            s->rowcap[r] = 0;
        }
    }
    s->pending = 0;
}

/* Inserts the rows bound so far (called when the statement is full and at commit). */
static hub_status event_flush(sq_store *s)
{
    if (s->pending == 0)
        return HUB_OK;
    sqlite3_stmt *st = s->ins_events;
    sqlite3_bind_int(st, SQ_ROWS * SQ_COLS + 1, s->pending);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    rows_release(s);
    return rc == SQLITE_DONE ? HUB_OK : fail(s, "event insert");
}

/* Copies the strings of one event into row slot r's buffer (grown as needed; a slot is
 * only rewritten once its previous row is inserted); v[] gets the copies. */
static bool row_copy(sq_store *s, int r, const char *const src[], const size_t len[],
                     int n, const char *v[])
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += src[i] ? len[i] + 1 : 0;
    if (total > s->rowcap[r]) {
        char *p = realloc(s->rowbuf[r], total);
        if (!p)
            return false;
        s->rowbuf[r] = p;
        s->rowcap[r] = total;
    }
    char *p = s->rowbuf[r];
    for (int i = 0; i < n; i++) {
        v[i] = NULL;
        if (!src[i])
            continue;
        memcpy(p, src[i], len[i]);
        p[len[i]] = '\0';
        v[i] = p;
        p += len[i] + 1;
    }
    return true;
}

static void bind_int_or_null(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Binds one event as row s->pending of ins_events, from copies in that row's buffer:
 * callers may free their line before the row is inserted. Column order is INSERT's. */
static bool event_bind(sq_store *s, const char *sensor, int64_t received_us,
                       const hub_event_fields *f)
{
    enum { N = 10 };
    const char *src[N] = {sensor,   f->event_type, f->src_ip,     f->dest_ip, f->signature,
                          f->actor, f->techniques, f->attack,     f->victim,  f->raw};
    static const int col[N] = {2, 4, 5, 6, 9, 10, 11, 12, 13, 14};
    size_t len[N];
    for (int i = 0; i < N; i++)
        len[i] = !src[i] ? 0 : i == N - 1 ? f->raw_len : strlen(src[i]);
    const char *v[N];
    if (!row_copy(s, s->pending, src, len, N, v))
        return false;
    sqlite3_stmt *st = s->ins_events;
    int b = s->pending * SQ_COLS;
    for (int i = 0; i < N; i++) {
        if (v[i])
            sqlite3_bind_text(st, b + col[i], v[i], (int)len[i], SQLITE_STATIC);
        else
            sqlite3_bind_null(st, b + col[i]);
    }
    sqlite3_bind_int64(st, b + 1, received_us);
    sqlite3_bind_int64(st, b + 3, f->ts_us);
    bind_int_or_null(st, b + 7, f->signature_id);
    bind_int_or_null(st, b + 8, f->severity);
    return true;
}

/* Only valid inside begin/commit: the row is written at the latest by the commit. */
hub_status sq_event_add(sq_store *s, const char *sensor, int64_t received_us,
                        const hub_event_fields *f)
{
    if (!event_bind(s, sensor, received_us, f))
        return HUB_ERR_NOMEM;
    if (++s->pending == SQ_ROWS) {
        hub_status st = event_flush(s);
        if (st != HUB_OK)
            return st;
    }
    return hub_rollup_event(&s->acc, sensor, f);
}

hub_status sq_idem_get(sq_store *s, const char *scope, const char *key,
                              char **reply_out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT reply FROM idempotency WHERE scope = ? AND key = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "idempotency get");
    bind_text(st, 1, scope);
    bind_text(st, 2, key);
    hub_status res = HUB_ERR_NOTFOUND;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *reply_out = strdup(col_text(st, 0));
        res = *reply_out ? HUB_OK : HUB_ERR_NOMEM;
    } else if (rc != SQLITE_DONE) {
        res = fail(s, "idempotency get");
    }
    sqlite3_finalize(st);
    return res;
}

hub_status sq_idem_put(sq_store *s, const char *scope, const char *key,
                              const char *reply)
{
    int rc = run_simple(s,
                        "INSERT INTO idempotency(scope, key, reply, created_us) "
                        "VALUES(?,?,?,?)",
                        scope, key, reply, hub_now_us());
    return rc == SQLITE_DONE ? HUB_OK : fail(s, "idempotency put");
}

hub_status sq_idem_prune(sq_store *s, int64_t before_us, int64_t *removed)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM idempotency WHERE created_us < ?", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "idempotency prune");
    sqlite3_bind_int64(st, 1, before_us);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    *removed = sqlite3_changes(s->db);
    return rc == SQLITE_DONE ? HUB_OK : fail(s, "idempotency prune");
}

hub_status sq_idem_claim(sq_store *s, const char *scope, const char *const *keys, size_t n,
                        bool *fresh)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO idempotency(scope, key, reply, created_us)"
                           " VALUES(?, ?, '', ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "idempotency claim");
    int64_t now = hub_now_us();
    int rc = SQLITE_DONE;
    for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
        bind_text(st, 1, scope);
        bind_text(st, 2, keys[i]);
        sqlite3_bind_int64(st, 3, now);
        rc = sqlite3_step(st);
        fresh[i] = sqlite3_changes(s->db) > 0;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HUB_OK : fail(s, "idempotency claim");
}

/* Deletes with one bound time value; *changes gets the rows removed. */
static hub_status delete_before(sq_store *s, const char *sql, int64_t v, int64_t *changes)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(s, "retention");
    sqlite3_bind_int64(st, 1, v);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    *changes += sqlite3_changes(s->db);
    return rc == SQLITE_DONE ? HUB_OK : fail(s, "retention");
}

hub_status sq_retain(sq_store *s, int64_t before_us, int64_t *dropped)
{
    int64_t day = before_us / HUB_DAY_US * HUB_DAY_US, rollups = 0;
    *dropped = 0;
    hub_status st = sq_begin(s);
    if (st != HUB_OK)
        return st;
    st = delete_before(s, "DELETE FROM events WHERE ts_us < ?", day, dropped);
    if (st == HUB_OK)
        st = delete_before(s, "DELETE FROM rollup WHERE hour < ?", day / HUB_HOUR_US, &rollups);
    if (st == HUB_OK)
        st = delete_before(s, "DELETE FROM victim_rollup WHERE hour < ?", day / HUB_HOUR_US,
                           &rollups);
    if (st == HUB_OK)
        st = delete_before(s, "DELETE FROM rollup_minute WHERE minute < ?",
                           day / HUB_MINUTE_US, &rollups);
    if (st == HUB_OK)
        st = delete_before(s, "DELETE FROM victim_rollup_minute WHERE minute < ?",
                           day / HUB_MINUTE_US, &rollups);
    if (st != HUB_OK) {
        sq_rollback(s);
        return st;
    }
    return sq_commit(s, NULL);
}

/* ---- reads ----------------------------------------------------------------------- */

static void sql_bind(const hub_sql *q, sqlite3_stmt *st)
{
    for (int i = 0; i < q->nargs; i++) {
        if (q->args[i].is_text)
            sqlite3_bind_text(st, i + 1, q->args[i].text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, i + 1, q->args[i].num);
    }
}

static hub_status sql_prepare(sq_store *s, hub_sql *q, sqlite3_stmt **out)
{
    char *sql = hub_buf_take(&q->sql);
    if (!sql)
        return HUB_ERR_NOMEM;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, out, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return fail(s, "prepare query");
    sql_bind(q, *out);
    return HUB_OK;
}

static void row_from_stmt(sqlite3_stmt *st, hub_event_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->received_us = sqlite3_column_int64(st, 1);
    r->sensor = col_text(st, 2);
    r->f.ts_us = sqlite3_column_int64(st, 3);
    r->f.event_type = col_text(st, 4);
    r->f.src_ip = col_text(st, 5);
    r->f.dest_ip = col_text(st, 6);
    r->f.signature_id = sqlite3_column_int64(st, 7);
    r->f.severity = sqlite3_column_int(st, 8);
    r->f.signature = col_text(st, 9);
    r->f.actor = col_text(st, 10);
    r->f.techniques = col_text(st, 11);
    r->f.attack = col_text(st, 12);
    r->f.victim = col_text(st, 13);
    r->f.raw = col_text(st, 14);
    r->f.raw_len = (size_t)sqlite3_column_bytes(st, 14);
}

/* The prepared statement for q's text, from the handle's cache or prepared now (and
 * cached, replacing the oldest entry), with q's values bound. Parsing and planning a
 * query costs more than running many of them: the incidents page runs the same
 * per-(actor, victim) search up to `limit` times with other values bound, and the
 * prepares were 45% of its instructions (callgrind, incidents?limit=200 on 10 M
 * events). Statements are reset after each use (sql_run), so a cached one holds no
 * read snapshot that would keep checkpoints from finishing. */
static hub_status stmt_get(sq_store *s, hub_sql *q, sqlite3_stmt **out)
{
    char *sql = hub_buf_take(&q->sql);
    if (!sql)
        return HUB_ERR_NOMEM;
    for (int i = 0; i < SQ_STMT_CACHE; i++) {
        sq_cached_stmt *c = &s->cache[i];
        /* busy: a row callback running a query of the same text inside this one */
        if (c->sql && !sqlite3_stmt_busy(c->st) && strcmp(c->sql, sql) == 0) {
            free(sql);
            *out = c->st;
            sql_bind(q, *out);
            return HUB_OK;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        free(sql);
        return fail(s, "prepare query");
    }
    sq_cached_stmt *slot = NULL; /* the next slot not in use by an outer query */
    for (int i = 0; i < SQ_STMT_CACHE && !slot; i++) {
        sq_cached_stmt *c = &s->cache[s->cache_next++ % SQ_STMT_CACHE];
        if (!c->st || !sqlite3_stmt_busy(c->st))
            slot = c;
    }
    if (slot) {
        sqlite3_finalize(slot->st);
        free(slot->sql);
        *slot = (sq_cached_stmt){sql, st};
    } else {
        free(sql); /* all in use: this one is finalized after its run (stmt_done) */
    }
    sql_bind(q, st);
    *out = st;
    return HUB_OK;
}

/* After a run: a cached statement is reset for its next use (or dropped after an
 * error, so that use prepares it afresh); one that did not fit the cache finalized. */
static void stmt_done(sq_store *s, sqlite3_stmt *st, bool failed)
{
    for (int i = 0; i < SQ_STMT_CACHE; i++) {
        if (s->cache[i].st != st)
            continue;
        if (!failed) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st); /* they point into the caller's arguments */
            return;
        }
        free(s->cache[i].sql);
        s->cache[i] = (sq_cached_stmt){NULL, NULL};
    }
    sqlite3_finalize(st);
}

/* Steps q's (cached) statement and hands each row to `row` (which returns non-zero to
 * stop). */
static hub_status sql_run(sq_store *s, hub_sql *q, int (*row)(sqlite3_stmt *, void *),
                          void *ud, const char *what)
{
    sqlite3_stmt *st = NULL;
    hub_status res = stmt_get(s, q, &st);
    if (res != HUB_OK)
        return res;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (row(st, ud))
            break;
    bool failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    if (failed)
        res = fail(s, what);
    stmt_done(s, st, failed);
    return res;
}

typedef struct {
    hub_event_cb cb;
    hub_count_cb count_cb;
    void *ud;
    int64_t *out[3];
} row_ctx;

static int event_row(sqlite3_stmt *st, void *ud)
{
    row_ctx *c = ud;
    hub_event_row row;
    row_from_stmt(st, &row);
    return c->cb(&row, c->ud);
}

/* A search on an address, walked one time bucket at a time (see SCHEMA): what the
 * buckets so far handed on, and whether the caller asked to stop. */
typedef struct {
    hub_event_cb cb;
    void *ud;
    unsigned rows, limit;
    bool stop;
} bucket_ctx;

static int bucket_row(sqlite3_stmt *st, void *ud)
{
    bucket_ctx *c = ud;
    hub_event_row row;
    row_from_stmt(st, &row);
    c->rows++;
    c->stop = c->cb(&row, c->ud) != 0 || (c->limit && c->rows >= c->limit);
    return c->stop;
}

/* The newest event time in [lo, below), if any: one seek of events_ts. *st is prepared
 * on first use and kept for the next call (the caller finalizes it). */
static hub_status newest_below(sq_store *s, sqlite3_stmt **st, int64_t lo, int64_t below,
                               int64_t *ts, bool *any)
{
    if (!*st && sqlite3_prepare_v2(s->db, "SELECT max(ts_us) FROM events WHERE ts_us >= ?"
                                          " AND ts_us < ?",
                                   -1, st, NULL) != SQLITE_OK)
        return fail(s, "prepare query");
    sqlite3_bind_int64(*st, 1, lo);
    sqlite3_bind_int64(*st, 2, below);
    int rc = sqlite3_step(*st);
    *any = rc == SQLITE_ROW && sqlite3_column_type(*st, 0) != SQLITE_NULL;
    *ts = sqlite3_column_int64(*st, 0);
    sqlite3_reset(*st);
    return rc == SQLITE_ROW ? HUB_OK : fail(s, "query events");
}

/* Steps one bucket's query (prepared on the first bucket: the text is the same for
 * every bucket, only the bounds bound to it change). */
static hub_status bucket_run(sq_store *s, hub_sql *q, sqlite3_stmt **st, bucket_ctx *c)
{
    if (!*st) {
        hub_status res = sql_prepare(s, q, st);
        if (res != HUB_OK)
            return res;
    } else {
        hub_buf_free(&q->sql);
        sqlite3_reset(*st);
        sql_bind(q, *st);
    }
    int rc;
    while ((rc = sqlite3_step(*st)) == SQLITE_ROW)
        if (bucket_row(*st, c))
            break;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? HUB_OK : fail(s, "query events");
}

/* Newest first on an address, within event times [lo, hi]: bucket by bucket from the
 * newest that holds events, each bucket's events in (time, id) order straight from the
 * index, until the limit is reached, so a busy address costs a few buckets and an
 * unknown one two seeks per bucket holding events (empty stretches are jumped over).
 * One query over all buckets would have to sort every event of the address first. */
static hub_status events_by_bucket(sq_store *s, const hub_event_filter *flt, int64_t lo,
                                   int64_t hi, sqlite3_stmt **below, hub_event_cb cb,
                                   void *ud)
{
    bucket_ctx c = {.cb = cb, .ud = ud, .limit = flt->limit};
    sqlite3_stmt *st = NULL;
    int64_t ts = hi;
    bool any = true;
    hub_status res = HUB_OK;
    while (res == HUB_OK && any && !c.stop) {
        int64_t k = ts / HUB_ADDR_BUCKET_US, floor = HUB_ADDR_BUCKET_FLOOR(k);
        int64_t top = k >= 0 ? (k + 1) * HUB_ADDR_BUCKET_US : k * HUB_ADDR_BUCKET_US + 1;
        hub_event_filter f = *flt; /* the bucket's span within [lo, hi]; the limit stays
                                    * in the text, bucket_row stops at what is left */
        f.has_since = f.has_until = true;
        f.since_us = floor > lo ? floor : lo;
        f.until_us = top < hi + 1 ? top : hi + 1;
        hub_sql q = {.dialect = HUB_SQL_SQLITE};
        hub_sql_events(&q, &f);
        res = bucket_run(s, &q, &st, &c);
        any = false;
        if (res == HUB_OK && floor > lo)
            res = newest_below(s, below, lo, floor, &ts, &any);
    }
    sqlite3_finalize(st);
    return res;
}

hub_status sq_events(sq_store *s, const hub_event_filter *flt, hub_event_cb cb,
                            void *ud)
{
    if ((flt->src_ip || flt->dest_ip) && flt->order == HUB_ORDER_NEWEST) {
        int64_t lo, hi, newest;
        hub_sql_time_bounds(flt, &lo, &hi);
        bool any;
        sqlite3_stmt *below = NULL;
        hub_status st = newest_below(s, &below, lo, hi, &newest, &any);
        if (st == HUB_OK && any)
            st = events_by_bucket(s, flt, lo, newest, &below, cb, ud);
        sqlite3_finalize(below);
        return st;
    }
    hub_sql q = {.dialect = HUB_SQL_SQLITE};
    hub_sql_events(&q, flt);
    row_ctx c = {.cb = cb, .ud = ud};
    return sql_run(s, &q, event_row, &c, "query events");
}

/* One read per pair: SQLite runs in this process, so a query costs no round trip, and
 * each is the index range walk the batched PostgreSQL query makes. */
hub_status sq_pair_events(sq_store *s, const hub_event_filter *flt, const hub_pair_read *pairs,
                          size_t n, unsigned per_pair, hub_pair_cb cb, void *ud)
{
    hub_status st = HUB_OK;
    for (size_t i = 0; i < n && st == HUB_OK; i++) {
        hub_event_filter f = hub_pair_filter(flt, &pairs[i], per_pair);
        hub_pair_one one = {cb, ud, i};
        st = sq_events(s, &f, hub_pair_row, &one);
    }
    return st;
}

static int count_row(sqlite3_stmt *st, void *ud)
{
    row_ctx *c = ud;
    return c->count_cb(col_text(st, 0), sqlite3_column_int64(st, 1), c->ud);
}

hub_status sq_count_by(sq_store *s, const hub_event_filter *flt, hub_dim dim,
                              unsigned limit, hub_count_cb cb, void *ud)
{
    hub_sql q = {.dialect = HUB_SQL_SQLITE};
    hub_sql_count_by(&q, flt, dim, limit);
    row_ctx c = {.count_cb = cb, .ud = ud};
    return sql_run(s, &q, count_row, &c, "count");
}

static int range_row(sqlite3_stmt *st, void *ud)
{
    row_ctx *c = ud;
    for (int i = 0; i < 3; i++)
        *c->out[i] = sqlite3_column_int64(st, i);
    return 1;
}

hub_status sq_time_range(sq_store *s, const hub_event_filter *flt, int64_t *count,
                                int64_t *first_us, int64_t *last_us)
{
    hub_sql q = {.dialect = HUB_SQL_SQLITE};
    hub_sql_time_range(&q, flt);
    *count = *first_us = *last_us = 0;
    row_ctx c = {.out = {count, first_us, last_us}};
    return sql_run(s, &q, range_row, &c, "count");
}
