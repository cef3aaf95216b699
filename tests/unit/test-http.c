/*
 * test-http.c - the HTTP/1.x parser and the file layer, driven directly (no capture, no
 * stream engine): requests and responses in every chunking, pipelining, chunked and gzip
 * bodies, folding and repeated headers, 100-continue, CONNECT, evasions, limits, detection
 * buffers, EVE http/fileinfo/anomaly output, hashes, the file store and file observers.
 *
 * A small harness plays the framework's part: it feeds bytes to the parser, then logs and
 * frees the transactions complete in both directions, in id order, as app-layer.c does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "applayer/app-layer-http.h"
#include "config/config.h"

typedef struct Harness {
    char eve_path[64];
    EveLog *log;
    EveWriter w;
    CounterSet counters;
    AppLayerThread th;
    AppLayerFlow app;
    Flow flow;
    HttpState *s;
    uint64_t logged;
} Harness;

static const AppLayerParser *P = &app_layer_http_parser;

static void configure(const char *const *sets)
{
    ConfNode *conf = conf_new_default();
    char err[256];
    for (int i = 0; sets && sets[i]; i++)
        assert_int_equal(conf_set(conf, sets[i], err, sizeof(err)), 0);
    file_observers_clear();
    app_layer_http_configure(conf);
    conf_free(conf);
}

static void harness_open(Harness *h)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->eve_path, sizeof(h->eve_path), "/tmp/bongsu-test-http-XXXXXX");
    int fd = mkstemp(h->eve_path);
    assert_true(fd >= 0);
    close(fd);
    EveConfig cfg;
    eve_config_default(&cfg);
    cfg.enabled = true;
    snprintf(cfg.path, sizeof(cfg.path), "%s", h->eve_path);
    cfg.types[EVE_HTTP] = cfg.types[EVE_FILES] = cfg.types[EVE_ANOMALY] = true;
    cfg.anomaly_applayer = true;
    h->log = eve_log_open(&cfg);
    assert_non_null(h->log);
    eve_writer_init(&h->w, h->log);
    counter_set_init(&h->counters);
    h->th.counters = &h->counters;
    h->th.eve = &h->w;
    h->flow.key.proto = 6;
    h->flow.key.src.family = h->flow.key.dst.family = AF_INET;
    h->flow.key.src.addr[0] = 10;
    h->flow.key.dst.addr[0] = 192;
    h->flow.key.sp = 40000;
    h->flow.key.dp = 80;
    h->app.proto = ALPROTO_HTTP;
    h->flow.app = &h->app;
    h->s = P->state_new();
}

static AppLayerCtx ctx_of(Harness *h)
{
    return (AppLayerCtx){.thread = &h->th, .flow = &h->flow, .packet = NULL, .now_usec = 1};
}

/* The framework's logging loop: complete transactions (all at flow end) in id order. */
static void log_done(Harness *h, bool ending)
{
    AppLayerCtx ctx = ctx_of(h);
    while (h->logged < P->tx_count(h->s)) {
        void *tx = P->tx_get(h->s, h->logged);
        if (tx) {
            if (!ending && !(P->tx_done(tx, true) && P->tx_done(tx, false)))
                break;
            P->log_tx(&ctx, h->s, tx, h->logged);
            P->tx_free(h->s, h->logged);
        }
        h->logged++;
    }
}

static int feed(Harness *h, bool to_server, const char *data, size_t len, size_t step)
{
    AppLayerCtx ctx = ctx_of(h);
    int rc = 0;
    for (size_t off = 0; off < len; off += step) {
        size_t n = len - off < step ? len - off : step;
        rc |= P->parse(h->s, &ctx, to_server, (const uint8_t *)data + off, (uint32_t)n, 0);
        log_done(h, false);
    }
    return rc;
}

static void feed_all(Harness *h, bool to_server, const char *data)
{
    assert_int_equal(feed(h, to_server, data, strlen(data), strlen(data) + 1), 0);
}

static void eof(Harness *h, bool to_server)
{
    AppLayerCtx ctx = ctx_of(h);
    P->parse(h->s, &ctx, to_server, NULL, 0, APP_FLAG_EOF);
}

/* Ends the flow and returns the EVE events as one JSON array. */
static json_t *harness_close(Harness *h)
{
    log_done(h, true);
    P->state_free(h->s);
    eve_writer_destroy(&h->w);
    eve_log_close(h->log);
    counter_set_free(&h->counters);
    json_t *arr = json_array();
    FILE *f = fopen(h->eve_path, "r");
    assert_non_null(f);
    char line[65536];
    while (fgets(line, sizeof(line), f)) {
        json_t *ev = json_loads(line, 0, NULL);
        assert_non_null(ev);
        json_array_append_new(arr, ev);
    }
    fclose(f);
    unlink(h->eve_path);
    return arr;
}

static json_t *nth_event(json_t *events, const char *type, size_t n)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (strcmp(json_string_value(json_object_get(ev, "event_type")), type) == 0 && n-- == 0)
            return ev;
    }
    return NULL;
}

static size_t count_events(json_t *events, const char *type, const char *anomaly)
{
    size_t i, n = 0;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (strcmp(json_string_value(json_object_get(ev, "event_type")), type) != 0)
            continue;
        const char *name = json_string_value(json_object_get(json_object_get(ev, "anomaly"), "event"));
        if (!anomaly || (name && strcmp(name, anomaly) == 0))
            n++;
    }
    return n;
}

static const char *str_at(json_t *ev, const char *obj, const char *key)
{
    return json_string_value(json_object_get(json_object_get(ev, obj), key));
}

static json_int_t int_at(json_t *ev, const char *obj, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(ev, obj), key));
}

static const char *const default_sets[] = {NULL};

static const char REQ1[] = "GET /dl/file.exe?x=1 HTTP/1.1\r\n"
                           "Host: WWW.Example.com.\r\n"
                           "User-Agent: TestUA/1.0\r\n"
                           "Referer: http://ref.example/\r\n"
                           "X-Forwarded-For: 1.2.3.4\r\n"
                           "Cookie: a=b\r\n"
                           "\r\n";
static const char RESP1[] = "HTTP/1.1 200 OK\r\n"
                            "Content-Type: application/octet-stream; charset=x\r\n"
                            "Content-Length: 18\r\n"
                            "Location: /elsewhere\r\n"
                            "\r\n"
                            "MZhello world body";

static void test_simple_exchange(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, REQ1);
    feed_all(&h, false, RESP1);
    json_t *events = harness_close(&h);
    json_t *http = nth_event(events, "http", 0);
    assert_non_null(http);
    /* a Host header keeps its trailing dot (the reference logs "b.example.com." for
     * "Host: b.example.com."); only a URI's host loses it */
    assert_string_equal(str_at(http, "http", "hostname"), "www.example.com.");
    assert_string_equal(str_at(http, "http", "url"), "/dl/file.exe?x=1");
    assert_string_equal(str_at(http, "http", "http_user_agent"), "TestUA/1.0");
    assert_string_equal(str_at(http, "http", "xff"), "1.2.3.4");
    assert_string_equal(str_at(http, "http", "http_content_type"), "application/octet-stream");
    assert_string_equal(str_at(http, "http", "http_refer"), "http://ref.example/");
    assert_string_equal(str_at(http, "http", "http_method"), "GET");
    assert_string_equal(str_at(http, "http", "protocol"), "HTTP/1.1");
    assert_string_equal(str_at(http, "http", "redirect"), "/elsewhere");
    assert_int_equal(int_at(http, "http", "status"), 200);
    assert_int_equal(int_at(http, "http", "length"), 18);
    assert_null(json_object_get(json_object_get(http, "http"), "http_port"));
    assert_int_equal(json_integer_value(json_object_get(http, "tx_id")), 0);
    json_t *fi = nth_event(events, "fileinfo", 0);
    assert_non_null(fi);
    assert_string_equal(str_at(fi, "fileinfo", "filename"), "/dl/file.exe");
    assert_string_equal(str_at(fi, "fileinfo", "state"), "CLOSED");
    assert_int_equal(int_at(fi, "fileinfo", "size"), 18);
    assert_false(json_is_true(json_object_get(json_object_get(fi, "fileinfo"), "gaps")));
    assert_false(json_is_true(json_object_get(json_object_get(fi, "fileinfo"), "stored")));
    assert_null(json_object_get(json_object_get(fi, "fileinfo"), "md5"));
    /* a download is logged from the server */
    assert_int_equal(json_integer_value(json_object_get(fi, "src_port")), 80);
    assert_null(json_object_get(fi, "tx_id"));
    assert_string_equal(json_string_value(json_object_get(fi, "app_proto")), "http");
    assert_int_equal(count_events(events, "anomaly", NULL), 0);
    json_decref(events);
}

/* Runs REQ1/RESP1 through the parser in chunks of `step` bytes; returns the events. */
static json_t *run_chunked(size_t step)
{
    Harness h;
    harness_open(&h);
    assert_int_equal(feed(&h, true, REQ1, strlen(REQ1), step), 0);
    assert_int_equal(feed(&h, false, RESP1, strlen(RESP1), step), 0);
    json_t *events = harness_close(&h);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) json_object_del(ev, "timestamp");
    return events;
}

static void test_every_chunking(void **state)
{
    (void)state;
    configure(default_sets);
    json_t *whole = run_chunked(1 << 20);
    for (size_t step = 1; step < 40; step++) {
        json_t *split = run_chunked(step);
        assert_true(json_equal(whole, split));
        json_decref(split);
    }
    json_decref(whole);
}

/* Every split point of a request: two deliveries give what one does. */
static void test_every_split_point(void **state)
{
    (void)state;
    configure(default_sets);
    json_t *whole = run_chunked(1 << 20);
    char both[1024];
    snprintf(both, sizeof(both), "%s", REQ1);
    size_t len = strlen(both);
    for (size_t cut = 1; cut < len; cut++) {
        Harness h;
        harness_open(&h);
        assert_int_equal(feed(&h, true, both, cut, cut), 0);
        assert_int_equal(feed(&h, true, both + cut, len - cut, len), 0);
        feed_all(&h, false, RESP1);
        json_t *ev = harness_close(&h);
        size_t i;
        json_t *e;
        json_array_foreach(ev, i, e) json_object_del(e, "timestamp");
        assert_true(json_equal(whole, ev));
        json_decref(ev);
    }
    json_decref(whole);
}

static void test_pipelining(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                       "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
                       "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
    assert_int_equal(P->tx_count(h.s), 3);
    feed_all(&h, false, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                        "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nCC");
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "http", NULL), 3);
    assert_string_equal(str_at(nth_event(events, "http", 0), "http", "url"), "/a");
    assert_int_equal(int_at(nth_event(events, "http", 1), "http", "length"), 0);
    assert_string_equal(str_at(nth_event(events, "http", 2), "http", "url"), "/c");
    assert_int_equal(int_at(nth_event(events, "http", 2), "http", "status"), 201);
    assert_int_equal(json_integer_value(json_object_get(nth_event(events, "http", 2), "tx_id")), 2);
    /* two responses with bodies and one request body */
    assert_int_equal(count_events(events, "fileinfo", NULL), 3);
    json_decref(events);
}

static size_t gzip_bytes(const char *text, size_t len, uint8_t *out, size_t cap, int bits)
{
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)text;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
}

/* Builds a chunked response around body (chunks of 7 bytes). */
static size_t chunked_response(char *out, size_t cap, const char *headers, const uint8_t *body,
                               size_t len)
{
    size_t o = (size_t)snprintf(out, cap, "HTTP/1.1 200 OK\r\n%sTransfer-Encoding: chunked\r\n\r\n",
                                headers);
    for (size_t off = 0; off < len; off += 7) {
        size_t n = len - off < 7 ? len - off : 7;
        o += (size_t)snprintf(out + o, cap - o, "%zx;ext=1\r\n", n);
        memcpy(out + o, body + off, n);
        o += n;
        o += (size_t)snprintf(out + o, cap - o, "\r\n");
    }
    o += (size_t)snprintf(out + o, cap - o, "0\r\nX-Trailer: t\r\n\r\n");
    return o;
}

static void test_chunked_gzip_hashes(void **state)
{
    (void)state;
    const char *sets[] = {"outputs.1.eve-log.types.6.files.force-hash.0=md5",
                          "outputs.1.eve-log.types.6.files.force-hash.1=sha1",
                          "outputs.1.eve-log.types.6.files.force-hash.2=sha256", NULL};
    configure(sets);
    const char *text = "The quick brown fox jumps over the lazy dog";
    uint8_t gz[256];
    size_t gz_len = gzip_bytes(text, strlen(text), gz, sizeof(gz), 15 + 16);
    char resp[2048];
    size_t resp_len = chunked_response(resp, sizeof(resp), "Content-Encoding: gzip\r\n", gz, gz_len);
    for (size_t step = 1; step <= resp_len; step += 13) {
        Harness h;
        harness_open(&h);
        feed_all(&h, true, "GET /fox.txt HTTP/1.1\r\nHost: h\r\n\r\n");
        HttpTx *tx = http_state_tx(h.s, 0);
        assert_int_equal(feed(&h, false, resp, resp_len, step), 0);
        (void)tx;
        json_t *events = harness_close(&h);
        json_t *fi = nth_event(events, "fileinfo", 0);
        assert_non_null(fi);
        assert_int_equal(int_at(fi, "fileinfo", "size"), strlen(text));
        assert_string_equal(str_at(fi, "fileinfo", "md5"), "9e107d9d372bb6826bd81d3542a419d6");
        assert_string_equal(str_at(fi, "fileinfo", "sha1"),
                            "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
        assert_string_equal(str_at(fi, "fileinfo", "sha256"),
                            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
        json_t *http = nth_event(events, "http", 0);
        /* length counts the wire bytes of the chunked body, framing included */
        assert_true(int_at(http, "http", "length") > (json_int_t)gz_len);
        assert_int_equal(count_events(events, "anomaly", NULL), 0);
        json_decref(events);
    }
}

static void test_deflate_raw_and_layers(void **state)
{
    (void)state;
    configure(default_sets);
    const char *text = "layered body layered body layered body";
    uint8_t raw[256], twice[512];
    size_t raw_len = gzip_bytes(text, strlen(text), raw, sizeof(raw), -15);
    /* "deflate" sent as raw deflate, wrapped in gzip: decoded in header order */
    size_t twice_len = gzip_bytes((const char *)raw, raw_len, twice, sizeof(twice), 15 + 16);
    char resp[2048];
    size_t o = (size_t)snprintf(resp, sizeof(resp),
                                "HTTP/1.1 200 OK\r\nContent-Encoding: gzip, deflate\r\n"
                                "Content-Length: %zu\r\n\r\n", twice_len);
    memcpy(resp + o, twice, twice_len);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET /l HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_int_equal(feed(&h, false, resp, o + twice_len, 5), 0);
    HttpTx *tx = http_state_tx(h.s, 0);
    assert_null(tx);  /* logged and freed */
    json_t *events = harness_close(&h);
    assert_int_equal(int_at(nth_event(events, "fileinfo", 0), "fileinfo", "size"), strlen(text));
    json_decref(events);
}

static void test_headers_folding_repetition(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: one\r\n\ttwo\r\n"
                       "X-Dup: a\r\nx-dup: b\r\nNoColonHere\r\n\r\n");
    HttpTx *tx = http_state_tx(h.s, 0);
    uint32_t len;
    const uint8_t *v = http_header_get(&tx->req.headers, "user-agent", &len);
    assert_int_equal(len, 7);
    assert_memory_equal(v, "one two", 7);
    v = http_header_get(&tx->req.headers, "X-DUP", &len);
    assert_int_equal(len, 4);
    assert_memory_equal(v, "a, b", 4);
    feed_all(&h, false, "HTTP/1.1 204 No Content\r\nAlsoNoColon\r\n\r\n");
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "anomaly", "REQUEST_HEADER_REPETITION"), 1);
    assert_int_equal(count_events(events, "anomaly", "REQUEST_FIELD_MISSING_COLON"), 1);
    /* the reference raises nothing for the response's line without a colon */
    assert_int_equal(count_events(events, "anomaly", "RESPONSE_FIELD_MISSING_COLON"), 0);
    assert_int_equal(count_events(events, "http", NULL), 1);
    json_decref(events);
}

static void test_100_continue(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                       "Content-Length: 5\r\n\r\n");
    feed_all(&h, false, "HTTP/1.1 100 Continue\r\n\r\n");
    feed_all(&h, true, "hello");
    feed_all(&h, false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "http", NULL), 1);
    assert_int_equal(int_at(nth_event(events, "http", 0), "http", "status"), 200);
    assert_int_equal(count_events(events, "fileinfo", NULL), 2);
    json_t *up = nth_event(events, "fileinfo", 0);
    assert_string_equal(str_at(up, "fileinfo", "filename"), "/up");
    assert_int_equal(int_at(up, "fileinfo", "size"), 5);
    assert_int_equal(json_integer_value(json_object_get(up, "src_port")), 40000);
    json_decref(events);
}

static void test_connect_tunnel(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n");
    feed_all(&h, false, "HTTP/1.1 200 Connection established\r\n\r\n");
    /* the flow goes back to protocol detection for what the tunnel carries */
    assert_true(h.app.change_requested);
    feed_all(&h, true, "\x16\x03\x01\x02\x00 not http at all\r\n\r\n");
    feed_all(&h, false, "\x16\x03\x03 server hello\r\n");
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "http", NULL), 1);
    json_t *http = nth_event(events, "http", 0);
    assert_string_equal(str_at(http, "http", "hostname"), "www.example.com");
    assert_int_equal(int_at(http, "http", "http_port"), 443);
    assert_string_equal(str_at(http, "http", "url"), "www.example.com:443");
    json_decref(events);
}

static void test_body_limit_and_buffers(void **state)
{
    (void)state;
    const char *sets[] = {
        "app-layer.protocols.http.libhtp.default-config.response-body-limit=10", NULL};
    configure(sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET /a/./b/../c%2fd//e\\f?q=%41//x\\y%2f+z%u0042 HTTP/1.0\r\nHost: h:8080\r\n"
                       "Cookie: secret\r\nAccept: */*\r\n\r\n");
    feed_all(&h, false, "HTTP/1.0 200 OK\r\nServer: srv\r\nSet-Cookie: s=1\r\n\r\n"
                        "0123456789abcdefghij");
    HttpTx *tx = http_state_tx(h.s, 0);
    assert_non_null(tx);
    const uint8_t *d;
    uint32_t n;
    int id = applayer_buffer_id("http.uri");
    assert_true(applayer_buffer_get(id, h.s, tx, true, &d, &n));
    /* the query: %XX decoded, nothing else (as the reference's http.uri) */
    const char *uri = "/a/c/d/e/f?q=A//x\\y/+z%u0042";
    assert_int_equal(n, strlen(uri));
    assert_memory_equal(d, uri, n);
    assert_true(applayer_buffer_get(applayer_buffer_id("http.uri.raw"), h.s, tx, true, &d, &n));
    assert_memory_equal(d, "/a/./b/../c%2fd//e\\f?q=%41//x\\y%2f+z%u0042", n);
    assert_true(applayer_buffer_get(applayer_buffer_id("http.header"), h.s, tx, true, &d, &n));
    const char *hdr = "Host: h:8080\r\nAccept: */*\r\n\r\n";
    assert_int_equal(n, strlen(hdr));
    assert_memory_equal(d, hdr, n);
    assert_true(applayer_buffer_get(applayer_buffer_id("http.header_names"), h.s, tx, true, &d, &n));
    const char *names = "\r\nHost\r\nCookie\r\nAccept\r\n\r\n";
    assert_int_equal(n, strlen(names));
    assert_memory_equal(d, names, n);
    assert_true(applayer_buffer_get(applayer_buffer_id("http.cookie"), h.s, tx, false, &d, &n));
    assert_memory_equal(d, "s=1", n);
    assert_true(applayer_buffer_get(applayer_buffer_id("http.server"), h.s, tx, false, &d, &n));
    assert_memory_equal(d, "srv", n);
    assert_true(applayer_buffer_get(applayer_buffer_id("http.stat_code"), h.s, tx, false, &d, &n));
    assert_memory_equal(d, "200", n);
    assert_true(applayer_buffer_get(applayer_buffer_id("http.start"), h.s, tx, false, &d, &n));
    const char *start = "HTTP/1.0 200 OK\r\nServer: srv\r\nSet-Cookie: s=1\r\n\r\n";
    assert_int_equal(n, strlen(start));
    assert_memory_equal(d, start, n);
    /* the inspected body stops at the limit */
    assert_true(applayer_buffer_get(applayer_buffer_id("file.data"), h.s, tx, false, &d, &n));
    assert_int_equal(n, 10);
    /* http.method is a request buffer only */
    assert_false(applayer_buffer_get(applayer_buffer_id("http.method"), h.s, tx, false, &d, &n));
    eof(&h, false);
    json_t *events = harness_close(&h);
    json_t *http = nth_event(events, "http", 0);
    assert_int_equal(int_at(http, "http", "http_port"), 8080);
    assert_int_equal(int_at(http, "http", "length"), 20);
    /* The file stops at the body limit too (Suricata's file depth); the chunk that crossed
     * it was the body's last, so the file is whole as far as it goes: CLOSED, 10 bytes. */
    json_t *fi = nth_event(events, "fileinfo", 0);
    assert_int_equal(int_at(fi, "fileinfo", "size"), 10);
    assert_string_equal(str_at(fi, "fileinfo", "state"), "CLOSED");
    json_decref(events);

    /* Data after the limit was reached truncates the file (no md5 then, as Suricata). */
    harness_open(&h);
    feed_all(&h, true, "GET /big HTTP/1.0\r\nHost: h\r\n\r\n");
    const char *resp = "HTTP/1.0 200 OK\r\nContent-Length: 20\r\n\r\n0123456789abcdefghij";
    size_t head = strlen(resp) - 20;
    assert_int_equal(feed(&h, false, resp, head + 12, head + 12), 0);
    assert_int_equal(feed(&h, false, resp + head + 12, 8, 8), 0);
    eof(&h, false);
    events = harness_close(&h);
    fi = nth_event(events, "fileinfo", 0);
    assert_int_equal(int_at(fi, "fileinfo", "size"), 10);
    assert_string_equal(str_at(fi, "fileinfo", "state"), "TRUNCATED");
    assert_int_equal(int_at(nth_event(events, "http", 0), "http", "length"), 20);
    json_decref(events);

    /* A file observer (YARA, intel hashes) needs whole files: the limit is lifted. */
    static const FileObserver whole_file_consumer = {0};
    assert_int_equal(file_observer_register(&whole_file_consumer), 0);
    harness_open(&h);
    feed_all(&h, true, "GET /big HTTP/1.0\r\nHost: h\r\n\r\n");
    assert_int_equal(feed(&h, false, resp, head + 12, head + 12), 0);
    assert_int_equal(feed(&h, false, resp + head + 12, 8, 8), 0);
    eof(&h, false);
    events = harness_close(&h);
    file_observers_clear();
    fi = nth_event(events, "fileinfo", 0);
    assert_int_equal(int_at(fi, "fileinfo", "size"), 20);
    assert_string_equal(str_at(fi, "fileinfo", "state"), "CLOSED");
    json_decref(events);
}

static void test_evasions_and_events(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "  GET\t/x  HTTP/1.1\r\n\r\n");
    feed_all(&h, false, "HTTP/1.1 abc Weird\r\nContent-Length: 0\r\n\r\n");
    feed_all(&h, true, "GET /y HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx");
    /* an unreadable chunk size turns the rest into a body that runs to the close */
    feed_all(&h, false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nrest");
    eof(&h, false);
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "anomaly", "REQUEST_LINE_LEADING_WHITESPACE"), 1);
    assert_int_equal(count_events(events, "anomaly", "METHOD_DELIM_NON_COMPLIANT"), 1);
    assert_int_equal(count_events(events, "anomaly", "URI_DELIM_NON_COMPLIANT"), 1);
    assert_int_equal(count_events(events, "anomaly", "MISSING_HOST_HEADER"), 1);
    assert_int_equal(count_events(events, "anomaly", "INVALID_RESPONSE_CHUNK_LEN"), 1);
    assert_int_equal(count_events(events, "anomaly", "DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST"), 1);
    assert_int_equal(count_events(events, "anomaly", "RESPONSE_INVALID_STATUS"), 1);
    assert_int_equal(count_events(events, "http", NULL), 2);
    assert_string_equal(str_at(nth_event(events, "http", 0), "http", "status_string"), "abc");
    /* the GET's body is no file (Suricata: only POST and PUT bodies are) */
    assert_int_equal(count_events(events, "fileinfo", NULL), 1);
    json_t *fi = nth_event(events, "fileinfo", 0);
    assert_int_equal(int_at(fi, "fileinfo", "size"), strlen("ZZ\r\nrest"));
    assert_string_equal(str_at(fi, "fileinfo", "state"), "CLOSED");
    json_decref(events);
}

static void test_unmatched_response_and_http09(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    feed_all(&h, true, "GET /old\r\n");
    feed_all(&h, false, "raw 0.9 body without status line\r\nmore");
    eof(&h, false);
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "anomaly", "UNABLE_TO_MATCH_RESPONSE_TO_REQUEST"), 1);
    assert_int_equal(count_events(events, "http", NULL), 2);
    json_t *old = nth_event(events, "http", 1);
    assert_string_equal(str_at(old, "http", "url"), "/old");
    assert_null(json_object_get(json_object_get(old, "http"), "protocol"));
    json_t *fi = nth_event(events, "fileinfo", 0);
    assert_int_equal(int_at(fi, "fileinfo", "size"), strlen("raw 0.9 body without status line\r\nmore"));
    json_decref(events);
}

/* A protocol-less request line with headers behind it is not HTTP/0.9 (libhtp); events are
 * queryable per transaction for app-layer-event rules. */
static void test_not09_and_tx_events(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET /\nHost: h\nAuthorization: NTLM abc\n\n");
    HttpTx *tx = http_state_tx(h.s, 0);
    assert_non_null(tx);
    assert_true(tx->req.complete);
    assert_int_equal(tx->hostname.len, 1);
    assert_true(P->tx_has_event(tx, "request_auth_unrecognized"));
    assert_true(P->tx_has_event(tx, "REQUEST_AUTH_UNRECOGNIZED"));
    assert_false(P->tx_has_event(tx, "missing_host_header"));
    json_decref(harness_close(&h));
}

static void test_truncated_and_gap(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
    feed_all(&h, false, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    AppLayerCtx ctx = ctx_of(&h);
    assert_int_equal(P->parse(h.s, &ctx, false, NULL, 20, APP_FLAG_GAP), 0);
    feed_all(&h, false, "abc");
    json_t *events = harness_close(&h);
    json_t *fi = nth_event(events, "fileinfo", 0);
    assert_string_equal(str_at(fi, "fileinfo", "state"), "TRUNCATED");
    assert_true(json_is_true(json_object_get(json_object_get(fi, "fileinfo"), "gaps")));
    assert_int_equal(int_at(fi, "fileinfo", "size"), 33);
    assert_int_equal(count_events(events, "http", NULL), 1);
    json_decref(events);
}

/* As libhtp: a gap in the headers is skipped (parsing goes on with the next bytes); a gap
 * past the end of a Content-Length body ends that response (truncated file) and the next
 * response parses normally. */
static void test_gap_outside_bodies(void **state)
{
    (void)state;
    const char *sets[] = {"outputs.1.eve-log.types.6.files.force-hash.0=md5",
                          "outputs.1.eve-log.types.6.files.force-hash.1=sha256", NULL};
    configure(sets);
    Harness h;
    harness_open(&h);
    AppLayerCtx ctx = ctx_of(&h);
    feed_all(&h, true, "GET /1 HTTP/1.1\r\nHo");
    assert_int_equal(P->parse(h.s, &ctx, true, NULL, 5, APP_FLAG_GAP), 0);
    feed_all(&h, true, "st: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    feed_all(&h, false, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nHell");
    assert_int_equal(P->parse(h.s, &ctx, false, NULL, 10, APP_FLAG_GAP), 0);
    feed_all(&h, false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "http", NULL), 2);
    assert_int_equal(int_at(nth_event(events, "http", 1), "http", "status"), 200);
    json_t *fi = nth_event(events, "fileinfo", 0);
    assert_string_equal(str_at(fi, "fileinfo", "state"), "TRUNCATED");
    assert_int_equal(int_at(fi, "fileinfo", "size"), 12);
    /* after a gap only SHA-256 goes on, over the bytes that came */
    assert_null(str_at(fi, "fileinfo", "md5"));
    assert_string_equal(str_at(fi, "fileinfo", "sha256"),
                        "8d586f8b60df1ad7502b52fc50d2e0b6d0d9b5643875c054d821dfd8e6672bed");
    assert_string_equal(str_at(nth_event(events, "fileinfo", 1), "fileinfo", "state"), "CLOSED");
    json_decref(events);
    configure(default_sets);
}

static void test_compression_bomb(void **state)
{
    (void)state;
    configure(default_sets);
    /* one deflate layer cannot pass 1032:1, so the bomb is two layers deep */
    size_t plain_len = 8u * 1024 * 1024;
    char *plain = calloc(1, plain_len);
    uint8_t *inner = malloc(64 * 1024), *gz = malloc(64 * 1024);
    size_t inner_len = gzip_bytes(plain, plain_len, inner, 64 * 1024, 15 + 16);
    size_t gz_len = gzip_bytes((const char *)inner, inner_len, gz, 64 * 1024, 15 + 16);
    free(plain);
    free(inner);
    char head[128];
    int hn = snprintf(head, sizeof(head),
                      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip\r\n"
                      "Content-Length: %zu\r\n\r\n", gz_len);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET /bomb HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_int_equal(feed(&h, false, head, (size_t)hn, (size_t)hn), 0);
    assert_int_equal(feed(&h, false, (const char *)gz, gz_len, 1000), 0);
    free(gz);
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "anomaly", "COMPRESSION_BOMB"), 1);
    json_t *fi = nth_event(events, "fileinfo", 0);
    assert_true(int_at(fi, "fileinfo", "size") < (json_int_t)plain_len);
    json_decref(events);
}

static void test_too_many_transactions(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    int rc = 0;
    for (unsigned i = 0; i < HTTP_MAX_OPEN_TX + 5; i++)
        rc |= feed(&h, true, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 27, 27);
    assert_int_equal(rc, -1);
    assert_int_equal(P->tx_count(h.s), HTTP_MAX_OPEN_TX);
    json_decref(harness_close(&h));
}

static void test_probe(void **state)
{
    (void)state;
    AppProto (*probe)(const uint8_t *, uint32_t, bool) = P->probe;
    assert_int_equal(probe((const uint8_t *)"GET / HTTP/1.1", 14, true), ALPROTO_HTTP);
    assert_int_equal(probe((const uint8_t *)"GE", 2, true), ALPROTO_UNKNOWN);
    assert_int_equal(probe((const uint8_t *)"post /x", 7, true), ALPROTO_HTTP);
    assert_int_equal(probe((const uint8_t *)"HTTP/1.1 200", 12, false), ALPROTO_HTTP);
    assert_int_equal(probe((const uint8_t *)"HTT", 3, false), ALPROTO_UNKNOWN);
    assert_int_equal(probe((const uint8_t *)"\x16\x03\x01", 3, true), ALPROTO_FAILED);
    assert_int_equal(probe((const uint8_t *)"SSH-2.0", 7, false), ALPROTO_FAILED);
}

typedef struct Seen {
    uint64_t bytes;
    int opens, closes;
} Seen;

static void obs_open(const FileThread *th, File *f, void **st, void *user)
{
    (void)th;
    (void)f;
    *st = user;
    ((Seen *)user)->opens++;
}

static void obs_data(const FileThread *th, File *f, const uint8_t *d, uint32_t n, void **st,
                     void *user)
{
    (void)th;
    (void)f;
    (void)d;
    (void)user;
    ((Seen *)*st)->bytes += n;
}

static void obs_close(const FileThread *th, File *f, void **st, void *user)
{
    (void)th;
    (void)user;
    assert_int_equal(f->state, FILE_STATE_CLOSED);
    ((Seen *)*st)->closes++;
}

static void test_file_store_and_observer(void **state)
{
    (void)state;
    char dir[] = "/tmp/bongsu-test-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char set_dir[128];
    snprintf(set_dir, sizeof(set_dir), "outputs.9.file-store.dir=%s", dir);
    const char *sets[] = {"outputs.9.file-store.enabled=yes", "outputs.9.file-store.version=2",
                          "outputs.9.file-store.force-filestore=yes", set_dir, NULL};
    configure(sets);
    Seen seen = {0};
    FileObserver obs = {.on_open = obs_open, .on_data = obs_data, .on_close = obs_close,
                        .user = &seen};
    assert_int_equal(file_observer_register(&obs), 0);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, REQ1);
    feed_all(&h, false, RESP1);
    json_t *events = harness_close(&h);
    file_observers_clear();
    assert_int_equal(seen.opens, 1);
    assert_int_equal(seen.closes, 1);
    assert_int_equal(seen.bytes, 18);
    json_t *fi = nth_event(events, "fileinfo", 0);
    assert_true(json_is_true(json_object_get(json_object_get(fi, "fileinfo"), "stored")));
    const char *sha = str_at(fi, "fileinfo", "sha256");
    assert_non_null(sha);
    char path[512];
    snprintf(path, sizeof(path), "%s/%.2s/%s", dir, sha, sha);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 18);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%.2s", dir, sha);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/tmp", dir);
    rmdir(path);
    rmdir(dir);
    json_decref(events);
    configure(default_sets);
}

static void test_custom_and_dump_headers(void **state)
{
    (void)state;
    const char *sets[] = {"outputs.1.eve-log.types.3.http.dump-all-headers=request",
                          "outputs.1.eve-log.types.3.http.custom.0=server", NULL};
    configure(sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, REQ1);
    feed_all(&h, false, "HTTP/1.1 304 Not Modified\r\nServer: s1\r\nDate: x\r\n\r\n");
    json_t *events = harness_close(&h);
    json_t *http = json_object_get(nth_event(events, "http", 0), "http");
    assert_int_equal(json_array_size(json_object_get(http, "request_headers")), 5);
    json_t *resp = json_object_get(http, "response_headers");
    assert_int_equal(json_array_size(resp), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(resp, 0), "value")), "s1");
    json_decref(events);
    configure(default_sets);
}

/* ---- response evasions (http-evader): each response must still yield the file ---------- */

static const char EV_BODY[] = "evader body, decoded";

/* Runs one GET and `resp` (NULs allowed), returns the events. */
static json_t *evader_exchange(const char *resp, size_t len)
{
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET /e HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_int_equal(feed(&h, false, resp, len, len), 0);
    eof(&h, false);
    return harness_close(&h);
}

/* The response's file: named from Content-Disposition, the whole decoded body. */
static void assert_evader_file(const char *resp, size_t len)
{
    json_t *events = evader_exchange(resp, len);
    json_t *fi = nth_event(events, "fileinfo", 0);
    if (!fi || int_at(fi, "fileinfo", "size") != (json_int_t)strlen(EV_BODY))
        fail_msg("file not decoded from: %.*s", (int)len, resp);
    assert_string_equal(str_at(fi, "fileinfo", "filename"), "f.txt");
    json_decref(events);
}

/* head + chunked EV_BODY (two chunks, CRLF framing) */
static size_t evader_chunked(char *out, size_t cap, const char *head, size_t head_len)
{
    memcpy(out, head, head_len);
    size_t o = head_len;
    o += (size_t)snprintf(out + o, cap - o, "6\r\n%.6s\r\n%zx\r\n%s\r\n0\r\n\r\n", EV_BODY,
                          strlen(EV_BODY) - 6, EV_BODY + 6);
    return o;
}

#define DISP "Content-Disposition: attachment; filename=\"f.txt\""

static void test_evader_line_ends_and_folding(void **state)
{
    (void)state;
    configure(default_sets);
    static const struct {
        const char *head;
        size_t len;
    } chunked[] = {
#define H(s) {s, sizeof(s) - 1}
        H("HTTP/1.1 200 ok\r\n" DISP "\rTransfer-Encoding: chunked\r\n\r\n"),     /* CR only */
        H("HTTP/1.1 200 ok\rTransfer-Encoding: chunked\r\n" DISP "\r\n\r\n"),     /* status CR */
        H("HTTP/1.1\rTransfer-Encoding: chunked\r\n" DISP "\r\n\r\n"),
        /* after the status line's LF, the CR joins the first header's name (lost) */
        H("HTTP/1.1 200 ok\n\rX: y\n\r" DISP "\n\rTransfer-Encoding: chunked\n\rX: y\r\n\r\n"),
        H("HTTP/1.1 200 ok\r\n" DISP "\r\n\r\rTransfer-Encoding: chunked\r\n\r\n"), /* CR CR */
        H("HTTP/1.1 200 ok\r\n" DISP "\r\n\r\r\nTransfer-Encoding: chunked\r\n\r\n"),
        H("HTTP/1.1 200 ok\r\n" DISP "\r\nX-Foo: bar\r\n Transfer-Encoding: chunked\r\n\r\n"),
        H("HTTP/1.1 200 ok\r\n" DISP "\r\nTransfer-Encoding\r\n :chunked\r\n\r\n"),
        H("HTTP/1.1 200 ok\r\n" DISP "\r\nTransfer-Encoding:\n\0chunked\r\n\r\n"),
        H("HTTP/1.1 200 ok\r\n" DISP "\r\nTransfer-Encoding:chu\0nked\r\n\r\n"),
        H("HTTP/1.1 200 ok\r\n" DISP "\r\nTransfer\0-Encoding:chunked\r\n\r\n"),
        H("HTTP/1.1 200 ok\r\n" DISP "\r\nTransfer-Encoding: chunked\n \n"), /* " \n" ends */
        H("HTTP/1.1 204 ok\r\n" DISP "\r\nTransfer-Encoding: chunked\r\n\r\n"),
        H(" \r\nHTTP/1.1 200 ok\r\n" DISP "\r\nTransfer-Encoding: chunked\r\n\r\n"),
        H("SIP/2.0 200 ok\r\nHTTP/1.1 200 ok\r\n" DISP "\r\nTransfer-Encoding: chunked\r\n\r\n"),
    };
    char resp[1024];
    for (size_t i = 0; i < sizeof(chunked) / sizeof(chunked[0]); i++) {
        size_t len = evader_chunked(resp, sizeof(resp), chunked[i].head, chunked[i].len);
        assert_evader_file(resp, len);
    }
    /* LF CR CR LF CR LF: two ends of line, the body starts right after */
    size_t n = (size_t)snprintf(resp, sizeof(resp),
                                "HTTP/1.1 100 ok\r\n" DISP "\r\nContent-Length: %zu\n\r\r\n\r\n%s",
                                strlen(EV_BODY), EV_BODY);
    assert_evader_file(resp, n);
    /* a folded line with a colon is a header of its own in HTTP/1.1 only */
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    feed_all(&h, false, "HTTP/1.0 200 ok\r\nX-A: b\r\n X-C: d\r\nContent-Length: 0\r\n\r\n");
    HttpTx *tx = http_state_tx(h.s, 0);
    (void)tx;
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "anomaly", "INVALID_RESPONSE_FIELD_FOLDING"), 0);
    json_decref(events);
}

static void test_evader_gzip_headers(void **state)
{
    (void)state;
    configure(default_sets);
    uint8_t gz[256];
    size_t gz_len = gzip_bytes(EV_BODY, strlen(EV_BODY), gz, sizeof(gz), 15 + 16);
    /* flags zlib refuses: FHCRC with a wrong header CRC, and reserved bits */
    static const struct {
        uint8_t flag;
        const char *ce;
    } cases[] = {{0x02, "gzip"}, {0x20, "gzip"}, {0x40, "gzip"}, {0x80, "gzip"},
                 {0x00, "gz\0ip"}};
    char resp[1024];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t body[300];
        size_t blen = 0;
        memcpy(body, gz, 10);
        body[3] = cases[i].flag;
        blen = 10;
        if (cases[i].flag == 0x02) {
            body[blen++] = 0;
            body[blen++] = 0;
        }
        memcpy(body + blen, gz + 10, gz_len - 10);
        blen += gz_len - 10;
        size_t o = (size_t)snprintf(resp, sizeof(resp),
                                    "HTTP/1.1 200 ok\r\n" DISP "\r\nContent-Encoding:");
        memcpy(resp + o, cases[i].ce, 5);  /* "gzip" or "gz\0ip" (with its NUL) */
        o += strlen(cases[i].ce) == 4 ? 4 : 5;
        o += (size_t)snprintf(resp + o, sizeof(resp) - o, "\r\nContent-Length: %zu\r\n\r\n", blen);
        memcpy(resp + o, body, blen);
        assert_evader_file(resp, o + blen);
    }
}

/* ---- multipart/form-data uploads ----------------------------------------------------- */

static const char MP_REQ[] =
    "POST /upload HTTP/1.1\r\nHost: h\r\n"
    "Content-Type: multipart/form-data; boundary=\"XyZ\"\r\nContent-Length: %zu\r\n\r\n";
static const char MP_BODY[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                              "not a file\r\n"
                              "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
                              "filename=\"one.bin\"\r\nContent-Type: x/y\r\n\r\n"
                              "line\r\n--XyQ not\r\r\n--Xy"
                              "\r\n--XyZ\r\ncontent-disposition: form-data; filename=two.txt\r\n"
                              "\r\nsecond\r\n--XyZ--\r\n";

/* The upload request with this body (req holds 2048 bytes); returns its length. */
static size_t multipart_request(char *req, const char *body)
{
    size_t o = (size_t)snprintf(req, 2048, MP_REQ, strlen(body));
    assert_true(o + strlen(body) <= 2048);
    memcpy(req + o, body, strlen(body));
    return o + strlen(body);
}

static json_t *multipart_run(const char *body, size_t step)
{
    char req[2048];
    size_t o = multipart_request(req, body);
    Harness h;
    harness_open(&h);
    assert_int_equal(feed(&h, true, req, o, step), 0);
    feed_all(&h, false, "HTTP/1.1 204 ok\r\n\r\n");
    eof(&h, true);
    return harness_close(&h);
}

static void test_multipart_upload(void **state)
{
    (void)state;
    configure(default_sets);
    for (size_t step = 1; step <= 64; step = step * 2 + 1) {
        json_t *events = multipart_run(MP_BODY, step);
        assert_int_equal(count_events(events, "fileinfo", NULL), 2);
        json_t *one = nth_event(events, "fileinfo", 0), *two = nth_event(events, "fileinfo", 1);
        assert_string_equal(str_at(one, "fileinfo", "filename"), "one.bin");
        /* the part's data up to the CR LF before the boundary, near-misses included */
        assert_int_equal(int_at(one, "fileinfo", "size"), strlen("line\r\n--XyQ not\r\r\n--Xy"));
        assert_string_equal(str_at(one, "fileinfo", "state"), "CLOSED");
        assert_string_equal(str_at(two, "fileinfo", "filename"), "two.txt");
        assert_int_equal(int_at(two, "fileinfo", "size"), 6);
        assert_string_equal(str_at(two, "fileinfo", "state"), "CLOSED");
        json_decref(events);
    }
    /* no closing boundary: the open file is truncated */
    json_t *events = multipart_run("--XyZ\r\nContent-Disposition: form-data; filename=\"t\"\r\n"
                                   "\r\npartial\r\n--Xy", 7);
    json_t *t = nth_event(events, "fileinfo", 0);
    assert_string_equal(str_at(t, "fileinfo", "state"), "TRUNCATED");
    assert_int_equal(int_at(t, "fileinfo", "size"), strlen("partial\r\n--Xy"));
    json_decref(events);
    /* a GET body holds no file, a PUT body one named after the path */
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET /g HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab"
                       "PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\ncd");
    events = harness_close(&h);
    assert_int_equal(count_events(events, "fileinfo", NULL), 1);
    assert_string_equal(str_at(nth_event(events, "fileinfo", 0), "fileinfo", "filename"), "/p");
    json_decref(events);
}

/* The parts' files outlive the parts: the transaction's rules see them when it completes
 * (detect-engine-state-02), in the order they came, until the transaction is freed. */
static void test_multipart_files_kept_for_rules(void **state)
{
    (void)state;
    configure(default_sets);
    char req[2048];
    size_t o = multipart_request(req, MP_BODY);
    Harness h;
    harness_open(&h);
    assert_int_equal(feed(&h, true, req, o, o), 0);
    void *tx = P->tx_get(h.s, 0);
    assert_non_null(tx);
    const File *one = P->tx_file(tx, true, 0), *two = P->tx_file(tx, true, 1);
    assert_non_null(one);
    assert_non_null(two);
    assert_memory_equal(one->name, "one.bin", one->name_len);
    assert_int_equal(one->state, FILE_STATE_CLOSED);
    assert_memory_equal(two->name, "two.txt", two->name_len);
    assert_null(P->tx_file(tx, true, 2));
    assert_null(P->tx_file(tx, false, 0));
    json_decref(harness_close(&h));
}

static void test_header_param(void **state)
{
    (void)state;
    const uint8_t *v;
    uint32_t n;
    const char *ct = " multipart/form-data; charset=x; boundary=\"a;b\"";
    assert_true(http_header_param((const uint8_t *)ct, (uint32_t)strlen(ct), "boundary=", &v, &n));
    assert_int_equal(n, 3);
    assert_memory_equal(v, "a;b", 3);
    const char *cd = "form-data; name=\"f\"; filename=x.txt";
    assert_true(http_header_param((const uint8_t *)cd, (uint32_t)strlen(cd), "filename=", &v, &n));
    assert_int_equal(n, 5);
    assert_memory_equal(v, "x.txt", 5);
    assert_false(http_header_param((const uint8_t *)cd, (uint32_t)strlen(cd), "size=", &v, &n));
}

/* libhtp finalises a request with the rest of its delivery: a line there that does not start
 * with a known method is that request's body (REQUEST_BODY_UNEXPECTED); a method starts the
 * next request; in a later delivery the same line is a request line of its own. */
static void test_stray_request_body(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "POST /login HTTP/1.1\r\nHost: h\r\n\r\nuser=a&pw=b\r\n"
                       "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
    HttpTx *tx0 = http_state_tx(h.s, 0);
    assert_non_null(tx0);
    assert_true(P->tx_has_event(tx0, "request_body_unexpected"));
    const uint8_t *body;
    uint32_t len;
    assert_true(applayer_buffer_get(applayer_buffer_id("http.request_body"), h.s, tx0, true,
                                    &body, &len));
    assert_int_equal(len, strlen("user=a&pw=b\r\n"));
    assert_memory_equal(body, "user=a&pw=b\r\n", len);
    HttpTx *tx1 = http_state_tx(h.s, 1);
    assert_non_null(tx1);
    assert_false(P->tx_has_event(tx1, "request_body_unexpected"));
    feed_all(&h, true, "junk-line\r\n");
    HttpTx *tx2 = http_state_tx(h.s, 2);
    assert_non_null(tx2);
    assert_false(P->tx_has_event(tx1, "request_body_unexpected"));
    json_t *events = harness_close(&h);
    assert_int_equal(count_events(events, "anomaly", "REQUEST_BODY_UNEXPECTED"), 1);
    json_t *fi = nth_event(events, "fileinfo", 0);
    assert_non_null(fi);
    assert_int_equal(int_at(fi, "fileinfo", "size"), strlen("user=a&pw=b\r\n"));
    json_decref(events);
}

/* double-decode-path/-query (off by default): what one more URL decoding would change is
 * DOUBLE_ENCODED_URI. */
static void test_double_encoded_uri(void **state)
{
    (void)state;
    static const char *const sets[] = {
        "app-layer.protocols.http.libhtp.default-config.double-decode-path=yes", NULL};
    static const char *const qsets[] = {
        "app-layer.protocols.http.libhtp.default-config.double-decode-query=yes", NULL};
    const char *reqs[] = {"GET /evil%2527x HTTP/1.1\r\nHost: h\r\n\r\n",
                          "GET /plain%27x?q=%2541 HTTP/1.1\r\nHost: h\r\n\r\n"};
    const char *const *confs[] = {default_sets, sets, qsets};
    /* expected event per configuration (rows) and request (columns) */
    const bool want[3][2] = {{false, false}, {true, false}, {false, true}};
    for (int c = 0; c < 3; c++) {
        configure(confs[c]);
        for (int r = 0; r < 2; r++) {
            Harness h;
            harness_open(&h);
            feed_all(&h, true, reqs[r]);
            assert_int_equal(P->tx_has_event(http_state_tx(h.s, 0), "double_encoded_uri"),
                             want[c][r]);
            json_decref(harness_close(&h));
        }
    }
    configure(default_sets);
}

/* Dot segments are removed as libhtp does it, which differs from RFC 3986 at the end of the
 * path: the '/' a trailing dot segment leaves is dropped (libhtp writes it only with the
 * segment after it). The reference logs no fileinfo filename for "/athena/../". */
static void test_path_trailing_dot_segments(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {{"/athena/../", ""}, {"/a/b/..", "/a"}, {"/a/./", "/a"}, {"/a/.", "/a"},
                 {"/./", ""}, {"/a/../index.html", "/index.html"}, {"/a/b/", "/a/b/"},
                 {"/", "/"}, {"../x", "x"}, {"/a/%2e%2e/b", "/b"}, {"/&_i=.../../", ""}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t out[64];
        uint32_t n = http_normalize_path((const uint8_t *)cases[i].in,
                                         (uint32_t)strlen(cases[i].in), out);
        out[n] = 0;
        assert_string_equal((const char *)out, cases[i].out);
    }
}

/* An HTTP file is named after libhtp's parsed path, which is split from the query before it
 * is decoded: "%3F" is a '?' inside the name (the reference: "/chkisg.htm?Sip%|" for
 * /chkisg.htm%3FSip%%7C). An empty path names no file: no filename key, as Suricata's
 * jb_set_string_from_bytes sets nothing for no bytes. */
static void test_file_name_is_decoded_path(void **state)
{
    (void)state;
    configure(default_sets);
    static const struct {
        const char *uri, *name;
    } cases[] = {{"/chkisg.htm%3FSip%%7C?q=1", "/chkisg.htm?Sip%|"}, {"/athena/../", NULL}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char req[128];
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].uri);
        Harness h;
        harness_open(&h);
        feed_all(&h, true, req);
        feed_all(&h, false, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
        json_t *events = harness_close(&h);
        json_t *fi = nth_event(events, "fileinfo", 0);
        assert_non_null(fi);
        json_t *name = json_object_get(json_object_get(fi, "fileinfo"), "filename");
        if (cases[i].name)
            assert_string_equal(json_string_value(name), cases[i].name);
        else
            assert_null(name);
        json_decref(events);
    }
}

/* As libhtp: the URI is normalised with the request line, so http.uri exists for a request
 * whose headers never end (bug-5464-verdict-05); the Host header still counts at its end. */
static void test_uri_before_headers_end(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET /a/../index.html HTTP/1.0\r\nHost: www.example.org\r\n");
    HttpTx *tx = http_state_tx(h.s, 0);
    assert_non_null(tx);
    assert_int_equal(tx->uri_norm.len, 11);
    assert_memory_equal(tx->uri_norm.data, "/index.html", 11);
    feed_all(&h, true, "\r\n");
    assert_int_equal(tx->hostname.len, 15);
    json_decref(harness_close(&h));
}

/* X-Forwarded-For for alerts: the first address (forward) or the last (reverse), only when
 * it is an address; the request's header first, then the response's. */
static void test_xff_address(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.2.2.2 , 2001:db8::1\r\n"
                       "X-Real: bogus\r\n\r\n");
    /* the body is still to come: the transaction stays */
    feed_all(&h, false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Up: 10.9.9.9\r\n\r\n");
    void *tx = http_state_tx(h.s, 0);
    assert_non_null(tx);
    char ip[64];
    assert_true(http_tx_xff_ip(tx, "x-forwarded-for", false, ip, sizeof(ip)));
    assert_string_equal(ip, "10.2.2.2");
    assert_true(http_tx_xff_ip(tx, "X-Forwarded-For", true, ip, sizeof(ip)));
    assert_string_equal(ip, "2001:db8::1");
    assert_false(http_tx_xff_ip(tx, "X-Real", false, ip, sizeof(ip)));
    assert_false(http_tx_xff_ip(tx, "X-Missing", false, ip, sizeof(ip)));
    assert_true(http_tx_xff_ip(tx, "X-Up", false, ip, sizeof(ip)));
    assert_string_equal(ip, "10.9.9.9");
    json_decref(harness_close(&h));
}

/* http.request_header / http.response_header: one "Name: Value" instance per header. */
static void test_header_line_buffers(void **state)
{
    (void)state;
    configure(default_sets);
    Harness h;
    harness_open(&h);
    feed_all(&h, true, "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n\r\n");
    feed_all(&h, false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    void *tx = http_state_tx(h.s, 0);
    assert_non_null(tx);
    int req = applayer_buffer_id("http.request_header");
    int resp = applayer_buffer_id("http.response_header");
    assert_true(req >= 0 && resp >= 0 && applayer_buffer_is_multi(req));
    const char *want[] = {"Host: h", "User-Agent: ua"};
    const uint8_t *d;
    uint32_t n;
    for (uint32_t i = 0; i < 2; i++) {
        assert_true(applayer_buffer_get_nth(req, h.s, tx, true, i, &d, &n));
        assert_int_equal(n, strlen(want[i]));
        assert_memory_equal(d, want[i], n);
    }
    assert_false(applayer_buffer_get_nth(req, h.s, tx, true, 2, &d, &n));
    assert_true(applayer_buffer_get_nth(resp, h.s, tx, false, 0, &d, &n));
    assert_int_equal(n, strlen("Content-Length: 5"));
    assert_memory_equal(d, "Content-Length: 5", n);
    json_decref(harness_close(&h));
}

/* Each direction is probed as Suricata does: a flow the client made HTTP whose server
 * answers with an SSH banner raises APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS (layer
 * proto_detect) and stays HTTP; an HTTP answer raises nothing. */
static size_t mismatch_events(const char *answer)
{
    ConfNode *conf = conf_new_default();
    assert_int_equal(applayer_init(conf), 0);
    conf_free(conf);
    Harness h;
    harness_open(&h);
    P->state_free(h.s);
    h.flow.app = NULL;
    const char *req = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    applayer_handle_data(&h.th, &h.flow, NULL, true, (const uint8_t *)req,
                         (uint32_t)strlen(req), 0);
    assert_int_equal(h.flow.app->proto, ALPROTO_HTTP);
    applayer_handle_data(&h.th, &h.flow, NULL, false, (const uint8_t *)answer,
                         (uint32_t)strlen(answer), 0);
    assert_int_equal(h.flow.app->proto, ALPROTO_HTTP);
    applayer_flow_free(&h.flow);
    h.s = P->state_new();
    json_t *events = harness_close(&h);
    size_t n = count_events(events, "anomaly", "APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS");
    json_t *ev = nth_event(events, "anomaly", 0);
    if (n)
        assert_string_equal(str_at(ev, "anomaly", "layer"), "proto_detect");
    json_decref(events);
    return n;
}

static void test_protocol_mismatch(void **state)
{
    (void)state;
    configure(default_sets);
    assert_int_equal(mismatch_events("SSH-2.0-OpenSSH_6.6.1\r\n"), 1);
    assert_int_equal(mismatch_events("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_exchange),
        cmocka_unit_test(test_every_chunking),
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_pipelining),
        cmocka_unit_test(test_chunked_gzip_hashes),
        cmocka_unit_test(test_deflate_raw_and_layers),
        cmocka_unit_test(test_headers_folding_repetition),
        cmocka_unit_test(test_100_continue),
        cmocka_unit_test(test_connect_tunnel),
        cmocka_unit_test(test_body_limit_and_buffers),
        cmocka_unit_test(test_evasions_and_events),
        cmocka_unit_test(test_unmatched_response_and_http09),
        cmocka_unit_test(test_not09_and_tx_events),
        cmocka_unit_test(test_truncated_and_gap),
        cmocka_unit_test(test_gap_outside_bodies),
        cmocka_unit_test(test_compression_bomb),
        cmocka_unit_test(test_too_many_transactions),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_file_store_and_observer),
        cmocka_unit_test(test_custom_and_dump_headers),
        cmocka_unit_test(test_evader_line_ends_and_folding),
        cmocka_unit_test(test_evader_gzip_headers),
        cmocka_unit_test(test_multipart_upload),
        cmocka_unit_test(test_multipart_files_kept_for_rules),
        cmocka_unit_test(test_header_param),
        cmocka_unit_test(test_stray_request_body),
        cmocka_unit_test(test_double_encoded_uri),
        cmocka_unit_test(test_uri_before_headers_end),
        cmocka_unit_test(test_path_trailing_dot_segments),
        cmocka_unit_test(test_file_name_is_decoded_path),
        cmocka_unit_test(test_xff_address),
        cmocka_unit_test(test_header_line_buffers),
        cmocka_unit_test(test_protocol_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
