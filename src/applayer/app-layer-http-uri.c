/*
 * app-layer-http-uri.c - the request URI: its parts, the hostname and port, and the
 * normalised form detection sees as http.uri.
 *
 * Parsing follows libhtp: "scheme://[user@]host[:port]/path?query#fragment" (absolute form),
 * "host:port" for CONNECT (authority form), otherwise "/path?query#fragment". The hostname
 * comes from the URI when it has one (without trailing dots), else from the Host header,
 * lowercased. The port is kept only when given explicitly (EVE http_port).
 *
 * The path is normalised as libhtp's IDS personality (Suricata's default) does it: '\' is a
 * separator, %XX and %uXXXX are decoded (including encoded separators), runs of '/' are
 * compressed, and dot segments are removed (RFC 3986 5.2.4). In the query and fragment only
 * %XX is decoded: "?q=%41//x\\y%2f+z%u0042" is "?q=A//x\\y/+z%u0042" in the reference's
 * http.uri (detect-xor needs it). http.uri is path[?query][#fragment]; the EVE `url` and
 * http.uri.raw are the URI as it appeared on the request line.
 */
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-http.h"
#include "common/textutil.h"

/* %uXXXX: the low byte when the high byte is zero, else '?' (libhtp's best-fit fallback). */
static uint32_t decode_u(const uint8_t *in, uint32_t len, uint32_t i, uint8_t *out)
{
    if (i + 5 >= len)
        return 0;
    int h[4];
    for (int k = 0; k < 4; k++)
        if ((h[k] = text_hex_value(in[i + 2 + k])) < 0)
            return 0;
    *out = (h[0] == 0 && h[1] == 0) ? (uint8_t)(h[2] << 4 | h[3]) : '?';
    return 6;
}

/* Decoding (%XX; in a path %uXXXX too) and, for a path, separator handling ('\\' is '/', runs
 * of '/' are one); returns the new length. */
static uint32_t decode_part(const uint8_t *in, uint32_t len, uint8_t *out, bool path)
{
    uint32_t w = 0;
    for (uint32_t i = 0; i < len;) {
        uint8_t c = in[i];
        uint32_t step = 1;
        if (path && c == '%' && i + 1 < len && (in[i + 1] == 'u' || in[i + 1] == 'U')) {
            uint32_t n = decode_u(in, len, i, &c);
            step = n ? n : 1;
        } else if (c == '%' && i + 2 < len && text_hex_value(in[i + 1]) >= 0 && text_hex_value(in[i + 2]) >= 0) {
            c = (uint8_t)(text_hex_value(in[i + 1]) << 4 | text_hex_value(in[i + 2]));
            step = 3;
        }
        if (c == '\\' && path)
            c = '/';
        if (!(path && c == '/' && w > 0 && out[w - 1] == '/'))
            out[w++] = c;
        i += step;
    }
    return w;
}

/* Removes the last segment and its '/' from the output (w bytes). */
static uint32_t drop_segment(const uint8_t *p, uint32_t w)
{
    while (w > 0 && p[w - 1] != '/')
        w--;
    return w > 0 ? w - 1 : 0;
}

/* RFC 3986 5.2.4 remove_dot_segments, in place, as libhtp does it: the input's first byte is
 * taken out before the rules are tried, and the '/' that rules B and C put back in its place
 * is only written with the segment after it. So a path ending in a dot segment loses its
 * last '/' ("/a/b/.." and "/a/./" are "/a", "/x/../" is empty), which the reference's http.uri
 * and fileinfo filename show (an empty path logs no filename). */
static uint32_t remove_dots(uint8_t *p, uint32_t len)
{
    uint32_t r = 0, w = 0;
    int c = -1; /* the byte taken out, -1 when none */
    while (r < len && w < len) {
        if (c < 0)
            c = p[r++];
        uint32_t rest = len - r; /* what follows c */
        const uint8_t *q = p + r;
        if (c == '.' && rest >= 2 && q[0] == '.' && q[1] == '/') { /* A: "../" */
            c = -1;
            r += 2;
        } else if (c == '.' && rest >= 1 && q[0] == '/') { /* A: "./" */
            c = -1;
            r += 1;
        } else if (c == '/' && ((rest >= 2 && q[0] == '.' && q[1] == '/') ||
                                (rest == 1 && q[0] == '.'))) { /* B: "/./", "/." */
            r += rest >= 2 ? 2 : 1;
        } else if (c == '/' && ((rest >= 3 && memcmp(q, "../", 3) == 0) ||
                                (rest == 2 && memcmp(q, "..", 2) == 0))) { /* C: "/../", "/.." */
            r += rest >= 3 ? 3 : 2;
            w = drop_segment(p, w);
        } else if (c == '.' && (rest == 0 || (rest == 1 && q[0] == '.'))) { /* D: ".", ".." */
            r = len;
        } else { /* E: the segment moves to the output */
            p[w++] = (uint8_t)c;
            while (r < len && p[r] != '/' && w < len)
                p[w++] = p[r++];
            c = -1;
        }
    }
    return w;
}

uint32_t http_normalize_path(const uint8_t *in, uint32_t len, uint8_t *out)
{
    return remove_dots(out, decode_part(in, len, out, true));
}

static void lower_host(HttpBuf *host, const uint8_t *p, uint32_t len)
{
    http_buf_set(host, p, len, HTTP_FIELD_LIMIT);
    for (uint32_t i = 0; i < host->len; i++)
        if (host->data[i] >= 'A' && host->data[i] <= 'Z')
            host->data[i] = (uint8_t)(host->data[i] + 32);
}

bool http_parse_authority(const uint8_t *v, uint32_t len, HttpBuf *host, int32_t *port,
                          bool *port_invalid)
{
    *port = -1;
    *port_invalid = false;
    while (len && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    const uint8_t *at = memchr(v, '@', len);
    if (at) {
        len -= (uint32_t)(at + 1 - v);
        v = at + 1;
    }
    uint32_t host_end = len;
    if (len && v[0] == '[') {
        const uint8_t *rb = memchr(v, ']', len);
        host_end = rb ? (uint32_t)(rb - v + 1) : len;
    } else {
        const uint8_t *colon = memchr(v, ':', len);
        if (colon)
            host_end = (uint32_t)(colon - v);
    }
    lower_host(host, v, host_end);
    if (host_end < len && v[host_end] == ':') {
        int64_t n = 0;
        uint32_t i = host_end + 1;
        bool digits = i < len;
        for (; i < len; i++) {
            if (v[i] < '0' || v[i] > '9' || n > 65535) {
                digits = false;
                break;
            }
            n = n * 10 + (v[i] - '0');
        }
        if (digits && n > 0 && n < 65536)
            *port = (int32_t)n;
        else
            *port_invalid = true;
    }
    return host_end > 0;
}

/* Splits the URI; path_off/path_len cover path?query#fragment. */
static void split_uri(HttpTx *tx, AppLayerCtx *ctx, bool connect, uint32_t *path_off,
                      bool *uri_host)
{
    const uint8_t *u = tx->uri_raw.data;
    uint32_t len = tx->uri_raw.len;
    *path_off = 0;
    *uri_host = false;
    const uint8_t *sep = len ? memchr(u, '/', len) : NULL;
    const uint8_t *colon = len ? memchr(u, ':', len) : NULL;
    bool scheme = colon && sep && colon < sep && colon + 2 < u + len && colon[1] == '/' &&
                  colon[2] == '/';
    if (!scheme && !(connect && len && u[0] != '/'))
        return;
    uint32_t a = scheme ? (uint32_t)(colon + 3 - u) : 0;
    uint32_t e = a;
    while (e < len && u[e] != '/' && u[e] != '?' && u[e] != '#')
        e++;
    bool port_invalid;
    *uri_host = http_parse_authority(u + a, e - a, &tx->hostname, &tx->port, &port_invalid);
    /* libhtp drops a URI host's trailing dots; a Host header's stay (the reference logs
     * "chrome-extension." and ET 2022373 matches it) */
    while (tx->hostname.len && tx->hostname.data[tx->hostname.len - 1] == '.')
        tx->hostname.len--;
    if (port_invalid)
        http_raise(ctx, tx, HTTP_EV_INVALID_AUTHORITY_PORT);
    if (!*uri_host)
        http_raise(ctx, tx, HTTP_EV_REQUEST_URI_HOST_INVALID);
    *path_off = e;
}

static void build_normalized(HttpTx *tx, uint32_t off)
{
    const uint8_t *p = tx->uri_raw.data + off;
    uint32_t len = tx->uri_raw.len - off;
    uint32_t path_len = 0;
    while (path_len < len && p[path_len] != '?' && p[path_len] != '#')
        path_len++;
    tx->uri_norm.len = 0;
    tx->uri_path_len = 0;
    if (!len || !http_buf_append(&tx->uri_norm, NULL, len, 0))
        return;
    uint32_t n = http_normalize_path(p, path_len, tx->uri_norm.data);
    tx->uri_path_len = n;
    n += decode_part(p + path_len, len - path_len, tx->uri_norm.data + n, false);
    tx->uri_norm.len = n;
}

static void host_from_header(HttpTx *tx, AppLayerCtx *ctx, bool uri_host)
{
    uint32_t hlen;
    const uint8_t *h = http_header_get(&tx->req.headers, "host", &hlen);
    if (!h) {
        if (tx->protocol.len == 8 && memcmp(tx->protocol.data, "HTTP/1.1", 8) == 0)
            http_raise(ctx, tx, HTTP_EV_MISSING_HOST_HEADER);
        return;
    }
    HttpBuf host = {0};
    int32_t port;
    bool port_invalid;
    bool ok = http_parse_authority(h, hlen, &host, &port, &port_invalid);
    if (!ok || port_invalid)
        http_raise(ctx, tx, HTTP_EV_REQUEST_HEADER_HOST_INVALID);
    if (uri_host) {
        if (host.len != tx->hostname.len ||
            (host.len && memcmp(host.data, tx->hostname.data, host.len) != 0))
            http_raise(ctx, tx, HTTP_EV_HOST_HEADER_AMBIGUOUS);
        http_buf_free(&host);
        return;
    }
    http_buf_free(&tx->hostname);
    tx->hostname = host;
    tx->port = port;
}

/* Whether decoding p once more would shorten it (a valid %XX or %uXXXX). */
static bool still_encoded(const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i + 2 < len; i++) {
        if (p[i] != '%')
            continue;
        uint8_t c;
        if ((p[i + 1] == 'u' || p[i + 1] == 'U') && decode_u(p, len, i, &c))
            return true;
        if (text_hex_value(p[i + 1]) >= 0 && text_hex_value(p[i + 2]) >= 0)
            return true;
    }
    return false;
}

/* Suricata's double-decode-path/-query options: the path (already decoded once) or the
 * query (as sent) that a further URL decoding would change is DOUBLE_ENCODED_URI. */
static void check_double_encoding(HttpTx *tx, AppLayerCtx *ctx)
{
    const uint8_t *u = tx->uri_norm.data;
    uint32_t len = tx->uri_norm.len;
    uint32_t path_len = tx->uri_path_len;
    uint32_t q = path_len < len && u[path_len] == '?' ? path_len + 1 : len;
    uint32_t q_end = q;
    while (q_end < len && u[q_end] != '#')
        q_end++;
    if ((http_config.double_decode_path && still_encoded(u, path_len)) ||
        (http_config.double_decode_query && still_encoded(u + q, q_end - q)))
        http_raise(ctx, tx, HTTP_EV_DOUBLE_ENCODED_URI);
}

void http_uri_from_request_line(HttpTx *tx, AppLayerCtx *ctx)
{
    uint32_t off;
    bool uri_host;
    split_uri(tx, ctx, http_ieq(tx->method.data, tx->method.len, "CONNECT"), &off, &uri_host);
    build_normalized(tx, off);
}

void http_uri_process(HttpTx *tx, AppLayerCtx *ctx)
{
    bool connect = http_ieq(tx->method.data, tx->method.len, "CONNECT");
    uint32_t off;
    bool uri_host;
    split_uri(tx, ctx, connect, &off, &uri_host);
    build_normalized(tx, off);
    if (http_config.double_decode_path || http_config.double_decode_query)
        check_double_encoding(tx, ctx);
    host_from_header(tx, ctx, uri_host);
}
