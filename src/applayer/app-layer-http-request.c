/*
 * app-layer-http-request.c - the client direction: request line, request headers, and the
 * choice of request body framing; plus the line splitter both directions use.
 *
 * Request line as libhtp parses it: leading whitespace skipped (and reported), the method up
 * to the first whitespace, the URI up to the next, the rest is the protocol; a line without
 * a protocol is an HTTP/0.9 request, complete without headers. Delimiters other than one space
 * are reported (METHOD_DELIM_NON_COMPLIANT, URI_DELIM_NON_COMPLIANT) but accepted, since the
 * servers that http-evader targets accept them too. Empty lines between requests are skipped.
 */
#include <string.h>
#include <strings.h>

#include "applayer/app-layer-http.h"

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

uint32_t http_take_line(HttpDir *d, const uint8_t *data, uint32_t len, const uint8_t **line,
                        uint32_t *line_len, bool *complete)
{
    const uint8_t *lf = memchr(data, '\n', len);
    if (!lf) {
        if (!http_buf_append(&d->line, data, len, HTTP_FIELD_LIMIT))
            d->line_too_long = true;
        *complete = false;
        return len;
    }
    uint32_t n = (uint32_t)(lf - data);
    if (d->line.len == 0) {
        *line = data;
        *line_len = n;
    } else {
        if (!http_buf_append(&d->line, data, n, HTTP_FIELD_LIMIT))
            d->line_too_long = true;
        *line = d->line.data;
        *line_len = d->line.len;
    }
    while (*line_len && (*line)[*line_len - 1] == '\r')
        (*line_len)--;
    *complete = true;
    return n + 1;
}

/* Counts whitespace at p; reports whether it was exactly one space. */
static uint32_t skip_delim(const uint8_t *p, uint32_t len, bool *compliant)
{
    uint32_t n = 0;
    while (n < len && is_space(p[n]))
        n++;
    *compliant = n == 1 && p[0] == ' ';
    return n;
}

static bool protocol_valid(const uint8_t *p, uint32_t len)
{
    return len == 8 && strncasecmp((const char *)p, "HTTP/", 5) == 0 && p[5] >= '0' &&
           p[5] <= '9' && p[6] == '.' && p[7] >= '0' && p[7] <= '9';
}

static void parse_request_line(AppLayerCtx *ctx, HttpTx *tx, const uint8_t *line, uint32_t len)
{
    http_buf_set(&tx->request_line, line, len, HTTP_FIELD_LIMIT);
    uint32_t i = 0;
    while (i < len && is_space(line[i]))
        i++;
    if (i)
        http_raise(ctx, tx, HTTP_EV_REQUEST_LINE_LEADING_WHITESPACE);
    uint32_t m = i;
    while (i < len && !is_space(line[i]))
        i++;
    http_buf_set(&tx->method, line + m, i - m, HTTP_FIELD_LIMIT);
    bool ok;
    uint32_t gap = skip_delim(line + i, len - i, &ok);
    if (i == len) {
        http_raise(ctx, tx, HTTP_EV_REQUEST_LINE_INCOMPLETE);
        tx->http09 = true;
        return;
    }
    if (!ok)
        http_raise(ctx, tx, HTTP_EV_METHOD_DELIM_NON_COMPLIANT);
    i += gap;
    uint32_t u = i;
    while (i < len && !is_space(line[i]))
        i++;
    http_buf_set(&tx->uri_raw, line + u, i - u, HTTP_FIELD_LIMIT);
    gap = skip_delim(line + i, len - i, &ok);
    if (i + gap >= len) {
        tx->http09 = true;      /* no protocol: HTTP/0.9 */
        return;
    }
    if (!ok)
        http_raise(ctx, tx, HTTP_EV_URI_DELIM_NON_COMPLIANT);
    i += gap;
    uint32_t end = len;
    while (end > i && is_space(line[end - 1]))
        end--;
    http_buf_set(&tx->protocol, line + i, end - i, HTTP_FIELD_LIMIT);
    if (!protocol_valid(line + i, end - i))
        http_raise(ctx, tx, HTTP_EV_REQUEST_LINE_INVALID);
}

static void request_line(HttpState *s, AppLayerCtx *ctx, const uint8_t *line, uint32_t len,
                         bool more_data)
{
    HttpDir *d = &s->req;
    if (len == 0)
        return;   /* empty lines before a request are ignored, as by servers */
    HttpTx *tx = http_tx_new(s);
    if (!tx) {
        s->gave_up = true;
        return;
    }
    d->tx = tx;
    if (d->line_too_long)
        http_raise(ctx, tx, HTTP_EV_REQUEST_FIELD_TOO_LONG);
    parse_request_line(ctx, tx, line, len);
    if (tx->http09 && !more_data) {
        http_uri_process(tx, ctx);
        http_request_complete(s, ctx, tx);
        return;
    }
    /* libhtp: a request line without a protocol that has more bytes right behind it is not
     * HTTP/0.9 after all; what follows is read as headers */
    tx->http09 = false;
    /* libhtp parses and normalises the URI with the request line: http.uri is there for a
     * request whose headers never end */
    http_uri_from_request_line(tx, ctx);
    d->phase = HTTP_PHASE_HEADERS;
    d->have_header = false;
}

static void note_header_result(AppLayerCtx *ctx, HttpTx *tx, HttpHeaderResult r, bool to_server)
{
    http_tx_headers_changed(tx, to_server);
    switch (r) {
    case HTTP_HDR_MISSING_COLON:
        /* Suricata 7.0.10 raises no event for a response header line without a colon
         * (checked against the reference with the line first, last and between headers):
         * the line is kept as a header with an empty name on both sides alike. */
        if (to_server)
            http_raise(ctx, tx, HTTP_EV_REQUEST_FIELD_MISSING_COLON);
        break;
    case HTTP_HDR_INVALID:
        http_raise(ctx, tx, to_server ? HTTP_EV_REQUEST_HEADER_INVALID
                                      : HTTP_EV_RESPONSE_HEADER_INVALID);
        break;
    case HTTP_HDR_REPEATED:
        /* Suricata 7 reports repeated request headers only */
        if (to_server)
            http_raise(ctx, tx, HTTP_EV_REQUEST_HEADER_REPETITION);
        break;
    case HTTP_HDR_CL_AMBIGUOUS:
        http_raise(ctx, tx, to_server ? HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST
                                      : HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE);
        break;
    case HTTP_HDR_FOLD_INVALID:
        http_raise(ctx, tx, to_server ? HTTP_EV_INVALID_REQUEST_FIELD_FOLDING
                                      : HTTP_EV_INVALID_RESPONSE_FIELD_FOLDING);
        break;
    default:
        break;
    }
}

/* One header line of either direction: kept raw (for http.start and http.header.raw) and
 * parsed. */
void http_message_header_line(AppLayerCtx *ctx, HttpDir *d, HttpMessage *m, HttpTx *tx,
                              const uint8_t *line, uint32_t len, bool to_server)
{
    if (d->line_too_long)
        http_raise(ctx, tx, to_server ? HTTP_EV_REQUEST_FIELD_TOO_LONG
                                      : HTTP_EV_RESPONSE_FIELD_TOO_LONG);
    http_message_header_raw(m, line, len);
    note_header_result(ctx, tx, http_header_line(&m->headers, line, len, &d->have_header),
                       to_server);
}

void http_message_header_raw(HttpMessage *m, const uint8_t *line, uint32_t len)
{
    if (http_buf_append(&m->headers.raw, line, len, HTTP_HEADERS_BYTES_LIMIT))
        http_buf_append(&m->headers.raw, (const uint8_t *)"\r\n", 2, HTTP_HEADERS_BYTES_LIMIT);
}

void http_message_header_parsed(AppLayerCtx *ctx, HttpMessage *m, HttpTx *tx,
                                const uint8_t *header, uint32_t len, bool to_server)
{
    note_header_result(ctx, tx, http_header_parse(&m->headers, header, len), to_server);
}

/* Framing of a request body (RFC 7230 3.3.3): chunked wins over Content-Length; without
 * either a request has no body. */
/* libhtp knows the Basic, Digest and Bearer schemes; any other is reported. */
static void check_authorization(AppLayerCtx *ctx, HttpTx *tx)
{
    uint32_t len;
    const uint8_t *v = http_header_get(&tx->req.headers, "authorization", &len);
    if (!v)
        return;
    uint32_t n = 0;
    while (n < len && !is_space(v[n]))
        n++;
    if (!http_ieq(v, n, "basic") && !http_ieq(v, n, "digest") && !http_ieq(v, n, "bearer"))
        http_raise(ctx, tx, HTTP_EV_REQUEST_AUTH_UNRECOGNIZED);
}

static void request_headers_done(HttpState *s, AppLayerCtx *ctx, HttpTx *tx)
{
    HttpDir *d = &s->req;
    http_uri_process(tx, ctx);
    check_authorization(ctx, tx);
    const HttpHeaders *h = &tx->req.headers;
    uint32_t te_len = 0, cl_len = 0;
    const uint8_t *te = http_header_get(h, "transfer-encoding", &te_len);
    const uint8_t *cl = http_header_get(h, "content-length", &cl_len);
    if (te) {
        if (http_value_contains(te, te_len, "chunked")) {
            http_body_begin(s, ctx, d, tx, true, HTTP_BODY_CHUNKED, 0);
            return;
        }
        http_raise(ctx, tx, HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST);
    }
    if (cl) {
        int64_t n = http_parse_content_length(cl, cl_len);
        if (n < 0)
            http_raise(ctx, tx, HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST);
        else if (n > 0) {
            http_body_begin(s, ctx, d, tx, true, HTTP_BODY_LENGTH, (uint64_t)n);
            return;
        }
    }
    http_request_complete(s, ctx, tx);
}

/* The methods libhtp knows (htp_convert_method_to_number: exact case). */
static bool libhtp_method(const uint8_t *m, uint32_t len)
{
    static const char *const known[] = {
        "GET",     "PUT",       "POST",     "DELETE",   "CONNECT",          "OPTIONS",
        "TRACE",   "PATCH",     "PROPFIND", "PROPPATCH", "MKCOL",           "COPY",
        "MOVE",    "LOCK",      "UNLOCK",   "VERSION-CONTROL", "CHECKOUT",  "UNCHECKOUT",
        "CHECKIN", "UPDATE",    "LABEL",    "REPORT",   "MKWORKSPACE",      "MKACTIVITY",
        "BASELINE-CONTROL",     "MERGE",    "INVALID",  "HEAD",
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strlen(known[i]) == len && memcmp(known[i], m, len) == 0)
            return true;
    return false;
}

/* libhtp's request finalisation: a line that follows a complete request in the same delivery
 * is that request's body unless its first word is a known method (a blank line too, without
 * an event). True when the line was taken as body. */
static bool request_stray_body(HttpDir *d, AppLayerCtx *ctx, const uint8_t *line,
                               uint32_t line_len, const uint8_t *data, uint32_t used,
                               bool buffered)
{
    HttpTx *tx = d->finalize_tx;
    uint32_t i = 0;
    while (i < line_len && is_space(line[i]))
        i++;
    uint32_t start = i;
    while (i < line_len && !is_space(line[i]))
        i++;
    if (i > start && libhtp_method(line + start, i - start))
        return false;
    if (i > start)
        http_raise(ctx, tx, HTTP_EV_REQUEST_BODY_UNEXPECTED);
    if (buffered) {
        http_body_extra(ctx, d, tx, true, d->line.data, d->line.len);
        http_body_extra(ctx, d, tx, true, (const uint8_t *)"\n", 1);
    } else {
        http_body_extra(ctx, d, tx, true, data, used);
    }
    return true;
}

/* The delivery ended: the request that was finalising is complete, and so is its file. */
static void request_finalize_end(AppLayerCtx *ctx, HttpDir *d)
{
    HttpTx *tx = d->finalize_tx;
    d->finalize_tx = NULL;
    if (tx)
        http_file_finish(ctx, tx, &tx->req, FILE_STATE_CLOSED);
}

static uint32_t request_lines(HttpState *s, AppLayerCtx *ctx, const uint8_t *data, uint32_t len)
{
    HttpDir *d = &s->req;
    const uint8_t *line = NULL;
    uint32_t line_len = 0;
    bool complete;
    bool buffered = d->line.len != 0;
    uint32_t used = http_take_line(d, data, len, &line, &line_len, &complete);
    if (!complete)
        return used;
    if (d->phase == HTTP_PHASE_LINE && d->finalize_tx &&
        request_stray_body(d, ctx, line, line_len, data, used, buffered)) {
        /* taken as body */
    } else if (d->phase == HTTP_PHASE_LINE) {
        request_finalize_end(ctx, d);
        request_line(s, ctx, line, line_len, used < len);
    }
    else if (line_len == 0 && d->tx)
        request_headers_done(s, ctx, d->tx);
    else if (d->tx)
        http_message_header_line(ctx, d, &d->tx->req, d->tx, line, line_len, true);
    d->line.len = 0;
    d->line_too_long = false;
    return used;
}

void http_request_complete(HttpState *s, AppLayerCtx *ctx, HttpTx *tx)
{
    tx->req.complete = true;
    /* as Suricata's HTP callbacks: a completed request has its stream inspected at once, so
     * stream rules see it together with the transaction */
    applayer_trigger_raw(ctx, true);
    if (s->req.tx == tx)
        s->req.tx = NULL;
    if (s->req.phase != HTTP_PHASE_TUNNEL) {
        s->req.phase = HTTP_PHASE_LINE;
        s->req.finalize_tx = tx;
    }
}

void http_request_data(HttpState *s, AppLayerCtx *ctx, const uint8_t *data, uint32_t len)
{
    HttpDir *d = &s->req;
    d->finalize_tx = NULL;  /* one completed outside a delivery (gap, EOF) is final */
    uint64_t pos = http_frame_base(ctx, true);
    while (len && !s->gave_up) {
        uint32_t used;
        if (d->phase == HTTP_PHASE_TUNNEL)
            return;
        http_frame_before(d, pos);
        if (d->phase == HTTP_PHASE_BODY)
            used = http_body_data(s, ctx, d, true, data, len);
        else
            used = request_lines(s, ctx, data, len);
        data += used;
        len -= used;
        pos += used;
        http_frame_after(s, ctx, true, pos);
    }
    request_finalize_end(ctx, d);
    http_frame_after(s, ctx, true, pos);
}
