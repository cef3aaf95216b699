/*
 * store_sql.c — query text and the rollup accumulator shared by both storage backends.
 *
 * See store_sql.h. Query shapes (and why they are shaped so) are the ones the SQLite
 * backend was tuned with: each filter column has an index on (column, event time), so
 * "col = ? AND time range ORDER BY ts_us DESC, id DESC" is one index range walked in
 * order; aggregates come from the hourly rollup whenever the filter is made only of the
 * rollup's own dimensions on whole hours. PostgreSQL gets the same indexes per partition,
 * except on sensor and addresses, which it finds through event_keys (key_pairs),
 * and plans with real statistics, so it needs no hints.
 */
#include "store_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building ----------------------------------------------------------------------- */

static void add_placeholder(hub_sql *q)
{
    if (q->dialect == HUB_SQL_PG)
        hub_buf_printf(&q->sql, "$%d", q->nargs);
    else
        hub_buf_puts(&q->sql, "?");
}

/* Appends pre, a placeholder bound to v, then post; nothing when v is NULL. */
static void arg_text(hub_sql *q, const char *pre, const char *v, const char *post)
{
    if (!v || q->nargs >= HUB_SQL_MAX_ARGS)
        return;
    hub_buf_puts(&q->sql, pre);
    q->args[q->nargs].text = v;
    q->args[q->nargs++].is_text = true;
    add_placeholder(q);
    hub_buf_puts(&q->sql, post);
}

static void arg_num(hub_sql *q, const char *pre, bool on, int64_t v, const char *post)
{
    if (!on || q->nargs >= HUB_SQL_MAX_ARGS)
        return;
    hub_buf_puts(&q->sql, pre);
    q->args[q->nargs].num = v;
    q->args[q->nargs++].is_text = false;
    add_placeholder(q);
    hub_buf_puts(&q->sql, post);
}

/* SQLite's address indexes lead with the time bucket (store_sqlite.c), so a filter on an
 * address must say which buckets to seek: one when the time range lies in one bucket
 * (each step of a search, sq_events), else every bucket that holds events in the range,
 * found newest first by one seek of events_ts each (the newest event below the last
 * bucket's floor), so a stray timestamp decades away costs one bucket, not every bucket
 * between. The engine then seeks address and time inside each, never walking the index. */
static void addr_buckets(hub_sql *q, const hub_event_filter *f)
{
    if ((!f->src_ip && !f->dest_ip) || q->dialect != HUB_SQL_SQLITE)
        return;
    int64_t lo = f->since_us / HUB_ADDR_BUCKET_US, hi = (f->until_us - 1) / HUB_ADDR_BUCKET_US;
    if (f->has_since && f->has_until && lo == hi) {
        arg_num(q, " AND " HUB_ADDR_BUCKET_SQL " = ", true, lo, "");
        return;
    }
    hub_buf_puts(&q->sql, " AND " HUB_ADDR_BUCKET_SQL " IN (WITH RECURSIVE k(v) AS ("
                          "SELECT (SELECT max(ts_us) FROM events WHERE true");
    arg_num(q, " AND ts_us < ", f->has_until, f->until_us, "");
    arg_num(q, " AND ts_us >= ", f->has_since, f->since_us, "");
    hub_buf_puts(&q->sql, ") / " HUB_ADDR_BUCKET_LIT " UNION ALL SELECT (SELECT max(ts_us)"
                          " FROM events WHERE ts_us < CASE WHEN v > 0 THEN v * "
                          HUB_ADDR_BUCKET_LIT " ELSE (v - 1) * " HUB_ADDR_BUCKET_LIT
                          " + 1 END");
    arg_num(q, " AND ts_us >= ", f->has_since, f->since_us, "");
    hub_buf_puts(&q->sql, ") / " HUB_ADDR_BUCKET_LIT " FROM k WHERE v IS NOT NULL)"
                          " SELECT v FROM k)");
}

const char *hub_sql_event_key(const hub_event_filter *f, hub_key_kind *kind)
{
    *kind = f->src_ip ? HUB_KEY_SRC_IP : f->dest_ip ? HUB_KEY_DEST_IP : HUB_KEY_SENSOR;
    return f->src_ip ? f->src_ip : f->dest_ip ? f->dest_ip : f->sensor;
}

/* The bounds of event time a filter keeps: [*lo, *hi), INT64_MIN / INT64_MAX when open
 * (the newest-first cursor bounds it from above too). */
void hub_sql_time_bounds(const hub_event_filter *f, int64_t *lo, int64_t *hi)
{
    *lo = f->has_since ? f->since_us : INT64_MIN;
    *hi = f->has_until ? f->until_us : INT64_MAX;
    if (f->has_before && f->before_ts < INT64_MAX && f->before_ts + 1 < *hi)
        *hi = f->before_ts + 1;
}

/* PostgreSQL finds events by sensor or address through event_keys (event_keys.c): the
 * (time, id) of the key's events, from the rows of the buckets the time range touches,
 * each one seek of the time index (ts_us, id) and exactly its event; the value is
 * still tested on the row (the cheapest way to keep the other filters' text as it is).
 * One key does it (the most selective: an address before the sensor); the others are
 * tested on the rows. The pairs, as rows (t, i), with `param` the number of the value's
 * parameter, already bound. */
static void key_pairs(hub_sql *q, const hub_event_filter *f, int param)
{
    hub_key_kind kind;
    hub_sql_event_key(f, &kind);
    int64_t lo, hi;
    hub_sql_time_bounds(f, &lo, &hi);
    hub_buf_printf(&q->sql, "SELECT u.t, u.i FROM event_keys, unnest(ts, ids) AS u(t, i)"
                            " WHERE kind = %d AND value = $%d", (int)kind, param);
    arg_num(q, " AND bucket_us >= ", lo != INT64_MIN, hub_key_bucket(lo), "");
    arg_num(q, " AND bucket_us < ", hi != INT64_MAX, hi, "");
}

/* How a query meets the key's pairs: joined (hub_sql_events names them k in its FROM, in
 * the order it reads, so that it stops at its limit) or as a semi-join (aggregates and
 * the pairs' reads, which read all of them). A sensor's pairs are not semi-joined: a
 * sensor holds a large share of the events, and the planner, which estimates ten pairs
 * per event_keys row, took the seek per pair over a better index (a sensor's victims
 * over 40 minutes of 10 M events: 823 ms against 105 by the victim index, EXPLAIN
 * ANALYZE); a sensor's aggregates over whole hours come from the rollups anyway. */
typedef enum { KEYS_SEMI, KEYS_JOINED } key_use;

/* "col = v" for sensor and the addresses; on PostgreSQL the first such filter (the one
 * hub_sql_event_key picks, in this order of calls: src_ip, dest_ip, sensor) also
 * narrows the search through event_keys. */
static void arg_keyed(hub_sql *q, const hub_event_filter *f, const char *col, const char *v,
                      key_use use, bool *keyed)
{
    char pre[64];
    snprintf(pre, sizeof pre, " AND %s = ", col);
    int before = q->nargs;
    arg_text(q, pre, v, "");
    if (q->nargs == before || q->dialect != HUB_SQL_PG || *keyed)
        return;
    *keyed = true;
    hub_key_kind kind;
    hub_sql_event_key(f, &kind);
    if (use == KEYS_SEMI && kind == HUB_KEY_SENSOR)
        return; /* see key_use */
    if (use == KEYS_JOINED) {
        hub_buf_puts(&q->sql, " AND ts_us = k.t AND id = k.i");
        return;
    }
    hub_buf_puts(&q->sql, " AND (ts_us, id) IN (");
    key_pairs(q, f, q->nargs);
    hub_buf_puts(&q->sql, ")");
}

static void where_build(hub_sql *q, const hub_event_filter *f, key_use use)
{
    hub_buf_puts(&q->sql, " WHERE true");
    arg_text(q, " AND event_type = ", f->event_type, "");
    arg_text(q, " AND actor = ", f->actor, "");
    bool keyed = false;
    arg_keyed(q, f, "src_ip", f->src_ip, use, &keyed);
    arg_keyed(q, f, "dest_ip", f->dest_ip, use, &keyed);
    arg_keyed(q, f, "sensor", f->sensor, use, &keyed);
    arg_text(q, " AND victim = ", f->victim, "");
    if (f->victim_none)
        hub_buf_puts(&q->sql, " AND victim IS NULL");
    arg_text(q, q->dialect == HUB_SQL_PG ? " AND strpos(raw, " : " AND instr(raw, ", f->q,
             ") > 0");
    arg_num(q, " AND signature_id = ", f->signature_id != 0, f->signature_id, "");
    arg_num(q, " AND ts_us >= ", f->has_since, f->since_us, "");
    arg_num(q, " AND ts_us < ", f->has_until, f->until_us, "");
    arg_num(q, " AND received_us > ", f->added_after_us != 0, f->added_after_us, "");
    if (f->has_before && q->nargs + 2 <= HUB_SQL_MAX_ARGS) {
        arg_num(q, " AND (ts_us, id) < (", true, f->before_ts, "");
        arg_num(q, ", ", true, f->before_id, ")");
    }
    arg_num(q, " AND id > ", f->after_id != 0, f->after_id, "");
    arg_num(q, " AND id <= ", f->has_max_id, f->max_id, "");
    if (f->require_actor)
        hub_buf_puts(&q->sql, " AND actor IS NOT NULL");
    if (f->exportable)
        hub_buf_puts(&q->sql, " AND event_type IN ('alert', 'ddos')");
    addr_buckets(q, f);
}

static void select_events(hub_sql *q, const hub_event_filter *f)
{
    if (f->lean)
        hub_buf_puts(&q->sql, "SELECT id, NULL, sensor, ts_us, event_type, src_ip, dest_ip,"
                              " NULL, NULL, signature, actor, techniques, NULL, victim, NULL"
                              " FROM events");
    else
        hub_buf_puts(&q->sql, "SELECT id, received_us, sensor, ts_us, event_type, src_ip,"
                              " dest_ip, signature_id, severity, signature, actor, techniques,"
                              " attack, victim, raw FROM events");
}

/* A key's events on PostgreSQL: its pairs in the order of the read, each joined to its
 * event, so the read stops at its limit after as many index seeks as rows it looked at.
 * A value too many (HUB_SQL_MAX_ARGS) leaves the key out: where_build then has no k to
 * join, and the filter on the row alone still holds. */
static bool keys_from(hub_sql *q, const hub_event_filter *f)
{
    hub_key_kind kind;
    const char *value = hub_sql_event_key(f, &kind);
    if (!value || q->dialect != HUB_SQL_PG || q->nargs >= HUB_SQL_MAX_ARGS)
        return false;
    q->args[q->nargs].text = value;
    q->args[q->nargs++].is_text = true;
    hub_buf_puts(&q->sql, "SELECT e.* FROM (");
    key_pairs(q, f, q->nargs);
    hub_buf_puts(&q->sql, f->order == HUB_ORDER_OLDEST ? " ORDER BY 2"
                                                       : " ORDER BY 1 DESC, 2 DESC");
    hub_buf_puts(&q->sql, ") AS k CROSS JOIN LATERAL (");
    return true;
}

void hub_sql_events(hub_sql *q, const hub_event_filter *f)
{
    bool keyed = keys_from(q, f);
    select_events(q, f);
    where_build(q, f, keyed ? KEYS_JOINED : KEYS_SEMI);
    static const char *orders[] = {" ORDER BY ts_us DESC, id DESC", " ORDER BY id ASC"};
    static const char *keyed_orders[] = {") AS e ORDER BY e.ts_us DESC, e.id DESC",
                                         ") AS e ORDER BY e.id ASC"};
    hub_buf_puts(&q->sql, (keyed ? keyed_orders : orders)[f->order]);
    if (f->limit)
        hub_buf_printf(&q->sql, " LIMIT %u", f->limit);
}

hub_event_filter hub_pair_filter(const hub_event_filter *flt, const hub_pair_read *p,
                                 unsigned per_pair)
{
    hub_event_filter f = *flt;
    f.actor = p->actor;
    f.victim = p->victim;
    f.victim_none = !p->victim;
    f.has_before = true;
    f.before_ts = p->before_ts;
    f.before_id = p->before_id;
    f.order = HUB_ORDER_NEWEST;
    f.limit = per_pair;
    return f;
}

int hub_pair_row(const hub_event_row *row, void *ud)
{
    const hub_pair_one *one = ud;
    return one->cb(one->pair, row, one->ud);
}

/* Each pair's rows come from the lateral subquery, the same index range walk as its
 * read alone (events_attr_pair: actor, victim, time), so the query costs the rows it
 * returns plus one index descent per pair. */
void hub_sql_pair_events(hub_sql *q, const hub_event_filter *flt, const char *arrays[4],
                         unsigned per_pair)
{
    hub_event_filter f = *flt;
    f.actor = f.victim = NULL;
    f.victim_none = f.has_before = false;
    arg_text(q, "SELECT e.*, p.i FROM unnest(", arrays[0], "::text[], ");
    arg_text(q, "", arrays[1], "::text[], ");
    arg_text(q, "", arrays[2], "::int8[], ");
    arg_text(q, "", arrays[3], "::int8[]) WITH ORDINALITY AS p(actor, victim, bts, bid, i)"
                               " CROSS JOIN LATERAL (");
    select_events(q, &f);
    where_build(q, &f, KEYS_SEMI);
    hub_buf_printf(&q->sql, " AND actor = p.actor AND victim = p.victim AND (ts_us, id) <"
                            " (p.bts, p.bid) ORDER BY ts_us DESC, id DESC LIMIT %u) AS e"
                            " ORDER BY p.i, e.ts_us DESC, e.id DESC", per_pair);
}

/* ---- aggregates: from the rollups when the filter allows, else from events ---------- */

/* An aggregate bounded only by time must walk the time index. Without statistics on
 * how narrow the range is, SQLite prefers walking the index of the grouped column (to
 * skip a sort) and filtering on time, which visits every event ever stored. With an
 * equality filter the (column, time) index is right, so the planner decides.
 * PostgreSQL has statistics and no hint syntax. */
static const char *time_hint(const hub_sql *q, const hub_event_filter *f)
{
    bool eq = f->event_type || f->actor || f->sensor || f->src_ip || f->dest_ip ||
              f->victim || f->signature_id;
    return q->dialect == HUB_SQL_SQLITE && (f->has_since || f->has_until) && !eq
               ? " INDEXED BY events_ts"
               : "";
}

static bool whole(const hub_event_filter *f, int64_t unit)
{
    return (!f->has_since || f->since_us % unit == 0) &&
           (!f->has_until || f->until_us % unit == 0);
}

/* Top victims come from the victim rollups when nothing but time narrows them. */
static bool victim_rollup_usable(const hub_event_filter *f, hub_dim dim)
{
    return dim == HUB_DIM_VICTIM && !f->event_type && !f->actor && !f->sensor && !f->src_ip &&
           !f->dest_ip && !f->victim && !f->victim_none && !f->q && !f->signature_id &&
           !f->added_after_us && !f->has_before && !f->after_id && !f->exportable &&
           !f->require_actor && whole(f, HUB_MINUTE_US);
}

/* The rollups answer a filter made only of their own dimensions, with time bounds on
 * whole minutes; anything finer (addresses, signature, text, seconds) needs the events
 * table. */
static bool rollup_usable(const hub_event_filter *f, hub_dim dim)
{
    return !f->src_ip && !f->dest_ip && !f->victim && !f->victim_none && !f->q &&
           !f->signature_id &&
           !f->added_after_us && dim != HUB_DIM_VICTIM && !f->has_before && !f->after_id &&
           !f->exportable && whole(f, HUB_MINUTE_US) && dim != HUB_DIM_TECHNIQUES;
}

/* Which rollup rows answer a time range: whole hours from the hourly table, the minutes
 * before the first and after the last whole hour from the per-minute one. So a range
 * of any length costs at most 2 x 59 minute rows per key beside its hour rows, and a
 * summary of 10:30-11:45 reads no events. Bounds absent are open ends. */
typedef struct {
    int kind; /* of the source table */
    bool has_lo, has_hi;
    int64_t lo, hi; /* periods of that table, [lo, hi) */
} rollup_part;

typedef struct {
    rollup_part part[3];
    int n;
} rollup_plan;

static void plan_add(rollup_plan *p, int kind, bool has_lo, int64_t lo, bool has_hi,
                     int64_t hi)
{
    p->part[p->n++] = (rollup_part){kind, has_lo, has_hi, lo, hi};
}

static rollup_plan plan_rollup(const hub_event_filter *f, hub_dim dim, bool victim)
{
    rollup_plan p = {.n = 0};
    int hour = victim ? HUB_ROLLUP_VICTIM : HUB_ROLLUP_MAIN;
    int minute = hour | HUB_ROLLUP_PER_MINUTE;
    int64_t lo = f->since_us / HUB_MINUTE_US, hi = f->until_us / HUB_MINUTE_US;
    if (dim == HUB_DIM_MINUTE) { /* buckets finer than the hourly table */
        plan_add(&p, minute, f->has_since, lo, f->has_until, hi);
        return p;
    }
    if (whole(f, HUB_HOUR_US)) {
        plan_add(&p, hour, f->has_since, lo / 60, f->has_until, hi / 60);
        return p;
    }
    int64_t hlo = (lo + 59) / 60, hhi = hi / 60; /* the whole hours inside */
    if (f->has_since && f->has_until && hlo >= hhi) {
        plan_add(&p, minute, true, lo, true, hi);
        return p;
    }
    plan_add(&p, hour, f->has_since, hlo, f->has_until, hhi);
    if (f->has_since && lo < hlo * 60)
        plan_add(&p, minute, true, lo, true, hlo * 60);
    if (f->has_until && hhi * 60 < hi)
        plan_add(&p, minute, true, hhi * 60, true, hi);
    return p;
}

/* Time bucket labels, "2023-11-14T22:00:00Z", from seconds since the epoch. */
static void time_label(hub_sql *q, hub_dim dim, const char *secs)
{
    static const char *sq[] = {[HUB_DIM_HOUR] = "%Y-%m-%dT%H:00:00Z",
                               [HUB_DIM_MINUTE] = "%Y-%m-%dT%H:%M:00Z",
                               [HUB_DIM_DAY] = "%Y-%m-%dT00:00:00Z"};
    static const char *pg[] = {[HUB_DIM_HOUR] = "YYYY-MM-DD\"T\"HH24\":00:00Z\"",
                               [HUB_DIM_MINUTE] = "YYYY-MM-DD\"T\"HH24:MI\":00Z\"",
                               [HUB_DIM_DAY] = "YYYY-MM-DD\"T00:00:00Z\""};
    if (q->dialect == HUB_SQL_PG) /* the session's TimeZone is UTC (store_pg.c) */
        hub_buf_printf(&q->sql, "to_char(to_timestamp(%s), '%s')", secs, pg[dim]);
    else
        hub_buf_printf(&q->sql, "strftime('%s', %s, 'unixepoch')", sq[dim], secs);
}

static bool is_time_dim(hub_dim dim)
{
    return dim == HUB_DIM_HOUR || dim == HUB_DIM_MINUTE || dim == HUB_DIM_DAY;
}

/* Width of a time dim's buckets in seconds. */
static int64_t bucket_s(hub_dim dim)
{
    return dim == HUB_DIM_MINUTE ? 60 : dim == HUB_DIM_HOUR ? 3600 : 86400;
}

/* The grouped expression for dim, over events (kind < 0) or over a rollup table. For a
 * time dim it is the bucket's number (start / width), an integer: buckets get their text
 * labels after grouping (hub_sql_count_by), once per bucket instead of once per row
 * (the per-minute series of a day sums 60k rollup rows into 1,440 buckets), and when the
 * bucket is the table's own period the key is that bare column, so SQLite groups in
 * primary-key order without sorting. */
static void key_expr(hub_sql *q, hub_dim dim, int kind)
{
    static const char *ev[] = {
        [HUB_DIM_ACTOR] = "actor",           [HUB_DIM_ATTACK] = "attack",
        [HUB_DIM_SENSOR] = "sensor",         [HUB_DIM_EVENT_TYPE] = "event_type",
        [HUB_DIM_VICTIM] = "victim",         [HUB_DIM_TECHNIQUES] = "techniques",
    };
    static const char *ru[] = {
        [HUB_DIM_ACTOR] = "nullif(actor, '')", [HUB_DIM_ATTACK] = "nullif(attack, '')",
        [HUB_DIM_SENSOR] = "sensor",           [HUB_DIM_EVENT_TYPE] = "event_type",
        [HUB_DIM_VICTIM] = "victim",
    };
    if (!is_time_dim(dim)) {
        hub_buf_puts(&q->sql, kind < 0 ? ev[dim] : ru[dim]);
        return;
    }
    int64_t unit_s = kind < 0 ? 0 : HUB_ROLLUP_IS_MINUTE(kind) ? 60 : 3600;
    if (unit_s == 0)
        hub_buf_printf(&q->sql, "ts_us / %lld", (long long)(bucket_s(dim) * 1000000));
    else if (unit_s == bucket_s(dim))
        hub_buf_puts(&q->sql, hub_rollup_period(kind));
    else
        hub_buf_printf(&q->sql, "%s / %lld", hub_rollup_period(kind),
                       (long long)(bucket_s(dim) / unit_s));
}

/* Keys sort (ORDER BY k, and ties of n) in byte order, as under SQLite's default BINARY
 * collation, whatever the PostgreSQL database's locale: both backends must answer alike. */
static const char *key_collate(const hub_sql *q)
{
    return q->dialect == HUB_SQL_PG ? " COLLATE \"C\"" : "";
}

/* One part of a plan: SELECT <cols> FROM <table> WHERE <dimensions and periods>; the
 * columns are k, n when grouped by *dim, else n, min_ts, max_ts. */
static void rollup_part_sql(hub_sql *q, const hub_event_filter *f, const rollup_part *p,
                            const hub_dim *dim)
{
    const char *period = hub_rollup_period(p->kind);
    hub_buf_puts(&q->sql, "SELECT ");
    if (!dim)
        hub_buf_puts(&q->sql, "n, min_ts, max_ts");
    else {
        key_expr(q, *dim, p->kind);
        hub_buf_puts(&q->sql, " AS k, n");
    }
    hub_buf_printf(&q->sql, " FROM %s WHERE true", hub_rollup_table(p->kind));
    arg_text(q, " AND event_type = ", f->event_type, "");
    arg_text(q, " AND actor = ", f->actor, "");
    arg_text(q, " AND sensor = ", f->sensor, "");
    if (p->has_lo)
        hub_buf_printf(&q->sql, " AND %s >= ", period);
    arg_num(q, "", p->has_lo, p->lo, "");
    if (p->has_hi)
        hub_buf_printf(&q->sql, " AND %s < ", period);
    arg_num(q, "", p->has_hi, p->hi, "");
    if (f->require_actor)
        hub_buf_puts(&q->sql, " AND actor != ''");
}

/* The plan's parts as one UNION ALL, the FROM of the outer aggregate. */
static void rollup_from(hub_sql *q, const hub_event_filter *f, const rollup_plan *p,
                        const hub_dim *dim)
{
    hub_buf_puts(&q->sql, " FROM (");
    for (int i = 0; i < p->n; i++) {
        if (i)
            hub_buf_puts(&q->sql, " UNION ALL ");
        rollup_part_sql(q, f, &p->part[i], dim);
    }
    hub_buf_puts(&q->sql, ") AS u");
}

/* An actor's techniques on PostgreSQL: "techniques IS NOT NULL" beside "actor = $1" is
 * estimated as if independent (most events have neither, an actor's events nearly all
 * have both), 40-90 times too few rows, so the planner sorts the actor's events to
 * group them (170-180 ms for 69k, spilled to disk) where hashing them takes 105
 * (EXPLAIN ANALYZE, 10 M events). Grouped first behind OFFSET 0, which keeps the
 * planner from pushing the filter down, the NULL group dropped after: the same rows. */
static bool count_techniques_pg(hub_sql *q, const hub_event_filter *f, hub_dim dim)
{
    if (q->dialect != HUB_SQL_PG || dim != HUB_DIM_TECHNIQUES)
        return false;
    hub_buf_printf(&q->sql, "SELECT k%s AS k, n FROM (SELECT techniques AS k, count(*) AS n"
                            " FROM events", key_collate(q));
    where_build(q, f, KEYS_SEMI);
    hub_buf_puts(&q->sql, " GROUP BY 1 OFFSET 0) AS t WHERE k IS NOT NULL");
    return true;
}

/* SELECT k, n ... GROUP BY 1: the counts per key of dim, unordered. */
static void count_groups(hub_sql *q, const hub_event_filter *f, hub_dim dim)
{
    const char *collate = is_time_dim(dim) ? "" : key_collate(q); /* time keys: integers */
    bool victim = victim_rollup_usable(f, dim);
    if (count_techniques_pg(q, f, dim))
        return;
    if (victim || rollup_usable(f, dim)) {
        rollup_plan p = plan_rollup(f, dim, victim);
        hub_buf_printf(&q->sql, "SELECT k%s AS k, sum(n) AS n", collate);
        rollup_from(q, f, &p, &dim);
        hub_buf_puts(&q->sql, " WHERE k IS NOT NULL");
    } else {
        hub_buf_puts(&q->sql, "SELECT ");
        key_expr(q, dim, -1);
        hub_buf_printf(&q->sql, "%s AS k, count(*) AS n FROM events%s", collate,
                       time_hint(q, f));
        where_build(q, f, KEYS_SEMI);
        hub_buf_puts(&q->sql, " AND (");
        key_expr(q, dim, -1);
        hub_buf_puts(&q->sql, ") IS NOT NULL");
    }
    hub_buf_puts(&q->sql, " GROUP BY 1");
}

void hub_sql_count_by(hub_sql *q, const hub_event_filter *f, hub_dim dim, unsigned limit)
{
    if (is_time_dim(dim)) { /* label each bucket, in time order */
        char start[40];
        snprintf(start, sizeof start, "g.k * %lld", (long long)bucket_s(dim));
        hub_buf_puts(&q->sql, "SELECT ");
        time_label(q, dim, start);
        hub_buf_puts(&q->sql, " AS k, n FROM (");
        count_groups(q, f, dim);
        hub_buf_puts(&q->sql, ") AS g ORDER BY g.k");
    } else {
        count_groups(q, f, dim);
        hub_buf_puts(&q->sql, " ORDER BY n DESC, k");
    }
    if (limit)
        hub_buf_printf(&q->sql, " LIMIT %u", limit);
}

void hub_sql_time_range(hub_sql *q, const hub_event_filter *f)
{
    if (rollup_usable(f, HUB_DIM_HOUR)) {
        rollup_plan p = plan_rollup(f, HUB_DIM_HOUR, false);
        hub_buf_puts(&q->sql, "SELECT coalesce(sum(n), 0), min(min_ts), max(max_ts)");
        rollup_from(q, f, &p, NULL);
    } else {
        hub_buf_puts(&q->sql, "SELECT count(*), min(ts_us), max(ts_us) FROM events");
        hub_buf_puts(&q->sql, time_hint(q, f));
        where_build(q, f, KEYS_SEMI);
    }
}

const char *hub_rollup_table(int kind)
{
    static const char *t[] = {"rollup", "victim_rollup", "rollup_minute",
                              "victim_rollup_minute"};
    return t[kind];
}

const char *hub_rollup_period(int kind)
{
    return HUB_ROLLUP_IS_MINUTE(kind) ? "minute" : "hour";
}

/* ---- rollup accumulator -------------------------------------------------------------
 * The rollup counts events per hour, sensor, type, actor and attack, in the same
 * transaction as the events, so summaries over millions of events read a few thousand
 * rollup rows instead of scanning. Rows are summed in memory during the batch and written
 * once each at commit: a batch of 5,000 events touches a few dozen rollup rows, where an
 * upsert per event cost a fifth of the ingest CPU. Victims are kept apart (victim_rollup):
 * there can be about as many as alerts, and crossing them with the other dimensions
 * would make the rollup as big as what it summarizes. Each is kept per hour and per
 * minute (rollup_minute, victim_rollup_minute): summaries over whole hours read the
 * hourly rows, the minutes around them and per-minute series the others (plan_rollup). */

void hub_rollup_clear(hub_rollup *r)
{
    for (size_t i = 0; i < r->cap; i++)
        free(r->tab[i].key);
    free(r->tab);
    r->tab = NULL;
    r->cap = r->used = 0;
}

static hub_rollup_row *slot(hub_rollup_row *tab, size_t cap, const hub_rollup_row *want)
{
    for (size_t i = want->hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
        hub_rollup_row *a = &tab[i];
        if (!a->key || (a->hash == want->hash && a->period == want->period &&
                        a->kind == want->kind && a->key_len == want->key_len &&
                        memcmp(a->key, want->key, want->key_len) == 0))
            return a;
    }
}

static bool grow(hub_rollup *r)
{
    size_t cap = r->cap ? r->cap * 2 : 64;
    hub_rollup_row *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return false;
    for (size_t i = 0; i < r->cap; i++)
        if (r->tab[i].key)
            *slot(tab, cap, &r->tab[i]) = r->tab[i];
    free(r->tab);
    r->tab = tab;
    r->cap = cap;
    return true;
}

/* A row's key: the parts back to back, NUL-separated, and its FNV-1a hash. */
typedef struct {
    char text[1024];
    size_t len;
    uint32_t hash;
} rollup_key;

static bool key_join(rollup_key *k, const char *const *parts, size_t nparts)
{
    k->len = 0;
    for (size_t i = 0; i < nparts; i++) {
        size_t n = strlen(parts[i]) + 1;
        if (k->len + n > sizeof k->text)
            return false; /* cannot happen: each part is length-checked upstream */
        memcpy(k->text + k->len, parts[i], n);
        k->len += n;
    }
    k->hash = 2166136261u;
    for (size_t i = 0; i < k->len; i++)
        k->hash = (k->hash ^ (uint8_t)k->text[i]) * 16777619u;
    return true;
}

/* Adds one event to the accumulator row (kind, period, key). */
static hub_status add(hub_rollup *r, int kind, int64_t period, const rollup_key *k,
                      int64_t ts_us)
{
    uint32_t h = ((k->hash ^ (uint32_t)period) * 16777619u ^ (uint32_t)kind) * 16777619u;
    if ((r->used + 1) * 10 > r->cap * 7 && !grow(r))
        return HUB_ERR_NOMEM;
    hub_rollup_row want = {.period = period, .hash = h, .key_len = k->len,
                           .key = (char *)k->text, .kind = kind};
    hub_rollup_row *a = slot(r->tab, r->cap, &want);
    if (!a->key) {
        *a = want;
        if (!(a->key = malloc(k->len)))
            return HUB_ERR_NOMEM;
        memcpy(a->key, k->text, k->len);
        a->min_ts = a->max_ts = ts_us;
        r->used++;
    }
    a->n++;
    a->min_ts = ts_us < a->min_ts ? ts_us : a->min_ts;
    a->max_ts = ts_us > a->max_ts ? ts_us : a->max_ts;
    return HUB_OK;
}

/* The same key counted per hour and per minute. */
static hub_status add_both(hub_rollup *r, int kind, const rollup_key *k, int64_t ts_us)
{
    /* hub_time_parse refuses years before 1970, so / is the floor division wanted. */
    hub_status st = add(r, kind, ts_us / HUB_HOUR_US, k, ts_us);
    return st == HUB_OK ? add(r, kind | HUB_ROLLUP_PER_MINUTE, ts_us / HUB_MINUTE_US, k, ts_us)
                        : st;
}

hub_status hub_rollup_event(hub_rollup *r, const char *sensor, const hub_event_fields *f)
{
    const char *parts[] = {sensor, f->event_type, f->actor ? f->actor : "",
                           f->attack ? f->attack : ""};
    rollup_key k;
    if (!key_join(&k, parts, 4))
        return HUB_ERR_LIMIT;
    hub_status st = add_both(r, HUB_ROLLUP_MAIN, &k, f->ts_us);
    if (st != HUB_OK || !f->victim)
        return st;
    if (!key_join(&k, &f->victim, 1))
        return HUB_ERR_LIMIT;
    return add_both(r, HUB_ROLLUP_VICTIM, &k, f->ts_us);
}

int hub_rollup_parts(const hub_rollup_row *row, const char *parts[4])
{
    int n = HUB_ROLLUP_IS_VICTIM(row->kind) ? 1 : 4;
    const char *p = row->key;
    for (int k = 0; k < n; k++, p += strlen(p) + 1)
        parts[k] = p;
    return n;
}
