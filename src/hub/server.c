/*
 * server.c — the HTTP(S) front: libmicrohttpd setup, per-request state, authentication,
 * routing, limits and security headers. Handlers live in query.c, incidents.c, stix.c,
 * taxii.c and ingest.c; this file decides who may call them and how the reply looks.
 *
 * Request lifecycle (libmicrohttpd calls the access handler several times per request):
 *   1. first call, headers only: route, authenticate, check role, rate limit and
 *      Content-Length. Any refusal is answered right here, before a byte of body is
 *      read, so an unauthenticated client cannot make the hub buffer anything;
 *   2. body chunks: appended up to --max-body; beyond that they are discarded and the
 *      request ends in 413 (covers chunked uploads that sent no Content-Length);
 *   3. last call: the handler runs with a store handle borrowed from a small pool.
 *
 * The pool gives each worker thread its own SQLite connection: WAL lets readers run
 * beside the single writer, and SQLite itself serializes writers (busy_timeout).
 * Ingest transactions all run on one more connection, the writer, taken with the
 * process's write lock (which serialized them anyway): SQLite empties a connection's
 * page cache whenever another connection has committed since its last transaction, so
 * with batches spread over the pooled connections each one began by reading the hot
 * index pages back from the OS (the 4-sensor phase's extra kernel time); the writer's
 * cache only ever holds its own commits and stays warm.
 * Errors returned to clients are generic; details go to stderr only.
 */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "ingest.h"

/* ---- store pool ------------------------------------------------------------------ */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_mutex_t write_mu; /* one writer at a time, queued here, not in SQLite */
    hub_store *writer;        /* SQLite: the ingest transactions' connection, or NULL */
    hub_store **free_list;
    size_t nfree, total;
} store_pool;

static hub_status pool_init(store_pool *p, const char *path, size_t n)
{
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->write_mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->free_list = calloc(n, sizeof *p->free_list);
    if (!p->free_list)
        return HUB_ERR_NOMEM;
    for (; p->total < n; p->total++) {
        hub_status st = hub_store_open(path, &p->free_list[p->total]);
        if (st != HUB_OK)
            return st;
        hub_store_share_write_lock(p->free_list[p->total], &p->write_mu);
        p->nfree++;
    }
    if (hub_store_is_pg(path)) /* PostgreSQL keeps no per-connection page cache */
        return HUB_OK;
    hub_status st = hub_store_open(path, &p->writer);
    if (st == HUB_OK)
        hub_store_share_write_lock(p->writer, &p->write_mu);
    return st;
}

static void pool_destroy(store_pool *p)
{
    if (!p->free_list) /* never initialized: start-up failed earlier */
        return;
    for (size_t i = 0; i < p->nfree; i++)
        hub_store_close(p->free_list[i]);
    hub_store_close(p->writer);
    free(p->free_list);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->write_mu);
    pthread_cond_destroy(&p->cv);
}

static hub_store *pool_get(store_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    hub_store *s = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return s;
}

static void pool_put(store_pool *p, hub_store *s)
{
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = s;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- routing table --------------------------------------------------------------- */

typedef enum { R_STATIC, R_INGEST, R_EVENTS, R_SUMMARY, R_INCIDENTS, R_ACTORS, R_ACTOR,
               R_STIX, R_TAXII, R_WHOAMI } route_id;

typedef struct {
    const char *method;
    const char *path; /* exact, or a prefix when it ends in '/' and prefix is set */
    bool prefix;
    route_id id;
    unsigned roles; /* 0: no authentication (console files only) */
} route;

#define READERS (HUB_ROLE_ANALYST | HUB_ROLE_ADMIN)
#define SHARERS (HUB_ROLE_ANALYST | HUB_ROLE_PARTNER | HUB_ROLE_ADMIN)

static const route ROUTES[] = {
    {"POST", "/api/v1/events", false, R_INGEST, HUB_ROLE_SENSOR | HUB_ROLE_ADMIN},
    {"GET", "/api/v1/events", false, R_EVENTS, READERS},
    {"GET", "/api/v1/summary", false, R_SUMMARY, READERS},
    {"GET", "/api/v1/incidents", false, R_INCIDENTS, READERS},
    {"GET", "/api/v1/actors", false, R_ACTORS, READERS},
    {"GET", "/api/v1/actors/", true, R_ACTOR, READERS},
    {"GET", "/api/v1/stix", false, R_STIX, SHARERS},
    {"GET", "/api/v1/whoami", false, R_WHOAMI, HUB_ROLE_SENSOR | SHARERS},
    {"GET", "/taxii2/", true, R_TAXII, SHARERS},
};

static const route STATIC_ROUTE = {"GET", "/", true, R_STATIC, 0};

/* Finds the route; *path_known tells 405 (known path, wrong method) from 404. */
static const route *route_find(const char *method, const char *url, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        const route *r = &ROUTES[i];
        bool match = r->prefix ? strncmp(url, r->path, strlen(r->path)) == 0
                               : strcmp(url, r->path) == 0;
        if (!match)
            continue;
        *path_known = true;
        if (strcmp(method, r->method) == 0)
            return r;
    }
    if (!*path_known && strncmp(url, "/api/", 5) != 0 && strcmp(url, "/taxii2") != 0 &&
        hub_console_asset(url)) {
        *path_known = true;
        if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
            return &STATIC_ROUTE;
    }
    return NULL;
}

/* ---- server and request state ----------------------------------------------------- */

typedef struct {
    hub_server_opts opts;
    store_pool pool;
    hub_ratelimit *rl;
    hub_actor_db *actors;
    hub_stream *stream; /* serve --redis: ingest goes to the stream, not the store */
    struct MHD_Daemon *daemon;
} hub_server;

typedef struct {
    const route *rt;
    hub_principal who;
    char *body;
    size_t len, cap;
    bool too_large;
} req_state;

static void add_security_headers(struct MHD_Response *resp, bool is_console)
{
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; "
                            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", is_console ? "no-cache" : "no-store");
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, hub_reply *r,
                                  const char *extra_name, const char *extra_value)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->len, r->body ? r->body : (void *)"", MHD_RESPMEM_MUST_FREE);
    if (!resp)
        return MHD_NO;
    r->body = NULL;
    MHD_add_response_header(resp, "Content-Type",
                            r->content_type ? r->content_type : "application/json");
    add_security_headers(resp, false);
    if (r->taxii_first[0]) {
        MHD_add_response_header(resp, "X-TAXII-Date-Added-First", r->taxii_first);
        MHD_add_response_header(resp, "X-TAXII-Date-Added-Last", r->taxii_last);
    }
    if (r->next_cursor[0])
        MHD_add_response_header(resp, "X-Next-Cursor", r->next_cursor);
    if (extra_name)
        MHD_add_response_header(resp, extra_name, extra_value);
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"bongsu-hub\"");
    enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status,
                                  const char *code, const char *msg)
{
    hub_reply r = {0};
    hub_reply_error(&r, status, code, msg);
    return send_reply(conn, &r, NULL, NULL);
}

static enum MHD_Result send_asset(struct MHD_Connection *conn, const char *url)
{
    const hub_asset *a = hub_console_asset(url);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", a->content_type);
    add_security_headers(resp, true);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* Step 1: decide from headers alone. Returns MHD_YES with *done false to go on. */
static enum MHD_Result admit(hub_server *srv, struct MHD_Connection *conn, const char *url,
                             const char *method, req_state *rq, bool *done)
{
    bool known;
    *done = true;
    rq->rt = route_find(method, url, &known);
    if (!rq->rt)
        return known ? send_error(conn, 405, "method_not_allowed", "method not allowed")
                     : send_error(conn, 404, "not_found", "no such endpoint");
    if (rq->rt->roles == 0) {
        *done = false;
        return MHD_YES;
    }
    hub_store *s = pool_get(&srv->pool);
    hub_status st = hub_auth_bearer(s, header(conn, "Authorization"), &rq->who);
    pool_put(&srv->pool, s);
    if (st == HUB_ERR_STORAGE || st == HUB_ERR_NOMEM)
        return send_error(conn, 503, "unavailable", "storage unavailable, retry later");
    if (st != HUB_OK)
        return send_error(conn, 401, "unauthorized", "missing, unknown or revoked token");
    if (!(rq->rt->roles & rq->who.role))
        return send_error(conn, 403, "forbidden", "this token's role may not do that");
    unsigned retry = 1;
    if (!hub_ratelimit_take(srv->rl, rq->who.name, hub_now_us(), &retry)) {
        hub_reply r = {0};
        char secs[16];
        snprintf(secs, sizeof secs, "%u", retry);
        hub_reply_error(&r, 429, "rate_limited", "too many requests for this token");
        return send_reply(conn, &r, "Retry-After", secs);
    }
    const char *cl = header(conn, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > srv->opts.max_body)
        return send_error(conn, 413, "too_large", "request body exceeds the size limit");
    *done = false;
    return MHD_YES;
}

/* Step 2: collect the body within the limit. */
static void collect(hub_server *srv, req_state *rq, const char *data, size_t n)
{
    if (rq->too_large || rq->rt->id != R_INGEST || rq->len + n > srv->opts.max_body) {
        rq->too_large = rq->too_large || rq->len + n > srv->opts.max_body;
        return;
    }
    if (rq->len + n > rq->cap) {
        size_t cap = rq->cap ? rq->cap : 64 * 1024;
        while (cap < rq->len + n)
            cap *= 2;
        char *p = realloc(rq->body, cap);
        if (!p) {
            rq->too_large = true;
            return;
        }
        rq->body = p;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
}

/* ---- handlers ---------------------------------------------------------------------- */

static const char *get_arg(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result do_ingest(hub_server *srv, struct MHD_Connection *conn,
                                 req_state *rq)
{
    const char *key = header(conn, "Idempotency-Key");
    if (key && !hub_idem_key_valid(key))
        return send_error(conn, 400, "bad_request",
                          "Idempotency-Key must be 1-128 printable ASCII characters");
    hub_ingest_result res;
    hub_store *s = pool_get(&srv->pool);
    hub_store *w = srv->pool.writer ? srv->pool.writer : s;
    hub_status st = hub_ingest_body_to(s, w, srv->stream, rq->who.name, key,
                                       rq->body ? rq->body : "", rq->len, &res);
    pool_put(&srv->pool, s);
    hub_reply r = {0};
    if (st != HUB_OK) {
        hub_reply_storage_error(&r, st);
        return send_reply(conn, &r, NULL, NULL);
    }
    hub_reply_take(&r, 200, res.reply);
    return send_reply(conn, &r, res.replayed ? "Idempotent-Replayed" : NULL, "true");
}

static void dispatch_read(hub_server *srv, struct MHD_Connection *conn, const char *url,
                          req_state *rq, hub_reply *r)
{
    hub_params p = {get_arg, conn};
    hub_store *s = pool_get(&srv->pool);
    switch (rq->rt->id) {
    case R_EVENTS: hub_api_events(s, &p, r); break;
    case R_SUMMARY: hub_api_summary(s, &p, r); break;
    case R_INCIDENTS: hub_api_incidents(s, &p, r); break;
    case R_ACTORS: hub_api_actors(s, &p, r); break;
    case R_ACTOR: hub_api_actor(s, srv->actors, url + strlen("/api/v1/actors/"), &p, r); break;
    case R_STIX: hub_api_stix(s, &srv->opts.exp, &p, r); break;
    case R_TAXII: hub_api_taxii(s, &srv->opts.exp, url + strlen("/taxii2/"), &p, r); break;
    case R_WHOAMI:
        hub_reply_json(r, 200, json_pack("{s:s,s:s}", "name", rq->who.name, "role",
                                         hub_role_name(rq->who.role)));
        break;
    default: hub_reply_error(r, 404, "not_found", "no such endpoint"); break;
    }
    pool_put(&srv->pool, s);
}

static enum MHD_Result handle(hub_server *srv, struct MHD_Connection *conn, const char *url,
                              req_state *rq)
{
    if (rq->rt->id == R_STATIC)
        return send_asset(conn, url);
    if (rq->too_large)
        return send_error(conn, 413, "too_large", "request body exceeds the size limit");
    if (rq->rt->id == R_INGEST)
        return do_ingest(srv, conn, rq);
    hub_reply r = {0};
    dispatch_read(srv, conn, url, rq, &r);
    return send_reply(conn, &r, NULL, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size,
                                  void **con_cls)
{
    (void)version;
    hub_server *srv = cls;
    req_state *rq = *con_cls;
    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        *con_cls = rq;
        bool done;
        enum MHD_Result ret = admit(srv, conn, url, method, rq, &done);
        if (done)
            rq->rt = NULL; /* answered: ignore any body that still arrives */
        return ret;
    }
    if (!rq->rt) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        collect(srv, rq, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    enum MHD_Result ret = handle(srv, conn, url, rq);
    rq->rt = NULL;
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    req_state *rq = *con_cls;
    if (rq) {
        free(rq->body);
        free(rq);
    }
    *con_cls = NULL;
}

/* ---- start-up -------------------------------------------------------------------- */

static bool parse_listen(const char *s, struct sockaddr_storage *ss)
{
    char host[128];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return false;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || port > 65535 || colon[1] == '\0')
        return false;
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    size_t hl = strlen(host);
    if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1;
    }
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &in4->sin_addr) == 1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    hub_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (1u << 20))
        hub_buf_append(&b, chunk, n);
    fclose(f);
    return hub_buf_take(&b);
}

static struct MHD_Daemon *start_daemon(hub_server *srv, struct sockaddr_storage *ss,
                                       char *cert, char *key)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ss->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cert)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls[] = {
        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {cert ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)srv->opts.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)1000, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
}

static int wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

static bool load_tls(const hub_server_opts *o, char **cert, char **key)
{
    *cert = *key = NULL;
    if (!o->tls_cert && !o->tls_key)
        return true;
    if (!o->tls_cert || !o->tls_key) {
        hub_log("--tls-cert and --tls-key go together");
        return false;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        hub_log("this libmicrohttpd was built without TLS");
        return false;
    }
    *cert = read_file(o->tls_cert);
    *key = read_file(o->tls_key);
    if (!*cert || !*key)
        hub_log("cannot read %s", !*cert ? o->tls_cert : o->tls_key);
    return *cert && *key;
}

/* Idempotency keys protect retries of the same batch; a sensor retries for as long as
 * its spool holds the batch, which is hours or days, not months. Pruned at start-up. */
#define IDEM_KEEP_US (30 * 86400 * INT64_C(1000000))

static void prune_idempotency(store_pool *p)
{
    int64_t n = 0;
    hub_store *s = pool_get(p);
    if (hub_store_idem_prune(s, hub_now_us() - IDEM_KEEP_US, &n) == HUB_OK && n)
        hub_log("forgot %lld idempotency keys older than 30 days", (long long)n);
    pool_put(p, s);
}

int hub_serve(const hub_server_opts *o)
{
    hub_server srv = {.opts = *o};
    struct sockaddr_storage ss;
    char *cert = NULL, *key = NULL;
    int rc = 1;
    if (!parse_listen(o->listen, &ss)) {
        hub_log("bad --listen '%s' (want HOST:PORT or [V6]:PORT)", o->listen);
        return 2;
    }
    /* Block the stop signals in every thread, so sigwait() below receives them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!load_tls(o, &cert, &key) || pool_init(&srv.pool, o->db_path, o->threads + 2) != HUB_OK)
        goto out;
    if (o->actors_path && !(srv.actors = hub_actor_db_load(o->actors_path)))
        goto out;
    if (o->redis_url && !(srv.stream = hub_stream_open(o->redis_url, o->stream))) {
        hub_log("bad --redis '%s' (want redis://HOST:PORT)", o->redis_url);
        goto out;
    }
    prune_idempotency(&srv.pool);
    srv.rl = hub_ratelimit_new(o->rate, o->burst);
    srv.daemon = start_daemon(&srv, &ss, cert, key);
    if (!srv.daemon) {
        hub_log("cannot listen on %s", o->listen);
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv.daemon,
                                                           MHD_DAEMON_INFO_BIND_PORT);
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(o->listen, ':') - o->listen), o->listen);
    printf("bongsu-hub: listening on %s://%s:%u\n", cert ? "https" : "http", host,
           info ? info->port : 0);
    fflush(stdout);
    int sig = wait_for_signal();
    hub_log("signal %d: shutting down", sig);
    MHD_stop_daemon(srv.daemon);
    rc = 0;
out:
    hub_ratelimit_free(srv.rl);
    hub_actor_db_free(srv.actors);
    hub_stream_close(srv.stream);
    pool_destroy(&srv.pool);
    free(cert);
    free(key);
    return rc;
}
