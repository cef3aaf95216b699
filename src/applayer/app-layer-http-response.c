/*
 * app-layer-http-response.c - the server direction: status line, response headers, the
 * response body framing, 100-continue, and the end of HTTP on a connection (CONNECT, 101).
 *
 * Responses are matched to requests in order (pipelining): the n-th response belongs to the
 * n-th transaction; a response without a request gets a transaction of its own and
 * UNABLE_TO_MATCH_RESPONSE_TO_REQUEST. Interim 1xx responses (100 Continue) are skipped and
 * the final response of the same transaction follows. Body framing follows RFC 7230 3.3.3 as
 * libhtp does: no body for HEAD, 1xx, 204 and 304; chunked; Content-Length; otherwise until
 * the server closes. A first line that does not start with "HTTP" is not a status line: as in
 * libhtp, everything from there to the close is that response's body, except that a junk
 * line right before an "H" (or of at most two bytes) is skipped, as browsers do.
 *
 * Lines are read the way libhtp reads responses, which is looser than for requests and what
 * http-evader's "cr", "lfcr" and folding variants exploit (see resp_line_end). Header folding
 * is resolved before a header is parsed, as libhtp does: a header waits while the next line
 * may continue it, continuation lines are appended as they are, and in an HTTP/1.1 response
 * a continuation that has a colon (after a header that has one) is a header of its own.
 */
#include <string.h>
#include <strings.h>

#include "applayer/app-layer-http.h"

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_eol(uint8_t c)
{
    return c == '\r' || c == '\n';
}

static bool is_folding(uint8_t c)
{
    return c == ' ' || c == '\t' || c == 0;
}

/* Where the line that began with `prefix` bytes in earlier deliveries ends in p: the length
 * with its end of line, 0 when it does not end in this delivery. As libhtp:
 *  - a status line ends at LF, or at a CR not followed by LF;
 *  - a header line also ends at a CR followed by anything but LF or CR (CR CR: the first CR
 *    is content), unless that CR would be a line of its own (it is then content of the next
 *    line); LF CR is one end of line, and right after one, CR LF CR LF is a single empty
 *    line (*drop = 2 leading bytes are not part of it);
 *  - a CR that ends a delivery is content (the next delivery is not looked at to decide).
 * d->lfcr remembers an LF CR end until a byte other than CR or LF comes. */
static uint32_t resp_line_end(HttpDir *d, const uint8_t *p, uint32_t n, bool headers,
                              uint32_t prefix, uint32_t *drop)
{
    uint32_t i = 0;
    *drop = 0;
    while (i < n) {
        uint32_t start = i;
        while (i < n && !is_eol(p[i]))
            i++;
        if (i > start)
            d->lfcr = false;
        if (i == n)
            return 0;
        if (p[i++] == '\n') {
            d->lfcr = headers && i < n && p[i] == '\r';
            return d->lfcr ? i + 1 : i;
        }
        if (i == n)
            return 0;
        if (p[i] == '\n') {
            i++;
            if (headers && d->lfcr && i < n && p[i] == '\r') {
                i++;
                (*drop)++;
                if (i < n && p[i] == '\n') {
                    i++;
                    (*drop)++;
                }
            }
            d->lfcr = false;
            return i;
        }
        if (!headers)
            return i;
        d->lfcr = false;
        if (p[i] != '\r' && prefix + i >= 2)
            return i;
    }
    return 0;
}

/* Takes the next response line: false when it continues in a later delivery (buffered).
 * *line includes its end-of-line bytes. */
static bool resp_take_line(HttpDir *d, const uint8_t *data, uint32_t len, bool headers,
                           uint32_t *used, const uint8_t **line, uint32_t *line_len)
{
    uint32_t drop;
    uint32_t end = resp_line_end(d, data, len, headers, d->line.len, &drop);
    *used = end ? end : len;
    if (!end || d->line.len) {
        if (!http_buf_append(&d->line, data, *used, HTTP_FIELD_LIMIT))
            d->line_too_long = true;
        if (!end)
            return false;
        *line = d->line.data;
        *line_len = d->line.len;
    } else {
        *line = data;
        *line_len = end;
    }
    if (drop > *line_len)
        drop = *line_len;
    *line += drop;
    *line_len -= drop;
    return true;
}

/* The line without its trailing CRs and LFs. */
static uint32_t chomp(const uint8_t *line, uint32_t len)
{
    while (len && is_eol(line[len - 1]))
        len--;
    return len;
}

/* libhtp's end of headers: an empty line, or a space/tab + LF line when more than an LF
 * follows it. */
static bool ends_headers(const uint8_t *raw, uint32_t len, bool next_no_lf)
{
    if (len == 1)
        return is_eol(raw[0]);
    if (len != 2 || raw[1] != '\n')
        return false;
    return raw[0] == '\r' || ((raw[0] == ' ' || raw[0] == '\t') && next_no_lf);
}

/* The transaction this response belongs to, made when the client never asked. */
static HttpTx *response_tx(HttpState *s, AppLayerCtx *ctx)
{
    if (s->resp.tx)
        return s->resp.tx;
    HttpTx *tx = http_state_tx(s, s->resp_next);
    if (!tx) {
        tx = http_tx_new(s);
        if (!tx) {
            s->gave_up = true;
            return NULL;
        }
        tx->req.complete = true;
        s->resp_next = tx->id;
        http_raise(ctx, tx, HTTP_EV_UNABLE_TO_MATCH_RESPONSE_TO_REQUEST);
    }
    s->resp.tx = tx;
    return tx;
}

static int protocol_number(const HttpBuf *p)
{
    if (p->len == 8 && strncasecmp((const char *)p->data, "HTTP/", 5) == 0 &&
        p->data[6] == '.')
        return (p->data[5] - '0') * 10 + (p->data[7] - '0');
    return -1;
}

static int32_t parse_status(const uint8_t *p, uint32_t len)
{
    if (len != 3)
        return -1;
    int32_t v = 0;
    for (int i = 0; i < 3; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v >= 100 ? v : -1;
}

static void parse_status_line(AppLayerCtx *ctx, HttpTx *tx, const uint8_t *line, uint32_t len)
{
    http_buf_set(&tx->response_line, line, len, HTTP_FIELD_LIMIT);
    uint32_t i = 0;
    while (i < len && is_space(line[i]))
        i++;
    uint32_t p = i;
    while (i < len && !is_space(line[i]))
        i++;
    http_buf_set(&tx->resp_protocol, line + p, i - p, HTTP_FIELD_LIMIT);
    if (protocol_number(&tx->resp_protocol) < 0)
        http_raise(ctx, tx, HTTP_EV_RESPONSE_INVALID_PROTOCOL);
    while (i < len && is_space(line[i]))
        i++;
    uint32_t st = i;
    while (i < len && !is_space(line[i]))
        i++;
    http_buf_set(&tx->status_raw, line + st, i - st, HTTP_FIELD_LIMIT);
    tx->status = parse_status(line + st, i - st);
    if (tx->status < 0)
        http_raise(ctx, tx, HTTP_EV_RESPONSE_INVALID_STATUS);
    while (i < len && is_space(line[i]))
        i++;
    uint32_t end = len;
    while (end > i && is_space(line[end - 1]))
        end--;
    http_buf_set(&tx->status_msg, line + i, end - i, HTTP_FIELD_LIMIT);
}

static bool looks_like_status_line(const uint8_t *line, uint32_t len)
{
    uint32_t i = 0;
    while (i < len && (is_space(line[i]) || line[i] == '\n' || line[i] == 0))
        i++;
    return len - i >= 4 && strncasecmp((const char *)line + i, "HTTP", 4) == 0;
}

/* Returns the bytes of the delivery used: 0 when the line is to be parsed again as body.
 * raw is the line with its end of line; next_len bytes of the delivery follow it. */
static uint32_t status_line(HttpState *s, AppLayerCtx *ctx, const uint8_t *raw,
                            uint32_t raw_len, uint32_t used, const uint8_t *next,
                            uint32_t next_len)
{
    HttpDir *d = &s->resp;
    uint32_t len = chomp(raw, raw_len);
    if (len == 0)
        return used;           /* empty lines between responses are ignored */
    HttpTx *tx = response_tx(s, ctx);
    if (!tx)
        return used;
    tx->resp_started = true;
    if (d->line_too_long)
        http_raise(ctx, tx, HTTP_EV_RESPONSE_FIELD_TOO_LONG);
    if (!looks_like_status_line(raw, len)) {
        if (next_len >= 2 && (next[0] == 'H' || len <= 2))
            return used;       /* junk before what may be the status line */
        /* Not a status line: the line itself starts a body that runs to the close. */
        http_body_begin(s, ctx, d, tx, false, HTTP_BODY_UNTIL_CLOSE, 0);
        if (d->line.len == 0)
            return 0;
        http_body_data(s, ctx, d, false, raw, raw_len);
        return used;
    }
    parse_status_line(ctx, tx, raw, len);
    d->phase = HTTP_PHASE_HEADERS;
    d->have_header = false;
    d->has_pending = false;
    return used;
}

/* The header waiting for possible continuation lines is complete: parse it. */
static void flush_pending(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx)
{
    if (!d->has_pending)
        return;
    d->has_pending = false;
    http_message_header_parsed(ctx, &tx->resp, tx, d->pending.data, d->pending.len, false);
}

static void hold_pending(HttpDir *d, const uint8_t *h, uint32_t len)
{
    http_buf_set(&d->pending, h, len, HTTP_FIELD_LIMIT);
    d->has_pending = true;
}

/* A line starting with whitespace or NUL (or empty once chomped) continues the waiting
 * header; without one it starts a header of its own (invalid folding). */
static void fold_line(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, const uint8_t *line,
                      uint32_t len)
{
    if (!d->has_pending) {
        http_raise(ctx, tx, HTTP_EV_INVALID_RESPONSE_FIELD_FOLDING);
        uint32_t t = 0;
        while (t < len && is_folding(line[t]))
            t++;
        hold_pending(d, line + t, len - t);
        return;
    }
    if (len && d->pending.len && memchr(line, ':', len) &&
        memchr(d->pending.data, ':', d->pending.len) &&
        protocol_number(&tx->resp_protocol) == 11) {
        http_raise(ctx, tx, HTTP_EV_INVALID_RESPONSE_FIELD_FOLDING);
        flush_pending(ctx, d, tx);
        hold_pending(d, line + 1, len - 1);
        return;
    }
    http_buf_append(&d->pending, line, len, HTTP_FIELD_LIMIT);
}

static void response_headers_done(HttpState *s, AppLayerCtx *ctx, HttpTx *tx);

static void header_line(HttpState *s, AppLayerCtx *ctx, const uint8_t *raw, uint32_t raw_len,
                        const uint8_t *next, uint32_t next_len)
{
    HttpDir *d = &s->resp;
    HttpTx *tx = d->tx;
    if (!tx)
        return;
    if (d->line_too_long)
        http_raise(ctx, tx, HTTP_EV_RESPONSE_FIELD_TOO_LONG);
    if (ends_headers(raw, raw_len, next_len && next[0] != '\n')) {
        flush_pending(ctx, d, tx);
        response_headers_done(s, ctx, tx);
        return;
    }
    uint32_t len = chomp(raw, raw_len);
    http_message_header_raw(&tx->resp, raw, len);
    if (len == 0 || is_folding(raw[0])) {
        fold_line(ctx, d, tx, raw, len);
        return;
    }
    flush_pending(ctx, d, tx);
    /* as libhtp, only a next byte already here can make the header wait */
    if (next_len && is_folding(next[0]))
        hold_pending(d, raw, len);
    else
        http_message_header_parsed(ctx, &tx->resp, tx, raw, len, false);
}

/* A response that matched no request (response_tx) has no request side in libhtp (its
 * progress stays at "not started"), so Suricata inspects that side and logs the transaction
 * only at the flow's end. response_tx counts such a side as complete, so that the
 * transactions after it are logged in order when they complete; a tunnel ends the HTTP
 * transactions, so there the side is left open, as libhtp's. */
static void start_tunnel(HttpState *s, HttpTx *tx)
{
    tx->resp.complete = true;
    tx->req.complete = tx->request_line.len != 0;
    s->resp.phase = HTTP_PHASE_TUNNEL;
    s->req.phase = HTTP_PHASE_TUNNEL;
    s->resp.tx = NULL;
    if (s->req.tx == tx)
        s->req.tx = NULL;
    s->resp_next = tx->id + 1;
}

/* Interim response: forget its headers and wait for the final one of the same transaction;
 * its status stays until the final status line replaces it (libhtp keeps it too: an alert
 * raised meanwhile shows status 100, as the reference's does). */
static void interim_response(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx)
{
    if (tx->status == 100) {
        if (tx->seen_100)
            http_raise(ctx, tx, HTTP_EV_100_CONTINUE_ALREADY_SEEN);
        tx->seen_100 = true;
    }
    http_headers_free(&tx->resp.headers);
    http_tx_headers_changed(tx, false);
    d->phase = HTTP_PHASE_LINE;
}

static bool response_has_no_body(const HttpTx *tx)
{
    return http_ieq(tx->method.data, tx->method.len, "HEAD") || tx->status == 204 ||
           tx->status == 304 || (tx->status >= 100 && tx->status < 200);
}

static void response_framing(HttpState *s, AppLayerCtx *ctx, HttpTx *tx)
{
    HttpDir *d = &s->resp;
    const HttpHeaders *h = &tx->resp.headers;
    uint32_t te_len = 0, cl_len = 0, ct_len = 0;
    const uint8_t *te = http_header_get(h, "transfer-encoding", &te_len);
    const uint8_t *cl = http_header_get(h, "content-length", &cl_len);
    if (te) {
        if (http_value_contains_nz(te, te_len, "chunked")) {
            if (!http_ieq(te, te_len, "chunked"))
                http_raise(ctx, tx, HTTP_EV_RESPONSE_ABNORMAL_TRANSFER_ENCODING);
            if (protocol_number(&tx->resp_protocol) < 11)
                http_raise(ctx, tx, HTTP_EV_RESPONSE_CHUNKED_OLD_PROTO);
            http_body_begin(s, ctx, d, tx, false, HTTP_BODY_CHUNKED, 0);
            return;
        }
        http_raise(ctx, tx, HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_RESPONSE);
    }
    if (cl) {
        int64_t n = http_parse_content_length(cl, cl_len);
        if (n >= 0) {
            if (n == 0)
                http_response_complete(s, ctx, tx);
            else
                http_body_begin(s, ctx, d, tx, false, HTTP_BODY_LENGTH, (uint64_t)n);
            return;
        }
        http_raise(ctx, tx, HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE);
    }
    const uint8_t *ct = http_header_get(h, "content-type", &ct_len);
    if (ct && ct_len >= 20 && strncasecmp((const char *)ct, "multipart/byteranges", 20) == 0)
        http_raise(ctx, tx, HTTP_EV_RESPONSE_MULTIPART_BYTERANGES);
    http_body_begin(s, ctx, d, tx, false, HTTP_BODY_UNTIL_CLOSE, 0);
}

static void response_headers_done(HttpState *s, AppLayerCtx *ctx, HttpTx *tx)
{
    HttpDir *d = &s->resp;
    bool connect = http_ieq(tx->method.data, tx->method.len, "CONNECT");
    if (connect && tx->status >= 200 && tx->status < 300) {
        /* what the tunnel carries (TLS, or HTTP again) is detected afresh, as Suricata does */
        start_tunnel(s, tx);
        applayer_change_protocol(ctx);
        return;
    }
    /* As libhtp: a response that must not have a body gets one anyway when it announces
     * it (Transfer-Encoding or Content-Length), and only a 100 is interim. */
    uint32_t n, cl_len;
    bool te = http_header_get(&tx->resp.headers, "transfer-encoding", &n) != NULL;
    const uint8_t *cl = http_header_get(&tx->resp.headers, "content-length", &cl_len);
    if (tx->status == 101 && !te && !cl) {
        /* An upgrade to h2c asks for a change to HTTP/2 (bongsu has no HTTP/2 parser: the
         * bytes stay a tunnel); Suricata refuses it while another change is under way
         * (HTTP found instead of TLS after STARTTLS) and raises the event. */
        uint32_t up_len;
        const uint8_t *up = http_header_get(&tx->resp.headers, "upgrade", &up_len);
        if (up && up_len == 3 && memcmp(up, "h2c", 3) == 0 && applayer_change_in_progress(ctx))
            http_raise(ctx, tx, HTTP_EV_FAILED_PROTOCOL_CHANGE);
        start_tunnel(s, tx);
        return;
    }
    if (tx->status == 100 && !te && (!cl || http_parse_content_length(cl, cl_len) <= 0)) {
        interim_response(ctx, d, tx);
        return;
    }
    if (http_ieq(tx->method.data, tx->method.len, "HEAD") ||
        (response_has_no_body(tx) && !te && !cl)) {
        http_response_complete(s, ctx, tx);
        return;
    }
    response_framing(s, ctx, tx);
}

/* After a response body: a line that does not look like a status line is more body (the
 * line with its end of line); a status line completes the response and starts the next. */
static uint32_t finalize_line(HttpState *s, AppLayerCtx *ctx, const uint8_t *data, uint32_t len)
{
    HttpDir *d = &s->resp;
    const uint8_t *line = NULL;
    uint32_t line_len = 0;
    bool complete;
    uint32_t buffered = d->line.len;
    uint32_t used = http_take_line(d, data, len, &line, &line_len, &complete);
    if (!complete)
        return used;
    if (looks_like_status_line(line, line_len)) {
        /* read again from its start as a status line, with the status line's rules */
        http_response_finalize(s, ctx);
        d->line.len = buffered;
        return 0;
    }
    if (buffered) {
        http_body_extra(ctx, d, d->tx, false, d->line.data, d->line.len);
        http_body_extra(ctx, d, d->tx, false, (const uint8_t *)"\n", 1);
    } else {
        http_body_extra(ctx, d, d->tx, false, data, used);
    }
    d->line.len = 0;
    d->line_too_long = false;
    return used;
}

static uint32_t response_lines(HttpState *s, AppLayerCtx *ctx, const uint8_t *data, uint32_t len)
{
    HttpDir *d = &s->resp;
    bool headers = d->phase == HTTP_PHASE_HEADERS;
    const uint8_t *line = NULL;
    uint32_t line_len = 0, used;
    if (!resp_take_line(d, data, len, headers, &used, &line, &line_len))
        return used;
    if (headers)
        header_line(s, ctx, line, line_len, data + used, len - used);
    else
        used = status_line(s, ctx, line, line_len, used, data + used, len - used);
    d->line.len = 0;
    d->line_too_long = false;
    return used;
}

void http_response_complete(HttpState *s, AppLayerCtx *ctx, HttpTx *tx)
{
    tx->resp.complete = true;
    /* as Suricata's HTP callbacks: a completed response has its stream inspected at once, so
     * stream rules see it together with the transaction */
    applayer_trigger_raw(ctx, false);
    if (s->resp.tx == tx)
        s->resp.tx = NULL;
    s->resp_next = tx->id + 1;
    if (s->resp.phase != HTTP_PHASE_TUNNEL)
        s->resp.phase = HTTP_PHASE_LINE;
}

void http_response_data(HttpState *s, AppLayerCtx *ctx, const uint8_t *data, uint32_t len)
{
    HttpDir *d = &s->resp;
    d->lfcr = false;
    uint64_t pos = http_frame_base(ctx, false);
    while (len && !s->gave_up) {
        uint32_t used;
        if (d->phase == HTTP_PHASE_TUNNEL)
            return;
        http_frame_before(d, pos);
        if (d->phase == HTTP_PHASE_BODY)
            used = http_body_data(s, ctx, d, false, data, len);
        else if (d->phase == HTTP_PHASE_FINALIZE)
            used = finalize_line(s, ctx, data, len);
        else
            used = response_lines(s, ctx, data, len);
        data += used;
        len -= used;
        pos += used;
        http_frame_after(s, ctx, false, pos);
    }
    /* nothing more in this delivery: the response ends with its framing */
    if (d->phase == HTTP_PHASE_FINALIZE && d->line.len == 0)
        http_response_finalize(s, ctx);
    http_frame_after(s, ctx, false, pos);
}
