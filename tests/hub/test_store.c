/*
 * test_store.c — unit tests for storage, tokens, rate limiting and the read API
 * handlers (events with filters and cursors, summary, incidents, actors), run against a
 * fresh database per test: a SQLite file in a temporary directory, or, when BONGSU_TEST_PG
 * names a PostgreSQL server (tests/hub/with_pg.py starts one), a new database on it. The
 * same tests run on both backends (two ctest names), which is what keeps their semantics
 * equal. The handlers are driven through hub_params with a fake parameter table, so no
 * sockets are involved.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "api.h"
#include "auth.h"
#include "ingest.h"
#include "store_sql.h"

typedef struct {
    char dir[64];
    char path[256];
    hub_store *s;
    PGconn *admin; /* PostgreSQL runs only: runs SQL beside the store */
} fixture;

/* A new database on the test's PostgreSQL server; f->path gets its URL. */
static int pg_setup(fixture *f, const char *server)
{
    static int n;
    char name[64], sql[128];
    snprintf(name, sizeof name, "unit_%d_%d", (int)getpid(), ++n);
    PGconn *c = PQconnectdb(server);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    PQfinish(c);
    const char *slash = strrchr(server, '/');
    if (!ok || !slash)
        return -1;
    snprintf(f->path, sizeof f->path, "%.*s/%s", (int)(slash - server), server, name);
    f->admin = PQconnectdb(f->path);
    return PQstatus(f->admin) == CONNECTION_OK ? 0 : -1;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hub-unit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    const char *pg = getenv("BONGSU_TEST_PG");
    if (pg && *pg) {
        if (pg_setup(f, pg) != 0)
            return -1;
    } else {
        snprintf(f->path, sizeof f->path, "%s/hub.db", f->dir);
    }
    if (hub_store_open(f->path, &f->s) != HUB_OK)
        return -1;
    *state = f;
    return 0;
}

/* Runs SQL on the test database behind the store's back: one statement, no result. */
static void admin_sql(fixture *f, const char *sql)
{
    PGresult *r = PQexec(f->admin, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(f->admin));
    PQclear(r);
}

static int64_t admin_int(fixture *f, const char *sql)
{
    PGresult *r = PQexec(f->admin, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(f->admin));
    int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

static int teardown(void **state)
{
    fixture *f = *state;
    hub_store_close(f->s);
    PQfinish(f->admin);
    char p[300];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- fake parameters ---------------------------------------------------------------- */

typedef struct {
    const char *kv[16]; /* name, value, name, value, ..., NULL */
} fake_params;

static const char *fake_get(void *ctx, const char *name)
{
    fake_params *fp = ctx;
    for (int i = 0; fp->kv[i]; i += 2)
        if (strcmp(fp->kv[i], name) == 0)
            return fp->kv[i + 1];
    return NULL;
}

typedef void (*handler)(hub_store *, const hub_params *, hub_reply *);

/* Runs a handler and returns the parsed reply; asserts the status. */
static json_t *call(hub_store *s, handler h, unsigned status, fake_params fp)
{
    hub_params p = {fake_get, &fp};
    hub_reply r = {0};
    h(s, &p, &r);
    if (r.status != status)
        fail_msg("status %u, want %u: %s", r.status, status, r.body);
    json_error_t err;
    json_t *j = json_loads(r.body, 0, &err);
    if (!j)
        fail_msg("reply is not JSON: %s", r.body);
    free(r.body);
    return j;
}

/* ---- data ------------------------------------------------------------------------- */

static char *alert_line(int i, const char *actor, const char *victim, int minute)
{
    char *s = malloc(512);
    snprintf(s, 512,
             "{\"timestamp\":\"2023-11-14T%02d:%02d:00.000000+0000\",\"flow_id\":%d,"
             "\"event_type\":\"alert\",\"src_ip\":\"%s\",\"dest_ip\":\"203.0.113.%d\","
             "\"alert\":{\"signature_id\":%d,\"signature\":\"sig %d\",\"category\":\"c2\","
             "\"severity\":1,\"metadata\":{\"actor\":[\"%s\"],"
             "\"mitre_technique_id\":[\"T1071.001\"]}}}",
             minute / 60, minute % 60, i, victim, i % 250, 2000000 + i % 3, i % 3, actor);
    return s;
}

static void ingest(hub_store *s, const char *sensor, const char *key, const char *body,
                   size_t want_accepted, bool want_replay)
{
    hub_ingest_result res;
    assert_int_equal(hub_ingest_body(s, sensor, key, body, strlen(body), &res), HUB_OK);
    assert_int_equal(res.accepted, want_accepted);
    assert_int_equal(res.replayed, want_replay);
    free(res.reply);
}

/* 30 Lazarus alerts against 10.0.0.1 over 30 minutes on s1; 10 Kimsuky alerts against
 * 10.0.0.2 in two bursts 3 hours apart on s2; one unattributed flow. */
static void load(hub_store *s)
{
    hub_buf b = {0};
    for (int i = 0; i < 30; i++) {
        char *l = alert_line(i, "Lazarus Group", "10.0.0.1", 60 + i);
        hub_buf_puts(&b, l);
        hub_buf_puts(&b, "\n");
        free(l);
    }
    char *body = hub_buf_take(&b);
    ingest(s, "s1", "k1", body, 30, false);
    free(body);
    for (int i = 0; i < 10; i++) {
        char *l = alert_line(100 + i, "Kimsuky", "10.0.0.2", i < 5 ? 60 + i : 240 + i);
        hub_buf_puts(&b, l);
        hub_buf_puts(&b, "\n");
        free(l);
    }
    hub_buf_puts(&b, "{\"timestamp\":\"2023-11-14T05:00:00Z\",\"event_type\":\"flow\","
                     "\"src_ip\":\"10.9.9.9\",\"dest_ip\":\"8.8.8.8\"}\n");
    body = hub_buf_take(&b);
    ingest(s, "s2", NULL, body, 11, false);
    free(body);
}

/* ---- tests ------------------------------------------------------------------------ */

/* Two summary replies count the same things (their ranges may be written differently). */
static void summaries_agree(json_t *a, json_t *b)
{
    const char *dims[] = {"total", "by_actor", "by_attack", "by_sensor", "by_event_type",
                          "top_victims", "by_hour", "by_time"};
    assert_true(json_integer_value(json_object_get(a, "total")) > 0);
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
        if (!json_equal(json_object_get(a, dims[i]), json_object_get(b, dims[i])))
            fail_msg("rollup and scan disagree on %s: %s vs %s", dims[i],
                     json_dumps(json_object_get(a, dims[i]), JSON_COMPACT),
                     json_dumps(json_object_get(b, dims[i]), JSON_COMPACT));
}

static void test_tokens(void **state)
{
    fixture *f = *state;
    char tok[HUB_TOKEN_LEN + 1], tok2[HUB_TOKEN_LEN + 1];
    assert_int_equal(hub_token_create(f->s, "sensor-1", HUB_ROLE_SENSOR, tok), HUB_OK);
    assert_int_equal(strlen(tok), HUB_TOKEN_LEN);
    assert_int_equal(strncmp(tok, "bsk_", 4), 0);
    assert_int_equal(hub_token_create(f->s, "sensor-1", HUB_ROLE_SENSOR, tok2), HUB_ERR_EXISTS);
    assert_int_equal(hub_token_create(f->s, "bad name", HUB_ROLE_SENSOR, tok2), HUB_ERR_INVALID);
    char hdr[100];
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    hub_principal who;
    assert_int_equal(hub_auth_bearer(f->s, hdr, &who), HUB_OK);
    assert_string_equal(who.name, "sensor-1");
    assert_int_equal(who.role, HUB_ROLE_SENSOR);
    assert_int_equal(hub_auth_bearer(f->s, NULL, &who), HUB_ERR_INVALID);
    assert_int_equal(hub_auth_bearer(f->s, "Basic abc", &who), HUB_ERR_INVALID);
    hdr[strlen(hdr) - 1] ^= 1;
    assert_int_equal(hub_auth_bearer(f->s, hdr, &who), HUB_ERR_NOTFOUND);
    hdr[strlen(hdr) - 1] ^= 1;
    assert_int_equal(hub_store_token_revoke(f->s, "sensor-1"), HUB_OK);
    assert_int_equal(hub_auth_bearer(f->s, hdr, &who), HUB_ERR_NOTFOUND);
    assert_int_equal(hub_store_token_revoke(f->s, "nobody"), HUB_ERR_NOTFOUND);
}

static void test_ratelimit(void **state)
{
    (void)state;
    hub_ratelimit *rl = hub_ratelimit_new(10, 3);
    unsigned retry = 0;
    int64_t t = 1000000;
    for (int i = 0; i < 3; i++)
        assert_true(hub_ratelimit_take(rl, "a", t, &retry));
    assert_false(hub_ratelimit_take(rl, "a", t, &retry));
    assert_int_equal(retry, 1);
    assert_true(hub_ratelimit_take(rl, "b", t, &retry)); /* buckets are per token */
    assert_true(hub_ratelimit_take(rl, "a", t + 100000, &retry)); /* refilled one */
    hub_ratelimit_free(rl);
}

static void test_idempotency(void **state)
{
    fixture *f = *state;
    const char *body = "{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"dns\"}\n"
                       "garbage\n";
    ingest(f->s, "s1", "batch-1", body, 1, false);
    ingest(f->s, "s1", "batch-1", body, 1, true);
    ingest(f->s, "s2", "batch-1", body, 1, false); /* keys are scoped per sensor */
    hub_event_filter flt = {0};
    int64_t n = 0;
    assert_int_equal(hub_store_count(f->s, &flt, &n), HUB_OK);
    assert_int_equal(n, 2);
    /* Pruned keys are forgotten: the same batch is then stored again. */
    int64_t removed = 0;
    assert_int_equal(hub_store_idem_prune(f->s, hub_now_us() - 3600000000LL, &removed), HUB_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(hub_store_idem_prune(f->s, hub_now_us() + 1000000, &removed), HUB_OK);
    assert_int_equal(removed, 2);
    ingest(f->s, "s1", "batch-1", body, 1, false);
}

static void test_events_filters_and_cursor(void **state)
{
    fixture *f = *state;
    load(f->s);
    json_t *j = call(f->s, hub_api_events, 200, (fake_params){{"actor", "Kimsuky", NULL}});
    assert_int_equal(json_array_size(json_object_get(j, "events")), 10);
    assert_true(json_is_null(json_object_get(j, "next_cursor")));
    json_decref(j);
    j = call(f->s, hub_api_events, 200,
             (fake_params){{"sensor", "s1", "signature_id", "2000001", NULL}});
    assert_int_equal(json_array_size(json_object_get(j, "events")), 10);
    json_t *ev = json_array_get(json_object_get(j, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "hub"), "sensor")),
                        "s1");
    json_decref(j);
    j = call(f->s, hub_api_events, 200,
             (fake_params){{"since", "2023-11-14T01:10:00Z", "until", "2023-11-14T01:20:00Z",
                            NULL}});
    assert_int_equal(json_array_size(json_object_get(j, "events")), 10);
    json_decref(j);
    j = call(f->s, hub_api_events, 200, (fake_params){{"q", "10.9.9.9", NULL}});
    assert_int_equal(json_array_size(json_object_get(j, "events")), 1);
    json_decref(j);
    /* Page through everything 7 at a time: 41 events, each exactly once, newest first. */
    char cursor[64] = "";
    int seen = 0, pages = 0;
    int64_t prev = INT64_MAX;
    int64_t ids[64]; /* ids need not be dense (PostgreSQL takes them in blocks) */
    do {
        fake_params fp = {{"limit", "7", cursor[0] ? "cursor" : NULL, cursor, NULL}};
        j = call(f->s, hub_api_events, 200, fp);
        json_t *arr = json_object_get(j, "events"), *e;
        size_t i;
        json_array_foreach(arr, i, e)
        {
            int64_t id = json_integer_value(json_object_get(json_object_get(e, "hub"), "id"));
            int64_t ts;
            assert_true(hub_time_parse(json_string_value(json_object_get(e, "timestamp")), &ts));
            assert_true(ts <= prev);
            assert_true(id > 0 && seen < 64);
            for (int k = 0; k < seen; k++)
                assert_true(ids[k] != id);
            ids[seen++] = id;
            prev = ts;
        }
        json_t *next = json_object_get(j, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", json_is_string(next) ? json_string_value(next) : "");
        json_decref(j);
        pages++;
    } while (cursor[0]);
    assert_int_equal(seen, 41);
    assert_int_equal(pages, 6);
}

static void test_bad_params(void **state)
{
    fixture *f = *state;
    const char *bad[][2] = {{"limit", "0"},       {"limit", "1001"},     {"limit", "x"},
                            {"since", "today"},   {"cursor", "12"},      {"signature_id", "1e3"},
                            {"actor", ""}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = call(f->s, hub_api_events, 400, (fake_params){{bad[i][0], bad[i][1], NULL}});
        assert_non_null(strstr(json_string_value(json_object_get(json_object_get(j, "error"),
                                                                 "message")),
                               bad[i][0]));
        json_decref(j);
    }
    char big[400];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    json_decref(call(f->s, hub_api_events, 400, (fake_params){{"q", big, NULL}}));
}

static void test_summary(void **state)
{
    fixture *f = *state;
    load(f->s);
    json_t *j = call(f->s, hub_api_summary, 200, (fake_params){{NULL}});
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 41);
    json_t *a0 = json_array_get(json_object_get(j, "by_actor"), 0);
    assert_string_equal(json_string_value(json_object_get(a0, "key")), "Lazarus Group");
    assert_int_equal(json_integer_value(json_object_get(a0, "count")), 30);
    assert_int_equal(json_array_size(json_object_get(j, "by_sensor")), 2);
    assert_true(json_array_size(json_object_get(j, "by_hour")) >= 3);
    /* Hour-aligned bounds are answered from the rollup, others from the events table:
     * the two must agree (no event sits in the first microsecond of the day). */
    json_t *fast = call(f->s, hub_api_summary, 200,
                        (fake_params){{"since", "2023-11-14T00:00:00Z", "until",
                                       "2023-11-15T00:00:00Z", NULL}});
    json_t *slow = call(f->s, hub_api_summary, 200,
                        (fake_params){{"since", "2023-11-14T00:00:00.000001Z", "until",
                                       "2023-11-14T23:59:59.999999Z", NULL}});
    summaries_agree(fast, slow);
    /* Whole minutes that are not whole hours: hourly rows for 01:00-04:00 plus minute rows
     * around them, a range inside one hour, per-minute series; against scans whose
     * bounds (half a minute earlier: events sit on whole minutes) select the same events. */
    static const char *ranges[][5] = {
        {"00:30:00Z", "04:05:00Z", "00:29:30Z", "04:04:30Z", "hour"},
        {"01:10:00Z", "01:20:00Z", "01:09:30Z", "01:19:30Z", "hour"},
        {"00:00:00Z", "06:00:00Z", "00:00:00.5Z", "05:59:30Z", "minute"},
        {"01:03:00Z", "04:04:00Z", "01:02:30Z", "04:03:30Z", "minute"},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        char a[4][40];
        for (int k = 0; k < 4; k++)
            snprintf(a[k], sizeof a[k], "2023-11-14T%s", ranges[i][k]);
        json_t *r = call(f->s, hub_api_summary, 200,
                         (fake_params){{"since", a[0], "until", a[1], "interval",
                                        ranges[i][4], NULL}});
        json_t *e = call(f->s, hub_api_summary, 200,
                         (fake_params){{"since", a[2], "until", a[3], "interval",
                                        ranges[i][4], NULL}});
        summaries_agree(r, e);
        json_decref(r);
        json_decref(e);
    }
    assert_true(json_equal(json_object_get(fast, "by_actor"), json_object_get(j, "by_actor")));
    json_t *day = call(f->s, hub_api_summary, 200, (fake_params){{"interval", "day", NULL}});
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(day, "by_time"), 0), "count")),
                     41);
    json_decref(day);
    json_decref(fast);
    json_decref(slow);
    json_decref(j);
}

static void test_incidents(void **state)
{
    fixture *f = *state;
    load(f->s);
    json_t *j = call(f->s, hub_api_incidents, 200, (fake_params){{NULL}});
    json_t *inc = json_object_get(j, "incidents");
    /* Lazarus: one run; Kimsuky: two bursts 3 h apart -> two incidents. */
    assert_int_equal(json_array_size(inc), 3);
    int64_t total = 0;
    size_t i;
    json_t *e;
    json_array_foreach(inc, i, e)
    {
        total += json_integer_value(json_object_get(e, "events"));
        if (strcmp(json_string_value(json_object_get(e, "actor")), "Lazarus Group") == 0) {
            assert_string_equal(json_string_value(json_object_get(e, "victim")), "10.0.0.1");
            assert_string_equal(json_string_value(json_object_get(e, "first_seen")),
                                "2023-11-14T01:00:00.000000Z");
            assert_string_equal(json_string_value(json_object_get(e, "last_seen")),
                                "2023-11-14T01:29:00.000000Z");
            assert_string_equal(
                json_string_value(json_array_get(json_object_get(e, "techniques"), 0)),
                "T1071.001");
        }
    }
    assert_int_equal(total, 40);
    json_decref(j);
    /* limit=1: the newest incident only (Kimsuky's second burst), found by reading
     * back from the newest events, complete with its first event. */
    j = call(f->s, hub_api_incidents, 200, (fake_params){{"limit", "1", NULL}});
    json_t *top = json_array_get(json_object_get(j, "incidents"), 0);
    assert_int_equal(json_array_size(json_object_get(j, "incidents")), 1);
    assert_string_equal(json_string_value(json_object_get(top, "actor")), "Kimsuky");
    assert_int_equal(json_integer_value(json_object_get(top, "events")), 5);
    assert_string_equal(json_string_value(json_object_get(top, "first_seen")),
                        "2023-11-14T04:05:00.000000Z");
    json_decref(j);
    /* A 4-hour window merges the Kimsuky bursts. */
    j = call(f->s, hub_api_incidents, 200, (fake_params){{"window", "14400", NULL}});
    assert_int_equal(json_array_size(json_object_get(j, "incidents")), 2);
    json_decref(j);
    json_decref(call(f->s, hub_api_incidents, 400, (fake_params){{"window", "5", NULL}}));
}

/* Three (actor, victim) pairs with one alert each per minute, interleaved, for 90
 * minutes, and an older burst of the first pair 56 minutes before. With a small limit
 * the newest incidents are found first and then followed back pair by pair; they must
 * come out complete, and equal to what reading every event gives (limit 1000). */
static void test_incidents_interleaved(void **state)
{
    fixture *f = *state;
    static const char *const pairs[][2] = {
        {"Lazarus Group", "10.0.0.1"}, {"Lazarus Group", "10.0.0.3"}, {"Kimsuky", "10.0.0.1"}};
    hub_buf b = {0};
    for (int m = 0; m < 5; m++) {
        char *l = alert_line(m, pairs[0][0], pairs[0][1], m);
        hub_buf_printf(&b, "%s\n", l);
        free(l);
    }
    for (int m = 60; m < 150; m++)
        for (int p = 0; p < 3; p++) {
            char *l = alert_line(m * 3 + p, pairs[p][0], pairs[p][1], m);
            hub_buf_printf(&b, "%s\n", l);
            free(l);
        }
    char *body = hub_buf_take(&b);
    ingest(f->s, "s1", NULL, body, 275, false);
    free(body);
    json_t *one = call(f->s, hub_api_incidents, 200, (fake_params){{"limit", "1", NULL}});
    json_t *top = json_array_get(json_object_get(one, "incidents"), 0);
    assert_string_equal(json_string_value(json_object_get(top, "actor")), "Kimsuky");
    assert_int_equal(json_integer_value(json_object_get(top, "events")), 90);
    assert_string_equal(json_string_value(json_object_get(top, "first_seen")),
                        "2023-11-14T01:00:00.000000Z");
    json_decref(one);
    json_t *all = call(f->s, hub_api_incidents, 200,
                       (fake_params){{"limit", "1000", "window", "1200", NULL}});
    json_t *three = call(f->s, hub_api_incidents, 200,
                         (fake_params){{"limit", "3", "window", "1200", NULL}});
    json_t *inc = json_object_get(all, "incidents");
    assert_int_equal(json_array_size(inc), 4); /* the older burst is apart at 20 min */
    for (size_t i = 0; i < 3; i++) {
        json_t *want = json_array_get(inc, i);
        assert_int_equal(json_integer_value(json_object_get(want, "events")), 90);
        assert_true(json_equal(json_array_get(json_object_get(three, "incidents"), i), want));
    }
    json_decref(all);
    json_decref(three);
}

/* Replies are written by hub_reply_json's own serializer: the same text as jansson's
 * compact dump (members in insertion order, UTF-8 as is), and control characters
 * escaped so that the text parses back to the same value. */
static void test_reply_json(void **state)
{
    (void)state;
    json_t *j = json_pack("{s:s,s:I,s:I,s:[b,b,n,{},[]],s:{s:s,s:i},s:s}", "z", "a\"b\\c/d",
                          "min", (json_int_t)INT64_MIN, "max", (json_int_t)INT64_MAX, "arr",
                          1, 0, "nested", "\xc3\xa9t\xc3\xa9", "", "n", -5, "a", "");
    hub_reply r = {0};
    char *want = json_dumps(j, JSON_COMPACT);
    hub_reply_json(&r, 200, json_incref(j));
    assert_string_equal(r.body, want);
    free(want);
    json_object_set_new(j, "ctl", json_string("tab\there\nline\x01\x1f end"));
    json_object_set_new(j, "nul", json_stringn("a\0b", 3));
    hub_reply_json(&r, 200, json_incref(j));
    json_t *back = json_loads(r.body, JSON_ALLOW_NUL, NULL);
    assert_non_null(back);
    assert_true(json_equal(back, j));
    json_decref(back);
    json_decref(j);
    free(r.body);
}

/* ---- pair reads (hub_store_pair_events) ---------------------------------------------- */

typedef struct {
    int64_t ids[4][64];
    size_t n[4];
    size_t stop_after[4]; /* the callback asks to stop after this many rows of a pair */
} pair_rows;

static int pair_row(size_t pair, const hub_event_row *row, void *ud)
{
    pair_rows *pr = ud;
    assert_true(pair < 4 && pr->n[pair] < 64);
    pr->ids[pair][pr->n[pair]++] = row->id;
    return pr->n[pair] == pr->stop_after[pair];
}

typedef struct {
    const hub_pair_read *p;
    unsigned per;
    pair_rows *want;
    size_t pair;
} pair_expect;

/* The reference: every event of the actor, newest first, filtered here. */
static int pair_expect_row(const hub_event_row *row, void *ud)
{
    pair_expect *x = ud;
    bool same_victim = x->p->victim ? row->f.victim && strcmp(row->f.victim, x->p->victim) == 0
                                    : !row->f.victim;
    bool before = row->f.ts_us < x->p->before_ts ||
                  (row->f.ts_us == x->p->before_ts && row->id < x->p->before_id);
    size_t *n = &x->want->n[x->pair];
    if (same_victim && before && *n < x->per && *n < x->want->stop_after[x->pair])
        x->want->ids[x->pair][(*n)++] = row->id;
    return 0;
}

/* Four pairs read at once, among them one without victim (an alert without destination
 * address) between two with one (PostgreSQL splits the batch there), each from its own
 * cursor, four rows at most, one pair stopped by its callback after two: each pair's
 * rows must be exactly what reading the pair alone gives. */
static void test_pair_events(void **state)
{
    fixture *f = *state;
    static const char *const pairs[][2] = {{"Lazarus Group", "10.0.0.1"},
                                           {"Lazarus Group", "198.51.100.7"},
                                           {"Kimsuky", "10.0.0.2"},
                                           {"Lazarus Group", "10.0.0.3"}};
    hub_buf b = {0};
    for (int m = 0; m < 20; m++)
        for (int p = 0; p < 4; p++) {
            char *l = alert_line(m * 4 + p, pairs[p][0], pairs[p][1], m);
            char *dest = strstr(l, ",\"dest_ip\""), *next = strchr(dest + 1, ',');
            if (p == 1)
                memmove(dest, next, strlen(next) + 1);
            hub_buf_printf(&b, "%s\n", l);
            free(l);
        }
    char *body = hub_buf_take(&b);
    ingest(f->s, "s1", NULL, body, 80, false);
    free(body);
    const int64_t t0 = INT64_C(1699920000000000); /* 2023-11-14T00:00:00Z */
    hub_pair_read reads[4] = {
        {pairs[0][0], pairs[0][1], t0 + 15 * 60000000, INT64_MAX},
        {pairs[1][0], NULL, t0 + 10 * 60000000, INT64_MAX},
        {pairs[2][0], pairs[2][1], t0 + 2 * 60000000, INT64_MAX},
        {pairs[3][0], pairs[3][1], INT64_MAX, INT64_MAX},
    };
    pair_rows got = {.stop_after = {64, 64, 2, 64}}, want = got;
    hub_event_filter base = {.require_actor = true, .lean = true};
    assert_int_equal(hub_store_pair_events(f->s, &base, reads, 4, 4, pair_row, &got), HUB_OK);
    for (size_t i = 0; i < 4; i++) {
        hub_event_filter all = {.actor = reads[i].actor, .order = HUB_ORDER_NEWEST};
        pair_expect x = {&reads[i], 4, &want, i};
        assert_int_equal(hub_store_events(f->s, &all, pair_expect_row, &x), HUB_OK);
    }
    assert_int_equal(want.n[0], 4);
    assert_int_equal(want.n[1], 4);
    assert_int_equal(want.n[2], 2);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(got.n[i], want.n[i]);
        assert_memory_equal(got.ids[i], want.ids[i], want.n[i] * sizeof(int64_t));
    }
}

/* A database from before the rollup (or with an outdated one) gets it rebuilt at open. */
static void test_rollup_migration(void **state)
{
    fixture *f = *state;
    if (f->admin)
        skip(); /* SQLite's user_version layout history; PostgreSQL: test_pg_migrations */
    load(f->s);
    static const fake_params queries[] = {
        {{NULL}},
        {{"since", "2023-11-14T00:30:00Z", "until", "2023-11-14T04:05:00Z", NULL}},
        {{"interval", "minute", NULL}},
    };
    json_t *before[3];
    for (int i = 0; i < 3; i++)
        before[i] = call(f->s, hub_api_summary, 200, queries[i]);
    /* from before any rollup, and from before the per-minute one (version 6) */
    static const char *downgrade[] = {
        "DELETE FROM rollup; DELETE FROM rollup_minute; DELETE FROM victim_rollup_minute;"
        " PRAGMA user_version = 1;",
        "DELETE FROM rollup_minute; DELETE FROM victim_rollup_minute;"
        " PRAGMA user_version = 6;",
    };
    for (int d = 0; d < 2; d++) {
        hub_store_close(f->s);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, downgrade[d], NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        assert_int_equal(hub_store_open(f->path, &f->s), HUB_OK);
        for (int i = 0; i < 3; i++) {
            json_t *after = call(f->s, hub_api_summary, 200, queries[i]);
            assert_true(json_equal(before[i], after));
            json_decref(after);
        }
    }
    for (int i = 0; i < 3; i++)
        json_decref(before[i]);
}

static void actor_call(hub_store *s, const hub_params *p, hub_reply *r)
{
    hub_api_actor(s, NULL, fake_get(p->ctx, "name"), p, r);
}

static void test_actor(void **state)
{
    fixture *f = *state;
    load(f->s);
    json_t *j = call(f->s, actor_call, 200, (fake_params){{"name", "Kimsuky", NULL}});
    assert_int_equal(json_integer_value(json_object_get(j, "events")), 10);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "techniques"), 0), "id")),
                        "T1071.001");
    json_decref(j);
    json_decref(call(f->s, actor_call, 404, (fake_params){{"name", "Nobody", NULL}}));
    j = call(f->s, hub_api_actors, 200, (fake_params){{NULL}});
    assert_int_equal(json_array_size(json_object_get(j, "actors")), 2);
    json_decref(j);
}

/* Migrations are recorded and run once: a second open (as a second worker would) changes
 * nothing, and the store still answers; the last ones' schema changes are in place. */
static void test_pg_migrations(void **state)
{
    fixture *f = *state;
    if (!f->admin)
        skip();
    load(f->s);
    hub_store *again;
    assert_int_equal(hub_store_open(f->path, &again), HUB_OK);
    hub_store_close(again);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM schema_migrations"), 11);
    /* migration 11: events are found by sensor and address through event_keys, one row
     * per (kind, value, bucket) here (one batch), partitioned by day like events; no
     * index on those columns of events is left */
    assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_indexes WHERE indexname IN"
                                  " ('events_sensor_h', 'events_src_h', 'events_dest_h',"
                                  " 'events_sensor_ts', 'events_src_b', 'events_dest_b')"), 0);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM (SELECT kind, value, bucket_us"
                                  " FROM event_keys GROUP BY 1, 2, 3 HAVING count(*) > 1) d"), 0);
    assert_int_equal(admin_int(f, "SELECT sum(cardinality(ts)) FROM event_keys WHERE kind = 1"),
                     admin_int(f, "SELECT count(*) FROM events"));
    assert_int_equal(admin_int(f, "SELECT sum(cardinality(ts)) FROM event_keys WHERE kind = 2"),
                     admin_int(f, "SELECT count(src_ip) FROM events"));
    /* each (time, id) pair names its event, whose value is the row's */
    assert_int_equal(admin_int(f, "SELECT count(*) FROM event_keys k, unnest(k.ts, k.ids)"
                                  " AS u(t, i), events e WHERE e.ts_us = u.t AND e.id = u.i"
                                  " AND e.dest_ip = k.value AND k.kind = 3"),
                     admin_int(f, "SELECT count(dest_ip) FROM events"));
    assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_inherits i JOIN pg_class c"
                                  " ON c.oid = i.inhrelid"
                                  " WHERE i.inhparent = 'event_keys'::regclass"
                                  " AND c.relname LIKE 'event_keys_p%'"),
                     admin_int(f, "SELECT count(*) FROM pg_inherits i JOIN pg_class c"
                                  " ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass"
                                  " AND c.relname LIKE 'events_p%'"));
    /* migration 9: the compared text columns of events (its partitions too) and the
     * rollups compare bytes, not through the database locale */
    assert_int_equal(admin_int(f, "SELECT count(*) FROM information_schema.columns"
                                  " WHERE (table_name LIKE 'events%' OR table_name LIKE '%rollup%')"
                                  " AND data_type = 'text' AND column_name <> 'raw'"
                                  " AND collation_name IS DISTINCT FROM 'C'"), 0);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM information_schema.columns"
                                  " WHERE table_name LIKE 'events_p%' AND column_name = 'sensor'"
                                  " AND collation_name = 'C'") > 0, 1);
    /* ... and the full indexes do not deduplicate (nor those of partitions made later) */
    assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_class WHERE relname = 'events_ts'"
                                  " AND 'deduplicate_items=off' = ANY(reloptions)"), 1);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_index i JOIN pg_class c"
                                  " ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
                                  " WHERE t.relname LIKE 'events_p%'"
                                  " AND 'deduplicate_items=off' = ANY(c.reloptions)") >= 1, 1);
    /* migration 8: no stream entry column or index (claims are confirmed at commit) */
    assert_int_equal(admin_int(f, "SELECT count(*) FROM information_schema.columns"
                                  " WHERE table_name = 'events' AND column_name = 'skey'"), 0);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_indexes"
                                  " WHERE indexname = 'events_skey'"), 0);
    /* ... nor primary key: id order is read on exportable events only, by a partial index */
    assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_constraint"
                                  " WHERE conname = 'events_pkey'"), 0);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_indexes WHERE tablename = 'events'"
                                  " AND indexname = 'events_id_x'"), 1);
    /* migration 7: the event type index is partial, the full one gone */
    assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_indexes WHERE tablename = 'events'"
                                  " AND indexname = 'events_type_x'"
                                  " AND indexdef LIKE '%WHERE%'"), 1);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_indexes"
                                  " WHERE indexname = 'events_type_ts'"), 0);
    int64_t n = 0;
    hub_event_filter all = {0};
    assert_int_equal(hub_store_count(f->s, &all, &n), HUB_OK);
    assert_int_equal(n, 41);
    admin_sql(f, "SELECT 1"); /* the admin connection is alive for the next tests */
}

/* The plan PostgreSQL makes for the store's query with filter flt (seq scans off: the
 * table is tiny), as text. */
static char *pg_plan(fixture *f, const hub_event_filter *flt)
{
    hub_sql q = {.dialect = HUB_SQL_PG};
    hub_sql_time_range(&q, flt);
    hub_buf e = {0};
    hub_buf_printf(&e, "PREPARE q AS %s", q.sql.data);
    admin_sql(f, "DEALLOCATE ALL");
    admin_sql(f, e.data);
    hub_buf_free(&e);
    hub_buf_puts(&e, "EXPLAIN EXECUTE q(");
    for (int i = 0; i < q.nargs; i++)
        hub_buf_printf(&e, "%s'%s'", i ? ", " : "", q.args[i].text);
    hub_buf_puts(&e, ")");
    PGresult *r = PQexec(f->admin, e.data);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    hub_buf plan = {0};
    for (int i = 0; i < PQntuples(r); i++)
        hub_buf_printf(&plan, "%s\n", PQgetvalue(r, i, 0));
    PQclear(r);
    hub_buf_free(&e);
    hub_buf_free(&q.sql);
    return hub_buf_take(&plan);
}

/* Whether a plan scans a partition's copy of the events index `parent` (partitions'
 * index names are made up by PostgreSQL). */
static bool plan_uses(fixture *f, const char *plan, const char *parent)
{
    static const char *const marks[] = {"Index Scan using ", "Index Only Scan using ",
                                        "Bitmap Index Scan on "};
    for (size_t m = 0; m < sizeof marks / sizeof *marks; m++)
        for (const char *p = plan; (p = strstr(p, marks[m])); ) {
            p += strlen(marks[m]);
            char sql[256];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_inherits i JOIN pg_class c"
                     " ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
                     " WHERE c.relname = '%.*s' AND p.relname = '%s'",
                     (int)strcspn(p, " \n"), p, parent);
            if (admin_int(f, sql))
                return true;
        }
    return false;
}

/* A search on a sensor or an address finds its events' times in event_keys (migration
 * 11) and the events by the time index. */
static void test_pg_event_keys(void **state)
{
    fixture *f = *state;
    if (!f->admin)
        skip();
    load(f->s);
    admin_sql(f, "ANALYZE events; ANALYZE event_keys");
    admin_sql(f, "SET enable_seqscan = off");
    struct {
        hub_event_filter flt;
        bool keys; /* the plan reads event_keys */
    } cases[] = {
        {{.src_ip = "10.9.9.9"}, true},
        {{.dest_ip = "8.8.8.8", .sensor = "s2"}, true},
        /* q: counted from events, not from the rollups; a sensor alone is not looked up
         * in event_keys for an aggregate (store_sql.c, key_use) */
        {{.sensor = "s2", .q = "event_type"}, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *plan = pg_plan(f, &cases[i].flt);
        if (plan_uses(f, plan, "event_keys_k") != cases[i].keys ||
            (cases[i].keys && !plan_uses(f, plan, "events_ts")))
            fail_msg("case %zu: event_keys_k %s, events_ts expected:\n%s", i,
                     cases[i].keys ? "expected" : "unexpected", plan);
        free(plan);
    }
    admin_sql(f, "RESET enable_seqscan");
}

/* Builds one EVE line at `day` (2023-11-14 + day) for the retention test. */
static void add_day_event(hub_store *s, int day)
{
    char line[256];
    snprintf(line, sizeof line,
             "{\"timestamp\":\"2023-11-%02dT12:00:00Z\",\"event_type\":\"alert\","
             "\"src_ip\":\"10.0.0.%d\",\"dest_ip\":\"203.0.113.1\","
             "\"alert\":{\"signature_id\":1,\"signature\":\"s\",\"severity\":1}}",
             14 + day, day);
    ingest(s, "s1", NULL, line, 1, false);
}

/* Retention drops whole days before the cutoff (PostgreSQL: their partitions) and their
 * rollup rows; the summary and the event search agree afterwards. */
static void test_retention(void **state)
{
    fixture *f = *state;
    for (int d = 0; d < 3; d++)
        add_day_event(f->s, d);
    if (f->admin)
        assert_int_equal(admin_int(f, "SELECT count(*) FROM pg_inherits"
                                      " WHERE inhparent = 'events'::regclass"
                                      " AND inhrelid <> 'events_default'::regclass"),
                         3);
    int64_t cutoff, dropped = 0, n = 0;
    assert_true(hub_time_parse("2023-11-16T06:00:00Z", &cutoff)); /* keeps the 16th */
    assert_int_equal(hub_store_retain(f->s, cutoff, &dropped), HUB_OK);
    assert_int_equal(dropped, 2); /* two partitions or two events */
    hub_event_filter all = {0};
    assert_int_equal(hub_store_count(f->s, &all, &n), HUB_OK);
    assert_int_equal(n, 1);
    all.src_ip = "10.0.0.2"; /* forces the events table instead of the rollup */
    assert_int_equal(hub_store_count(f->s, &all, &n), HUB_OK);
    assert_int_equal(n, 1);
    add_day_event(f->s, 0); /* an old day comes back as a fresh partition */
    all.src_ip = NULL;
    assert_int_equal(hub_store_count(f->s, &all, &n), HUB_OK);
    assert_int_equal(n, 2);
}

static int64_t count_events(hub_store *s, const char *since, const char *until)
{
    hub_event_filter flt = {0};
    flt.has_since = since && hub_time_parse(since, &flt.since_us);
    flt.has_until = until && hub_time_parse(until, &flt.until_us);
    int64_t n = -1;
    assert_int_equal(hub_store_count(s, &flt, &n), HUB_OK);
    return n;
}

/* A batch is stored whole whatever its timestamps (PostgreSQL used to refuse the batch
 * when one fell outside its day partitions): days before 1970, past year 9999, and more
 * distinct days than one batch creates partitions for. PostgreSQL keeps the strays in
 * its default partition; a later batch that creates one of their days' partition moves
 * them there, and retention deletes the old ones. */
static void test_stray_days(void **state)
{
    fixture *f = *state;
    hub_buf b = {0}; /* 1969-12-31 and 1-7 March get partitions; 8-12 March and the year
                      * 10000 (9999 in its time zone) none */
    hub_buf_puts(&b, "{\"timestamp\":\"1970-01-01T00:00:00+05:00\",\"event_type\":\"flow\"}\n"
                     "{\"timestamp\":\"9999-12-31T23:00:00-02:00\",\"event_type\":\"flow\"}\n"
                     "{\"timestamp\":\"9999-12-31T22:30:00-02:00\",\"event_type\":\"flow\"}\n");
    for (int d = 1; d <= 12; d++)
        hub_buf_printf(&b, "{\"timestamp\":\"2024-03-%02dT10:00:00Z\",\"event_type\":"
                           "\"flow\",\"src_ip\":\"10.0.0.%d\"}\n", d, d);
    char *body = hub_buf_take(&b);
    assert_non_null(body);
    ingest(f->s, "s1", NULL, body, 15, false);
    free(body);
    assert_int_equal(count_events(f->s, NULL, NULL), 15);
    assert_int_equal(count_events(f->s, "2024-03-12T00:00:00Z", "2024-03-13T00:00:00Z"), 1);
    assert_int_equal(count_events(f->s, NULL, "1970-01-01T00:00:00Z"), 1);
    if (f->admin) {
        assert_int_equal(admin_int(f, "SELECT count(*) FROM events_default"), 7);
        assert_int_equal(admin_int(f, "SELECT count(*) FROM events_p19691231"), 1);
    }
    ingest(f->s, "s2", NULL,
           "{\"timestamp\":\"2024-03-12T11:00:00Z\",\"event_type\":\"flow\"}\n", 1, false);
    assert_int_equal(count_events(f->s, NULL, NULL), 16);
    assert_int_equal(count_events(f->s, "2024-03-12T00:00:00Z", "2024-03-13T00:00:00Z"), 2);
    if (f->admin) {
        assert_int_equal(admin_int(f, "SELECT count(*) FROM events_default"), 6);
        assert_int_equal(admin_int(f, "SELECT count(*) FROM events_p20240312"), 2);
    }
    int64_t cutoff, dropped = 0;
    assert_true(hub_time_parse("2024-03-11T06:00:00Z", &cutoff)); /* keeps the 11th on */
    assert_int_equal(hub_store_retain(f->s, cutoff, &dropped), HUB_OK);
    assert_int_equal(count_events(f->s, NULL, NULL), 5); /* 11th, 12th twice, year 10000 */
    if (f->admin)
        assert_int_equal(admin_int(f, "SELECT count(*) FROM events_default"), 3);
}

/* idem_claim reports each key new exactly once, across batches and within one. */
static void test_idem_claim(void **state)
{
    fixture *f = *state;
    const char *a[] = {"1700000000000-0", "1700000000000-1", "1700000000001-0"};
    const char *b[] = {"1700000000001-0", "1700000000002-0", "we\"ird\\"};
    bool fresh[3];
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    assert_int_equal(hub_store_idem_claim(f->s, "stream:x", a, 3, fresh), HUB_OK);
    assert_true(fresh[0] && fresh[1] && fresh[2]);
    assert_int_equal(hub_store_commit(f->s), HUB_OK);
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    assert_int_equal(hub_store_idem_claim(f->s, "stream:x", b, 3, fresh), HUB_OK);
    assert_true(!fresh[0] && fresh[1] && fresh[2]);
    assert_int_equal(hub_store_idem_claim(f->s, "stream:y", b, 1, fresh), HUB_OK);
    assert_true(fresh[0]); /* scopes are separate */
    hub_store_rollback(f->s); /* a rolled back claim is forgotten */
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    assert_int_equal(hub_store_idem_claim(f->s, "stream:x", b, 3, fresh), HUB_OK);
    assert_true(!fresh[0] && fresh[1] && fresh[2]);
    assert_int_equal(hub_store_commit(f->s), HUB_OK);
    /* A key between a claimed batch's smallest and largest is still new when it was not
     * in that batch (PostgreSQL keeps claims as one row per batch, with its key range). */
    const char *c[] = {"1700000000000-05", "1700000000000-1", "1700000000000-05"};
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    assert_int_equal(hub_store_idem_claim(f->s, "stream:x", c, 3, fresh), HUB_OK);
    assert_true(fresh[0] && !fresh[1] && !fresh[2]);
    assert_int_equal(hub_store_idem_claim(f->s, "stream:x", c, 1, fresh), HUB_OK);
    assert_false(fresh[0]); /* claimed earlier in the same transaction */
    assert_int_equal(hub_store_commit(f->s), HUB_OK);
}

/* Walks rows in read order: each strictly after the one before, counted; stops at stop. */
typedef struct {
    hub_order order;
    int64_t last_ts, last_id;
    size_t n, stop;
} walk;

static int walk_row(const hub_event_row *row, void *ud)
{
    walk *w = ud;
    if (w->n) {
        if (w->order == HUB_ORDER_NEWEST)
            assert_true(row->f.ts_us < w->last_ts ||
                        (row->f.ts_us == w->last_ts && row->id < w->last_id));
        else
            assert_true(row->id > w->last_id);
    }
    w->last_ts = row->f.ts_us;
    w->last_id = row->id;
    return ++w->n == w->stop;
}

/* Unbounded and large reads return every row once, in order, across pages (PostgreSQL
 * reads them through a cursor, 1,000 rows a FETCH), and stop when the callback says so. */
static void test_events_paged(void **state)
{
    fixture *f = *state;
    enum { N = 2500 };
    char *body = malloc(N * 160), *p = body;
    assert_non_null(body);
    for (int i = 0; i < N; i++) /* equal timestamps in pairs: ties ordered by id */
        p += sprintf(p, "{\"timestamp\":\"2023-11-14T12:%02d:%02d.%06dZ\",\"event_type\":"
                        "\"flow\",\"src_ip\":\"10.0.0.%d\"}\n",
                     i / 2 / 60 % 60, i / 2 % 60, (i / 2) % 1000, i % 250);
    ingest(f->s, "s1", NULL, body, N, false);
    free(body);
    static const struct { hub_order order; unsigned limit; size_t stop, want; } cases[] = {
        {HUB_ORDER_NEWEST, 0, 0, N},      {HUB_ORDER_OLDEST, 0, 0, N},
        {HUB_ORDER_NEWEST, 1700, 0, 1700}, {HUB_ORDER_OLDEST, 1001, 0, 1001},
        {HUB_ORDER_NEWEST, 0, 1500, 1500}, {HUB_ORDER_OLDEST, 0, 999, 999},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        hub_event_filter flt = {.order = cases[c].order, .limit = cases[c].limit};
        walk w = {.order = cases[c].order, .stop = cases[c].stop};
        assert_int_equal(hub_store_events(f->s, &flt, walk_row, &w), HUB_OK);
        assert_int_equal(w.n, cases[c].want);
    }
}

/* Ids of a newest-first read, optionally only those of one source address (the oracle
 * below filters in C what the store filters in SQL). */
typedef struct {
    const char *src, *dest;
    int64_t ids[4096], ts[4096];
    size_t n, max;
} id_list;

static int collect_id(const hub_event_row *row, void *ud)
{
    id_list *l = ud;
    if (l->src && (!row->f.src_ip || strcmp(row->f.src_ip, l->src) != 0))
        return 0;
    if (l->dest && (!row->f.dest_ip || strcmp(row->f.dest_ip, l->dest) != 0))
        return 0;
    assert_true(l->n < sizeof l->ids / sizeof l->ids[0]);
    l->ts[l->n] = row->f.ts_us;
    l->ids[l->n++] = row->id;
    return l->max && l->n >= l->max;
}

/* Address searches walk time buckets newest first (SQLite's address indexes,
 * store_sqlite.c; PostgreSQL's event_keys, store_pg.c): across buckets, limits, time
 * ranges and cursors they must return exactly what a read of every event filtered by
 * address returns, and counts (one query over every bucket) must agree. A source, a
 * destination, or both (PostgreSQL searches by the source and tests the destination). */
static void test_addr_buckets(void **state)
{
    fixture *f = *state;
    enum { N = 1200 };
    char *body = malloc(N * 160 + 1024), *p = body;
    assert_non_null(body);
    for (int i = 0; i < N; i++) /* 7 s apart: 2 h 20 min, 15 buckets; pairs share a time */
        p += sprintf(p, "{\"timestamp\":\"2023-11-14T%02d:%02d:%02dZ\",\"event_type\":"
                        "\"flow\",\"src_ip\":\"10.0.0.%d\",\"dest_ip\":\"10.1.0.%d\"}\n",
                     10 + i / 2 * 7 / 3600, i / 2 * 7 / 60 % 60, i / 2 * 7 % 60,
                     i % 3 == 0 ? 1 : i % 7, i % 5);
    /* stray clocks: buckets below zero, bucket 0 from both sides, millennia between
     * (SQLite's buckets; PostgreSQL's day partitions and its default partition) */
    p += sprintf(p, "{\"timestamp\":\"1970-01-01T00:00:00+05:00\",\"event_type\":\"flow\","
                        "\"src_ip\":\"10.0.0.1\"}\n{\"timestamp\":\"1970-01-01T00:00:00+00:01\","
                        "\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\"}\n{\"timestamp\":"
                        "\"1970-01-01T00:00:01Z\",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\"}"
                        "\n{\"timestamp\":\"9000-01-01T00:00:00Z\",\"event_type\":\"flow\","
                        "\"src_ip\":\"10.0.0.2\"}\n");
    ingest(f->s, "s1", NULL, body, N + 4, false);
    free(body);
    static const struct { const char *src, *since, *until; unsigned limit; const char *dest; }
    cases[] = {
        {NULL, NULL, NULL, 0, "10.1.0.3"}, {NULL, "2023-11-14T11:00:00Z", NULL, 40, "10.1.0.2"},
        {"10.0.0.1", NULL, NULL, 25, "10.1.0.4"}, {"10.0.0.2", NULL, NULL, 0, "10.1.0.2"},
        {"10.0.0.1", NULL, NULL, 0, NULL},    {"10.0.0.1", NULL, NULL, 100, NULL},
        {"10.0.0.2", NULL, NULL, 30, NULL},   {"10.0.0.5", "2023-11-14T10:25:00Z", NULL, 0, NULL},
        {"10.0.0.1", NULL, "2023-11-14T11:05:03Z", 50, NULL},
        {"10.0.0.3", "2023-11-14T10:59:00Z", "2023-11-14T11:31:00Z", 0, NULL},
        {"10.0.0.1", "2023-11-14T11:00:00Z", "2023-11-14T11:10:00Z", 7, NULL},
        {"10.0.0.9", NULL, NULL, 10, NULL},   {"10.0.0.4", "2023-11-14T13:00:00Z", NULL, 0, NULL},
        {"10.0.0.1", NULL, "2000-01-01T00:00:00Z", 0, NULL},
        {"10.0.0.2", "2023-11-14T12:00:00Z", NULL, 5, NULL},
        {"10.0.0.1", "1970-01-01T00:00:00+00:10", "1970-01-01T00:10:00Z", 0, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        hub_event_filter flt = {.order = HUB_ORDER_NEWEST};
        if (cases[c].since)
            assert_true(hub_time_parse(cases[c].since, &flt.since_us) && (flt.has_since = 1));
        if (cases[c].until)
            assert_true(hub_time_parse(cases[c].until, &flt.until_us) && (flt.has_until = 1));
        for (int paged = 0; paged < 2; paged++) {
            static id_list want, got;
            want = (id_list){.src = cases[c].src, .dest = cases[c].dest, .max = cases[c].limit};
            got = (id_list){0};
            assert_int_equal(hub_store_events(f->s, &flt, collect_id, &want), HUB_OK);
            hub_event_filter by = flt;
            by.src_ip = cases[c].src;
            by.dest_ip = cases[c].dest;
            by.limit = cases[c].limit;
            if (paged && want.n > 2) { /* resume after the second row, as a cursor does */
                by.has_before = true;
                by.before_ts = want.ts[1];
                by.before_id = want.ids[1];
                memmove(want.ids, want.ids + 2, (want.n - 2) * sizeof want.ids[0]);
                want.n -= 2;
                if (flt.limit == 0 && by.limit && want.n == by.limit - 2) {
                    /* the oracle stopped at the limit: read on for the rows after it */
                    id_list more = {.src = by.src_ip, .dest = by.dest_ip, .max = by.limit + 2};
                    assert_int_equal(hub_store_events(f->s, &flt, collect_id, &more), HUB_OK);
                    memcpy(want.ids, more.ids + 2, (more.n - 2) * sizeof want.ids[0]);
                    want.n = more.n - 2;
                }
            }
            assert_int_equal(hub_store_events(f->s, &by, collect_id, &got), HUB_OK);
            assert_int_equal(got.n, want.n);
            for (size_t i = 0; i < got.n; i++)
                assert_int_equal(got.ids[i], want.ids[i]);
            if (!paged && !cases[c].limit) {
                int64_t n = -1;
                assert_int_equal(hub_store_count(f->s, &by, &n), HUB_OK);
                assert_int_equal(n, (int64_t)want.n);
            }
        }
    }
}

/* Every combination of seven filters (128 query texts: more than PostgreSQL's store keeps
 * prepared per connection, so some are dropped and prepared again) answers alike twice. */
static void test_many_query_shapes(void **state)
{
    fixture *f = *state;
    load(f->s);
    int64_t first[128];
    for (int pass = 0; pass < 2; pass++)
        for (int m = 0; m < 128; m++) {
            hub_event_filter flt = {
                .event_type = m & 1 ? "alert" : NULL,
                .actor = m & 2 ? "Lazarus Group" : NULL,
                .sensor = m & 4 ? "s1" : NULL,
                .src_ip = m & 8 ? "10.9.9.9" : NULL,
                .dest_ip = m & 16 ? "8.8.8.8" : NULL,
                .victim = m & 32 ? "10.0.0.1" : NULL,
                .signature_id = m & 64 ? 1 : 0,
            };
            int64_t n = -1;
            assert_int_equal(hub_store_count(f->s, &flt, &n), HUB_OK);
            if (pass)
                assert_int_equal(n, first[m]);
            first[m] = n;
        }
    assert_int_equal(first[0], 41);
    assert_int_equal(first[2], 30);  /* Lazarus */
    assert_int_equal(first[24], 1);  /* the flow's addresses */
    assert_int_equal(first[26], 0);  /* ... with Lazarus */
}

/* A row callback that runs a query of the same text as the one it is called from (the
 * SQLite backend keeps prepared statements per handle and must not hand out the one
 * still being stepped), and repeated queries with other values bound. */
typedef struct {
    hub_store *s;
    int outer, inner, wrong_actor;
} nested_ctx;

static int count_kimsuky(const hub_event_row *row, void *ud)
{
    nested_ctx *c = ud;
    c->inner++;
    c->wrong_actor += strcmp(row->f.actor ? row->f.actor : "", "Kimsuky") != 0;
    return 0;
}

static int outer_row(const hub_event_row *row, void *ud)
{
    nested_ctx *c = ud;
    c->outer++;
    c->wrong_actor += strcmp(row->f.actor ? row->f.actor : "", "Lazarus Group") != 0;
    hub_event_filter inner = {.actor = "Kimsuky", .order = HUB_ORDER_NEWEST, .limit = 50};
    assert_int_equal(hub_store_events(c->s, &inner, count_kimsuky, c), HUB_OK);
    return 0;
}

static void test_nested_same_query(void **state)
{
    fixture *f = *state;
    load(f->s);
    nested_ctx c = {.s = f->s};
    /* the same limit: it is part of the query's text */
    hub_event_filter outer = {.actor = "Lazarus Group", .order = HUB_ORDER_NEWEST, .limit = 50};
    for (int pass = 0; pass < 2; pass++)
        assert_int_equal(hub_store_events(f->s, &outer, outer_row, &c), HUB_OK);
    assert_int_equal(c.outer, 2 * 30);       /* Lazarus's 30 events, twice */
    assert_int_equal(c.inner, 2 * 30 * 10); /* Kimsuky's 10 events under each of them */
    assert_int_equal(c.wrong_actor, 0);
}

/* PostgreSQL databases from before migration 3 hold one claim row per key in
 * idempotency; opening them moves those claims to claim_batch without losing one. */
static void test_pg_claim_migration(void **state)
{
    fixture *f = *state;
    if (!f->admin)
        skip();
    admin_sql(f, "DROP TABLE claim_batch; DROP INDEX events_attr_ts, events_attr_pair;"
                 " DROP TABLE events_default;"
                 " DELETE FROM schema_migrations WHERE version >= 3;"
                 " INSERT INTO idempotency VALUES ('stream:x', '9-0', '', 5),"
                 " ('stream:x', '10-0', '', 5), ('stream:x', '11-0', '', 6),"
                 " ('s1', 'batch-1', '{}', 6)");
    hub_store_close(f->s);
    assert_int_equal(hub_store_open(f->path, &f->s), HUB_OK);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM claim_batch"), 2);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM idempotency"), 1);
    const char *k[] = {"10-0", "11-0", "12-0", "9-0", "9-1"};
    bool fresh[5];
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    assert_int_equal(hub_store_idem_claim(f->s, "stream:x", k, 5, fresh), HUB_OK);
    assert_true(!fresh[0] && !fresh[1] && fresh[2] && !fresh[3] && fresh[4]);
    assert_int_equal(hub_store_commit(f->s), HUB_OK);
}

/* Adds events first..first+n-1 of one transaction, each line built from a scratch
 * buffer that is overwritten for the next (a backend may keep rows until commit and
 * must keep its own copy). */
static void add_numbered(hub_store *s, int first, int n)
{
    char line[200], src[32];
    for (int i = first; i < first + n; i++) {
        snprintf(src, sizeof src, "10.1.%d.%d", i / 250, i % 250);
        int len = snprintf(line, sizeof line,
                           "{\"timestamp\":\"2023-11-14T10:00:00Z\",\"n\":%d}", i);
        hub_event_fields ev = {.ts_us = 1699956000000000 + i, .event_type = "flow",
                               .src_ip = src, .raw = line, .raw_len = (size_t)len,
                               .signature_id = i % 2 ? i : 0};
        assert_int_equal(hub_store_event_add(s, "s1", 1, &ev), HUB_OK);
        memset(line, 'x', sizeof line - 1);
        memset(src, 'y', sizeof src - 1);
    }
}

static int check_numbered(const hub_event_row *row, void *ud)
{
    int *next = ud;
    char want[100], src[32];
    int i = (int)(row->f.ts_us - 1699956000000000);
    snprintf(want, sizeof want, "{\"timestamp\":\"2023-11-14T10:00:00Z\",\"n\":%d}", i);
    snprintf(src, sizeof src, "10.1.%d.%d", i / 250, i % 250);
    assert_int_equal(i, *next);
    assert_int_equal(row->f.raw_len, strlen(want));
    assert_memory_equal(row->f.raw, want, strlen(want));
    assert_string_equal(row->f.src_ip, src);
    assert_int_equal(row->f.signature_id, i % 2 ? i : 0);
    (*next)++;
    return 0;
}

/* An early commit (a worker's stream batch) is visible at once; hub_store_durable, on
 * another handle, says when it is on disk, and that a commit the server lost (its claim
 * row missing, as after a crash before the WAL flush) must be stored again. SQLite's
 * commits are durable when they return. */
static void test_commit_early(void **state)
{
    fixture *f = *state;
    const char *keys[] = {"1700000000000-0", "1700000000000-1"};
    bool fresh[2];
    hub_commit_mark mark;
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    assert_int_equal(hub_store_idem_claim(f->s, "stream:x", keys, 2, fresh), HUB_OK);
    add_numbered(f->s, 0, 2);
    assert_int_equal(hub_store_commit_early(f->s, &mark), HUB_OK);
    int64_t n = 0;
    hub_event_filter all = {0};
    assert_int_equal(hub_store_count(f->s, &all, &n), HUB_OK);
    assert_int_equal(n, 2);
    hub_store *other;
    assert_int_equal(hub_store_open(f->path, &other), HUB_OK);
    assert_int_equal(mark.pending, f->admin != NULL);
    assert_int_equal(hub_store_durable(other, &mark), HUB_OK);
    if (f->admin) {
        hub_commit_mark lost = mark;
        lost.created_us++; /* no claim row: the commit did not survive */
        assert_int_equal(hub_store_durable(other, &lost), HUB_ERR_NOTFOUND);
    }
    /* a batch without claims commits durably, early or not */
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    add_numbered(f->s, 2, 1);
    assert_int_equal(hub_store_commit_early(f->s, &mark), HUB_OK);
    assert_false(mark.pending);
    hub_store_close(other);
}

/* Batches of any size store every row once, byte for byte, across however many
 * statements the backend splits them into; a rolled back batch leaves nothing, even
 * rows already handed to the database, and the next batch starts clean. */
static void test_batch_rows(void **state)
{
    fixture *f = *state;
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    add_numbered(f->s, 1000, 150);
    hub_store_rollback(f->s);
    int sizes[] = {1, 63, 64, 65, 128, 200};
    int next = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        assert_int_equal(hub_store_begin(f->s), HUB_OK);
        add_numbered(f->s, next, sizes[k]);
        assert_int_equal(hub_store_commit(f->s), HUB_OK);
        next += sizes[k];
    }
    hub_event_filter all = {.order = HUB_ORDER_OLDEST};
    int seen = 0;
    assert_int_equal(hub_store_events(f->s, &all, check_numbered, &seen), HUB_OK);
    assert_int_equal(seen, next);
}

/* A body big enough to be parsed on its own thread while its first lines are inserted
 * (ingest.c's pipeline): every accepted line stored once, in body order, byte for byte;
 * rejected lines reported with their body line numbers (blank lines count but are not
 * rejected); the retry with the same key replayed, not stored again. */
#define BIG_LINES 3000

static void big_line(char *buf, size_t cap, int k)
{
    snprintf(buf, cap, "{\"timestamp\":\"2023-11-14T10:00:00.%06d+0000\",\"event_type\":"
                       "\"flow\",\"src_ip\":\"10.2.0.1\",\"n\":%d,\"pad\":\"%080d\"}", k, k, k);
}

static int check_big(const hub_event_row *row, void *ud)
{
    int *next = ud;
    char want[256];
    big_line(want, sizeof want, *next);
    assert_int_equal(row->f.raw_len, strlen(want));
    assert_memory_equal(row->f.raw, want, strlen(want));
    (*next)++;
    return 0;
}

static void test_big_body_pipelined(void **state)
{
    fixture *f = *state;
    hub_buf b = {0};
    char line[256];
    int k = 0;
    for (int i = 1; i <= BIG_LINES; i++) {
        if (i % 10 == 3)
            line[0] = '\0';
        else if (i % 10 == 7)
            snprintf(line, sizeof line, "{\"event_type\":\"flow\",\"n\":%d}", i);
        else
            big_line(line, sizeof line, k++);
        hub_buf_puts(&b, line);
        hub_buf_puts(&b, "\n");
    }
    char *body = hub_buf_take(&b);
    assert_true(strlen(body) > (256u << 10)); /* far above the threaded-parse threshold */
    hub_ingest_result res;
    assert_int_equal(hub_ingest_body(f->s, "s1", "big", body, strlen(body), &res), HUB_OK);
    assert_int_equal(res.accepted, k);
    assert_int_equal(res.rejected, BIG_LINES / 10);
    json_t *r = json_loads(res.reply, 0, NULL);
    json_t *errs = json_object_get(r, "errors");
    assert_int_equal(json_array_size(errs), HUB_INGEST_MAX_ERRORS);
    for (size_t i = 0; i < json_array_size(errs); i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(errs, i), "line")),
                         10 * (json_int_t)i + 7);
    assert_true(json_is_true(json_object_get(r, "errors_truncated")));
    json_decref(r);
    free(res.reply);
    ingest(f->s, "s1", "big", body, (size_t)k, true);
    free(body);
    hub_event_filter all = {.order = HUB_ORDER_OLDEST};
    int seen = 0;
    assert_int_equal(hub_store_events(f->s, &all, check_big, &seen), HUB_OK);
    assert_int_equal(seen, k);
}

/* PostgreSQL writers run concurrently: two batches that claim one stream entry at once
 * both see it as new, the confirmation at commit lets only the first commit it, and the
 * second's retry sees the claim (and commits, the entry left out). The same entry id from
 * another stream is no conflict. */
static void test_pg_concurrent_claims(void **state)
{
    fixture *f = *state;
    if (!f->admin)
        skip();
    hub_store *s[3] = {f->s, NULL, NULL};
    const char *scope[3] = {"stream:x", "stream:x", "stream:y"}, *k[] = {"1700000000000-0"};
    bool fresh[1];
    for (int i = 0; i < 3; i++) {
        if (i)
            assert_int_equal(hub_store_open(f->path, &s[i]), HUB_OK);
        assert_int_equal(hub_store_begin(s[i]), HUB_OK);
        assert_int_equal(hub_store_idem_claim(s[i], scope[i], k, 1, fresh), HUB_OK);
        assert_true(fresh[0]);
        add_numbered(s[i], 0, 1); /* the same event time */
    }
    assert_int_equal(hub_store_commit(s[0]), HUB_OK);
    assert_int_equal(hub_store_commit(s[1]), HUB_ERR_STORAGE);
    assert_int_equal(hub_store_commit(s[2]), HUB_OK);
    assert_int_equal(hub_store_begin(s[1]), HUB_OK);
    assert_int_equal(hub_store_idem_claim(s[1], scope[1], k, 1, fresh), HUB_OK);
    assert_false(fresh[0]);
    assert_int_equal(hub_store_commit(s[1]), HUB_OK);
    assert_int_equal(admin_int(f, "SELECT count(*) FROM events"), 2);
    hub_store_close(s[1]);
    hub_store_close(s[2]);
}

static void *commit_later(void *conn)
{
    usleep(300 * 1000);
    PQclear(PQexec(conn, "COMMIT"));
    return NULL;
}

/* An id-ordered read (TAXII, export) never returns an id above one that is still being
 * written: here a transaction took id 2 and is open while id 3 commits; the read waits
 * for it, so a reader paging on "id > last seen" cannot skip id 2. */
static void test_pg_commit_horizon(void **state)
{
    fixture *f = *state;
    if (!f->admin)
        skip();
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    add_numbered(f->s, 0, 1); /* id 1, and the day's partition */
    assert_int_equal(hub_store_commit(f->s), HUB_OK);
    admin_sql(f, "BEGIN");
    admin_sql(f, "SELECT pg_current_xact_id()");
    admin_sql(f, "INSERT INTO events(received_us, sensor, ts_us, event_type, raw)"
                 " VALUES (1, 's1', 1699956000000001, 'flow',"
                 " '{\"timestamp\":\"2023-11-14T10:00:00Z\",\"n\":1}')");
    assert_int_equal(hub_store_begin(f->s), HUB_OK);
    add_numbered(f->s, 2, 1); /* id 3 */
    assert_int_equal(hub_store_commit(f->s), HUB_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, commit_later, f->admin), 0);
    hub_event_filter all = {.order = HUB_ORDER_OLDEST};
    walk w = {.order = HUB_ORDER_OLDEST};
    assert_int_equal(hub_store_events(f->s, &all, walk_row, &w), HUB_OK);
    pthread_join(t, NULL);
    assert_int_equal(w.n, 3);
}

static int check_long(const hub_event_row *row, void *ud)
{
    int *seen = ud;
    size_t want = 20000 + (size_t)(row->f.ts_us % 7);
    assert_int_equal(row->f.raw_len, want);
    for (size_t k = 0; k < want; k++)
        assert_int_equal(row->f.raw[k], 'a' + (int)((row->f.ts_us + (int64_t)k) % 26));
    (*seen)++;
    return 0;
}

/* Rows far longer than usual, in batches that cross statements twice: each stored
 * whole (the backend's per-row buffers are grown, then released, then grown again). */
static void test_long_rows(void **state)
{
    fixture *f = *state;
    char *line = malloc(20010);
    for (int b = 0; b < 3; b++) {
        assert_int_equal(hub_store_begin(f->s), HUB_OK);
        for (int i = 0; i < 70; i++) {
            int64_t ts = 1699956000000000 + b * 100 + i;
            size_t len = 20000 + (size_t)(ts % 7);
            for (size_t k = 0; k < len; k++)
                line[k] = (char)('a' + (int)((ts + (int64_t)k) % 26));
            hub_event_fields ev = {.ts_us = ts, .event_type = "flow", .raw = line,
                                   .raw_len = len};
            assert_int_equal(hub_store_event_add(f->s, "s1", 1, &ev), HUB_OK);
        }
        assert_int_equal(hub_store_commit(f->s), HUB_OK);
    }
    free(line);
    hub_event_filter all = {.order = HUB_ORDER_OLDEST};
    int seen = 0;
    assert_int_equal(hub_store_events(f->s, &all, check_long, &seen), HUB_OK);
    assert_int_equal(seen, 210);
}


/* ---- the server's single writer ------------------------------------------------------ */

#define SW_THREADS 4
#define SW_BODIES 15
#define SW_LINES 1000
#define SW_PAD 1000 /* bytes of padding per line: the WAL passes the checkpoint length */

typedef struct {
    const char *path;
    hub_store *w;
    pthread_mutex_t *mu;
    int id;
    hub_status st;
} sw_arg;

static char *sw_body(int id, int b)
{
    hub_buf buf = {0};
    static char pad[SW_PAD + 1];
    memset(pad, 'x', SW_PAD);
    char line[SW_PAD + 256];
    for (int i = 0; i < SW_LINES; i++) {
        snprintf(line, sizeof line,
                 "{\"timestamp\":\"2023-11-14T12:%02d:%02d.000000+0000\",\"event_type\":"
                 "\"flow\",\"src_ip\":\"10.%d.%d.%d\",\"dest_ip\":\"192.0.2.1\",\"p\":\"%s\"}\n",
                 b % 60, i % 60, id, b, i % 250, pad);
        hub_buf_puts(&buf, line);
    }
    return hub_buf_take(&buf);
}

/* One sensor's thread: its own handle, the transactions on the shared writer. */
static void *sw_sensor(void *p)
{
    sw_arg *a = p;
    hub_store *s = NULL;
    a->st = hub_store_open(a->path, &s);
    if (a->st == HUB_OK)
        hub_store_share_write_lock(s, a->mu);
    char sensor[16], key[16];
    snprintf(sensor, sizeof sensor, "s%d", a->id);
    for (int b = 0; a->st == HUB_OK && b <= SW_BODIES; b++) {
        char *body = sw_body(a->id, b % SW_BODIES); /* the last is a retry of the first */
        snprintf(key, sizeof key, "k%d", b % SW_BODIES);
        hub_ingest_result res;
        a->st = hub_ingest_body_to(s, a->w, NULL, sensor, key, body, strlen(body), &res);
        if (a->st == HUB_OK && (res.accepted != SW_LINES || res.replayed != (b == SW_BODIES)))
            a->st = HUB_ERR_STORAGE;
        free(res.reply);
        free(body);
    }
    hub_store_close(s);
    return NULL;
}

/* Sensors posting at once through one shared writer handle (server.c): every batch is
 * stored once (a lost unlock between two holders hangs this test), a retried key is
 * replayed, and the checkpoint thread keeps the WAL from growing with the data. Every
 * line passed through the WAL, so without a checkpoint that let it start over it would
 * hold more than the lines' padding alone; with them it holds about one checkpoint
 * length (32 MiB) at most, plus what was written while the last one ran (Release: 18
 * MB at the end, ASan: 30 MB, of 60 MB of padding). */
static void test_shared_writer(void **state)
{
    fixture *f = *state;
    if (f->admin)
        skip(); /* the shared writer is SQLite's (PostgreSQL keeps no page cache) */
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    hub_store *w = NULL;
    assert_int_equal(hub_store_open(f->path, &w), HUB_OK);
    hub_store_share_write_lock(w, &mu);
    pthread_t th[SW_THREADS];
    sw_arg a[SW_THREADS];
    for (int i = 0; i < SW_THREADS; i++) {
        a[i] = (sw_arg){.path = f->path, .w = w, .mu = &mu, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, sw_sensor, &a[i]), 0);
    }
    for (int i = 0; i < SW_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].st, HUB_OK);
    }
    int64_t n = 0;
    hub_event_filter all = {0};
    assert_int_equal(hub_store_count(f->s, &all, &n), HUB_OK);
    assert_int_equal(n, SW_THREADS * SW_BODIES * SW_LINES);
    hub_store_close(w); /* joins the checkpoint thread; f->s keeps the WAL from going */
    sqlite3 *db;
    int log = -1, done = -1;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st; /* a read first: a connection opens the WAL when it reads */
    assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int page = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
                                               &done), SQLITE_OK);
    sqlite3_close(db);
    int64_t wal_bytes = (int64_t)log * page;
    assert_true(log >= 0);
    print_message("WAL at the end: %d frames, %lld bytes\n", log, (long long)wal_bytes);
    assert_true(wal_bytes < (int64_t)SW_THREADS * SW_BODIES * SW_LINES * SW_PAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_filters_and_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents_interleaved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pair_events, setup, teardown),
        cmocka_unit_test(test_reply_json),
        cmocka_unit_test_setup_teardown(test_actor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollup_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stray_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idem_claim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_claim_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_paged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_query_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_same_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addr_buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_body_pipelined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_concurrent_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_commit_horizon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_event_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_writer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
