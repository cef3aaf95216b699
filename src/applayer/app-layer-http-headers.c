/*
 * app-layer-http-headers.c - header lines: name/value split, folding, repetition, and the
 * value helpers (tokens, Content-Length) the parsers need.
 *
 * As libhtp: a line that starts with whitespace continues the previous header (folding); a
 * header seen again has its value appended after ", " (the first Content-Length wins and a
 * different second one is reported as ambiguous); names keep their case, lookups ignore it;
 * a line without a colon is kept whole as a value with an empty name. Values are trimmed of
 * surrounding whitespace. Header text per message is capped (HTTP_HEADERS_BYTES_LIMIT,
 * HTTP_MAX_HEADERS); what exceeds the caps is dropped.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applayer/app-layer-http.h"

#include "common/array.h"

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* RFC 7230 tchar. */
static bool is_token_char(uint8_t c)
{
    if (c <= 32 || c >= 127)
        return false;
    return !strchr("()<>@,;:\\\"/[]?={}", c);
}

bool http_ieq(const uint8_t *a, uint32_t alen, const char *b)
{
    size_t blen = strlen(b);
    return alen == blen && strncasecmp((const char *)a, b, blen) == 0;
}

bool http_is_folded(const uint8_t *line, uint32_t len)
{
    return len > 0 && (line[0] == ' ' || line[0] == '\t');
}

void http_headers_free(HttpHeaders *h)
{
    http_buf_free(&h->text);
    http_buf_free(&h->raw);
    free(h->items);
    memset(h, 0, sizeof(*h));
}

/* Does needle start at v[0], case and NUL bytes in v ignored? *end: where it ends in v. */
static bool prefix_nz(const uint8_t *v, uint32_t len, const char *needle, uint32_t *end)
{
    uint32_t i = 0;
    for (; *needle; needle++, i++) {
        while (i < len && v[i] == 0)
            i++;
        if (i == len || tolower(v[i]) != tolower((unsigned char)*needle))
            return false;
    }
    *end = i;
    return true;
}

bool http_ieq_nz(const uint8_t *a, uint32_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen <= blen)      /* no room for a NUL: the plain comparison decides */
        return alen == blen && strncasecmp((const char *)a, b, blen) == 0;
    uint32_t i;
    if (!prefix_nz(a, alen, b, &i))
        return false;
    while (i < alen && a[i] == 0)
        i++;
    return i == alen;
}

/* Names are compared as libhtp's header table does: case and NUL bytes ignored, so that
 * "Transfer\0-Encoding" still frames the body (http-evader sends such names). */
const uint8_t *http_header_get(const HttpHeaders *h, const char *name, uint32_t *len)
{
    for (uint32_t i = 0; i < h->count; i++) {
        const HttpHeader *it = &h->items[i];
        if (http_ieq_nz(h->text.data + it->name_off, it->name_len, name)) {
            *len = it->value_len;
            return h->text.data + it->value_off;
        }
    }
    return NULL;
}

static int find_header(const HttpHeaders *h, const uint8_t *name, uint32_t len)
{
    for (uint32_t i = 0; i < h->count; i++)
        if (h->items[i].name_len == len &&
            strncasecmp((const char *)h->text.data + h->items[i].name_off, (const char *)name,
                        len) == 0)
            return (int)i;
    return -1;
}

static void trim(const uint8_t **p, uint32_t *len)
{
    while (*len && is_ws((*p)[0])) {
        (*p)++;
        (*len)--;
    }
    while (*len && is_ws((*p)[*len - 1]))
        (*len)--;
}

/* Appends bytes to the header text; false when over the cap. */
static bool text_add(HttpHeaders *h, const uint8_t *d, uint32_t n, uint32_t *off)
{
    *off = h->text.len;
    return http_buf_append(&h->text, d, n, HTTP_HEADERS_BYTES_LIMIT);
}

/* Replaces header i's value by old + sep + add (the old bytes stay as garbage in the text,
 * bounded by the cap). */
static bool value_extend(HttpHeaders *h, uint32_t i, const char *sep, const uint8_t *add,
                         uint32_t add_len)
{
    HttpHeader *it = &h->items[i];
    uint32_t sep_len = (uint32_t)strlen(sep);
    uint64_t total = (uint64_t)it->value_len + sep_len + add_len;
    if (h->text.len + total > HTTP_HEADERS_BYTES_LIMIT)
        return false;
    uint32_t old_off = it->value_off, old_len = it->value_len, off;
    /* Reserve first: the append may move text.data. */
    if (!http_buf_append(&h->text, NULL, (uint32_t)total, HTTP_HEADERS_BYTES_LIMIT))
        return false;
    off = h->text.len - (uint32_t)total;
    memmove(h->text.data + off, h->text.data + old_off, old_len);
    memcpy(h->text.data + off + old_len, sep, sep_len);
    memcpy(h->text.data + off + old_len + sep_len, add, add_len);
    it->value_off = off;
    it->value_len = (uint32_t)total;
    return true;
}

static HttpHeaderResult add_new(HttpHeaders *h, const uint8_t *name, uint32_t name_len,
                                const uint8_t *value, uint32_t value_len)
{
    if (h->count >= HTTP_MAX_HEADERS)
        return HTTP_HDR_DROPPED;
    HttpHeader *items = array_reserve(h->items, sizeof(*items), h->count + 1, &h->cap);
    if (!items)
        return HTTP_HDR_DROPPED;
    h->items = items;
    HttpHeader it;
    it.name_len = name_len;
    it.value_len = value_len;
    if (!text_add(h, name, name_len, &it.name_off) || !text_add(h, value, value_len, &it.value_off))
        return HTTP_HDR_DROPPED;
    h->items[h->count++] = it;
    return HTTP_HDR_OK;
}

static HttpHeaderResult add_repeated(HttpHeaders *h, int i, const uint8_t *name,
                                     uint32_t name_len, const uint8_t *value, uint32_t value_len)
{
    if (http_ieq(name, name_len, "content-length")) {
        const HttpHeader *it = &h->items[i];
        int64_t a = http_parse_content_length(h->text.data + it->value_off, it->value_len);
        int64_t b = http_parse_content_length(value, value_len);
        return a == b ? HTTP_HDR_REPEATED : HTTP_HDR_CL_AMBIGUOUS;
    }
    if (!value_extend(h, (uint32_t)i, ", ", value, value_len))
        return HTTP_HDR_DROPPED;
    return HTTP_HDR_REPEATED;
}

/* Folded continuation: appended to the last header with one space, as modern libhtp does. */
static HttpHeaderResult fold(HttpHeaders *h, const uint8_t *line, uint32_t len, bool have)
{
    trim(&line, &len);
    if (!have || h->count == 0)
        return HTTP_HDR_FOLD_INVALID;
    if (!len)
        return HTTP_HDR_OK;
    if (!value_extend(h, h->count - 1, " ", line, len))
        return HTTP_HDR_DROPPED;
    return HTTP_HDR_OK;
}

HttpHeaderResult http_header_line(HttpHeaders *h, const uint8_t *line, uint32_t len,
                                  bool *have_header)
{
    if (http_is_folded(line, len))
        return fold(h, line, len, *have_header);
    *have_header = true;
    return http_header_parse(h, line, len);
}

HttpHeaderResult http_header_parse(HttpHeaders *h, const uint8_t *line, uint32_t len)
{
    if (!len)
        line = (const uint8_t *)"";   /* an empty header (libhtp: missing colon) */
    const uint8_t *colon = memchr(line, ':', len);
    if (!colon) {
        const uint8_t *v = line;
        uint32_t vlen = len;
        trim(&v, &vlen);
        HttpHeaderResult r = add_new(h, line, 0, v, vlen);
        return r == HTTP_HDR_OK ? HTTP_HDR_MISSING_COLON : r;
    }
    const uint8_t *name = line;
    uint32_t name_len = (uint32_t)(colon - line);
    bool invalid = false;
    while (name_len && is_ws(name[name_len - 1])) {
        name_len--;
        invalid = true;            /* whitespace between name and colon */
    }
    for (uint32_t i = 0; i < name_len; i++)
        if (!is_token_char(name[i]))
            invalid = true;
    if (name_len == 0)
        invalid = true;
    const uint8_t *value = colon + 1;
    uint32_t value_len = (uint32_t)(line + len - value);
    trim(&value, &value_len);
    int existing = find_header(h, name, name_len);
    HttpHeaderResult r = existing >= 0
                             ? add_repeated(h, existing, name, name_len, value, value_len)
                             : add_new(h, name, name_len, value, value_len);
    if (r == HTTP_HDR_OK && invalid)
        return HTTP_HDR_INVALID;
    return r;
}

bool http_value_contains(const uint8_t *v, uint32_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (uint32_t i = 0; i + n <= len; i++)
        if (strncasecmp((const char *)v + i, needle, n) == 0)
            return true;
    return false;
}

bool http_value_contains_nz(const uint8_t *v, uint32_t len, const char *needle)
{
    uint32_t end;
    for (uint32_t i = 0; i < len; i++)
        if (v[i] != 0 && prefix_nz(v + i, len - i, needle, &end))
            return true;
    return false;
}

int64_t http_parse_content_length(const uint8_t *v, uint32_t len)
{
    uint32_t i = 0;
    while (i < len && is_ws(v[i]))
        i++;
    if (i == len || v[i] < '0' || v[i] > '9')
        return -1;
    int64_t n = 0;
    while (i < len && v[i] >= '0' && v[i] <= '9') {
        if (n > (INT64_MAX - 9) / 10)
            return -1;
        n = n * 10 + (v[i] - '0');
        i++;
    }
    while (i < len && is_ws(v[i]))
        i++;
    return i == len ? n : -1;
}
