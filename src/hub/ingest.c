/*
 * ingest.c — turns NDJSON bodies of Suricata EVE lines into stored events.
 *
 * The line checker (hub_ingest_check_line) is the hub's main parser of untrusted input,
 * so it is a pure function with a libFuzzer target: bounded line length, strict JSON
 * with duplicate keys rejected (two "event_type" members are a classic way to make two
 * parsers disagree), and strict types for the two fields every EVE record has. It also
 * pulls out the columns storage indexes: addresses, signature, and the attribution that
 * bongsu writes into alert.metadata as arrays ("actor", "mitre_technique_id"). The JSON
 * work is eve_scan.c's single pass, which builds no tree: jansson's tree was nearly half
 * of the hub's ingest CPU before (callgrind, 73k of 158k instructions per event).
 *
 * A body is stored in one transaction that also records its idempotency key, so a 2xx
 * reply means "all accepted lines are on disk" and a retried batch with the same key
 * gets the first reply back instead of a second copy of the events. Parsing (a third of
 * the CPU per event) happens outside SQLite's single write lock, so several sensors
 * posting at once parse in parallel and only the inserts serialize. A big body is parsed
 * on a thread of its own while the request's thread inserts the lines already parsed:
 * a sensor sends its next batch only after the reply to this one, so what one sensor
 * gets through is bounded by the latency of receive -> parse -> insert -> commit, and
 * the overlap takes most of the parse out of it (the write lock is taken once the first
 * lines are parsed, so it is not held longer than the inserts need).
 */
#include "ingest.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static bool event_type_valid(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
            return false;
    return true;
}

/* Private, loopback, link-local and CGNAT space: "inside" for the victim heuristic. */
static bool ip_is_internal(const char *ip)
{
    unsigned char a[16];
    if (!ip)
        return false;
    if (inet_pton(AF_INET, ip, a) == 1)
        return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
               (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
               (a[0] == 100 && (a[1] & 0xc0) == 64);
    if (inet_pton(AF_INET6, ip, a) == 1) {
        static const unsigned char loop[16] = {[15] = 1};
        return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
               memcmp(a, loop, 16) == 0;
    }
    return false;
}

/* Who is the victim of an alert: the rule's explicit target when Suricata gives one,
 * otherwise the inside host (a C2 beacon's victim is its source, an exploit's its
 * destination), the client of an internal DNS lookup, otherwise the destination. */
static void alert_victim(hub_line *l)
{
    const char *t = l->cap.target_ip;
    bool src_in = ip_is_internal(l->f.src_ip), dst_in = ip_is_internal(l->f.dest_ip);
    /* Both inside and a DNS lookup: the resolver is not the victim, the asker is. */
    if (!t)
        t = (src_in && !dst_in) || (src_in && dst_in && l->cap.has_dns) ? l->f.src_ip
                                                                         : l->f.dest_ip;
    if (t)
        snprintf(l->victim, sizeof l->victim, "%s", t);
}

static void extract_alert(hub_line *l)
{
    const hub_eve_capture *c = &l->cap;
    if (c->has_sid)
        l->f.signature_id = c->sid;
    if (c->has_severity)
        l->f.severity = (int)c->severity;
    l->f.signature = c->signature;
    l->f.attack = c->category;
    l->f.actor = c->alert_actor;
    if (c->techniques[0])
        l->f.techniques = c->techniques;
    alert_victim(l);
}

static void extract_fields(hub_line *l)
{
    const hub_eve_capture *c = &l->cap;
    l->f.src_ip = c->src_ip;
    l->f.dest_ip = c->dest_ip;
    if (c->has_alert)
        extract_alert(l);
    if (c->has_ddos) {
        if (c->ddos_attack)
            l->f.attack = c->ddos_attack;
        if (c->ddos_victim)
            snprintf(l->victim, sizeof l->victim, "%s", c->ddos_victim);
        if (!l->f.actor)
            l->f.actor = c->ddos_actor;
    }
    if (l->victim[0])
        l->f.victim = l->victim;
}

/* The JSON checks: hub_eve_scan, into the line's own buffer or a heap one as long. */
static bool scan_json(const char *line, size_t len, hub_line *out, char *reason,
                      size_t reason_len)
{
    out->arena = len <= sizeof out->small ? out->small : malloc(len);
    if (!out->arena) {
        snprintf(reason, reason_len, "out of memory");
        return false;
    }
    char why[80];
    size_t col = 0;
    if (hub_eve_scan(line, len, out->arena, &out->cap, why, sizeof why, &col))
        return true;
    snprintf(reason, reason_len, "invalid JSON at column %zu: %s", col, why);
    return false;
}

bool hub_ingest_check_line(const char *line, size_t len, hub_line *out, char *reason,
                           size_t reason_len)
{
    memset(&out->f, 0, sizeof out->f);
    out->arena = NULL;
    out->victim[0] = '\0';
    if (len > HUB_INGEST_MAX_LINE) {
        snprintf(reason, reason_len, "line longer than %u bytes", HUB_INGEST_MAX_LINE);
        return false;
    }
    if (!scan_json(line, len, out, reason, reason_len)) {
        hub_line_clear(out);
        return false;
    }
    const char *why = NULL;
    const char *et = out->cap.event_type, *ts = out->cap.timestamp;
    if (!out->cap.is_object)
        why = "not a JSON object";
    else if (!et)
        why = "missing or non-string event_type";
    else if (!event_type_valid(et))
        why = "event_type must be 1-64 characters of [a-z0-9_]";
    else if (!ts)
        why = "missing or non-string timestamp";
    else if (!hub_time_parse(ts, &out->f.ts_us))
        why = "timestamp is not ISO 8601 (e.g. 2023-11-14T22:13:20.123456+0000)";
    if (why) {
        snprintf(reason, reason_len, "%s", why);
        hub_line_clear(out);
        return false;
    }
    out->f.event_type = et;
    out->f.raw = line;
    out->f.raw_len = len;
    extract_fields(out);
    return true;
}

void hub_line_clear(hub_line *l)
{
    if (l->arena != l->small)
        free(l->arena);
    memset(&l->f, 0, sizeof l->f);
    l->arena = NULL;
}

bool hub_idem_key_valid(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > HUB_IDEM_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (key[i] < 0x21 || key[i] > 0x7e)
            return false;
    return true;
}

/* ---- batches --------------------------------------------------------------------- */

typedef struct {
    hub_store *s;
    const char *sensor;
    int64_t received_us;
    size_t accepted, rejected;
    json_t *errors; /* array of {line, reason}, at most HUB_INGEST_MAX_ERRORS; may be NULL */
    FILE *errs;     /* offline mode: print rejections here */
    hub_status st;
} batch_ctx;

static void reject(batch_ctx *b, size_t lineno, const char *reason)
{
    b->rejected++;
    if (b->errors && json_array_size(b->errors) < HUB_INGEST_MAX_ERRORS)
        json_array_append_new(b->errors, json_pack("{s:I,s:s}", "line", (json_int_t)lineno,
                                                   "reason", reason));
    if (b->errs)
        fprintf(b->errs, "line %zu: %s\n", lineno, reason);
}

/* Trims surrounding whitespace; blank lines are skipped without counting. */
static void ingest_line(batch_ctx *b, size_t lineno, const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    if (n == 0 || b->st != HUB_OK)
        return;
    hub_line l;
    char reason[160];
    if (!hub_ingest_check_line(p, n, &l, reason, sizeof reason)) {
        reject(b, lineno, reason);
        return;
    }
    b->st = hub_store_event_add(b->s, b->sensor, b->received_us, &l.f);
    if (b->st == HUB_OK)
        b->accepted++;
    hub_line_clear(&l);
}

static char *batch_reply(batch_ctx *b)
{
    json_t *r = json_pack("{s:I,s:I,s:O,s:b}", "accepted", (json_int_t)b->accepted,
                          "rejected", (json_int_t)b->rejected, "errors", b->errors,
                          "errors_truncated", b->rejected > json_array_size(b->errors));
    char *s = r ? json_dumps(r, JSON_COMPACT) : NULL;
    json_decref(r);
    return s;
}

static hub_status replay(hub_store *s, const char *sensor, const char *key,
                         hub_ingest_result *res)
{
    hub_status st = hub_store_idem_get(s, sensor, key, &res->reply);
    if (st == HUB_OK) {
        res->replayed = true;
        json_t *j = json_loads(res->reply, 0, NULL);
        res->accepted = (size_t)json_integer_value(json_object_get(j, "accepted"));
        res->rejected = (size_t)json_integer_value(json_object_get(j, "rejected"));
        json_decref(j);
    }
    return st;
}

/* A checked line kept between the parse pass and the insert pass: its fields copied out
 * of the JSON tree (which is freed at once, so a big body never holds thousands of
 * trees), raw still pointing into the request body. One allocation per line. */
typedef struct {
    hub_event_fields f;
    char strings[];
} line_rec;

static line_rec *rec_from_line(const hub_line *l)
{
    const char *src[] = {l->f.event_type, l->f.src_ip,     l->f.dest_ip, l->f.signature,
                         l->f.actor,      l->f.techniques, l->f.attack,  l->f.victim};
    size_t total = 0;
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++)
        total += src[i] ? strlen(src[i]) + 1 : 0;
    line_rec *r = malloc(sizeof *r + total);
    if (!r)
        return NULL;
    r->f = l->f;
    const char **dst[] = {&r->f.event_type, &r->f.src_ip,     &r->f.dest_ip, &r->f.signature,
                          &r->f.actor,      &r->f.techniques, &r->f.attack,  &r->f.victim};
    char *p = r->strings;
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) {
        *dst[i] = NULL;
        if (!src[i])
            continue;
        size_t n = strlen(src[i]) + 1;
        memcpy(p, src[i], n);
        *dst[i] = p;
        p += n;
    }
    return r;
}


/* The accepted lines of one body, parsed by one thread while another inserts them.
 * v is sized for every line of the body before parsing starts (never reallocated), so
 * the inserting side reads v[i] for any i below `ready` without holding the lock; the
 * parser alone touches the batch's reject list until it has finished. */
typedef struct {
    batch_ctx *b;
    const char *body;
    size_t len;
    line_rec **v;
    size_t cap;           /* lines in the body: an upper bound on v's entries */
    size_t n;             /* parser side: accepted so far */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ready;         /* under mu: v[0..ready) may be read */
    bool done, cancel;    /* under mu */
    hub_status st;        /* the parser's outcome, read after done */
    bool threaded;
    pthread_t tid;
} parse_job;

/* Below this a body is parsed before inserting: a thread costs more than it hides. */
#define PARSE_THREAD_MIN_BYTES (64u << 10)
#define PARSE_PUBLISH_EVERY 64

static void job_publish(parse_job *j, bool done)
{
    pthread_mutex_lock(&j->mu);
    j->ready = j->n;
    j->done = done;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

static bool job_cancelled(parse_job *j)
{
    pthread_mutex_lock(&j->mu);
    bool c = j->cancel;
    pthread_mutex_unlock(&j->mu);
    return c;
}

/* Pass 1, without any SQLite lock: check every line, keep the accepted ones, publishing
 * them every PARSE_PUBLISH_EVERY so the inserts can start on the first ones. */
static void parse_body(parse_job *j)
{
    size_t lineno = 0;
    j->st = HUB_OK;
    for (size_t pos = 0; pos < j->len && j->st == HUB_OK;) {
        const char *nl = memchr(j->body + pos, '\n', j->len - pos);
        size_t end = nl ? (size_t)(nl - j->body) : j->len;
        const char *p = j->body + pos;
        size_t n = end - pos;
        pos = end + 1;
        lineno++;
        while (n && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        hub_line l;
        char reason[160];
        if (!hub_ingest_check_line(p, n, &l, reason, sizeof reason)) {
            reject(j->b, lineno, reason);
            continue;
        }
        line_rec *r = rec_from_line(&l);
        hub_line_clear(&l);
        if (!r)
            j->st = HUB_ERR_NOMEM;
        else
            j->v[j->n++] = r;
        if (j->n % PARSE_PUBLISH_EVERY == 0 && (job_publish(j, false), job_cancelled(j)))
            break;
    }
    job_publish(j, true);
}

static void *parse_thread(void *arg)
{
    parse_body(arg);
    return NULL;
}

/* Sizes v and parses: on a thread for a big body (inline if none can be started). */
static hub_status job_start(parse_job *j, batch_ctx *b, const char *body, size_t len)
{
    memset(j, 0, sizeof *j);
    j->b = b, j->body = body, j->len = len, j->cap = 1;
    for (const char *p = body, *e = body + len; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        j->cap++;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    if (!(j->v = malloc(j->cap * sizeof *j->v)))
        return HUB_ERR_NOMEM;
    j->threaded = len >= PARSE_THREAD_MIN_BYTES &&
                  pthread_create(&j->tid, NULL, parse_thread, j) == 0;
    if (j->threaded)
        pthread_setname_np(j->tid, "hub-parse"); /* tells it apart in top and perf */
    else
        parse_body(j);
    return HUB_OK;
}

/* The i-th accepted line, waiting for the parser if needed; NULL past the last one. */
static const line_rec *job_get(parse_job *j, size_t i)
{
    pthread_mutex_lock(&j->mu);
    while (i >= j->ready && !j->done)
        pthread_cond_wait(&j->cv, &j->mu);
    const line_rec *r = i < j->ready ? j->v[i] : NULL;
    pthread_mutex_unlock(&j->mu);
    return r;
}

/* Stops the parser (its lines are not wanted), waits for it; then its outcome, the
 * reject list and v are the caller's alone. */
static hub_status job_finish(parse_job *j, bool cancel)
{
    if (j->threaded) {
        pthread_mutex_lock(&j->mu);
        j->cancel = cancel;
        pthread_mutex_unlock(&j->mu);
        pthread_join(j->tid, NULL);
        j->threaded = false;
    }
    return j->st;
}

static void job_free(parse_job *j)
{
    job_finish(j, true);
    for (size_t i = 0; i < j->n; i++)
        free(j->v[i]);
    free(j->v);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
}

/* serve --redis: the accepted lines go to the stream, each with a key made of the
 * sensor, the request's Idempotency-Key and its position, so that a retried request that
 * reaches the stream twice is still stored once by the workers. */
static hub_status forward_batch(hub_stream *fwd, batch_ctx *b, line_rec *const *recs,
                                size_t n, const char *idem_key)
{
    const char **lines = calloc(n ? n : 1, sizeof *lines), **keys = NULL;
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    char *keybuf = NULL;
    size_t stride = strlen(b->sensor) + HUB_IDEM_KEY_MAX + 24;
    if (idem_key) {
        keys = calloc(n ? n : 1, sizeof *keys);
        keybuf = malloc(n * stride + 1);
    }
    hub_status st = lines && lens && (!idem_key || (keys && keybuf)) ? HUB_OK : HUB_ERR_NOMEM;
    for (size_t i = 0; st == HUB_OK && i < n; i++) {
        lines[i] = recs[i]->f.raw;
        lens[i] = recs[i]->f.raw_len;
        if (keys) {
            snprintf(keybuf + i * stride, stride, "%s/%s/%zu", b->sensor, idem_key, i);
            keys[i] = keybuf + i * stride;
        }
    }
    if (st == HUB_OK && n)
        st = hub_stream_add(fwd, b->sensor, lines, lens, keys, n);
    if (st == HUB_OK)
        b->accepted = n;
    free(lines);
    free(lens);
    free(keys);
    free(keybuf);
    return st;
}

/* The accepted lines as the parser publishes them, in order, until the last one. */
static hub_status insert_lines(hub_store *s, batch_ctx *b, parse_job *j)
{
    hub_status st = HUB_OK;
    const line_rec *r;
    for (size_t i = 0; st == HUB_OK && (r = job_get(j, i)); i++)
        if ((st = hub_store_event_add(s, b->sensor, b->received_us, &r->f)) == HUB_OK)
            b->accepted++;
    return st;
}

/* Pass 2, under the write lock, overlapping the parse of the lines still to come: re-check
 * the key, insert (or forward, once all is parsed), record the reply, commit. The lock is
 * taken once the first lines are parsed, not before. */
static hub_status store_batch(hub_store *s, hub_stream *fwd, batch_ctx *b, parse_job *j,
                              const char *idem_key, hub_ingest_result *res)
{
    job_get(j, 0);
    hub_status st = hub_store_begin(s);
    if (st != HUB_OK)
        return st;
    if (idem_key && (st = replay(s, b->sensor, idem_key, res)) != HUB_ERR_NOTFOUND) {
        hub_store_rollback(s); /* a concurrent retry of this batch won the race */
        return st;
    }
    if (fwd)
        st = job_finish(j, false) == HUB_OK ? forward_batch(fwd, b, j->v, j->n, idem_key)
                                            : j->st;
    else
        st = insert_lines(s, b, j);
    hub_status pst = job_finish(j, st != HUB_OK);  /* the reject list is complete after */
    st = st == HUB_OK ? pst : st;
    if (st == HUB_OK && !(res->reply = batch_reply(b)))
        st = HUB_ERR_NOMEM;
    if (st == HUB_OK && idem_key)
        st = hub_store_idem_put(s, b->sensor, idem_key, res->reply);
    if (st == HUB_OK)
        st = hub_store_commit(s); /* which rolls back itself when it fails */
    else
        hub_store_rollback(s);
    /* s may be the server's shared writer: once the transaction ended, another batch's
     * thread may hold it, so nothing below touches it. */
    if (st != HUB_OK) {
        free(res->reply);
        res->reply = NULL;
        return st;
    }
    res->accepted = b->accepted;
    res->rejected = b->rejected;
    return HUB_OK;
}

hub_status hub_ingest_body(hub_store *s, const char *sensor, const char *idem_key,
                           const char *body, size_t len, hub_ingest_result *res)
{
    return hub_ingest_body_to(s, s, NULL, sensor, idem_key, body, len, res);
}

hub_status hub_ingest_body_to(hub_store *s, hub_store *w, hub_stream *fwd,
                              const char *sensor, const char *idem_key, const char *body,
                              size_t len, hub_ingest_result *res)
{
    memset(res, 0, sizeof *res);
    /* A retried batch is answered before any parsing; store_batch checks again under
     * the write lock, so two concurrent retries still store the batch once. */
    hub_status st;
    if (idem_key && (st = replay(s, sensor, idem_key, res)) != HUB_ERR_NOTFOUND)
        return st;
    batch_ctx b = {.s = w, .sensor = sensor, .received_us = hub_now_us(),
                   .errors = json_array(), .st = HUB_OK};
    parse_job j;
    st = job_start(&j, &b, body, len);
    if (st == HUB_OK)
        st = store_batch(w, fwd, &b, &j, idem_key, res);
    job_free(&j);
    json_decref(b.errors);
    return st;
}

hub_status hub_ingest_file(hub_store *s, const char *sensor, FILE *in, size_t batch,
                           FILE *errs, size_t *accepted, size_t *rejected)
{
    batch_ctx b = {.s = s, .sensor = sensor, .received_us = hub_now_us(), .errs = errs,
                   .st = HUB_OK};
    char *line = NULL;
    size_t cap = 0, lineno = 0, in_txn = 0;
    ssize_t n;
    b.st = hub_store_begin(s);
    while (b.st == HUB_OK && (n = getline(&line, &cap, in)) >= 0) {
        ingest_line(&b, ++lineno, line, n > 0 && line[n - 1] == '\n' ? (size_t)n - 1
                                                                     : (size_t)n);
        if (++in_txn >= batch && b.st == HUB_OK) {
            in_txn = 0;
            if ((b.st = hub_store_commit(s)) == HUB_OK)
                b.st = hub_store_begin(s);
        }
    }
    free(line);
    if (b.st == HUB_OK)
        b.st = hub_store_commit(s);
    else
        hub_store_rollback(s);
    *accepted = b.accepted;
    *rejected = b.rejected;
    return b.st;
}
