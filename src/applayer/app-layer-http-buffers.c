/*
 * app-layer-http-buffers.c - the http.* sticky buffers (and file.data) detection inspects,
 * with Suricata 7's contents.
 *
 * Most are slices of what the parser keeps (http.uri is the normalised URI, http.uri.raw the
 * URI as sent, http.stat_code the status as sent...). Three are assembled on first use and
 * kept with the transaction, per direction:
 *   http.header        "Name: Value\r\n" per header, Cookie / Set-Cookie left out, then "\r\n"
 *   http.header_names  "\r\nName1\r\nName2\r\n\r\n"
 *   http.start         request/response line "\r\n", "Name: Value\r\n" per header, "\r\n"
 * Buffers only exist once the part they come from has been parsed. file.name is the name of
 * the file each direction carries (a multi-buffer: Suricata has one instance per file).
 */
#include <string.h>

#include "applayer/app-layer-http.h"
#include "file/file-magic.h"

#define BUFFER_CAP (HTTP_HEADERS_BYTES_LIMIT + 2 * HTTP_FIELD_LIMIT)

static bool out(const HttpBuf *b, const uint8_t **data, uint32_t *len)
{
    if (!b->data)
        return false;
    *data = b->data;
    *len = b->len;
    return true;
}

static bool out_header(const HttpHeaders *h, const char *name, const uint8_t **data,
                       uint32_t *len)
{
    const uint8_t *v = http_header_get(h, name, len);
    if (!v)
        return false;
    *data = v;
    return true;
}

static const HttpHeaders *headers_of(const HttpTx *tx, bool to_server)
{
    return to_server ? &tx->req.headers : &tx->resp.headers;
}

static void add(HttpBuf *b, const void *d, uint32_t n)
{
    http_buf_append(b, d, n, BUFFER_CAP);
}

static void add_header_lines(HttpBuf *b, const HttpHeaders *h, bool skip_cookie, bool to_server)
{
    for (uint32_t i = 0; i < h->count; i++) {
        const HttpHeader *it = &h->items[i];
        const uint8_t *name = http_header_name(h, i);
        if (skip_cookie && http_ieq(name, it->name_len, to_server ? "cookie" : "set-cookie"))
            continue;
        add(b, name, it->name_len);
        add(b, ": ", 2);
        add(b, http_header_value(h, i), it->value_len);
        add(b, "\r\n", 2);
    }
}

/* Detection may read a side's header buffers before its headers are all there (rules are
 * inspected by progress): a header added or dropped makes them be built again. */
void http_tx_headers_changed(HttpTx *tx, bool to_server)
{
    int d = to_server;
    tx->built_header_norm[d] = tx->built_header_names[d] = tx->built_start[d] = false;
    tx->header_norm[d].len = tx->header_names[d].len = tx->start[d].len = 0;
}

static bool get_header(void *state, void *txp, bool to_server, const uint8_t **data,
                       uint32_t *len)
{
    (void)state;
    HttpTx *tx = txp;
    int d = to_server;
    if (!tx->built_header_norm[d]) {
        add_header_lines(&tx->header_norm[d], headers_of(tx, to_server), true, to_server);
        add(&tx->header_norm[d], "\r\n", 2);
        tx->built_header_norm[d] = true;
    }
    return headers_of(tx, to_server)->count && out(&tx->header_norm[d], data, len);
}

static bool get_header_names(void *state, void *txp, bool to_server, const uint8_t **data,
                             uint32_t *len)
{
    (void)state;
    HttpTx *tx = txp;
    int d = to_server;
    const HttpHeaders *h = headers_of(tx, to_server);
    if (!tx->built_header_names[d]) {
        add(&tx->header_names[d], "\r\n", 2);
        for (uint32_t i = 0; i < h->count; i++) {
            add(&tx->header_names[d], http_header_name(h, i), h->items[i].name_len);
            add(&tx->header_names[d], "\r\n", 2);
        }
        add(&tx->header_names[d], "\r\n", 2);
        tx->built_header_names[d] = true;
    }
    return h->count && out(&tx->header_names[d], data, len);
}

static bool get_start(void *state, void *txp, bool to_server, const uint8_t **data,
                      uint32_t *len)
{
    (void)state;
    HttpTx *tx = txp;
    int d = to_server;
    const HttpBuf *line = to_server ? &tx->request_line : &tx->response_line;
    if (!line->len)
        return false;
    if (!tx->built_start[d]) {
        add(&tx->start[d], line->data, line->len);
        add(&tx->start[d], "\r\n", 2);
        add_header_lines(&tx->start[d], headers_of(tx, to_server), false, to_server);
        add(&tx->start[d], "\r\n", 2);
        tx->built_start[d] = true;
    }
    return out(&tx->start[d], data, len);
}

static bool get_header_raw(void *state, void *txp, bool to_server, const uint8_t **data,
                           uint32_t *len)
{
    (void)state;
    return out(&headers_of(txp, to_server)->raw, data, len);
}

#define SIMPLE_GETTER(fn, expr)                                                                 \
    static bool fn(void *state, void *txp, bool to_server, const uint8_t **data,             \
                   uint32_t *len)                                                            \
    {                                                                                        \
        (void)state;                                                                         \
        (void)to_server;                                                                     \
        HttpTx *tx = txp;                                                                    \
        return out(&(expr), data, len);                                                      \
    }

SIMPLE_GETTER(get_uri, tx->uri_norm)
SIMPLE_GETTER(get_uri_raw, tx->uri_raw)
SIMPLE_GETTER(get_method, tx->method)
SIMPLE_GETTER(get_host, tx->hostname)
SIMPLE_GETTER(get_stat_code, tx->status_raw)
SIMPLE_GETTER(get_stat_msg, tx->status_msg)
SIMPLE_GETTER(get_request_line, tx->request_line)
SIMPLE_GETTER(get_response_line, tx->response_line)
SIMPLE_GETTER(get_protocol, *(to_server ? &tx->protocol : &tx->resp_protocol))
SIMPLE_GETTER(get_body, *(to_server ? &tx->req.body : &tx->resp.body))

#define HEADER_GETTER(fn, ts_name, tc_name)                                                     \
    static bool fn(void *state, void *txp, bool to_server, const uint8_t **data,             \
                   uint32_t *len)                                                            \
    {                                                                                        \
        (void)state;                                                                         \
        HttpTx *tx = txp;                                                                    \
        return out_header(headers_of(tx, to_server), to_server ? ts_name : tc_name, data,    \
                          len);                                                              \
    }

HEADER_GETTER(get_host_raw, "host", "host")
HEADER_GETTER(get_user_agent, "user-agent", "user-agent")
HEADER_GETTER(get_cookie, "cookie", "set-cookie")
HEADER_GETTER(get_content_type, "content-type", "content-type")
HEADER_GETTER(get_referer, "referer", "referer")
HEADER_GETTER(get_server, "server", "server")
HEADER_GETTER(get_location, "location", "location")
HEADER_GETTER(get_accept, "accept", "accept")
HEADER_GETTER(get_accept_enc, "accept-encoding", "accept-encoding")
HEADER_GETTER(get_accept_lang, "accept-language", "accept-language")
HEADER_GETTER(get_connection, "connection", "connection")
HEADER_GETTER(get_content_len, "content-length", "content-length")

/* http.request_header / http.response_header: one instance per header, "Name: Value",
 * built in the transaction's scratch buffer (valid until the next instance is asked for). */
static bool get_header_line(void *state, void *txp, bool to_server, uint32_t idx,
                            const uint8_t **data, uint32_t *len)
{
    (void)state;
    HttpTx *tx = txp;
    const HttpHeaders *h = headers_of(tx, to_server);
    if (idx >= h->count)
        return false;
    HttpBuf *b = &tx->header_line;
    b->len = 0;
    add(b, http_header_name(h, idx), h->items[idx].name_len);
    add(b, ": ", 2);
    add(b, http_header_value(h, idx), h->items[idx].value_len);
    return out(b, data, len);
}

/* The message's files in the order they started: those that ended, then the open one. */
const File *http_tx_file(void *txp, bool to_server, uint32_t idx)
{
    HttpTx *tx = txp;
    const HttpMessage *m = to_server ? &tx->req : &tx->resp;
    return idx < m->done_count ? m->done[idx] : idx == m->done_count ? m->file : NULL;
}

/* file.data over HTTP is the body, as Suricata's (not the files' bytes, which the other file
 * protocols' file.data is: app-layer-buffers.c): one instance. */
static bool get_file_data(void *state, void *tx, bool to_server, uint32_t idx,
                          const uint8_t **data, uint32_t *len)
{
    return idx == 0 && get_body(state, tx, to_server, data, len);
}

/* libmagic's description of each file of the transaction (file.magic); a file whose head
 * has not been described yet has none. */
static bool get_file_magic(void *state, void *tx, bool to_server, uint32_t idx,
                           const uint8_t **data, uint32_t *len)
{
    (void)state;
    const File *f = http_tx_file(tx, to_server, idx);
    if (!f)
        return false;
    static const uint8_t none[1];
    *data = f->magic ? (const uint8_t *)f->magic : none;
    *len = f->magic ? (uint32_t)strlen(f->magic) : 0;
    return true;
}

/* ts/tc: the sides the buffer exists on; pts/ptc: the HttpProgress step after which it is
 * final on each side (Suricata's inspect engine progress; bodies and files: the side's end). */
typedef struct BufferSpec {
    const char *name;
    bool ts, tc;
    AppLayerBufferGetter getter;
    int pts, ptc;
} BufferSpec;

#define LINE HTTP_PROGRESS_LINE
#define HDRS HTTP_PROGRESS_HEADERS
#define DONE APPLAYER_PROGRESS_DONE
static const BufferSpec specs[] = {
    {"http.uri", true, false, get_uri, LINE, DONE},
    {"http.uri.raw", true, false, get_uri_raw, LINE, DONE},
    {"http.method", true, false, get_method, LINE, DONE},
    {"http.host", true, false, get_host, HDRS, DONE},
    {"http.host.raw", true, false, get_host_raw, HDRS, DONE},
    {"http.user_agent", true, false, get_user_agent, HDRS, DONE},
    {"http.header", true, true, get_header, HDRS, HDRS},
    {"http.header.raw", true, true, get_header_raw, HDRS, HDRS},
    {"http.header_names", true, true, get_header_names, HDRS, HDRS},
    {"http.cookie", true, true, get_cookie, HDRS, HDRS},
    {"http.request_body", true, false, get_body, DONE, DONE},
    {"http.response_body", false, true, get_body, DONE, DONE},
    {"http.stat_code", false, true, get_stat_code, DONE, LINE},
    {"http.stat_msg", false, true, get_stat_msg, DONE, LINE},
    {"http.content_type", true, true, get_content_type, HDRS, HDRS},
    {"http.referer", true, false, get_referer, HDRS, DONE},
    {"http.protocol", true, true, get_protocol, LINE, LINE},
    {"http.start", true, true, get_start, HDRS, HDRS},
    {"http.request_line", true, false, get_request_line, LINE, DONE},
    {"http.response_line", false, true, get_response_line, DONE, LINE},
    {"http.server", false, true, get_server, DONE, HDRS},
    {"http.location", false, true, get_location, DONE, HDRS},
    {"http.accept", true, false, get_accept, HDRS, DONE},
    {"http.accept_enc", true, false, get_accept_enc, HDRS, DONE},
    {"http.accept_lang", true, false, get_accept_lang, HDRS, DONE},
    {"http.connection", true, true, get_connection, HDRS, HDRS},
    {"http.content_len", true, true, get_content_len, HDRS, HDRS},
};
#undef LINE
#undef HDRS
#undef DONE

void http_register_buffers(void)
{
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        applayer_buffer_set_progress(applayer_buffer_register(specs[i].name, ALPROTO_HTTP,
                                                              specs[i].ts, specs[i].tc,
                                                              specs[i].getter),
                                     specs[i].pts, specs[i].ptc);
    applayer_buffer_register_multi("file.data", ALPROTO_HTTP, true, true, get_file_data);
    applayer_buffer_on_rule_use(
        applayer_buffer_register_multi("file.magic", ALPROTO_HTTP, true, true, get_file_magic),
        file_magic_request);
    applayer_buffer_set_progress(applayer_buffer_register_multi("http.request_header",
                                                                ALPROTO_HTTP, true, false,
                                                                get_header_line),
                                 HTTP_PROGRESS_HEADERS, APPLAYER_PROGRESS_DONE);
    applayer_buffer_set_progress(applayer_buffer_register_multi("http.response_header",
                                                                ALPROTO_HTTP, false, true,
                                                                get_header_line),
                                 APPLAYER_PROGRESS_DONE, HTTP_PROGRESS_HEADERS);
}
