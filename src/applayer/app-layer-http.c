/*
 * app-layer-http.c - the HTTP/1.x AppLayerParser: detection by content, per-flow state,
 * transactions, the hand-off of each direction's bytes to its parser, and configuration.
 *
 * Transactions live in an array indexed by id - tx_base; the framework frees them in id order
 * once logged, and the array front is compacted as it does. A flow may hold at most
 * HTTP_MAX_OPEN_TX live transactions (requests pipelined without answers); past that the
 * parser gives up on the flow, which the framework counts as a parser error.
 */
#include "applayer/app-layer-http.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/array.h"
#include "common/log.h"
#include "config/config-table.h"
#include "config/config.h"

/* Suricata's defaults, also in force before (or without) app_layer_http_configure. */
#define HTTP_CONFIG_DEFAULTS                                                                   \
    {                                                                                          \
        .request_body_limit = 100 * 1024, .response_body_limit = 100 * 1024,                   \
        .decompress_layer_limit = 2, .bomb_limit = 1024 * 1024, .bomb_ratio = 2048,            \
        .log_extended = true, .request_inspect_min = 32 * 1024,                                \
        .response_inspect_min = 40 * 1024,                                                     \
    }

HttpConfig http_config = HTTP_CONFIG_DEFAULTS;

/* ---- byte strings -------------------------------------------------------------------- */

bool http_buf_append(HttpBuf *b, const uint8_t *data, uint32_t len, uint32_t limit)
{
    bool complete = true;
    if (limit && b->len + (uint64_t)len > limit) {
        len = b->len < limit ? limit - b->len : 0;
        complete = false;
    }
    if (!len)
        return complete;
    if (b->len + len > b->cap) {
        uint64_t cap = b->cap ? b->cap : 64;
        while (cap < (uint64_t)b->len + len)
            cap *= 2;
        if (limit && cap > limit)
            cap = limit;
        uint8_t *d = realloc(b->data, (size_t)cap);
        if (!d)
            return false;
        b->data = d;
        b->cap = (uint32_t)cap;
    }
    if (data)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return complete;
}

bool http_buf_set(HttpBuf *b, const uint8_t *data, uint32_t len, uint32_t limit)
{
    b->len = 0;
    return http_buf_append(b, data, len, limit);
}

void http_buf_free(HttpBuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- transactions -------------------------------------------------------------------- */

HttpTx *http_state_tx(HttpState *s, uint64_t id)
{
    if (id < s->tx_base || id - s->tx_base >= s->tx_count)
        return NULL;
    return s->txs[id - s->tx_base];
}

HttpTx *http_tx_new(HttpState *s)
{
    if (s->tx_count >= HTTP_MAX_OPEN_TX)
        return NULL;
    HttpTx **txs = array_reserve(s->txs, sizeof(*txs), s->tx_count + 1, &s->tx_cap);
    if (!txs)
        return NULL;
    s->txs = txs;
    HttpTx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return NULL;
    tx->id = s->tx_next++;
    tx->port = -1;
    tx->status = -1;
    /* ids are dense: tx_base + tx_count == tx->id */
    s->txs[s->tx_count++] = tx;
    return tx;
}

static void message_free(HttpMessage *m)
{
    http_headers_free(&m->headers);
    http_buf_free(&m->body);
    file_free(m->file);
    for (uint32_t i = 0; i < m->done_count; i++)
        file_free(m->done[i]);
    free(m->done);
    http_multipart_free(m->mp);
}

static void tx_destroy(HttpTx *tx)
{
    HttpBuf *bufs[] = {&tx->request_line, &tx->method,       &tx->uri_raw,    &tx->protocol,
                       &tx->uri_norm,     &tx->hostname,     &tx->response_line,
                       &tx->resp_protocol, &tx->status_raw,  &tx->status_msg,
                       &tx->header_line};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
        http_buf_free(bufs[i]);
    for (int d = 0; d < 2; d++) {
        http_buf_free(&tx->header_norm[d]);
        http_buf_free(&tx->header_names[d]);
        http_buf_free(&tx->start[d]);
    }
    message_free(&tx->req);
    message_free(&tx->resp);
    free(tx);
}

static void http_tx_free(void *state, uint64_t id)
{
    HttpState *s = state;
    HttpTx *tx = http_state_tx(s, id);
    if (!tx)
        return;
    if (s->req.tx == tx)
        s->req.tx = NULL;
    if (s->resp.tx == tx)
        s->resp.tx = NULL;
    s->txs[id - s->tx_base] = NULL;
    tx_destroy(tx);
    uint32_t lead = 0;
    while (lead < s->tx_count && !s->txs[lead])
        lead++;
    if (lead) {
        memmove(s->txs, s->txs + lead, (s->tx_count - lead) * sizeof(*s->txs));
        s->tx_count -= lead;
        s->tx_base += lead;
    }
}

static uint64_t http_tx_count(void *state)
{
    return ((HttpState *)state)->tx_next;
}

static void *http_tx_get(void *state, uint64_t id)
{
    return http_state_tx(state, id);
}

static bool http_tx_done(void *tx, bool to_server)
{
    HttpTx *t = tx;
    return to_server ? t->req.complete : t->resp.complete;
}

/* The progress detection sees. Suricata inspects an incomplete transaction side only after
 * its parser updated it (header or body data, a response's start): a request whose line
 * alone was parsed is not looked at yet (its transaction's data starts out not updated),
 * so it counts as still reading its line until a header arrives. */
static int http_tx_progress(void *state, void *tx, bool to_server)
{
    const HttpTx *t = tx;
    const HttpDir *d = to_server ? &((HttpState *)state)->req : &((HttpState *)state)->resp;
    if ((to_server ? &t->req : &t->resp)->complete)
        return HTTP_PROGRESS_COMPLETE;
    if (d->tx != t)
        return HTTP_PROGRESS_NONE;
    switch (d->phase) {
    case HTTP_PHASE_LINE:
        return HTTP_PROGRESS_LINE;   /* a response line after 100 Continue */
    case HTTP_PHASE_HEADERS:
        return to_server && !t->req.headers.raw.len ? HTTP_PROGRESS_LINE : HTTP_PROGRESS_HEADERS;
    case HTTP_PHASE_BODY:
        return d->body_kind == HTTP_BODY_CHUNKED && d->chunk_phase == HTTP_CHUNK_TRAILER
                   ? HTTP_PROGRESS_TRAILER
                   : HTTP_PROGRESS_BODY;
    default:
        return HTTP_PROGRESS_BODY;
    }
}

/* ---- state --------------------------------------------------------------------------- */

static void *http_state_new(void)
{
    return calloc(1, sizeof(HttpState));
}

static void dir_free(HttpDir *d)
{
    http_buf_free(&d->line);
    http_buf_free(&d->pending);
    http_decoder_free(&d->dec);
}

static void http_state_free(void *state)
{
    HttpState *s = state;
    for (uint32_t i = 0; i < s->tx_count; i++)
        if (s->txs[i])
            tx_destroy(s->txs[i]);
    free(s->txs);
    dir_free(&s->req);
    dir_free(&s->resp);
    free(s);
}

/* ---- detection ----------------------------------------------------------------------- */

static const char *const methods[] = {
    "GET",     "POST",    "HEAD",      "PUT",        "DELETE",   "OPTIONS", "CONNECT",
    "TRACE",   "PATCH",   "PROPFIND",  "PROPPATCH",  "MKCOL",    "COPY",    "MOVE",
    "LOCK",    "UNLOCK",  "SEARCH",    "CHECKOUT",   "CHECKIN",  "REPORT",  "MERGE",
    "MKACTIVITY", "UPDATE", "LABEL",   "SUBSCRIBE",  "UNSUBSCRIBE", "NOTIFY", "POLL",
    "BMOVE",   "BDELETE", "BPROPFIND", "BPROPPATCH", "BCOPY",    "MKWORKSPACE", "VERSION-CONTROL",
    "BASELINE-CONTROL",   "INVOKE",    "ACL",
};

/* Content detection as Suricata's HTTP patterns: a known method followed by a space or tab
 * at the start of the client's data, "HTTP/" at the start of the server's. */
static AppProto probe_request(const uint8_t *data, uint32_t len)
{
    bool could_be = false;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        size_t mlen = strlen(methods[i]);
        size_t n = len < mlen ? len : mlen;
        if (strncasecmp((const char *)data, methods[i], n) != 0)
            continue;
        if (len <= mlen) {
            could_be = true;
            continue;
        }
        if (data[mlen] == ' ' || data[mlen] == '\t')
            return ALPROTO_HTTP;
    }
    return could_be ? ALPROTO_UNKNOWN : ALPROTO_FAILED;
}

static AppProto http_probe(const uint8_t *data, uint32_t len, bool to_server)
{
    if (!len)
        return ALPROTO_UNKNOWN;
    AppProto r = probe_request(data, len);
    if (r != ALPROTO_FAILED || to_server)
        return r;
    size_t n = len < 5 ? len : 5;
    if (strncasecmp((const char *)data, "HTTP/", n) == 0)
        return len >= 5 ? ALPROTO_HTTP : ALPROTO_UNKNOWN;
    return ALPROTO_FAILED;
}

/* ---- parsing ------------------------------------------------------------------------- */

/* Gaps as libhtp takes them: inside a Content-Length or until-close body the gap is body
 * (the file records it) and may end it, and a response whose body has ended is complete;
 * anywhere else ("gaps are not allowed during this state") the missing bytes are simply
 * skipped and parsing goes on with what follows, as Suricata ignores that complaint. */
static int http_gap(HttpState *s, AppLayerCtx *ctx, bool to_server, uint32_t len)
{
    HttpDir *d = to_server ? &s->req : &s->resp;
    if (d->phase == HTTP_PHASE_BODY && d->body_kind != HTTP_BODY_CHUNKED)
        http_body_gap(s, ctx, d, to_server, len);
    if (d->phase == HTTP_PHASE_FINALIZE)
        http_response_finalize(s, ctx);
    http_frame_after(s, ctx, to_server, http_frame_base(ctx, to_server) + len);
    return 0;
}

/* The direction closed: a body that runs until close ends here; any other unfinished body is
 * truncated. */
static void http_eof(HttpState *s, AppLayerCtx *ctx, bool to_server)
{
    HttpDir *d = to_server ? &s->req : &s->resp;
    if (d->phase == HTTP_PHASE_FINALIZE && d->tx) {
        if (d->line.len)
            http_body_extra(ctx, d, d->tx, to_server, d->line.data, d->line.len);
        d->line.len = 0;
        http_response_finalize(s, ctx);
        return;
    }
    if (d->phase != HTTP_PHASE_BODY || !d->tx)
        return;
    HttpTx *tx = d->tx;
    bool normal_end = http_body_eof(ctx, d, to_server);
    http_body_end(ctx, d, tx, to_server, !normal_end);
    if (!normal_end)
        return;
    d->phase = HTTP_PHASE_LINE;
    if (to_server)
        http_request_complete(s, ctx, tx);
    else
        http_response_complete(s, ctx, tx);
}

static int http_parse(void *state, AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                      uint32_t len, uint32_t flags)
{
    HttpState *s = state;
    if (s->gave_up)
        return -1;
    if (ctx->flow && ctx->flow->app) {
        /* as Suricata's HTTP state set-up: the stream keeps this much behind raw inspection */
        ctx->flow->app->min_inspect_depth[0] = http_config.request_inspect_min;
        ctx->flow->app->min_inspect_depth[1] = http_config.response_inspect_min;
    }
    if (flags & APP_FLAG_GAP)
        return http_gap(s, ctx, to_server, len);
    if (len && data) {
        if (to_server)
            http_request_data(s, ctx, data, len);
        else
            http_response_data(s, ctx, data, len);
    }
    if (flags & APP_FLAG_EOF) {
        http_eof(s, ctx, to_server);
        http_frame_after(s, ctx, to_server, http_frame_base(ctx, to_server) + len);
    }
    return s->gave_up ? -1 : 0;
}

/* ---- configuration ------------------------------------------------------------------- */

void http_config_default(HttpConfig *cfg)
{
    *cfg = (HttpConfig)HTTP_CONFIG_DEFAULTS;
}

/* libhtp's default-config keys bongsu honours; the defaults are HTTP_CONFIG_DEFAULTS. */
static const ConfField http_config_fields[] = {
    {"request-body-limit", offsetof(HttpConfig, request_body_limit), CONF_FIELD_U32_SIZE},
    {"response-body-limit", offsetof(HttpConfig, response_body_limit), CONF_FIELD_U32_SIZE},
    {"response-body-decompress-layer-limit", offsetof(HttpConfig, decompress_layer_limit),
     CONF_FIELD_U32_INT},
    {"compression-bomb-limit", offsetof(HttpConfig, bomb_limit), CONF_FIELD_U64_SIZE},
    {"request-body-minimal-inspect-size", offsetof(HttpConfig, request_inspect_min),
     CONF_FIELD_U32_SIZE},
    {"response-body-minimal-inspect-size", offsetof(HttpConfig, response_inspect_min),
     CONF_FIELD_U32_SIZE},
    {"double-decode-path", offsetof(HttpConfig, double_decode_path), CONF_FIELD_BOOL},
    {"double-decode-query", offsetof(HttpConfig, double_decode_query), CONF_FIELD_BOOL},
};

void app_layer_http_configure(const ConfNode *conf)
{
    http_config_default(&http_config);
    char err[300];
    if (conf_read_table(conf, "app-layer.protocols.http.libhtp.default-config.",
                        http_config_fields, sizeof(http_config_fields) / sizeof(http_config_fields[0]),
                        &http_config, err, sizeof(err)) > 0)
        log_warning("config: %s; the default is used", err);
    http_log_configure(conf);
    file_configure(conf);
    http_register_buffers();
}

const AppLayerParser app_layer_http_parser = {
    .proto = ALPROTO_HTTP,
    .name = "http",
    .on_tcp = true,
    .on_udp = false,
    .default_ports = "",
    .probe = http_probe,
    .state_new = http_state_new,
    .state_free = http_state_free,
    .parse = http_parse,
    .tx_count = http_tx_count,
    .tx_get = http_tx_get,
    .tx_done = http_tx_done,
    .tx_progress = http_tx_progress,
    .tx_free = http_tx_free,
    .log_tx = http_log_tx,
    .tx_alert_json = http_tx_alert_json,
    .configure = app_layer_http_configure,
    .tx_has_event = http_tx_has_event,
    .tx_file = http_tx_file,
    .inspect_by_direction = true,
    .no_raw_trigger = true, /* asks itself when a request or response completes */
};
