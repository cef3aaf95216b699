/*
 * app-layer-http-body.c - message bodies: framing (Content-Length, chunked, until close),
 * Content-Encoding (gzip, deflate, layered), the inspected body buffers, and files.
 *
 * Bytes flow   wire -> framing -> decoders -> entity sink -> { body buffer, File }.
 * message_len counts what the framing consumed (chunk-size lines and CRLFs included, as
 * libhtp's response_message_len, which EVE logs as `length`); entity_len counts what came out
 * of the decoders. The body buffer keeps at most request-body-limit / response-body-limit
 * bytes for detection, and files stop there too, as in Suricata (whose file depth is the body
 * limit unless a filestore rule raised it): the chunk that crosses the limit is cut at it, and
 * a file that then receives more is closed TRUNCATED; one whose body ends first is CLOSED.
 * YARA and intel hash matching need whole files and lift that limit while they are on.
 *
 * Decoding follows libhtp: the codings are applied in the order the header lists them (each
 * layer feeds the next), at most response-body-decompress-layer-limit layers
 * (TOO_MANY_ENCODING_LAYERS beyond); "deflate" without a zlib header is retried as raw
 * deflate; a stream that fails to decode is reported once (GZIP_DECOMPRESSION_FAILED) and the
 * rest passes through undecoded; output beyond the bomb limit at a ratio above 2048:1 is
 * COMPRESSION_BOMB and dropped. Each layer inflates into a 16 KiB stack buffer, so decoding
 * allocates nothing per byte.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applayer/app-layer-http.h"
#include "common/array.h"
#include "common/textutil.h"

#define DECODE_CHUNK 16384

static FileThread file_thread(AppLayerCtx *ctx)
{
    return file_thread_of(ctx);
}

/* ---- files --------------------------------------------------------------------------- */

/* filename=... from Content-Disposition (quoted or not). */
static bool disposition_name(const HttpHeaders *h, const uint8_t **name, uint32_t *len)
{
    uint32_t vlen;
    const uint8_t *v = http_header_get(h, "content-disposition", &vlen);
    if (!v)
        return false;
    for (uint32_t i = 0; i + 9 <= vlen; i++) {
        if (strncasecmp((const char *)v + i, "filename=", 9) != 0)
            continue;
        uint32_t s = i + 9, e;
        if (s < vlen && v[s] == '"') {
            s++;
            e = s;
            while (e < vlen && v[e] != '"')
                e++;
        } else {
            e = s;
            while (e < vlen && v[e] != ';' && v[e] != ' ')
                e++;
        }
        if (e > s) {
            *name = v + s;
            *len = e - s;
            return true;
        }
    }
    return false;
}

/* Suricata names an HTTP file after the Content-Disposition filename, else the normalised
 * URI path without its query. */
static void file_name_for(const HttpTx *tx, const HttpMessage *m, const uint8_t **name,
                          uint32_t *len)
{
    if (disposition_name(&m->headers, name, len))
        return;
    /* libhtp's parsed path: split from the query before decoding, so "%3F" stays in it */
    *name = tx->uri_norm.data ? tx->uri_norm.data : (const uint8_t *)"";
    *len = tx->uri_path_len;
}

void http_file_open(AppLayerCtx *ctx, HttpTx *tx, HttpMessage *m, const uint8_t *name,
                    uint32_t name_len)
{
    FileThread th = file_thread(ctx);
    m->file = file_open(&th, name, name_len, tx->id, m == &tx->req);
}

void http_file_append(AppLayerCtx *ctx, File *f, const uint8_t *data, uint32_t len)
{
    FileThread th = file_thread(ctx);
    file_append(&th, f, data, len);
}

/* An ended file stays with its message for the transaction's rules (file_free past the
 * bound, or without memory). */
static void keep_done_file(HttpMessage *m, File *f)
{
    File **grown = m->done_count < HTTP_FILES_KEPT
                       ? array_reserve(m->done, sizeof(*grown), (size_t)m->done_count + 1,
                                       &m->done_cap)
                       : NULL;
    if (!grown) {
        file_free(f);
        return;
    }
    m->done = grown;
    m->done[m->done_count++] = f;
}

void http_file_done(AppLayerCtx *ctx, HttpTx *tx, HttpMessage *m, FileState state)
{
    http_file_finish(ctx, tx, m, state);
    if (m->file)
        keep_done_file(m, m->file);
    m->file = NULL;
}

/* Request bodies hold files as Suricata sees them: multipart parts, or the whole body of a
 * POST or PUT; the bodies of other methods hold none. */
static HttpFilesKind request_files(HttpTx *tx)
{
    HttpMessage *m = &tx->req;
    if (m->kind == HTTP_FILES_UNSET) {
        if (http_ieq(tx->method.data, tx->method.len, "POST"))
            http_multipart_setup(tx);
        else
            m->kind = http_ieq(tx->method.data, tx->method.len, "PUT") ? HTTP_FILES_URI
                                                                       : HTTP_FILES_NONE;
    }
    return m->kind;
}

/* The file a message's whole body makes (opened on its first bytes, or first gap); NULL
 * when the body is no file or holds multipart files. */
static File *body_file(AppLayerCtx *ctx, HttpTx *tx, bool to_server)
{
    HttpMessage *m = to_server ? &tx->req : &tx->resp;
    if (to_server && request_files(tx) != HTTP_FILES_URI)
        return NULL;
    if (!m->file) {
        const uint8_t *name;
        uint32_t name_len;
        file_name_for(tx, m, &name, &name_len);
        http_file_open(ctx, tx, m, name, name_len);
    }
    return m->file;
}

static void entity_sink(AppLayerCtx *ctx, HttpTx *tx, bool to_server, const uint8_t *data,
                        uint32_t len)
{
    HttpMessage *m = to_server ? &tx->req : &tx->resp;
    uint32_t limit = to_server ? http_config.request_body_limit : http_config.response_body_limit;
    if (!len)
        return;
    uint64_t before = m->entity_len;
    m->entity_len += len;
    if (!m->body_truncated && !http_buf_append(&m->body, data, len, limit))
        m->body_truncated = true;
    if (file_whole_files_wanted())
        limit = 0;
    if (limit && before >= limit) {
        /* past the body limit files stop, truncated (Suricata: beyond the body depth) */
        if (to_server && m->mp)
            http_multipart_end(ctx, tx);
        http_file_finish(ctx, tx, m, FILE_STATE_TRUNCATED);
        return;
    }
    if (limit && before + len > limit)
        len = (uint32_t)(limit - before);
    if (to_server && request_files(tx) == HTTP_FILES_MULTIPART) {
        http_multipart_data(ctx, tx, data, len);
        return;
    }
    File *f = body_file(ctx, tx, to_server);
    if (f)
        http_file_append(ctx, f, data, len);
}

/* ---- decoding ------------------------------------------------------------------------ */

static int layer_init(HttpDecoder *dec, uint32_t i)
{
    memset(&dec->zs[i], 0, sizeof(dec->zs[i]));
    return inflateInit2(&dec->zs[i], dec->raw[i] ? -15 : 15 + 32) == Z_OK ? 0 : -1;
}

/* Bytes of gzip header a restarted layer skips, as libhtp guesses them: with any flag set,
 * the 10 fixed bytes, up to the end of FNAME/FCOMMENT, or 12 with FHCRC (the header CRC
 * and unknown flags are what make zlib refuse the header in the first place). */
static uint32_t gzip_header_skip(const uint8_t *in, uint32_t len)
{
    if (len < 4 || in[0] != 0x1f || in[1] != 0x8b || in[3] == 0)
        return 0;
    uint32_t skip = 10;
    if (in[3] & 0x18) {
        while (skip < len && in[skip] != 0)
            skip++;
        skip++;
    } else if (in[3] & 0x02) {
        skip = 12;
    }
    return skip > len ? 0 : skip;
}

void http_decoder_free(HttpDecoder **dec)
{
    if (!*dec)
        return;
    for (uint32_t i = 0; i < (*dec)->layers; i++)
        inflateEnd(&(*dec)->zs[i]);
    free(*dec);
    *dec = NULL;
}

static uint32_t decoder_layers(const HttpDir *d)
{
    return d->dec ? d->dec->layers : 0;
}

static bool bomb(const HttpDecoder *dec)
{
    return dec->out_total > http_config.bomb_limit && dec->in_total &&
           dec->out_total / dec->in_total > http_config.bomb_ratio;
}

static void decode_layer(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server, uint32_t i,
                         const uint8_t *in, uint32_t len);

/* Inflate `in` through layer i, handing the output to layer i + 1. Returns false on a
 * decoding error (the caller passes the input through instead). */
static bool inflate_layer(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server, uint32_t i,
                          const uint8_t *in, uint32_t len)
{
    HttpDecoder *dec = d->dec;
    z_stream *zs = &dec->zs[i];
    uint8_t out[DECODE_CHUNK];
    zs->next_in = (Bytef *)in;
    zs->avail_in = len;
    while (zs->avail_in) {
        zs->next_out = out;
        zs->avail_out = sizeof(out);
        int rc = inflate(zs, Z_NO_FLUSH);
        uint32_t produced = (uint32_t)(sizeof(out) - zs->avail_out);
        if (rc == Z_DATA_ERROR && zs->total_out == 0 && dec->restarts[i] < 3) {
            /* Nothing decoded yet: start again past a gzip header zlib refused, first in the
             * same format, then alternating raw deflate and gzip/zlib (libhtp's restarts:
             * "deflate" sent with its zlib wrapper, gzip with odd flags). */
            inflateEnd(zs);
            if (dec->restarts[i]++ > 0)
                dec->raw[i] = !dec->raw[i];
            if (layer_init(dec, i) != 0)
                return false;
            uint32_t skip = gzip_header_skip(in, len);
            return inflate_layer(ctx, d, tx, to_server, i, in + skip, len - skip);
        }
        if (produced) {
            if (i + 1 == dec->layers)
                dec->out_total += produced;
            if (bomb(dec)) {
                http_raise(ctx, tx, HTTP_EV_COMPRESSION_BOMB);
                dec->failed = true;
                return true;
            }
            decode_layer(ctx, d, tx, to_server, i + 1, out, produced);
        }
        if (rc == Z_STREAM_END)
            return true;       /* trailing bytes after the stream are ignored */
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return false;
        if (rc == Z_BUF_ERROR && produced == 0)
            return true;
    }
    return true;
}

static void decode_layer(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server, uint32_t i,
                         const uint8_t *in, uint32_t len)
{
    HttpDecoder *dec = d->dec;
    if (i >= dec->layers) {
        entity_sink(ctx, tx, to_server, in, len);
        return;
    }
    if (dec->passthrough[i]) {
        decode_layer(ctx, d, tx, to_server, i + 1, in, len);
        return;
    }
    if (!inflate_layer(ctx, d, tx, to_server, i, in, len)) {
        /* libhtp passes what this layer cannot decode on as it is: all of it when the layer
         * never produced anything (not compressed at all), else the undecoded rest. */
        http_raise(ctx, tx, HTTP_EV_GZIP_DECOMPRESSION_FAILED);
        dec->passthrough[i] = true;
        const z_stream *zs = &dec->zs[i];
        if (zs->total_out == 0)
            decode_layer(ctx, d, tx, to_server, i + 1, in, len);
        else
            decode_layer(ctx, d, tx, to_server, i + 1, zs->next_in, zs->avail_in);
    }
}

static void body_bytes(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server,
                       const uint8_t *data, uint32_t len)
{
    if (!len)
        return;
    if (decoder_layers(d)) {
        if (d->dec->failed)
            return;    /* compression bomb: the rest is dropped */
        d->dec->in_total += len;
        decode_layer(ctx, d, tx, to_server, 0, data, len);
        return;
    }
    entity_sink(ctx, tx, to_server, data, len);
}

static void add_layer(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool raw)
{
    uint32_t limit = http_config.decompress_layer_limit;
    uint32_t k = decoder_layers(d);
    if (k >= HTTP_MAX_LAYERS || (limit && k >= limit)) {
        http_raise(ctx, tx, HTTP_EV_TOO_MANY_ENCODING_LAYERS);
        return;
    }
    if (!d->dec && !(d->dec = calloc(1, sizeof(*d->dec))))
        return;        /* no memory: the body stays undecoded */
    d->dec->raw[k] = raw;
    d->dec->restarts[k] = 0;
    d->dec->passthrough[k] = false;
    if (layer_init(d->dec, k) == 0)
        d->dec->layers++;
}

/* Content-Encoding -> decoder layers, in header order. As libhtp, a value that is one of
 * the usual names once NUL bytes are ignored ("gz\0ip") is that coding; anything else is
 * read as a list. */
static void setup_decoder(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx)
{
    uint32_t len;
    const uint8_t *v = http_header_get(&tx->resp.headers, "content-encoding", &len);
    if (!v)
        return;
    if (http_ieq_nz(v, len, "gzip") || http_ieq_nz(v, len, "x-gzip")) {
        add_layer(ctx, d, tx, false);
        return;
    }
    if (http_ieq_nz(v, len, "deflate") || http_ieq_nz(v, len, "x-deflate")) {
        add_layer(ctx, d, tx, true);
        return;
    }
    uint32_t i = 0;
    while (i < len) {
        uint32_t s = i;
        while (i < len && v[i] != ',')
            i++;
        const uint8_t *tok = v + s;
        uint32_t n = i - s;
        i++;
        while (n && (*tok == ' ' || *tok == '\t')) {
            tok++;
            n--;
        }
        while (n && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
            n--;
        /* As libhtp: a token that merely contains "gzip" or "deflate" (": gzip", "gzip x")
         * is still decoded, and reported as abnormal. */
        if (n == 0 || http_ieq(tok, n, "identity") || http_ieq(tok, n, "none"))
            continue;
        bool gzip = http_value_contains(tok, n, "gzip");
        if (!gzip && !http_value_contains(tok, n, "deflate")) {
            http_raise(ctx, tx, HTTP_EV_ABNORMAL_CE_HEADER);
            continue;
        }
        if (!http_ieq(tok, n, "gzip") && !http_ieq(tok, n, "x-gzip") &&
            !http_ieq(tok, n, "deflate") && !http_ieq(tok, n, "x-deflate"))
            http_raise(ctx, tx, HTTP_EV_ABNORMAL_CE_HEADER);
        uint32_t before = decoder_layers(d);
        add_layer(ctx, d, tx, !gzip);
        if (decoder_layers(d) == before)
            return;
    }
}

/* ---- framing ------------------------------------------------------------------------- */

void http_body_begin(HttpState *s, AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server,
                     HttpBodyKind kind, uint64_t length)
{
    (void)s;
    d->phase = HTTP_PHASE_BODY;
    d->tx = tx;
    d->body_kind = kind;
    d->remaining = length;
    d->chunk_phase = HTTP_CHUNK_LEN;
    http_decoder_free(&d->dec);
    if (!to_server)
        setup_decoder(ctx, d, tx);
}

static json_t *tx_json(const void *tx)
{
    return http_tx_json(tx);
}

void http_file_finish(AppLayerCtx *ctx, HttpTx *tx, HttpMessage *m, FileState state)
{
    if (!m->file || m->file->state != FILE_STATE_OPENED)
        return;
    FileThread th = file_thread(ctx);
    file_close(&th, m->file, state);
    file_log(ctx, m->file, "http", tx_json, tx);
}

void http_body_end(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server, bool truncated)
{
    http_decoder_free(&d->dec);
    if (to_server && tx->req.mp)
        http_multipart_end(ctx, tx);
    http_file_finish(ctx, tx, to_server ? &tx->req : &tx->resp,
                     truncated ? FILE_STATE_TRUNCATED : FILE_STATE_CLOSED);
}

static void message_done(HttpState *s, AppLayerCtx *ctx, HttpDir *d, bool to_server);

uint32_t http_body_gap(HttpState *s, AppLayerCtx *ctx, HttpDir *d, bool to_server, uint32_t len)
{
    HttpTx *tx = d->tx;
    if (!tx)
        return len;
    HttpMessage *m = to_server ? &tx->req : &tx->resp;
    if (d->body_kind == HTTP_BODY_LENGTH && len > d->remaining)
        len = (uint32_t)d->remaining;
    FileThread th = file_thread(ctx);
    if (len)
        file_gap(&th, body_file(ctx, tx, to_server), len);
    m->message_len += len;
    /* a decoder cannot resume after missing bytes */
    if (decoder_layers(d))
        d->dec->failed = true;
    if (d->body_kind == HTTP_BODY_LENGTH) {
        d->remaining -= len;
        if (d->remaining == 0)
            message_done(s, ctx, d, to_server);
    }
    return len;
}

/* A request is complete when its body is. A response is not quite: like libhtp, bytes that
 * follow its body in the same delivery and do not start a status line still belong to it
 * (HTTP_PHASE_FINALIZE, see app-layer-http-response.c). */
static void message_done(HttpState *s, AppLayerCtx *ctx, HttpDir *d, bool to_server)
{
    HttpTx *tx = d->tx;
    if (!to_server) {
        d->phase = HTTP_PHASE_FINALIZE;
        return;
    }
    http_body_end(ctx, d, tx, to_server, false);
    http_request_complete(s, ctx, tx);
}

void http_body_extra(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server,
                     const uint8_t *data, uint32_t len)
{
    (to_server ? &tx->req : &tx->resp)->message_len += len;
    body_bytes(ctx, d, tx, to_server, data, len);
}

void http_response_finalize(HttpState *s, AppLayerCtx *ctx)
{
    HttpDir *d = &s->resp;
    HttpTx *tx = d->tx;
    http_body_end(ctx, d, tx, false, false);
    http_response_complete(s, ctx, tx);
}

/* Chunk-size line as libhtp reads it: optional whitespace, hex digits, and whatever follows
 * the digits (extensions, junk) ignored. -1 when there are no digits. */
static int64_t parse_chunk_len(const uint8_t *p, uint32_t len)
{
    uint32_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\v' || p[i] == '\f'))
        i++;
    int64_t v = 0;
    uint32_t digits = 0;
    for (; i < len; i++, digits++) {
        int x = text_hex_value(p[i]);
        if (x < 0)
            break;
        if (v > (INT64_MAX >> 4))
            return -1;
        v = (v << 4) | x;
    }
    return digits ? v : -1;
}

/* An unreadable chunk size ends the chunked framing: as libhtp does, the rest of the
 * message, starting with that line, is body until the connection closes. */
static void chunking_failed(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server,
                            const uint8_t *line, uint32_t line_len, bool had_eol)
{
    http_raise(ctx, tx, to_server ? HTTP_EV_INVALID_REQUEST_CHUNK_LEN
                                  : HTTP_EV_INVALID_RESPONSE_CHUNK_LEN);
    d->body_kind = HTTP_BODY_UNTIL_CLOSE;
    body_bytes(ctx, d, tx, to_server, line, line_len);
    if (had_eol)
        body_bytes(ctx, d, tx, to_server, (const uint8_t *)"\r\n", 2);
}

static uint32_t chunk_line(HttpState *s, AppLayerCtx *ctx, HttpDir *d, bool to_server,
                           const uint8_t *data, uint32_t len)
{
    HttpTx *tx = d->tx;
    HttpMessage *m = to_server ? &tx->req : &tx->resp;
    const uint8_t *line = NULL;
    uint32_t line_len = 0;
    bool complete;
    uint32_t used = http_take_line(d, data, len, &line, &line_len, &complete);
    if (d->chunk_phase != HTTP_CHUNK_TRAILER)
        m->message_len += used;   /* libhtp leaves trailers out of the message length */
    if (!complete)
        return used;
    switch (d->chunk_phase) {
    case HTTP_CHUNK_LEN: {
        if (line_len == 0)
            break;              /* tolerated, as by libhtp */
        int64_t n = parse_chunk_len(line, line_len);
        if (n < 0) {
            chunking_failed(ctx, d, tx, to_server, line, line_len, true);
            break;
        }
        d->remaining = (uint64_t)n;
        d->chunk_phase = n ? HTTP_CHUNK_DATA : HTTP_CHUNK_TRAILER;
        if (n == 0) {
            /* the body (and its file) ends at the last chunk, whatever the trailers do */
            http_body_end(ctx, d, tx, to_server, false);
            d->have_header = false;
        }
        break;
    }
    case HTTP_CHUNK_DATA_END:
        d->chunk_phase = HTTP_CHUNK_LEN;
        break;
    case HTTP_CHUNK_TRAILER:
        if (line_len == 0) {
            d->line.len = 0;
            message_done(s, ctx, d, to_server);
            return used;
        }
        http_message_header_line(ctx, d, m, tx, line, line_len, to_server);
        break;
    default:
        break;
    }
    d->line.len = 0;
    d->line_too_long = false;
    return used;
}

uint32_t http_body_data(HttpState *s, AppLayerCtx *ctx, HttpDir *d, bool to_server,
                        const uint8_t *data, uint32_t len)
{
    HttpTx *tx = d->tx;
    if (!tx) {
        d->phase = HTTP_PHASE_LINE;
        return 0;
    }
    HttpMessage *m = to_server ? &tx->req : &tx->resp;
    if (d->body_kind == HTTP_BODY_UNTIL_CLOSE) {
        m->message_len += len;
        body_bytes(ctx, d, tx, to_server, data, len);
        return len;
    }
    if (d->body_kind == HTTP_BODY_CHUNKED && d->chunk_phase != HTTP_CHUNK_DATA)
        return chunk_line(s, ctx, d, to_server, data, len);
    uint32_t n = d->remaining < len ? (uint32_t)d->remaining : len;
    m->message_len += n;
    d->remaining -= n;
    body_bytes(ctx, d, tx, to_server, data, n);
    if (d->remaining == 0) {
        if (d->body_kind == HTTP_BODY_CHUNKED)
            d->chunk_phase = HTTP_CHUNK_DATA_END;
        else
            message_done(s, ctx, d, to_server);
    }
    return n;
}

bool http_body_eof(AppLayerCtx *ctx, HttpDir *d, bool to_server)
{
    HttpTx *tx = d->tx;
    if (d->body_kind == HTTP_BODY_CHUNKED && d->chunk_phase == HTTP_CHUNK_LEN && d->line.len) {
        const uint8_t *line = d->line.data;
        uint32_t len = d->line.len;
        int64_t n = parse_chunk_len(line, len);
        if (n < 0)
            chunking_failed(ctx, d, tx, to_server, line, len, false);
        d->line.len = 0;
    }
    return d->body_kind == HTTP_BODY_UNTIL_CLOSE;
}
