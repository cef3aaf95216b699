/*
 * query.c — the analyst read API: event search with cursor paging, summary counts, and
 * actor pages. Also the reply helpers and the filter parser every read handler shares.
 *
 * Parameters are untrusted: each value is length-limited (HUB_PARAM_MAX), numbers and
 * times are parsed strictly, and a bad value gets a 400 that names the parameter. The
 * event list is written by splicing each stored raw EVE line into the reply instead of
 * re-parsing it, which is both faster and returns exactly the bytes a sensor posted;
 * the hub's own metadata goes in as a leading "hub" member.
 *
 * Paging: events come newest first by their own timestamp (ties by arrival); next_cursor
 * names the last one returned. We ask storage for limit+1 rows so a cursor is only
 * offered when there really is more.
 */
#include "api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- replies --------------------------------------------------------------------- */

void hub_reply_take(hub_reply *r, unsigned status, char *body)
{
    free(r->body);
    r->status = body ? status : 500;
    r->body = body ? body : strdup("{\"error\":{\"code\":\"internal\",\"message\":"
                                   "\"out of memory\"}}");
    r->len = r->body ? strlen(r->body) : 0;
}

/* Values this writer leaves to jansson: reals (no reply has one today) and strings
 * holding U+0000 (from parsed input), which a C string cannot carry. */
static void json_write_jansson(hub_buf *b, json_t *j)
{
    char *text = json_dumps(j, JSON_ENCODE_ANY);
    hub_buf_puts(b, text ? text : "null");
    free(text);
}

/* The compact JSON text of j, as json_dumps(j, JSON_COMPACT) writes it (members in
 * insertion order) but for control characters, all written \u00XX. jansson's dump
 * checks every object and array for cycles with a printf'd address in a hash table and
 * writes each piece through a callback: 27% of a 1,000-event STIX export's hub CPU
 * (perf). Reply trees are built here, a few levels deep, so recursion is bounded. */
static void json_write(hub_buf *b, json_t *j)
{
    const char *key;
    json_t *v;
    size_t i = 0;
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        hub_buf_puts(b, "{");
        json_object_foreach(j, key, v)
        {
            hub_buf_puts(b, i++ ? "," : "");
            hub_buf_json_string(b, key);
            hub_buf_puts(b, ":");
            json_write(b, v);
        }
        hub_buf_puts(b, "}");
        break;
    case JSON_ARRAY:
        hub_buf_puts(b, "[");
        json_array_foreach(j, i, v)
        {
            hub_buf_puts(b, i ? "," : "");
            json_write(b, v);
        }
        hub_buf_puts(b, "]");
        break;
    case JSON_STRING:
        if (strlen(json_string_value(j)) == json_string_length(j))
            hub_buf_json_string(b, json_string_value(j));
        else
            json_write_jansson(b, j);
        break;
    case JSON_INTEGER: hub_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(j)); break;
    case JSON_REAL: json_write_jansson(b, j); break;
    case JSON_TRUE: hub_buf_puts(b, "true"); break;
    case JSON_FALSE: hub_buf_puts(b, "false"); break;
    case JSON_NULL: hub_buf_puts(b, "null"); break;
    }
}

void hub_reply_json(hub_reply *r, unsigned status, json_t *body)
{
    hub_buf b = {0};
    if (body)
        json_write(&b, body);
    json_decref(body);
    hub_reply_take(r, status, body ? hub_buf_take(&b) : NULL);
}

void hub_reply_error(hub_reply *r, unsigned status, const char *code, const char *msg)
{
    hub_reply_json(r, status,
                   json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

void hub_reply_storage_error(hub_reply *r, hub_status st)
{
    /* Details were logged by the store; the client learns only that it may retry. */
    if (st == HUB_ERR_NOMEM)
        hub_reply_error(r, 503, "unavailable", "server is out of memory, retry later");
    else
        hub_reply_error(r, 503, "unavailable", "storage unavailable, retry later");
}

/* ---- parameters ------------------------------------------------------------------ */

/* A parameter's value, or NULL; sets *bad when present but over-long or empty. */
static const char *param(const hub_params *p, const char *name, bool *bad)
{
    const char *v = p->get(p->ctx, name);
    if (v && (v[0] == '\0' || strlen(v) > HUB_PARAM_MAX)) {
        *bad = true;
        return NULL;
    }
    return v;
}

static bool parse_i64(const char *s, int64_t min, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min)
        return false;
    *out = v;
    return true;
}

static bool bad_param(hub_reply *r, const char *name, const char *why)
{
    char msg[160];
    snprintf(msg, sizeof msg, "parameter '%s': %s", name, why);
    hub_reply_error(r, 400, "bad_request", msg);
    return false;
}

static bool parse_time_param(const hub_params *p, const char *name, bool *has, int64_t *us,
                             hub_reply *r)
{
    bool bad = false;
    const char *v = param(p, name, &bad);
    if (bad)
        return bad_param(r, name, "empty or too long");
    if (!v)
        return true;
    if (!hub_time_parse(v, us))
        return bad_param(r, name, "expected ISO 8601 time, e.g. 2023-11-14T22:00:00Z");
    *has = true;
    return true;
}

bool hub_limit_parse(const hub_params *p, unsigned def, unsigned max, unsigned *out,
                     hub_reply *r)
{
    bool bad = false;
    const char *v = param(p, "limit", &bad);
    int64_t n = def;
    if (bad || (v && (!parse_i64(v, 1, &n) || n > max))) {
        char why[64];
        snprintf(why, sizeof why, "expected an integer 1..%u", max);
        return bad_param(r, "limit", why);
    }
    *out = (unsigned)n;
    return true;
}

bool hub_filter_parse(const hub_params *p, hub_event_filter *f, hub_reply *r)
{
    static const char *names[] = {"event_type", "actor",  "sensor", "src_ip",
                                  "dest_ip",    "victim", "q"};
    const char **slots[] = {&f->event_type, &f->actor,  &f->sensor, &f->src_ip,
                            &f->dest_ip,    &f->victim, &f->q};
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        bool bad = false;
        *slots[i] = param(p, names[i], &bad);
        if (bad)
            return bad_param(r, names[i], "empty or longer than 256 bytes");
    }
    bool bad = false;
    const char *sid = param(p, "signature_id", &bad);
    if (bad || (sid && !parse_i64(sid, 1, &f->signature_id)))
        return bad_param(r, "signature_id", "expected a positive integer");
    return parse_time_param(p, "since", &f->has_since, &f->since_us, r) &&
           parse_time_param(p, "until", &f->has_until, &f->until_us, r);
}

/* ---- events ---------------------------------------------------------------------- */

typedef struct {
    hub_buf out;
    unsigned n, limit;
    int64_t last_ts, last_id;
    bool more;
} events_ctx;

/* Appends {"hub":{...}, <members of the stored object>}. The stored raw line was checked
 * at ingest to be a non-empty JSON object, so it starts with '{' and has members. */
static void splice_event(hub_buf *b, const hub_event_row *row)
{
    char when[40];
    hub_time_format(row->received_us, when, sizeof when);
    hub_buf_printf(b, "{\"hub\":{\"id\":%lld,\"sensor\":", (long long)row->id);
    hub_buf_json_string(b, row->sensor);
    hub_buf_printf(b, ",\"received\":\"%s\"},", when);
    const char *raw = row->f.raw;
    size_t n = row->f.raw_len;
    if (n >= 2 && raw[0] == '{')
        hub_buf_append(b, raw + 1, n - 1);
    else
        hub_buf_puts(b, "\"invalid\":true}"); /* cannot happen for ingested data */
}

static int events_row(const hub_event_row *row, void *ud)
{
    events_ctx *c = ud;
    if (c->n == c->limit) {
        c->more = true;
        return 1;
    }
    if (c->n++)
        hub_buf_puts(&c->out, ",");
    splice_event(&c->out, row);
    c->last_ts = row->f.ts_us;
    c->last_id = row->id;
    return 0;
}

/* A cursor is "<event time us>:<id>" of the last event returned: results are ordered
 * by (time, id) descending, and the next page starts strictly below that pair. */
static bool parse_cursor(const hub_params *p, hub_event_filter *f, hub_reply *r)
{
    bool bad = false;
    const char *c = param(p, "cursor", &bad);
    if (!c && !bad)
        return true;
    char ts[32];
    const char *colon = c ? strchr(c, ':') : NULL;
    if (bad || !colon || (size_t)(colon - c) >= sizeof ts)
        return bad_param(r, "cursor", "not a cursor returned by this API");
    memcpy(ts, c, (size_t)(colon - c));
    ts[colon - c] = '\0';
    if (!parse_i64(ts, 0, &f->before_ts) || !parse_i64(colon + 1, 1, &f->before_id))
        return bad_param(r, "cursor", "not a cursor returned by this API");
    f->has_before = true;
    return true;
}

void hub_api_events(hub_store *s, const hub_params *p, hub_reply *r)
{
    hub_event_filter f;
    events_ctx c = {0};
    if (!hub_filter_parse(p, &f, r) || !parse_cursor(p, &f, r) ||
        !hub_limit_parse(p, 100, 1000, &c.limit, r))
        return;
    f.order = HUB_ORDER_NEWEST;
    f.limit = c.limit + 1;
    hub_buf_puts(&c.out, "{\"events\":[");
    hub_status st = hub_store_events(s, &f, events_row, &c);
    if (st != HUB_OK) {
        hub_buf_free(&c.out);
        hub_reply_storage_error(r, st);
        return;
    }
    if (c.more)
        hub_buf_printf(&c.out, "],\"next_cursor\":\"%lld:%lld\"}", (long long)c.last_ts,
                       (long long)c.last_id);
    else
        hub_buf_puts(&c.out, "],\"next_cursor\":null}");
    hub_reply_take(r, 200, hub_buf_take(&c.out));
}

/* ---- summary and actors ---------------------------------------------------------- */

static int count_into(const char *key, int64_t n, void *ud)
{
    json_array_append_new(ud, json_pack("{s:s,s:I}", "key", key, "count", (json_int_t)n));
    return 0;
}

static hub_status add_counts(hub_store *s, const hub_event_filter *f, json_t *obj,
                             const char *name, hub_dim dim, unsigned limit)
{
    json_t *arr = json_array();
    json_object_set_new(obj, name, arr);
    return hub_store_count_by(s, f, dim, limit, count_into, arr);
}

/* The time-series bucket for summary's by_time: minute, hour (default) or day. */
static bool parse_interval(const hub_params *p, hub_dim *dim, const char **name, hub_reply *r)
{
    const char *v = p->get(p->ctx, "interval");
    *name = v ? v : "hour";
    if (strcmp(*name, "minute") == 0)
        *dim = HUB_DIM_MINUTE;
    else if (strcmp(*name, "hour") == 0)
        *dim = HUB_DIM_HOUR;
    else if (strcmp(*name, "day") == 0)
        *dim = HUB_DIM_DAY;
    else
        return bad_param(r, "interval", "expected minute, hour or day");
    return true;
}

void hub_api_summary(hub_store *s, const hub_params *p, hub_reply *r)
{
    hub_event_filter f;
    hub_dim interval = HUB_DIM_HOUR;
    const char *interval_name = "hour";
    if (!hub_filter_parse(p, &f, r) || !parse_interval(p, &interval, &interval_name, r))
        return;
    int64_t total = 0;
    json_t *o = json_object();
    hub_status st = hub_store_count(s, &f, &total);
    json_object_set_new(o, "total", json_integer(total));
    if (st == HUB_OK)
        st = add_counts(s, &f, o, "by_actor", HUB_DIM_ACTOR, 50);
    if (st == HUB_OK)
        st = add_counts(s, &f, o, "by_attack", HUB_DIM_ATTACK, 50);
    if (st == HUB_OK)
        st = add_counts(s, &f, o, "by_sensor", HUB_DIM_SENSOR, 200);
    if (st == HUB_OK)
        st = add_counts(s, &f, o, "by_event_type", HUB_DIM_EVENT_TYPE, 50);
    if (st == HUB_OK)
        st = add_counts(s, &f, o, "top_victims", HUB_DIM_VICTIM, 20);
    if (st == HUB_OK)
        st = add_counts(s, &f, o, "by_hour", HUB_DIM_HOUR, 24 * 93);
    /* by_time holds at most 2000 buckets, the oldest first; narrow since/until (or pick
     * a coarser interval) to see later ones. */
    json_object_set_new(o, "interval", json_string(interval_name));
    if (st == HUB_OK)
        st = add_counts(s, &f, o, "by_time", interval, 2000);
    if (st != HUB_OK) {
        json_decref(o);
        hub_reply_storage_error(r, st);
        return;
    }
    hub_reply_json(r, 200, o);
}

void hub_api_actors(hub_store *s, const hub_params *p, hub_reply *r)
{
    hub_event_filter f;
    if (!hub_filter_parse(p, &f, r))
        return;
    json_t *arr = json_array();
    hub_status st = hub_store_count_by(s, &f, HUB_DIM_ACTOR, 500, count_into, arr);
    if (st != HUB_OK) {
        json_decref(arr);
        hub_reply_storage_error(r, st);
        return;
    }
    hub_reply_json(r, 200, json_pack("{s:o}", "actors", arr));
}

/* Techniques are stored comma-joined per event; sum the counts per single technique. */
static int technique_into(const char *key, int64_t n, void *ud)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", key);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        json_t *cur = json_object_get(ud, t);
        json_object_set_new(ud, t, json_integer(json_integer_value(cur) + n));
    }
    return 0;
}

static json_t *technique_list(json_t *counts, const hub_actor_db *db)
{
    json_t *arr = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(counts, k, v)
        json_array_append_new(arr, json_pack("{s:s,s:O,s:s?}", "id", k, "count", v, "name",
                                             hub_actor_db_technique(db, k)));
    json_decref(counts);
    return arr;
}

/* Aliases, ATT&CK id and description from --actors, when the name is known there. */
static void actor_reference(const hub_actor_db *db, const char *name, json_t *o)
{
    json_t *ref = hub_actor_db_find(db, name);
    if (!ref) {
        json_object_set_new(o, "aliases", json_array());
        return;
    }
    json_object_set(o, "aliases", json_object_get(ref, "aliases"));
    json_object_set(o, "canonical_name", json_object_get(ref, "name"));
    if (json_object_get(ref, "mitre_id"))
        json_object_set(o, "mitre_id", json_object_get(ref, "mitre_id"));
    if (json_object_get(ref, "description"))
        json_object_set(o, "description", json_object_get(ref, "description"));
}

static hub_status actor_details(hub_store *s, const hub_actor_db *db, hub_event_filter *f,
                                json_t *o)
{
    hub_status st = add_counts(s, f, o, "sensors", HUB_DIM_SENSOR, 200);
    if (st == HUB_OK)
        st = add_counts(s, f, o, "victims", HUB_DIM_VICTIM, 50);
    if (st == HUB_OK)
        st = add_counts(s, f, o, "attacks", HUB_DIM_ATTACK, 50);
    if (st == HUB_OK)
        st = add_counts(s, f, o, "by_hour", HUB_DIM_HOUR, 24 * 93);
    json_t *tech = json_object();
    if (st == HUB_OK)
        st = hub_store_count_by(s, f, HUB_DIM_TECHNIQUES, 1000, technique_into, tech);
    json_object_set_new(o, "techniques", technique_list(tech, db));
    return st;
}

void hub_api_actor(hub_store *s, const hub_actor_db *db, const char *name,
                   const hub_params *p, hub_reply *r)
{
    hub_event_filter f;
    if (!hub_filter_parse(p, &f, r))
        return;
    if (strlen(name) == 0 || strlen(name) > HUB_PARAM_MAX) {
        hub_reply_error(r, 400, "bad_request", "actor name empty or too long");
        return;
    }
    f.actor = name;
    int64_t n = 0, first = 0, last = 0;
    hub_status st = hub_store_time_range(s, &f, &n, &first, &last);
    if (st == HUB_OK && n == 0) {
        hub_reply_error(r, 404, "not_found", "no events for this actor");
        return;
    }
    char t1[40], t2[40];
    hub_time_format(first, t1, sizeof t1);
    hub_time_format(last, t2, sizeof t2);
    json_t *o = json_pack("{s:s,s:I,s:s,s:s}", "name", name, "events", (json_int_t)n,
                          "first_seen", t1, "last_seen", t2);
    actor_reference(db, name, o);
    if (st == HUB_OK)
        st = actor_details(s, db, &f, o);
    if (st != HUB_OK) {
        json_decref(o);
        hub_reply_storage_error(r, st);
        return;
    }
    hub_reply_json(r, 200, o);
}
