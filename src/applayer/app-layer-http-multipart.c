/*
 * app-layer-http-multipart.c - files uploaded in multipart/form-data request bodies.
 *
 * Suricata treats a POST whose Content-Type carries a boundary= parameter (shorter than 200
 * bytes) as a multipart form: each part whose Content-Disposition has a filename= is a file
 * named after it, holding the part's data up to the CR LF before the next boundary; parts
 * without a filename are no files, and neither is the body as a whole. A file still open
 * when the body ends (no closing boundary) is TRUNCATED. A POST without a boundary, and a
 * PUT, give one file named after the URI path (see app-layer-http-body.c); other methods
 * give none.
 *
 * The body is parsed as it streams, so a large upload costs no buffering: only the part
 * headers (capped at MP_HEADERS_MAX) and a partly matched delimiter are held. The phases:
 *
 *     PREAMBLE --"--B"--> HEADERS --CRLFCRLF--> DATA --CRLF"--B"--> AFTER --+--> HEADERS
 *                                                                          +"--"-> DONE
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applayer/app-layer-http.h"

#define MP_BOUNDARY_MAX 200u    /* Suricata's HTP_BOUNDARY_MAX: longer is no multipart */
#define MP_HEADERS_MAX 8192u    /* part header block kept; beyond, parsing stops */

typedef enum MpPhase { MP_PREAMBLE, MP_HEADERS, MP_DATA, MP_AFTER, MP_DONE } MpPhase;

struct HttpMultipart {
    uint8_t delim[MP_BOUNDARY_MAX + 4];   /* CR LF "--" boundary */
    uint32_t delim_len;
    uint32_t matched;                     /* delimiter bytes matched so far */
    MpPhase phase;
    HttpBuf headers;                      /* the part's header block, or the bytes after a delimiter */
};

static bool param_name_is(const uint8_t *tok, uint32_t len, const char *name)
{
    size_t n = strlen(name);
    return len > n && strncasecmp((const char *)tok, name, n) == 0;
}

bool http_header_param(const uint8_t *v, uint32_t len, const char *name, const uint8_t **out,
                       uint32_t *out_len)
{
    uint32_t x = 0;
    while (x < len && isspace(v[x]))
        x++;
    v += x;
    len -= x;
    uint32_t start = 0, quotes = 0;
    /* ';' separates parameters unless inside quotes (a backslash escapes either) */
    for (uint32_t i = 1; i < len; i++) {
        bool escaped = v[i - 1] == '\\';
        if (!escaped && v[i] == '"')
            quotes++;
        bool last = i + 1 == len;
        if (!((!escaped && v[i] == ';') || last) || quotes % 2)
            continue;
        const uint8_t *tok = v + start;
        uint32_t tok_len = i - start + (last ? 1 : 0);
        start = i + 1;
        while (start < len && isspace(v[start])) {
            start++;
            i++;
        }
        if (!param_name_is(tok, tok_len, name))
            continue;
        const uint8_t *val = tok + strlen(name);
        uint32_t val_len = tok_len - (uint32_t)strlen(name);
        if (val[0] == '"') {
            val++;
            val_len--;
        }
        if (val_len && val[val_len - 1] == '"')
            val_len--;
        *out = val;
        *out_len = val_len;
        return true;
    }
    return false;
}

void http_multipart_setup(HttpTx *tx)
{
    uint32_t len, blen;
    const uint8_t *ct = http_header_get(&tx->req.headers, "content-type", &len);
    const uint8_t *b;
    tx->req.kind = HTTP_FILES_URI;
    if (!ct || !http_header_param(ct, len, "boundary=", &b, &blen))
        return;
    tx->req.kind = HTTP_FILES_NONE;
    if (blen >= MP_BOUNDARY_MAX)
        return;
    HttpMultipart *mp = calloc(1, sizeof(*mp));
    if (!mp)
        return;
    memcpy(mp->delim, "\r\n--", 4);
    memcpy(mp->delim + 4, b, blen);
    mp->delim_len = blen + 4;
    tx->req.mp = mp;
    tx->req.kind = HTTP_FILES_MULTIPART;
}

void http_multipart_free(HttpMultipart *mp)
{
    if (!mp)
        return;
    http_buf_free(&mp->headers);
    free(mp);
}

/* The file of the current part, if it has one, gets these bytes. */
static void part_data(AppLayerCtx *ctx, HttpTx *tx, const uint8_t *data, uint32_t len)
{
    if (tx->req.file && len)
        http_file_append(ctx, tx->req.file, data, len);
}

/* Looks for the delimiter (from its byte `skip` on) in data, passing the bytes before it on
 * as part data; returns the bytes consumed and whether the delimiter was completed. */
static uint32_t find_delim(AppLayerCtx *ctx, HttpTx *tx, HttpMultipart *mp, uint32_t skip,
                           const uint8_t *data, uint32_t len, bool *found)
{
    const uint8_t *pat = mp->delim + skip;
    uint32_t pat_len = mp->delim_len - skip, i = 0;
    *found = false;
    while (i < len) {
        if (mp->matched == 0) {
            const uint8_t *c = memchr(data + i, pat[0], len - i);
            uint32_t n = c ? (uint32_t)(c - (data + i)) : len - i;
            part_data(ctx, tx, data + i, n);
            i += n;
            if (!c)
                break;
        }
        while (i < len && mp->matched < pat_len && data[i] == pat[mp->matched]) {
            mp->matched++;
            i++;
        }
        if (mp->matched == pat_len) {
            mp->matched = 0;
            *found = true;
            return i;
        }
        if (i == len)
            break;
        /* mismatch: what matched was data (boundaries hold no CR, so no match starts in it) */
        part_data(ctx, tx, pat, mp->matched);
        if (mp->matched == 0) {
            part_data(ctx, tx, data + i, 1);
            i++;
        }
        mp->matched = 0;
    }
    return i;
}

/* Part headers: the filename= of a Content-Disposition line names the part's file. */
static void part_headers(AppLayerCtx *ctx, HttpTx *tx, const uint8_t *h, uint32_t len)
{
    static const char cd[] = "content-disposition:";
    const uint32_t cd_len = sizeof(cd) - 1;
    while (len) {
        const uint8_t *eol = memmem(h, len, "\r\n", 2);
        uint32_t line_len = eol ? (uint32_t)(eol - h) : len;
        const uint8_t *name;
        uint32_t name_len;
        if (line_len > cd_len && strncasecmp((const char *)h, cd, cd_len) == 0 &&
            http_header_param(h + cd_len, line_len - cd_len, "filename=", &name, &name_len)) {
            http_file_open(ctx, tx, &tx->req, name, name_len);
            return;
        }
        if (!eol)
            break;
        len -= line_len + 2;
        h += line_len + 2;
    }
}

/* Accumulates the header block up to its CR LF CR LF; returns the bytes consumed. */
static uint32_t take_headers(AppLayerCtx *ctx, HttpTx *tx, HttpMultipart *mp,
                             const uint8_t *data, uint32_t len)
{
    uint32_t old = mp->headers.len;
    uint32_t n = len < MP_HEADERS_MAX - old ? len : MP_HEADERS_MAX - old;
    if (!http_buf_append(&mp->headers, data, n, MP_HEADERS_MAX) || n == 0) {
        mp->phase = MP_DONE;
        return len;
    }
    uint32_t from = old > 3 ? old - 3 : 0;
    const uint8_t *end = memmem(mp->headers.data + from, mp->headers.len - from, "\r\n\r\n", 4);
    if (!end) {
        if (mp->headers.len == MP_HEADERS_MAX)
            mp->phase = MP_DONE;
        return n;
    }
    uint32_t block = (uint32_t)(end - mp->headers.data);
    part_headers(ctx, tx, mp->headers.data, block);
    mp->headers.len = 0;
    mp->phase = MP_DATA;
    return block + 4 - old;
}

/* After a delimiter: "--" ends the form, anything else begins the next part's headers. */
static uint32_t after_delim(HttpMultipart *mp, const uint8_t *data, uint32_t len)
{
    uint32_t need = 2 - mp->headers.len;
    uint32_t n = len < need ? len : need;
    http_buf_append(&mp->headers, data, n, MP_HEADERS_MAX);
    if (mp->headers.len < 2)
        return n;
    mp->phase = memcmp(mp->headers.data, "--", 2) == 0 ? MP_DONE : MP_HEADERS;
    if (mp->phase == MP_DONE)
        mp->headers.len = 0;
    return n;
}

void http_multipart_data(AppLayerCtx *ctx, HttpTx *tx, const uint8_t *data, uint32_t len)
{
    HttpMultipart *mp = tx->req.mp;
    while (len && mp->phase != MP_DONE) {
        uint32_t used;
        bool found;
        switch (mp->phase) {
        case MP_PREAMBLE:
            /* the first boundary may open the body: no CR LF before it */
            used = find_delim(ctx, tx, mp, 2, data, len, &found);
            if (found)
                mp->phase = MP_HEADERS;
            break;
        case MP_HEADERS:
            used = take_headers(ctx, tx, mp, data, len);
            break;
        case MP_DATA:
            used = find_delim(ctx, tx, mp, 0, data, len, &found);
            if (found) {
                http_file_done(ctx, tx, &tx->req, FILE_STATE_CLOSED);
                mp->phase = MP_AFTER;
            }
            break;
        default:
            used = after_delim(mp, data, len);
            break;
        }
        data += used;
        len -= used;
    }
}

void http_multipart_end(AppLayerCtx *ctx, HttpTx *tx)
{
    HttpMultipart *mp = tx->req.mp;
    if (mp->phase == MP_DATA && tx->req.file) {
        /* a partly matched delimiter was file data after all */
        part_data(ctx, tx, mp->delim, mp->matched);
        http_file_done(ctx, tx, &tx->req, FILE_STATE_TRUNCATED);
    }
    mp->matched = 0;
    mp->phase = MP_DONE;
}
