/*
 * app-layer-http.h - HTTP/1.0 and HTTP/1.1: what the app-layer-http*.c files share.
 *
 * The parser follows libhtp's model (what Suricata 7 uses): one connection state per flow
 * with an independent parser per direction, and one transaction per request/response pair,
 * matched in order (pipelining). Each direction is a small state machine
 *
 *     LINE -> HEADERS -> BODY (Content-Length | chunked | until close) -> LINE ...
 *
 * fed with whatever chunking the stream engine delivers. Lines are processed in place when
 * they arrive whole and copied into a bounded per-direction buffer only when split across
 * deliveries, so parsing costs no allocation per byte. Everything kept per transaction is
 * capped (line and header sizes as libhtp's field limits, bodies at request-body-limit /
 * response-body-limit); caps that are hit raise Suricata's event and are counted.
 *
 * Files: app-layer-http-request.c and -response.c, -headers.c (header lines, folding,
 * duplicates), -uri.c (URI parsing and libhtp-style normalisation), -body.c (framing,
 * gzip/deflate, body buffers, files), -events.c (Suricata's event names), -log.c (EVE
 * `http`, the alert object), and app-layer-http.c (the AppLayerParser, transactions,
 * detection buffers, configuration).
 */
#ifndef BONGSU_APP_LAYER_HTTP_H
#define BONGSU_APP_LAYER_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>

#include "applayer/app-layer-frames.h"
#include "applayer/app-layer.h"
#include "file/file.h"

struct ConfNode;

#define HTTP_FIELD_LIMIT 18000u     /* longest line kept (libhtp field-limit hard) */
#define HTTP_HEADERS_BYTES_LIMIT (256u * 1024u)  /* header text kept per message */
#define HTTP_MAX_HEADERS 1024u      /* headers kept per message */
#define HTTP_MAX_OPEN_TX 512u       /* transactions alive per flow (Suricata's max-tx) */
#define HTTP_MAX_LAYERS 4u          /* Content-Encoding layers ever decoded */

/* A growable byte string with a hard cap chosen by the caller. */
typedef struct HttpBuf {
    uint8_t *data;
    uint32_t len, cap;
} HttpBuf;

/* Appends up to `limit` total bytes; returns false when something was cut off (or no memory). */
bool http_buf_append(HttpBuf *b, const uint8_t *data, uint32_t len, uint32_t limit);
bool http_buf_set(HttpBuf *b, const uint8_t *data, uint32_t len, uint32_t limit);
void http_buf_free(HttpBuf *b);

/* Headers of one message: names and values live back to back in `text`. */
typedef struct HttpHeader {
    uint32_t name_off, name_len;
    uint32_t value_off, value_len;
} HttpHeader;

typedef struct HttpHeaders {
    HttpBuf text;
    HttpHeader *items;
    uint32_t count;
    size_t cap;
    HttpBuf raw;            /* the header block as received (http.start, http.header.raw) */
} HttpHeaders;

/* Value of the first header with this (case-insensitive) name, or NULL. */
const uint8_t *http_header_get(const HttpHeaders *h, const char *name, uint32_t *len);
static inline const uint8_t *http_header_name(const HttpHeaders *h, uint32_t i)
{
    return h->text.data + h->items[i].name_off;
}
static inline const uint8_t *http_header_value(const HttpHeaders *h, uint32_t i)
{
    return h->text.data + h->items[i].value_off;
}
void http_headers_free(HttpHeaders *h);

typedef enum HttpBodyKind {
    HTTP_BODY_NONE,
    HTTP_BODY_LENGTH,
    HTTP_BODY_CHUNKED,
    HTTP_BODY_UNTIL_CLOSE,
} HttpBodyKind;

/* Content-Encoding decoding: one zlib stream per gzip/deflate layer, in header order. A
 * gzip layer starts reading gzip or zlib, a deflate layer raw deflate; a layer that fails
 * before producing anything restarts (at most 3 times) as libhtp's decompressor does. */
typedef struct HttpDecoder {
    z_stream zs[HTTP_MAX_LAYERS];
    bool raw[HTTP_MAX_LAYERS];        /* reading raw deflate (else gzip/zlib) */
    uint8_t restarts[HTTP_MAX_LAYERS];
    bool passthrough[HTTP_MAX_LAYERS]; /* layer failed: its input goes on undecoded */
    uint32_t layers;
    bool failed;               /* compression bomb: the rest of the body is dropped */
    uint64_t in_total, out_total;
} HttpDecoder;

/* Which files a request body holds (Suricata: multipart parts, or the body for POST/PUT). */
typedef enum HttpFilesKind {
    HTTP_FILES_UNSET,
    HTTP_FILES_NONE,
    HTTP_FILES_URI,            /* one file named after the URI path */
    HTTP_FILES_MULTIPART,      /* a file per multipart/form-data part with a filename */
} HttpFilesKind;

typedef struct HttpMultipart HttpMultipart;

/* Per message (one direction of a transaction). */
typedef struct HttpMessage {
    HttpFilesKind kind;
    HttpMultipart *mp;
    HttpHeaders headers;
    HttpBuf body;              /* decoded body kept for inspection, up to the body limit */
    uint64_t message_len;      /* bytes on the wire after the headers (chunk framing too) */
    uint64_t entity_len;       /* bytes after dechunking and decompression */
    File *file;
    /* Files of this message that ended (multipart parts): kept, up to HTTP_FILES_KEPT, until
     * the transaction is freed, because its rules are evaluated after they ended (Suricata
     * keeps a transaction's files until detection has seen them). */
    File **done;
    uint32_t done_count;
    size_t done_cap;
    bool body_truncated;
    bool complete;
} HttpMessage;

#define HTTP_FILES_KEPT 256

typedef struct HttpTx {
    uint64_t id;
    /* request */
    HttpBuf request_line, method, uri_raw, protocol;
    HttpBuf uri_norm;          /* path?query#fragment normalised: http.uri */
    uint32_t uri_path_len;     /* the path's part of uri_norm (it may hold a decoded '?') */
    HttpBuf hostname;          /* from the URI, else the Host header; lowercased */
    int32_t port;              /* port in the URI or Host header, -1 if none */
    bool http09;               /* request without protocol: no headers */
    HttpMessage req;
    /* response */
    HttpBuf response_line, resp_protocol, status_raw, status_msg;
    int32_t status;            /* -1 when unparsable */
    bool resp_started, seen_100;
    HttpMessage resp;
    /* detection buffers built on first use */
    HttpBuf header_norm[2], header_names[2], start[2];
    bool built_header_norm[2], built_header_names[2], built_start[2];
    HttpBuf header_line;       /* http.request_header/response_header instance, reused */
    uint64_t events_raised;    /* bit per HttpEvent already raised (once per tx) */
} HttpTx;

typedef enum HttpPhase {
    HTTP_PHASE_LINE,
    HTTP_PHASE_HEADERS,
    HTTP_PHASE_BODY,
    HTTP_PHASE_FINALIZE,       /* response body framed out; stray lines may still be body */
    HTTP_PHASE_TUNNEL,         /* CONNECT or Upgrade accepted: bytes are not HTTP any more */
} HttpPhase;

/* How far one side of a transaction got (AppLayerParser.tx_progress), libhtp's steps: a
 * buffer registered with step k is final once the side is past k. */
typedef enum HttpProgress {
    HTTP_PROGRESS_NONE,
    HTTP_PROGRESS_LINE,        /* the request or status line is being read */
    HTTP_PROGRESS_HEADERS,     /* the line is parsed, the headers are being read */
    HTTP_PROGRESS_BODY,        /* the headers are parsed */
    HTTP_PROGRESS_TRAILER,     /* the last chunk was read, its trailer is */
    HTTP_PROGRESS_COMPLETE,
} HttpProgress;

typedef enum HttpChunkPhase {
    HTTP_CHUNK_LEN,
    HTTP_CHUNK_DATA,
    HTTP_CHUNK_DATA_END,
    HTTP_CHUNK_TRAILER,
} HttpChunkPhase;

/* Parser state of one direction. */
typedef struct HttpDir {
    HttpPhase phase;
    HttpBuf line;              /* a line split across deliveries */
    bool line_too_long;
    HttpTx *tx;                /* the message being parsed */
    HttpBodyKind body_kind;
    HttpChunkPhase chunk_phase;
    uint64_t remaining;        /* Content-Length or chunk bytes left */
    /* NULL until a Content-Encoding layer needs it: four zlib streams cost ~490 bytes, and
     * every HTTP flow has two directions (ET Open bench: several MiB of idle decoders) */
    HttpDecoder *dec;
    bool decoding;
    bool have_header;          /* a header line may still be folded onto */
    /* responses, as libhtp: a header whose next line may fold onto it waits here */
    HttpBuf pending;
    bool has_pending;
    bool lfcr;                 /* the last line ended with LF CR (see resp_line_end) */
    /* requests, as libhtp: the request that completed in this delivery; a line that follows
     * it there and does not start with a known method is still its body */
    HttpTx *finalize_tx;
    /* frames (app-layer-http-frames.c): stream offsets of the parse position and of where
     * the next message's frame starts, and the message whose frame is open */
    uint64_t pos, frame_start;
    uint64_t frame_tx_id, frame_next_id;
    bool frame_open, frame_seen;
} HttpDir;

typedef struct HttpState {
    HttpTx **txs;              /* txs[i] has id tx_base + i; NULL once freed */
    uint32_t tx_count;
    size_t tx_cap;
    uint64_t tx_base, tx_next;
    uint64_t resp_next;        /* id of the transaction the next response belongs to */
    HttpDir req, resp;
    bool gave_up;
} HttpState;

typedef enum HttpEvent {
    HTTP_EV_GZIP_DECOMPRESSION_FAILED,
    HTTP_EV_REQUEST_FIELD_MISSING_COLON,
    HTTP_EV_RESPONSE_FIELD_MISSING_COLON,
    HTTP_EV_INVALID_REQUEST_CHUNK_LEN,
    HTTP_EV_INVALID_RESPONSE_CHUNK_LEN,
    HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST,
    HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_RESPONSE,
    HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST,
    HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE,
    HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST,
    HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE,
    HTTP_EV_100_CONTINUE_ALREADY_SEEN,
    HTTP_EV_UNABLE_TO_MATCH_RESPONSE_TO_REQUEST,
    HTTP_EV_INVALID_AUTHORITY_PORT,
    HTTP_EV_REQUEST_HEADER_INVALID,
    HTTP_EV_RESPONSE_HEADER_INVALID,
    HTTP_EV_MISSING_HOST_HEADER,
    HTTP_EV_HOST_HEADER_AMBIGUOUS,
    HTTP_EV_INVALID_REQUEST_FIELD_FOLDING,
    HTTP_EV_INVALID_RESPONSE_FIELD_FOLDING,
    HTTP_EV_REQUEST_FIELD_TOO_LONG,
    HTTP_EV_RESPONSE_FIELD_TOO_LONG,
    HTTP_EV_REQUEST_LINE_INVALID,
    HTTP_EV_REQUEST_URI_HOST_INVALID,
    HTTP_EV_REQUEST_HEADER_HOST_INVALID,
    HTTP_EV_REQUEST_HEADER_REPETITION,
    HTTP_EV_URI_DELIM_NON_COMPLIANT,
    HTTP_EV_METHOD_DELIM_NON_COMPLIANT,
    HTTP_EV_REQUEST_LINE_LEADING_WHITESPACE,
    HTTP_EV_TOO_MANY_ENCODING_LAYERS,
    HTTP_EV_ABNORMAL_CE_HEADER,
    HTTP_EV_RESPONSE_MULTIPART_BYTERANGES,
    HTTP_EV_RESPONSE_ABNORMAL_TRANSFER_ENCODING,
    HTTP_EV_RESPONSE_CHUNKED_OLD_PROTO,
    HTTP_EV_RESPONSE_INVALID_PROTOCOL,
    HTTP_EV_RESPONSE_INVALID_STATUS,
    HTTP_EV_REQUEST_LINE_INCOMPLETE,
    HTTP_EV_COMPRESSION_BOMB,
    HTTP_EV_REQUEST_AUTH_UNRECOGNIZED,
    HTTP_EV_REQUEST_BODY_UNEXPECTED,
    HTTP_EV_DOUBLE_ENCODED_URI,
    HTTP_EV_FAILED_PROTOCOL_CHANGE,
    HTTP_EV_COUNT
} HttpEvent;

const char *http_event_name(HttpEvent ev);
/* The parser's tx_has_event: name is Suricata's, in any case ("request_header_invalid"). */
bool http_tx_has_event(void *tx, const char *name);
/* Raises ev on tx (once per transaction) as an EVE applayer anomaly. */
void http_raise(AppLayerCtx *ctx, HttpTx *tx, HttpEvent ev);

extern const AppLayerParser app_layer_http_parser;

/* Configuration (app-layer.protocols.http.libhtp.default-config, outputs eve-log http). */
typedef struct HttpConfig {
    uint32_t request_body_limit, response_body_limit;  /* 0: unlimited */
    uint32_t decompress_layer_limit;
    uint64_t bomb_limit;           /* decompressed bytes before the ratio check applies */
    uint32_t bomb_ratio;
    bool log_extended;
    bool log_request_headers, log_response_headers;  /* dump-all-headers */
    uint64_t log_custom;           /* bit per field of http_log_fields (custom: [...]) */
    bool double_decode_path, double_decode_query;  /* libhtp default-config options */
    /* request/response-body-minimal-inspect-size: Suricata keeps this much of each
     * direction's stream behind the raw inspection (TcpStream min_inspect_depth) */
    uint32_t request_inspect_min, response_inspect_min;
} HttpConfig;

extern HttpConfig http_config;
void http_config_default(HttpConfig *cfg);
/* Reads the HTTP and file settings from the configuration; called once at start-up. */
void app_layer_http_configure(const struct ConfNode *conf);

/* app-layer-http.c: transactions. */
HttpTx *http_tx_new(HttpState *s);
HttpTx *http_state_tx(HttpState *s, uint64_t id);

/* app-layer-http-request.c / -response.c: parse one direction's bytes. */
void http_request_data(HttpState *s, AppLayerCtx *ctx, const uint8_t *data, uint32_t len);
/* Frames (app-layer-http-frames.c): the stream offset of the parse call's first byte;
 * before a parse step at stream offset pos, and after one that ended at pos: opens the
 * frame of a message that started, closes a finished one. */
static inline uint64_t http_frame_base(const AppLayerCtx *ctx, bool to_server)
{
    const AppLayerFlow *app = ctx->flow ? ctx->flow->app : NULL;
    return app ? app->parsed[to_server ? 0 : 1] : 0;
}
void http_frame_begin_step(HttpDir *d, uint64_t pos);
void http_frame_end_step(HttpState *s, AppLayerCtx *ctx, bool to_server, uint64_t pos);
/* Inline gates: nothing to do unless a loaded rule uses frames. */
static inline void http_frame_before(HttpDir *d, uint64_t pos)
{
    if (app_frames_enabled())
        http_frame_begin_step(d, pos);
}
static inline void http_frame_after(HttpState *s, AppLayerCtx *ctx, bool to_server, uint64_t pos)
{
    if (app_frames_enabled())
        http_frame_end_step(s, ctx, to_server, pos);
}
void http_response_data(HttpState *s, AppLayerCtx *ctx, const uint8_t *data, uint32_t len);
/* Shared line splitter: hands each complete line (without its CR LF) to on_line, body bytes to
 * on_body. Used by both directions. */
typedef void (*HttpLineFn)(HttpState *s, AppLayerCtx *ctx, const uint8_t *line, uint32_t len);
uint32_t http_take_line(HttpDir *d, const uint8_t *data, uint32_t len, const uint8_t **line,
                        uint32_t *line_len, bool *complete);

/* A header line of either message: kept raw and parsed, events raised. */
void http_message_header_line(AppLayerCtx *ctx, HttpDir *d, HttpMessage *m, HttpTx *tx,
                              const uint8_t *line, uint32_t len, bool to_server);

/* The same in two steps, for a parser that resolves folding itself (responses): the line
 * as received is kept raw; the whole header, once complete, is parsed. */
void http_message_header_raw(HttpMessage *m, const uint8_t *line, uint32_t len);
/* A header of that side was added or dropped: cached detection buffers are stale. */
void http_tx_headers_changed(HttpTx *tx, bool to_server);
void http_message_header_parsed(AppLayerCtx *ctx, HttpMessage *m, HttpTx *tx,
                                const uint8_t *header, uint32_t len, bool to_server);

/* app-layer-http-headers.c */
typedef enum HttpHeaderResult {
    HTTP_HDR_OK,
    HTTP_HDR_MISSING_COLON,
    HTTP_HDR_INVALID,           /* whitespace before the colon or bad name characters */
    HTTP_HDR_REPEATED,
    HTTP_HDR_CL_AMBIGUOUS,
    HTTP_HDR_FOLD_INVALID,
    HTTP_HDR_DROPPED,           /* over the header limits */
} HttpHeaderResult;
HttpHeaderResult http_header_line(HttpHeaders *h, const uint8_t *line, uint32_t len,
                                  bool *have_header);
/* One complete header (folding already resolved): name/value split, repetition. */
HttpHeaderResult http_header_parse(HttpHeaders *h, const uint8_t *line, uint32_t len);
bool http_is_folded(const uint8_t *line, uint32_t len);
/* Header value contains needle anywhere, case-insensitively (libhtp's test for "chunked"). */
bool http_value_contains(const uint8_t *v, uint32_t len, const char *needle);
/* The same with NUL bytes in v ignored ("chu\0nked" holds "chunked"), as libhtp's
 * nocasenorzero comparisons. */
bool http_value_contains_nz(const uint8_t *v, uint32_t len, const char *needle);
/* Case-insensitive equality with NUL bytes in a ignored. */
bool http_ieq_nz(const uint8_t *a, uint32_t alen, const char *b);
/* Content-Length as libhtp parses it: digits with optional surrounding whitespace; -1 if
 * invalid. */
int64_t http_parse_content_length(const uint8_t *v, uint32_t len);
bool http_ieq(const uint8_t *a, uint32_t alen, const char *b);

/* app-layer-http-uri.c */
/* The URI's parts and http.uri, as soon as the request line is in. */
void http_uri_from_request_line(HttpTx *tx, AppLayerCtx *ctx);
/* All of it (URI, Host header, events) once the request headers are complete. */
void http_uri_process(HttpTx *tx, AppLayerCtx *ctx);
/* Host header value -> lowercased hostname and port; false if it is not a valid host. */
bool http_parse_authority(const uint8_t *v, uint32_t len, HttpBuf *host, int32_t *port,
                          bool *port_invalid);
/* Percent-decoding and dot-segment removal as libhtp's defaults (out holds len bytes). */
uint32_t http_normalize_path(const uint8_t *in, uint32_t len, uint8_t *out);

/* app-layer-http-body.c */
/* Decide framing after headers; returns the kind (and sets d->remaining). */
void http_body_begin(HttpState *s, AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server,
                     HttpBodyKind kind, uint64_t length);
/* Consumes body bytes; returns the number used (the rest begins the next message). */
uint32_t http_body_data(HttpState *s, AppLayerCtx *ctx, HttpDir *d, bool to_server,
                        const uint8_t *data, uint32_t len);
/* Ends the body (message complete, or the direction closed: truncated). */
void http_body_end(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server, bool truncated);
/* Closes m's file, if still open, with state and logs it (fileinfo, observers). */
void http_file_finish(AppLayerCtx *ctx, HttpTx *tx, HttpMessage *m, FileState state);
/* Missing bytes inside a body (the file records the gap); a Content-Length body ends at most
 * there. Returns the bytes of the gap the body took. */
uint32_t http_body_gap(HttpState *s, AppLayerCtx *ctx, HttpDir *d, bool to_server, uint32_t len);
/* The direction closed inside a body: true when that ends the message normally (a body that
 * runs until close, or an unfinished chunk-size line that libhtp then reads as body). */
bool http_body_eof(AppLayerCtx *ctx, HttpDir *d, bool to_server);
/* Ends the decoder's zlib streams and frees it; *dec becomes NULL. */
void http_decoder_free(HttpDecoder **dec);

/* Files of a body: opened with a name, appended to, and closed (logged, then freed so that
 * the message can hold another: multipart bodies have several). */
/* The file a message of tx carries (idx 0), for the file keywords; NULL when none. */
const struct File *http_tx_file(void *tx, bool to_server, uint32_t idx);
void http_file_open(AppLayerCtx *ctx, HttpTx *tx, HttpMessage *m, const uint8_t *name,
                    uint32_t name_len);
void http_file_append(AppLayerCtx *ctx, File *f, const uint8_t *data, uint32_t len);
void http_file_done(AppLayerCtx *ctx, HttpTx *tx, HttpMessage *m, FileState state);

/* app-layer-http-multipart.c */
/* The value of parameter `name` (with its '=', lowercase) of a header value such as
 * Content-Type or Content-Disposition, without quotes, as Suricata reads them. */
bool http_header_param(const uint8_t *v, uint32_t len, const char *name, const uint8_t **out,
                       uint32_t *out_len);
/* Decides how a POST body holds files (multipart when Content-Type has a boundary). */
void http_multipart_setup(HttpTx *tx);
void http_multipart_data(AppLayerCtx *ctx, HttpTx *tx, const uint8_t *data, uint32_t len);
/* The body ended: a file still open is truncated. */
void http_multipart_end(AppLayerCtx *ctx, HttpTx *tx);
void http_multipart_free(HttpMultipart *mp);

/* Body bytes outside the framing (libhtp's "unexpected" request or response body) of tx. */
void http_body_extra(AppLayerCtx *ctx, HttpDir *d, HttpTx *tx, bool to_server,
                     const uint8_t *data, uint32_t len);
void http_response_finalize(HttpState *s, AppLayerCtx *ctx);

/* Called by the request/response parsers when a message is complete. */
void http_request_complete(HttpState *s, AppLayerCtx *ctx, HttpTx *tx);
void http_response_complete(HttpState *s, AppLayerCtx *ctx, HttpTx *tx);

/* app-layer-http-log.c */
json_t *http_tx_json(const HttpTx *tx);  /* the "http" object of http/fileinfo/alert events */
void http_log_tx(AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id);
json_t *http_tx_alert_json(void *state, void *tx);
void http_log_configure(const struct ConfNode *conf);

/* Detection buffers (app-layer-http.c) built on demand from a transaction. */
void http_register_buffers(void);

#endif
