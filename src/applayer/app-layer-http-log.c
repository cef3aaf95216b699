/*
 * app-layer-http-log.c - EVE `http` events and the `http` object of alerts and fileinfo,
 * field for field as Suricata 7's output-json-http.c writes them.
 *
 * Basic fields: hostname, http_port (only when a port was given), url (the URI as sent),
 * http_user_agent, xff, http_content_type (without parameters), content_range. With
 * `extended: yes`: http_refer, http_method, protocol, status (or status_string when it is
 * not a number), redirect, length (the response body as it was on the wire). Headers are
 * added as request_headers/response_headers arrays when `dump-all-headers` asks for them, or
 * filtered to the `custom` list. Strings are written as Suricata writes raw bytes (ASCII as
 * is, other bytes as \xNN); header names and values are cut at 255 and 2047 bytes, as there.
 */
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-http.h"
#include "config/config.h"

#define MAX_HEADER_NAME 255u
#define MAX_HEADER_VALUE 2047u

typedef struct HttpLogField {
    const char *config_name;
    const char *header;
} HttpLogField;

/* Suricata's http_fields table: the names `custom` accepts and the header each means. */
static const HttpLogField log_fields[] = {
    {"accept", "accept"},
    {"accept_charset", "accept-charset"},
    {"accept_encoding", "accept-encoding"},
    {"accept_language", "accept-language"},
    {"accept_datetime", "accept-datetime"},
    {"authorization", "authorization"},
    {"cache_control", "cache-control"},
    {"cookie", "cookie"},
    {"from", "from"},
    {"max_forwards", "max-forwards"},
    {"origin", "origin"},
    {"pragma", "pragma"},
    {"proxy_authorization", "proxy-authorization"},
    {"range", "range"},
    {"te", "te"},
    {"via", "via"},
    {"x_requested_with", "x-requested-with"},
    {"dnt", "dnt"},
    {"x_forwarded_proto", "x-forwarded-proto"},
    {"x_authenticated_user", "x-authenticated-user"},
    {"x_flash_version", "x-flash-version"},
    {"accept_range", "accept-range"},
    {"age", "age"},
    {"allow", "allow"},
    {"connection", "connection"},
    {"content_encoding", "content-encoding"},
    {"content_language", "content-language"},
    {"content_length", "content-length"},
    {"content_location", "content-location"},
    {"content_md5", "content-md5"},
    {"content_range", "content-range"},
    {"content_type", "content-type"},
    {"date", "date"},
    {"etag", "etags"},
    {"expires", "expires"},
    {"last_modified", "last-modified"},
    {"link", "link"},
    {"location", "location"},
    {"proxy_authenticate", "proxy-authenticate"},
    {"referer", "referer"},
    {"refresh", "refresh"},
    {"retry_after", "retry-after"},
    {"server", "server"},
    {"set_cookie", "set-cookie"},
    {"trailer", "trailer"},
    {"transfer_encoding", "transfer-encoding"},
    {"upgrade", "upgrade"},
    {"vary", "vary"},
    {"warning", "warning"},
    {"www_authenticate", "www-authenticate"},
    {"true_client_ip", "true-client-ip"},
    {"org_src_ip", "org-src-ip"},
    {"x_bluecoat_via", "x-bluecoat-via"},
};
#define LOG_FIELD_COUNT (sizeof(log_fields) / sizeof(log_fields[0]))

static void set_bytes(json_t *o, const char *key, const uint8_t *d, uint32_t len)
{
    json_object_set_new(o, key, file_json_bytes(d, len));
}

static void set_buf(json_t *o, const char *key, const HttpBuf *b)
{
    if (b->len)
        set_bytes(o, key, b->data, b->len);
}

static void set_header(json_t *o, const char *key, const HttpHeaders *h, const char *name)
{
    uint32_t len;
    const uint8_t *v = http_header_get(h, name, &len);
    if (v)
        set_bytes(o, key, v, len);
}

/* "bytes 0-99/1234" -> start, end, size (-1 parts omitted). */
static void add_content_range(json_t *o, const uint8_t *v, uint32_t len)
{
    json_t *cr = json_object();
    set_bytes(cr, "raw", v, len);
    uint32_t i = 0;
    while (i < len && v[i] != ' ' && (v[i] < '0' || v[i] > '9') && v[i] != '*')
        i++;
    while (i < len && v[i] == ' ')
        i++;
    long long part[3] = {-1, -1, -1};
    int k = 0;
    while (i < len && k < 3) {
        if (v[i] >= '0' && v[i] <= '9') {
            long long n = 0;
            while (i < len && v[i] >= '0' && v[i] <= '9' && n < (1LL << 50))
                n = n * 10 + (v[i++] - '0');
            part[k] = n;
        } else if (v[i] == '*') {
            i++;
        } else {
            break;
        }
        if (i < len && (v[i] == '-' || v[i] == '/'))
            i++;
        k++;
    }
    if (part[0] >= 0)
        json_object_set_new(cr, "start", json_integer(part[0]));
    if (part[1] >= 0)
        json_object_set_new(cr, "end", json_integer(part[1]));
    if (part[2] >= 0)
        json_object_set_new(cr, "size", json_integer(part[2]));
    json_object_set_new(o, "content_range", cr);
}

static void add_basic(json_t *o, const HttpTx *tx)
{
    set_buf(o, "hostname", &tx->hostname);
    if (tx->port >= 0)
        json_object_set_new(o, "http_port", json_integer(tx->port));
    set_buf(o, "url", &tx->uri_raw);
    set_header(o, "http_user_agent", &tx->req.headers, "user-agent");
    set_header(o, "xff", &tx->req.headers, "x-forwarded-for");
    uint32_t len;
    const uint8_t *ct = http_header_get(&tx->resp.headers, "content-type", &len);
    if (ct) {
        const uint8_t *semi = memchr(ct, ';', len);
        set_bytes(o, "http_content_type", ct, semi ? (uint32_t)(semi - ct) : len);
    }
    const uint8_t *cr = http_header_get(&tx->resp.headers, "content-range", &len);
    if (cr)
        add_content_range(o, cr, len);
}

static void add_extended(json_t *o, const HttpTx *tx)
{
    set_header(o, "http_refer", &tx->req.headers, "referer");
    set_buf(o, "http_method", &tx->method);
    set_buf(o, "protocol", &tx->protocol);
    if (tx->status > 0)
        json_object_set_new(o, "status", json_integer(tx->status));
    else if (tx->status_raw.len)
        set_buf(o, "status_string", &tx->status_raw);
    set_header(o, "redirect", &tx->resp.headers, "location");
    json_object_set_new(o, "length", json_integer((json_int_t)tx->resp.message_len));
}

static bool custom_wants(const uint8_t *name, uint32_t len)
{
    for (size_t f = 0; f < LOG_FIELD_COUNT; f++)
        if ((http_config.log_custom >> f) & 1 && http_ieq(name, len, log_fields[f].header))
            return true;
    return false;
}

static void add_headers(json_t *o, const char *key, const HttpHeaders *h, bool all)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; i < h->count; i++) {
        const HttpHeader *it = &h->items[i];
        const uint8_t *name = http_header_name(h, i);
        if (!all && !custom_wants(name, it->name_len))
            continue;
        json_t *e = json_object();
        set_bytes(e, "name", name, it->name_len < MAX_HEADER_NAME ? it->name_len : MAX_HEADER_NAME);
        set_bytes(e, "value", http_header_value(h, i),
                  it->value_len < MAX_HEADER_VALUE ? it->value_len : MAX_HEADER_VALUE);
        json_array_append_new(arr, e);
    }
    if (json_array_size(arr))
        json_object_set_new(o, key, arr);
    else
        json_decref(arr);
}

json_t *http_tx_json(const HttpTx *tx)
{
    json_t *o = json_object();
    add_basic(o, tx);
    if (http_config.log_extended)
        add_extended(o, tx);
    if (http_config.log_request_headers || http_config.log_custom)
        add_headers(o, "request_headers", &tx->req.headers, http_config.log_request_headers);
    if (http_config.log_response_headers || http_config.log_custom)
        add_headers(o, "response_headers", &tx->resp.headers, http_config.log_response_headers);
    return o;
}

json_t *http_tx_alert_json(void *state, void *tx)
{
    (void)state;
    return http_tx_json(tx);
}

void http_log_tx(AppLayerCtx *ctx, void *state, void *txp, uint64_t tx_id)
{
    (void)state;
    HttpTx *tx = txp;
    /* A file still open when its transaction is logged (the flow ended first) is truncated. */
    http_file_finish(ctx, tx, &tx->req, FILE_STATE_TRUNCATED);
    http_file_finish(ctx, tx, &tx->resp, FILE_STATE_TRUNCATED);
    EveWriter *w = ctx->thread ? ctx->thread->eve : NULL;
    if (!w || !eve_enabled(w->log, EVE_HTTP))
        return;
    json_t *obj = applayer_eve_header(ctx, "http", tx_id);
    json_object_set_new(obj, "http", http_tx_json(tx));
    eve_write(w, EVE_HTTP, obj);
}

void http_log_configure(const ConfNode *conf)
{
    const ConfNode *body = applayer_eve_type_conf(conf, "http");
    http_config.log_extended = body ? conf_get_bool(body, "extended", false) : false;
    const char *dump = body ? conf_get_str(body, "dump-all-headers", "none") : "none";
    http_config.log_request_headers = !strcmp(dump, "both") || !strcmp(dump, "request");
    http_config.log_response_headers = !strcmp(dump, "both") || !strcmp(dump, "response");
    http_config.log_custom = 0;
    const ConfNode *custom = body ? conf_node_lookup(body, "custom") : NULL;
    for (size_t f = 0; custom && f < LOG_FIELD_COUNT; f++)
        if (conf_seq_has_item(custom, log_fields[f].config_name, NULL))
            http_config.log_custom |= 1ull << f;
}
