/*
 * incidents.c — groups attributed events into incidents: one incident is one actor
 * against one victim, a run of events with no gap longer than the window (default one
 * hour). Grouping is computed at query time rather than maintained at ingest: it keeps
 * ingest a plain append and lets the analyst change the window per request.
 *
 * Two passes. The first walks attributed events backwards in time (the time index
 * serves it). Walking backwards, the first event of a new (actor, victim) run is that
 * incident's last_seen, so incidents are discovered in the order the API returns them,
 * newest first, and no sort is needed; the pass stops as soon as `limit` incidents are
 * open. What is left is finding where each of them began, and only the events of those
 * (actor, victim) pairs can tell: the second pass follows each pair back through the
 * victim index, from where the first pass stopped, until a gap longer than the window.
 * So the work is the events of the incidents returned, not every event in the range:
 * walking the shared time index until every open incident had ended (what this did
 * before) read every attributed event of the range when incidents are long-lived, 1.8 s
 * for the dashboard's default at 615k stored events. The since/until filters bound both
 * passes (default: the week before the latest attributed event), and a cap on rows read
 * is reported as "truncated" so nobody mistakes a partial answer for a complete one.
 *
 * Victim is the column ingest derived (DDoS victim, rule target, or inside host).
 * An incident's id is a UUIDv5 of actor, victim and first-seen time, so it is stable
 * across requests as long as the incident's start does not change.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#define INCIDENT_SCAN_MAX 200000u
#define INCIDENT_SET_MAX 50 /* distinct sensors/techniques/... listed per incident */
#define INCIDENT_DEFAULT_SPAN_US (7 * 86400 * INT64_C(1000000))

typedef struct {
    char *actor, *victim;
    int64_t first_us, last_us, count;
    json_t *sensors, *techniques, *signatures, *attackers; /* objects used as sets */
} incident;

typedef struct {
    incident *v;
    size_t n, cap, limit;
    json_t *open; /* "actor\nvictim" -> index in v of that pair's oldest incident so far */
    int64_t window_us;
    bool stopped;              /* pass 1 reached `limit` at row (stop_ts, stop_id) */
    int64_t stop_ts, stop_id;
    size_t scanned;
    bool truncated, nomem;
} incident_ctx;

static void set_add(json_t *set, const char *key)
{
    if (key && *key && json_object_size(set) < INCIDENT_SET_MAX)
        json_object_set_new(set, key, json_true());
}

static void set_add_list(json_t *set, const char *csv)
{
    char buf[256];
    char *save = NULL;
    if (!csv)
        return;
    snprintf(buf, sizeof buf, "%s", csv);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        set_add(set, t);
}

static bool same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static incident *incident_open(incident_ctx *c, const hub_event_row *row)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        incident *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return NULL;
        c->v = v;
        c->cap = cap;
    }
    incident *in = &c->v[c->n++];
    memset(in, 0, sizeof *in);
    in->actor = strdup(row->f.actor);
    in->victim = strdup(row->f.victim ? row->f.victim : "");
    in->first_us = in->last_us = row->f.ts_us;
    in->sensors = json_object();
    in->techniques = json_object();
    in->signatures = json_object();
    in->attackers = json_object();
    return in;
}

static void incident_note(incident *in, const hub_event_row *row)
{
    in->first_us = row->f.ts_us;
    in->count++;
    set_add(in->sensors, row->sensor);
    set_add_list(in->techniques, row->f.techniques);
    set_add(in->signatures, row->f.signature);
    const char *other = same_str(row->f.src_ip, row->f.victim) ? row->f.dest_ip : row->f.src_ip;
    if (!same_str(row->f.event_type, "ddos"))
        set_add(in->attackers, other);
}

static incident *incident_find(incident_ctx *c, const hub_event_row *row, char *key,
                               size_t key_len)
{
    snprintf(key, key_len, "%s\n%s", row->f.actor, row->f.victim ? row->f.victim : "");
    json_t *idx = json_object_get(c->open, key);
    return idx ? &c->v[json_integer_value(idx)] : NULL;
}

/* Pass 1. Rows arrive newest first. A row extends its pair's incident when it is within
 * the window of that incident's earliest event so far; otherwise it ends an older
 * incident of the pair, opened as a new one. Stops once `limit` incidents are open,
 * remembering where (pass 2 goes on from there). */
static int incident_row(const hub_event_row *row, void *ud)
{
    incident_ctx *c = ud;
    if (++c->scanned > INCIDENT_SCAN_MAX) {
        c->truncated = true;
        return 1;
    }
    char key[600];
    incident *in = incident_find(c, row, key, sizeof key);
    if (!in || in->first_us - row->f.ts_us > c->window_us) {
        if (!(in = incident_open(c, row))) {
            c->nomem = true;
            return 1;
        }
        json_object_set_new(c->open, key, json_integer((json_int_t)(c->n - 1)));
    }
    incident_note(in, row);
    if (c->n < c->limit)
        return 0;
    c->stop_ts = row->f.ts_us;
    c->stop_id = row->id;
    c->stopped = true;
    return 1;
}

/* Pass 2 follows all open incidents' pairs together (hub_store_pair_events: one query
 * on PostgreSQL where a read per pair cost a round trip and a planning each, 200 of
 * them for a page of 200), in rounds: EXTEND_ROWS rows per pair first, then four times
 * more per round for the pairs that used them all without reaching a gap, while a
 * round reads at most EXTEND_ROUND_ROWS rows (PostgreSQL holds them in memory at once).
 * Most incidents begin within a few rows of where pass 1 stopped: on bench_scale's 10 M
 * corpus, a page of 200 took one query of 30 ms with 64 rows per pair, 10 ms with 16,
 * and 4.7 ms plus 0.1 ms for a second round with 4 (server log). */
#define EXTEND_ROWS 4u
#define EXTEND_ROUND_ROWS 16384u

typedef struct {
    size_t in;                    /* index in v of the pair's oldest open incident */
    int64_t before_ts, before_id; /* the pair's last row read */
    unsigned rows;                /* rows read this round */
    bool ended;                   /* a gap (or the scan cap) ended the incident */
} extend_pair;

typedef struct {
    incident_ctx *c;
    extend_pair *pairs;
} extend_ctx;

/* The pair's oldest open incident takes its older rows while they are within the
 * window. */
static int extend_row(size_t pair, const hub_event_row *row, void *ud)
{
    extend_ctx *x = ud;
    extend_pair *p = &x->pairs[pair];
    incident *in = &x->c->v[p->in];
    p->rows++;
    p->before_ts = row->f.ts_us;
    p->before_id = row->id;
    if (++x->c->scanned > INCIDENT_SCAN_MAX)
        x->c->truncated = true;
    if (x->c->truncated || in->first_us - row->f.ts_us > x->c->window_us) {
        p->ended = true; /* a gap: the incident began at in->first_us */
        return 1;
    }
    incident_note(in, row);
    return 0;
}

/* One round over pairs[0..n): returns how many go on (moved to the front). */
static size_t extend_round(hub_store *s, const hub_event_filter *base, extend_ctx *x,
                           hub_pair_read *reads, size_t n, unsigned per, hub_status *st)
{
    for (size_t i = 0; i < n; i++) {
        const incident *in = &x->c->v[x->pairs[i].in];
        reads[i] = (hub_pair_read){in->actor, in->victim[0] ? in->victim : NULL, /* "": none */
                                   x->pairs[i].before_ts, x->pairs[i].before_id};
        x->pairs[i].rows = 0;
    }
    *st = hub_store_pair_events(s, base, reads, n, per, extend_row, x);
    size_t live = 0;
    for (size_t i = 0; i < n; i++)
        if (!x->pairs[i].ended && x->pairs[i].rows == per)
            x->pairs[live++] = x->pairs[i];
    return live;
}

static hub_status extend_incidents(hub_store *s, const hub_event_filter *base, incident_ctx *c)
{
    size_t n = json_object_size(c->open), i = 0;
    extend_ctx x = {c, calloc(n ? n : 1, sizeof *x.pairs)};
    hub_pair_read *reads = calloc(n ? n : 1, sizeof *reads);
    if (!x.pairs || !reads) {
        free(x.pairs);
        free(reads);
        return HUB_ERR_NOMEM;
    }
    const char *key;
    json_t *idx;
    json_object_foreach(c->open, key, idx) /* rows pass 1 has not read, in its order */
        x.pairs[i++] = (extend_pair){.in = (size_t)json_integer_value(idx),
                                     .before_ts = c->stop_ts, .before_id = c->stop_id};
    hub_status st = HUB_OK;
    /* per stays a power of 4: each value is a query text PostgreSQL prepares once */
    for (unsigned per = EXTEND_ROWS; n && st == HUB_OK && !c->truncated;) {
        n = extend_round(s, base, &x, reads, n, per, &st);
        if (n && per * 4 <= EXTEND_ROUND_ROWS / n)
            per *= 4;
    }
    free(x.pairs);
    free(reads);
    return st;
}

static json_t *set_keys(json_t *set)
{
    json_t *arr = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v)
        json_array_append_new(arr, json_string(k));
    return arr;
}

static json_t *incident_json(const incident *in)
{
    char t1[40], t2[40], id[37], name[600];
    hub_time_format(in->first_us, t1, sizeof t1);
    hub_time_format(in->last_us, t2, sizeof t2);
    static const uint8_t ns[16] = {0x62, 0x6f, 0x6e, 0x67, 0x73, 0x75, 0x2d, 0x69,
                                   0x6e, 0x63, 0x69, 0x64, 0x65, 0x6e, 0x74, 0x31};
    int n = snprintf(name, sizeof name, "%s\n%s\n%lld", in->actor, in->victim,
                     (long long)in->first_us);
    hub_uuid5(ns, name, (size_t)n < sizeof name ? (size_t)n : sizeof name - 1, id);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:o,s:o}", "id", id, "actor",
                     in->actor, "victim", in->victim, "first_seen", t1, "last_seen", t2,
                     "events", (json_int_t)in->count, "sensors", set_keys(in->sensors),
                     "techniques", set_keys(in->techniques), "signatures",
                     set_keys(in->signatures), "attackers", set_keys(in->attackers));
}

static void incident_free(incident *in)
{
    free(in->actor);
    free(in->victim);
    json_decref(in->sensors);
    json_decref(in->techniques);
    json_decref(in->signatures);
    json_decref(in->attackers);
}

static bool parse_window(const hub_params *p, int64_t *out_us, hub_reply *r)
{
    const char *w = p->get(p->ctx, "window");
    long long secs = 3600;
    char *end = NULL;
    if (w) {
        secs = strtoll(w, &end, 10);
        if (!*w || *end || secs < 60 || secs > 7 * 86400) {
            hub_reply_error(r, 400, "bad_request",
                            "parameter 'window': expected seconds, 60..604800");
            return false;
        }
    }
    *out_us = secs * 1000000;
    return true;
}

static int latest_ts(const hub_event_row *row, void *ud)
{
    *(int64_t *)ud = row->f.ts_us;
    return 1;
}

/* Without since/until, look at the week before the latest attributed event: recent
 * incidents are what an analyst opens the page for, and it keeps the scan bounded. */
static hub_status default_range(hub_store *s, hub_event_filter *f)
{
    if (f->has_since || f->has_until)
        return HUB_OK;
    hub_event_filter last = *f;
    last.order = HUB_ORDER_NEWEST;
    last.limit = 1;
    int64_t ts = 0;
    hub_status st = hub_store_events(s, &last, latest_ts, &ts);
    if (st == HUB_OK && ts) {
        f->has_since = true;
        f->since_us = ts - INCIDENT_DEFAULT_SPAN_US;
    }
    return st;
}

void hub_api_incidents(hub_store *s, const hub_params *p, hub_reply *r)
{
    hub_event_filter f;
    incident_ctx c = {0};
    unsigned limit;
    if (!hub_filter_parse(p, &f, r) || !parse_window(p, &c.window_us, r) ||
        !hub_limit_parse(p, 100, 1000, &limit, r))
        return;
    c.limit = limit;
    f.require_actor = true;
    hub_status st = default_range(s, &f);
    f.order = HUB_ORDER_NEWEST;
    f.limit = INCIDENT_SCAN_MAX + 1;
    f.lean = true;
    c.open = json_object();
    if (st == HUB_OK)
        st = hub_store_events(s, &f, incident_row, &c);
    if (st == HUB_OK && c.stopped && !c.nomem)
        st = extend_incidents(s, &f, &c);
    json_decref(c.open);
    if (st == HUB_OK && c.nomem)
        st = HUB_ERR_NOMEM;
    json_t *arr = json_array();
    for (size_t i = 0; st == HUB_OK && i < c.n; i++)
        json_array_append_new(arr, incident_json(&c.v[i]));
    for (size_t i = 0; i < c.n; i++)
        incident_free(&c.v[i]);
    free(c.v);
    if (st != HUB_OK) {
        json_decref(arr);
        hub_reply_storage_error(r, st);
        return;
    }
    json_t *out = json_pack("{s:o,s:b,s:I}", "incidents", arr, "truncated", c.truncated,
                            "window", (json_int_t)(c.window_us / 1000000));
    if (f.has_since) { /* tell the caller which range was searched, defaulted or not */
        char since[40];
        hub_time_format(f.since_us, since, sizeof since);
        json_object_set_new(out, "since", json_string(since));
    }
    hub_reply_json(r, 200, out);
}
