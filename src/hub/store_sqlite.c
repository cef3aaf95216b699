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
 * one only with a query that needs it. An hourly rollup table answers summaries.
 *
 * Durability: WAL mode with synchronous=FULL, so a COMMIT that returned has been fsync'd
 * to the WAL; that is what lets the HTTP layer promise "2xx means durable". busy_timeout
 * lets several handles (the server's pool) share the file; SQLite serializes writers.
 *
 * All SQL is parameterized: filter values are bound, never spliced into the text. The
 * only text that varies is the fixed column names and operators chosen below.
 */
#include "store.h"

#include <assert.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_US INT64_C(3600000000)

/* One rollup row being accumulated in the current transaction. `key` holds the four
 * strings back to back, NUL-separated, so one allocation and one memcmp identify it. */
typedef struct {
    int64_t hour, n, min_ts, max_ts;
    uint32_t hash;
    size_t key_len;
    char *key;
    int kind;
} rollup_acc;

enum { ROLLUP_MAIN, ROLLUP_VICTIM };

struct hub_store {
    sqlite3 *db;
    sqlite3_stmt *ins_event;
    sqlite3_stmt *ins_rollup;
    sqlite3_stmt *ins_victim;
    pthread_mutex_t *write_mu; /* shared with the other handles of this process, or NULL */
    bool writing;              /* between begin and commit/rollback */
    rollup_acc *acc;           /* open-addressed table, rows of this transaction */
    size_t acc_cap, acc_used;
};

static void acc_clear(hub_store *s);
static hub_status rollup_flush(hub_store *s);

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
    "CREATE INDEX IF NOT EXISTS events_src_ts ON events(src_ip, ts_us);"
    "CREATE INDEX IF NOT EXISTS events_dest_ts ON events(dest_ip, ts_us);"
    "CREATE INDEX IF NOT EXISTS events_sid_ts ON events(signature_id, ts_us)"
    " WHERE signature_id IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS events_actor_ts ON events(actor, ts_us)"
    " WHERE actor IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS events_victim_ts ON events(victim, ts_us)"
    " WHERE victim IS NOT NULL;"
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
    " PRIMARY KEY(hour, victim)) WITHOUT ROWID;";

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

static const char UPSERT_ROLLUP[] =
    "INSERT INTO rollup VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO UPDATE"
    " SET n = n + ?6, min_ts = min(min_ts, ?7), max_ts = max(max_ts, ?8)";

static const char UPSERT_VICTIM[] =
    "INSERT INTO victim_rollup VALUES(?1, ?2, ?3) ON CONFLICT DO UPDATE SET n = n + ?3";



static const char INSERT_EVENT[] =
    "INSERT INTO events(received_us, sensor, ts_us, event_type, src_ip, dest_ip,"
    " signature_id, severity, signature, actor, techniques, attack, victim, raw)"
    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static hub_status fail(hub_store *s, const char *what)
{
    hub_log("store: %s: %s", what, sqlite3_errmsg(s->db));
    return HUB_ERR_STORAGE;
}

static hub_status exec(hub_store *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        hub_log("store: %s", err ? err : "exec failed");
        sqlite3_free(err);
        return HUB_ERR_STORAGE;
    }
    return HUB_OK;
}

static int user_version(hub_store *s)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static hub_status migrate(hub_store *s)
{
    if (user_version(s) >= 6)
        return HUB_OK;
    hub_status st = exec(s, "BEGIN IMMEDIATE");
    if (st != HUB_OK)
        return st;
    if (user_version(s) < 6) /* another process may have migrated meanwhile */
        st = exec(s, ROLLUP_BACKFILL);
    return exec(s, st == HUB_OK ? "COMMIT" : "ROLLBACK") == HUB_OK ? st : HUB_ERR_STORAGE;
}

hub_status hub_store_open(const char *path, hub_store **out)
{
    hub_store *s = calloc(1, sizeof *s);
    if (!s)
        return HUB_ERR_NOMEM;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        hub_log("store: cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "?");
        hub_store_close(s);
        return HUB_ERR_STORAGE;
    }
    sqlite3_busy_timeout(s->db, 10000);
    /* FULL: a returned COMMIT is fsync'd (the 2xx promise). A 64 MiB page cache keeps the
     * hot index pages of a batch in memory; checkpoints every 32 MiB of WAL instead of
     * 4 MiB cost fewer pauses under sustained ingest; the WAL file is trimmed back to
     * 64 MiB after a checkpoint so a burst does not leave it large. */
    hub_status st = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                            " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                            " PRAGMA journal_size_limit=67108864;"
                            " PRAGMA wal_autocheckpoint=8192;");
    if (st == HUB_OK)
        st = exec(s, SCHEMA);
    if (st == HUB_OK)
        st = migrate(s);
    if (st == HUB_OK &&
        (sqlite3_prepare_v2(s->db, INSERT_EVENT, -1, &s->ins_event, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(s->db, UPSERT_ROLLUP, -1, &s->ins_rollup, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(s->db, UPSERT_VICTIM, -1, &s->ins_victim, NULL) != SQLITE_OK))
        st = fail(s, "prepare insert");
    if (st != HUB_OK) {
        hub_store_close(s);
        return st;
    }
    *out = s;
    return HUB_OK;
}

void hub_store_close(hub_store *s)
{
    if (!s)
        return;
    acc_clear(s);
    sqlite3_finalize(s->ins_event);
    sqlite3_finalize(s->ins_rollup);
    sqlite3_finalize(s->ins_victim);
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
static int run_simple(hub_store *s, const char *sql, const char *a, const char *b,
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

hub_status hub_store_token_add(hub_store *s, const char *name, hub_role role,
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

hub_status hub_store_token_revoke(hub_store *s, const char *name)
{
    int rc = run_simple(s, "UPDATE tokens SET revoked = 1 WHERE name = ?", name, NULL, NULL,
                        0);
    if (rc != SQLITE_DONE)
        return fail(s, "token revoke");
    return sqlite3_changes(s->db) > 0 ? HUB_OK : HUB_ERR_NOTFOUND;
}

hub_status hub_store_token_lookup(hub_store *s, const char *hash_hex, char *name_out,
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

hub_status hub_store_token_list(hub_store *s, hub_token_cb cb, void *ud)
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

void hub_store_share_write_lock(hub_store *s, pthread_mutex_t *mu)
{
    s->write_mu = mu;
}

static void write_done(hub_store *s)
{
    if (s->writing && s->write_mu)
        pthread_mutex_unlock(s->write_mu);
    s->writing = false;
}

hub_status hub_store_begin(hub_store *s)
{
    assert(!s->writing);
    if (s->write_mu)
        pthread_mutex_lock(s->write_mu);
    s->writing = true;
    /* IMMEDIATE takes the database write lock now, so the idempotency check that
     * follows and the inserts see one consistent state (other processes included). */
    hub_status st = exec(s, "BEGIN IMMEDIATE");
    if (st != HUB_OK)
        write_done(s);
    return st;
}

hub_status hub_store_commit(hub_store *s)
{
    hub_status st = rollup_flush(s);
    if (st == HUB_OK)
        st = exec(s, "COMMIT");
    if (st != HUB_OK)
        hub_store_rollback(s);
    write_done(s);
    return st;
}

void hub_store_rollback(hub_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        exec(s, "ROLLBACK");
    acc_clear(s);
    write_done(s);
}

/* The rollup counts events per hour, sensor, type, actor and attack, in the same
 * transaction as the events, so summaries over millions of events read a few thousand
 * rollup rows instead of scanning (see rollup_usable). '' stands for "none". Rows are
 * summed in memory during the batch and written once each at commit: a batch of 5,000
 * events touches a few dozen rollup rows, where an upsert per event cost a fifth of the
 * ingest CPU. Victims are kept apart, per hour only (victim_rollup): there can be about
 * as many as alerts, and crossing them with the other dimensions would make the rollup
 * as big as what it summarizes; filtered top-victim queries use the victim index. */
static void acc_clear(hub_store *s)
{
    for (size_t i = 0; i < s->acc_cap; i++)
        free(s->acc[i].key);
    free(s->acc);
    s->acc = NULL;
    s->acc_cap = s->acc_used = 0;
}

static rollup_acc *acc_slot(rollup_acc *tab, size_t cap, const rollup_acc *want)
{
    for (size_t i = want->hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
        rollup_acc *a = &tab[i];
        if (!a->key || (a->hash == want->hash && a->hour == want->hour &&
                        a->kind == want->kind && a->key_len == want->key_len &&
                        memcmp(a->key, want->key, want->key_len) == 0))
            return a;
    }
}

static bool acc_grow(hub_store *s)
{
    size_t cap = s->acc_cap ? s->acc_cap * 2 : 64;
    rollup_acc *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return false;
    for (size_t i = 0; i < s->acc_cap; i++)
        if (s->acc[i].key)
            *acc_slot(tab, cap, &s->acc[i]) = s->acc[i];
    free(s->acc);
    s->acc = tab;
    s->acc_cap = cap;
    return true;
}

/* Adds one event to the accumulator row (kind, period, key parts). */
static hub_status acc_add(hub_store *s, int kind, int64_t period, const char *const *parts,
                          size_t nparts, int64_t ts_us)
{
    char key[1024];
    size_t len = 0;
    for (size_t i = 0; i < nparts; i++) {
        size_t n = strlen(parts[i]) + 1;
        if (len + n > sizeof key)
            return HUB_ERR_LIMIT; /* cannot happen: each part is length-checked upstream */
        memcpy(key + len, parts[i], n);
        len += n;
    }
    uint32_t h = (2166136261u ^ (uint32_t)period) * 16777619u ^ (uint32_t)kind; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)key[i]) * 16777619u;
    if ((s->acc_used + 1) * 10 > s->acc_cap * 7 && !acc_grow(s))
        return HUB_ERR_NOMEM;
    rollup_acc want = {.hour = period, .hash = h, .key_len = len, .key = key, .kind = kind};
    rollup_acc *a = acc_slot(s->acc, s->acc_cap, &want);
    if (!a->key) {
        *a = want;
        if (!(a->key = malloc(len)))
            return HUB_ERR_NOMEM;
        memcpy(a->key, key, len);
        a->min_ts = a->max_ts = ts_us;
        s->acc_used++;
    }
    a->n++;
    a->min_ts = ts_us < a->min_ts ? ts_us : a->min_ts;
    a->max_ts = ts_us > a->max_ts ? ts_us : a->max_ts;
    return HUB_OK;
}

static hub_status rollup_add(hub_store *s, const char *sensor, const hub_event_fields *f)
{
    const char *parts[] = {sensor, f->event_type, f->actor ? f->actor : "",
                           f->attack ? f->attack : ""};
    hub_status st = acc_add(s, ROLLUP_MAIN, f->ts_us / HOUR_US, parts, 4, f->ts_us);
    if (st == HUB_OK && f->victim)
        st = acc_add(s, ROLLUP_VICTIM, f->ts_us / HOUR_US, &f->victim, 1, f->ts_us);
    return st;
}

static int acc_write(hub_store *s, const rollup_acc *a)
{
    sqlite3_stmt *st = a->kind == ROLLUP_MAIN ? s->ins_rollup : s->ins_victim;
    sqlite3_bind_int64(st, 1, a->hour);
    const char *p = a->key;
    int nparts = a->kind == ROLLUP_MAIN ? 4 : 1;
    for (int k = 0; k < nparts; k++, p += strlen(p) + 1)
        sqlite3_bind_text(st, 2 + k, p, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2 + nparts, a->n);
    if (a->kind == ROLLUP_MAIN) {
        sqlite3_bind_int64(st, 7, a->min_ts);
        sqlite3_bind_int64(st, 8, a->max_ts);
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

/* Writes the accumulated rows; called just before COMMIT. */
static hub_status rollup_flush(hub_store *s)
{
    for (size_t i = 0; i < s->acc_cap; i++)
        if (s->acc[i].key && acc_write(s, &s->acc[i]) != SQLITE_DONE)
            return fail(s, "rollup");
    acc_clear(s);
    return HUB_OK;
}

hub_status hub_store_event_add(hub_store *s, const char *sensor, int64_t received_us,
                               const hub_event_fields *f)
{
    sqlite3_stmt *st = s->ins_event;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, received_us);
    bind_text(st, 2, sensor);
    sqlite3_bind_int64(st, 3, f->ts_us);
    bind_text(st, 4, f->event_type);
    bind_text(st, 5, f->src_ip);
    bind_text(st, 6, f->dest_ip);
    if (f->signature_id)
        sqlite3_bind_int64(st, 7, f->signature_id);
    else
        sqlite3_bind_null(st, 7);
    if (f->severity)
        sqlite3_bind_int(st, 8, f->severity);
    else
        sqlite3_bind_null(st, 8);
    bind_text(st, 9, f->signature);
    bind_text(st, 10, f->actor);
    bind_text(st, 11, f->techniques);
    bind_text(st, 12, f->attack);
    bind_text(st, 13, f->victim);
    sqlite3_bind_text(st, 14, f->raw, (int)f->raw_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_clear_bindings(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fail(s, "event insert");
    return rollup_add(s, sensor, f);
}

hub_status hub_store_idem_get(hub_store *s, const char *scope, const char *key,
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

hub_status hub_store_idem_put(hub_store *s, const char *scope, const char *key,
                              const char *reply)
{
    int rc = run_simple(s,
                        "INSERT INTO idempotency(scope, key, reply, created_us) "
                        "VALUES(?,?,?,?)",
                        scope, key, reply, hub_now_us());
    return rc == SQLITE_DONE ? HUB_OK : fail(s, "idempotency put");
}

hub_status hub_store_idem_prune(hub_store *s, int64_t before_us, int64_t *removed)
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

/* ---- reads ----------------------------------------------------------------------- */

/* A WHERE clause under construction: fixed SQL fragments plus the values to bind. */
typedef struct {
    hub_buf sql;
    struct {
        const char *text;
        int64_t num;
        bool is_text;
    } args[16];
    int nargs;
} where_builder;

static void where_text(where_builder *w, const char *frag, const char *v)
{
    if (!v || w->nargs >= 16)
        return;
    hub_buf_puts(&w->sql, frag);
    w->args[w->nargs].text = v;
    w->args[w->nargs++].is_text = true;
}

static void where_num(where_builder *w, const char *frag, bool on, int64_t v)
{
    if (!on || w->nargs >= 16)
        return;
    hub_buf_puts(&w->sql, frag);
    w->args[w->nargs].num = v;
    w->args[w->nargs++].is_text = false;
}

static void where_build(where_builder *w, const hub_event_filter *f)
{
    hub_buf_puts(&w->sql, " WHERE 1");
    where_text(w, " AND event_type = ?", f->event_type);
    where_text(w, " AND actor = ?", f->actor);
    where_text(w, " AND sensor = ?", f->sensor);
    where_text(w, " AND src_ip = ?", f->src_ip);
    where_text(w, " AND dest_ip = ?", f->dest_ip);
    where_text(w, " AND victim = ?", f->victim);
    where_text(w, " AND instr(raw, ?) > 0", f->q);
    where_num(w, " AND signature_id = ?", f->signature_id != 0, f->signature_id);
    where_num(w, " AND ts_us >= ?", f->has_since, f->since_us);
    where_num(w, " AND ts_us < ?", f->has_until, f->until_us);
    where_num(w, " AND received_us > ?", f->added_after_us != 0, f->added_after_us);
    if (f->has_before && w->nargs + 2 <= 16) {
        where_num(w, " AND (ts_us, id) < (?", true, f->before_ts);
        where_num(w, ", ?)", true, f->before_id);
    }
    where_num(w, " AND id > ?", f->after_id != 0, f->after_id);
    if (f->require_actor)
        hub_buf_puts(&w->sql, " AND actor IS NOT NULL");
    if (f->exportable)
        hub_buf_puts(&w->sql, " AND event_type IN ('alert', 'ddos')");
}

static hub_status where_prepare(hub_store *s, where_builder *w, sqlite3_stmt **out)
{
    char *sql = hub_buf_take(&w->sql);
    if (!sql)
        return HUB_ERR_NOMEM;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, out, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return fail(s, "prepare query");
    for (int i = 0; i < w->nargs; i++) {
        if (w->args[i].is_text)
            sqlite3_bind_text(*out, i + 1, w->args[i].text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(*out, i + 1, w->args[i].num);
    }
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

hub_status hub_store_events(hub_store *s, const hub_event_filter *flt, hub_event_cb cb,
                            void *ud)
{
    where_builder w = {0};
    hub_buf_puts(&w.sql, "SELECT id, received_us, sensor, ts_us, event_type, src_ip, dest_ip,"
                         " signature_id, severity, signature, actor, techniques, attack,"
                         " victim,");
    hub_buf_puts(&w.sql, flt->no_raw ? " NULL FROM events" : " raw FROM events");
    where_build(&w, flt);
    static const char *orders[] = {" ORDER BY ts_us DESC, id DESC", " ORDER BY id ASC"};
    hub_buf_puts(&w.sql, orders[flt->order]);
    if (flt->limit)
        hub_buf_printf(&w.sql, " LIMIT %u", flt->limit);
    sqlite3_stmt *st = NULL;
    hub_status res = where_prepare(s, &w, &st);
    if (res != HUB_OK)
        return res;
    int rc;
    hub_event_row row;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row_from_stmt(st, &row);
        if (cb(&row, ud))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        res = fail(s, "query events");
    sqlite3_finalize(st);
    return res;
}

/* ---- aggregates: from the rollup when the filter allows, else from events ---------- */

/* The rollup answers a filter made only of its own dimensions, with time bounds on whole
 * hours; anything finer (addresses, signature, text, minutes) needs the events table. */
/* An aggregate bounded only by time must walk the time index. Without statistics on
 * how narrow the range is, SQLite prefers walking the index of the grouped column (to
 * skip a sort) and filtering on time, which visits every event ever stored. With an
 * equality filter the (column, time) index is right, so the planner decides. */
static const char *time_hint(const hub_event_filter *f)
{
    bool eq = f->event_type || f->actor || f->sensor || f->src_ip || f->dest_ip ||
              f->victim || f->signature_id;
    return (f->has_since || f->has_until) && !eq ? " INDEXED BY events_ts" : "";
}

/* Top victims over everything (or whole hours) come from victim_rollup. */
static bool victim_rollup_usable(const hub_event_filter *f, hub_dim dim)
{
    return dim == HUB_DIM_VICTIM && !f->event_type && !f->actor && !f->sensor && !f->src_ip &&
           !f->dest_ip && !f->victim && !f->q && !f->signature_id && !f->added_after_us &&
           !f->has_before && !f->after_id && !f->exportable && !f->require_actor &&
           (!f->has_since || f->since_us % HOUR_US == 0) &&
           (!f->has_until || f->until_us % HOUR_US == 0);
}

static bool rollup_usable(const hub_event_filter *f, hub_dim dim)
{
    return !f->src_ip && !f->dest_ip && !f->victim && !f->q && !f->signature_id &&
           !f->added_after_us && dim != HUB_DIM_VICTIM &&
           !f->has_before && !f->after_id && !f->exportable &&
           (!f->has_since || f->since_us % HOUR_US == 0) &&
           (!f->has_until || f->until_us % HOUR_US == 0) && dim != HUB_DIM_MINUTE &&
           dim != HUB_DIM_TECHNIQUES;
}

static void rollup_where(where_builder *w, const hub_event_filter *f)
{
    hub_buf_puts(&w->sql, " WHERE 1");
    where_text(w, " AND event_type = ?", f->event_type);
    where_text(w, " AND actor = ?", f->actor);
    where_text(w, " AND sensor = ?", f->sensor);
    where_num(w, " AND hour >= ?", f->has_since, f->since_us / HOUR_US);
    where_num(w, " AND hour < ?", f->has_until, f->until_us / HOUR_US);
    if (f->require_actor)
        hub_buf_puts(&w->sql, " AND actor != ''");
}

static void rollup_count_sql(where_builder *w, const hub_event_filter *f, hub_dim dim)
{
    static const char *keys[] = {
        [HUB_DIM_ACTOR] = "nullif(actor, '')",
        [HUB_DIM_ATTACK] = "nullif(attack, '')",
        [HUB_DIM_SENSOR] = "sensor",
        [HUB_DIM_HOUR] = "strftime('%Y-%m-%dT%H:00:00Z', hour * 3600, 'unixepoch')",
        [HUB_DIM_EVENT_TYPE] = "event_type",
        [HUB_DIM_DAY] = "strftime('%Y-%m-%dT00:00:00Z', hour * 3600, 'unixepoch')",
    };
    hub_buf_printf(&w->sql, "SELECT %s AS k, sum(n) AS n FROM rollup", keys[dim]);
    rollup_where(w, f);
}

hub_status hub_store_count_by(hub_store *s, const hub_event_filter *flt, hub_dim dim,
                              unsigned limit, hub_count_cb cb, void *ud)
{
    static const char *keys[] = {
        [HUB_DIM_ACTOR] = "actor",
        [HUB_DIM_ATTACK] = "attack",
        [HUB_DIM_SENSOR] = "sensor",
        [HUB_DIM_HOUR] = "strftime('%Y-%m-%dT%H:00:00Z', ts_us / 1000000, 'unixepoch')",
        [HUB_DIM_EVENT_TYPE] = "event_type",
        [HUB_DIM_VICTIM] = "victim",
        [HUB_DIM_TECHNIQUES] = "techniques",
        [HUB_DIM_MINUTE] = "strftime('%Y-%m-%dT%H:%M:00Z', ts_us / 1000000, 'unixepoch')",
        [HUB_DIM_DAY] = "strftime('%Y-%m-%dT00:00:00Z', ts_us / 1000000, 'unixepoch')",
    };
    where_builder w = {0};
    if (victim_rollup_usable(flt, dim)) {
        hub_buf_puts(&w.sql, "SELECT victim AS k, sum(n) AS n FROM victim_rollup WHERE 1");
        where_num(&w, " AND hour >= ?", flt->has_since, flt->since_us / HOUR_US);
        where_num(&w, " AND hour < ?", flt->has_until, flt->until_us / HOUR_US);
    } else if (rollup_usable(flt, dim)) {
        rollup_count_sql(&w, flt, dim);
    } else {
        hub_buf_printf(&w.sql, "SELECT %s AS k, count(*) AS n FROM events", keys[dim]);
        hub_buf_puts(&w.sql, time_hint(flt));
        where_build(&w, flt);
    }
    hub_buf_puts(&w.sql, " AND k IS NOT NULL GROUP BY k");
    bool by_time = dim == HUB_DIM_HOUR || dim == HUB_DIM_MINUTE || dim == HUB_DIM_DAY;
    hub_buf_puts(&w.sql, by_time ? " ORDER BY k" : " ORDER BY n DESC, k");
    if (limit)
        hub_buf_printf(&w.sql, " LIMIT %u", limit);
    sqlite3_stmt *st = NULL;
    hub_status res = where_prepare(s, &w, &st);
    if (res != HUB_OK)
        return res;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(col_text(st, 0), sqlite3_column_int64(st, 1), ud))
            break;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        res = fail(s, "count");
    sqlite3_finalize(st);
    return res;
}

hub_status hub_store_time_range(hub_store *s, const hub_event_filter *flt, int64_t *count,
                                int64_t *first_us, int64_t *last_us)
{
    where_builder w = {0};
    if (rollup_usable(flt, HUB_DIM_HOUR)) {
        hub_buf_puts(&w.sql, "SELECT coalesce(sum(n), 0), min(min_ts), max(max_ts) FROM rollup");
        rollup_where(&w, flt);
    } else {
        hub_buf_puts(&w.sql, "SELECT count(*), min(ts_us), max(ts_us) FROM events");
        hub_buf_puts(&w.sql, time_hint(flt));
        where_build(&w, flt);
    }
    sqlite3_stmt *st = NULL;
    hub_status res = where_prepare(s, &w, &st);
    if (res != HUB_OK)
        return res;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *count = sqlite3_column_int64(st, 0);
        *first_us = sqlite3_column_int64(st, 1);
        *last_us = sqlite3_column_int64(st, 2);
    } else {
        res = fail(s, "count");
    }
    sqlite3_finalize(st);
    return res;
}

hub_status hub_store_count(hub_store *s, const hub_event_filter *flt, int64_t *out)
{
    int64_t a, b;
    return hub_store_time_range(s, flt, out, &a, &b);
}
