/*
 * mime.c - a streaming MIME parser for the messages SMTP carries.
 *
 * Why: Kimsuky's lures arrive as mail attachments; the sensor has to hand each attachment,
 * decoded, to the file layer (hashes, filestore, file keywords, YARA) and log the message's
 * From/To/Cc and the URLs its text holds, as Suricata's SMTP MIME decoder does.
 *
 * How: the message comes one line at a time (no CRLF, dot-stuffing already removed).
 * Headers are unfolded (a line starting with a space or tab continues the previous one);
 * at the blank line ending a header block the part is classified: a multipart with a
 * boundary pushes that boundary (nested up to MIME_DEPTH_MAX), a part with a file name
 * (Content-Disposition filename= or Content-Type name=) is an attachment, other parts are
 * text. Body lines are checked against the open boundaries, innermost first ("--b" starts
 * the next part, "--b--" closes that multipart and everything nested in it); other lines
 * are decoded per Content-Transfer-Encoding (base64, quoted-printable, else as is) and go
 * to the attachment, or, for a text part, are cut into lines for URL extraction. The CRLF
 * between two lines is part of the content, the one before a boundary is not (RFC 2046), so
 * a line break is emitted before a line rather than after it.
 *
 * Memory: fixed per parser: a header is kept up to MIME_HNAME_MAX + MIME_HVALUE_MAX bytes
 * (longer: MIME_LONG_HEADER_NAME / _VALUE, the rest dropped), boundaries up to
 * MIME_BOUNDARY_MAX (longer: MIME_LONG_BOUNDARY, the part is not split), file names up to
 * MIME_NAME_MAX (MIME_LONG_FILENAME, cut), text lines up to MIME_TEXT_MAX (cut).
 */
#include "applayer/mime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/textutil.h"

#define MIME_DEPTH_MAX 10
#define MIME_HNAME_MAX 75
#define MIME_HVALUE_MAX 2000
#define MIME_BOUNDARY_MAX 254
#define MIME_NAME_MAX 255
#define MIME_TEXT_MAX 4096
#define MIME_OUT_MAX 4096

static const char *const event_names[MIME_EV_MAX] = {
    [MIME_EV_INVALID_BASE64] = "mime_invalid_base64",
    [MIME_EV_INVALID_QP] = "mime_invalid_qp",
    [MIME_EV_LONG_HEADER_NAME] = "mime_long_header_name",
    [MIME_EV_LONG_HEADER_VALUE] = "mime_long_header_value",
    [MIME_EV_LONG_BOUNDARY] = "mime_long_boundary",
    [MIME_EV_LONG_FILENAME] = "mime_long_filename",
    [MIME_EV_MALFORMED_MSG] = "mime_malformed_msg",
};

typedef enum MimeEnc { ENC_NONE, ENC_BASE64, ENC_QP } MimeEnc;

typedef struct Boundary {
    uint8_t text[MIME_BOUNDARY_MAX];
    uint32_t len;
} Boundary;

struct MimeParser {
    MimeSink sink;
    bool in_headers;
    bool top;                /* the headers are the message's own */
    uint8_t hdr[MIME_HNAME_MAX + 1 + MIME_HVALUE_MAX];
    uint32_t hdr_len;
    bool hdr_cut;
    /* the part being read */
    MimeEnc enc;
    bool is_multipart, is_text, in_part, file_open, need_crlf;
    bool in_root;            /* the part is the message itself (not multipart) */
    Boundary next;           /* the boundary a multipart's headers named */
    uint8_t name[MIME_NAME_MAX];
    uint32_t name_len;
    uint8_t b64[4];
    uint32_t b64_n;
    bool b64_bad;            /* the event once per part */
    Boundary stack[MIME_DEPTH_MAX];
    uint32_t depth;
    uint8_t text[MIME_TEXT_MAX];
    uint32_t text_len;
};

const char *mime_event_name(MimeEvent ev)
{
    return ev < MIME_EV_MAX ? event_names[ev] : "";
}

static void mime_raise(MimeParser *m, MimeEvent ev)
{
    if (m->sink.event)
        m->sink.event(m->sink.ud, ev);
}

static void reset_part(MimeParser *m)
{
    m->enc = ENC_NONE;
    m->is_multipart = m->in_part = m->file_open = m->need_crlf = m->b64_bad = false;
    m->in_root = false;
    m->is_text = true;
    m->next.len = 0;
    m->name_len = 0;
    m->b64_n = 0;
    m->text_len = 0;
}

MimeParser *mime_new(const MimeSink *sink)
{
    MimeParser *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->sink = *sink;
    m->in_headers = m->top = true;
    reset_part(m);
    return m;
}

void mime_free(MimeParser *m)
{
    free(m);
}

/* ---- header parameters ---- */

/* The value of parameter `key` (name=, filename=, boundary=) in a header value: quotes
 * removed; false when absent. */
static bool param(const uint8_t *v, uint32_t len, const char *key, const uint8_t **out,
                  uint32_t *out_len)
{
    size_t klen = strlen(key);
    for (uint32_t i = 0; i + klen < len; i++) {
        bool at_start = i == 0 || v[i - 1] == ';' || v[i - 1] == ' ' || v[i - 1] == '\t';
        if (!at_start || strncasecmp((const char *)v + i, key, klen) != 0 || v[i + klen] != '=')
            continue;
        uint32_t s = i + (uint32_t)klen + 1, e;
        if (s < len && v[s] == '"') {
            s++;
            for (e = s; e < len && v[e] != '"'; e++) {}
        } else {
            for (e = s; e < len && v[e] != ';' && v[e] != ' ' && v[e] != '\t'; e++) {}
        }
        *out = v + s;
        *out_len = e - s;
        return true;
    }
    return false;
}

static bool starts_with(const uint8_t *v, uint32_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp((const char *)v, prefix, n) == 0;
}

static void keep_name(MimeParser *m, const uint8_t *v, uint32_t len)
{
    if (m->name_len)
        return;   /* Content-Disposition's filename wins over Content-Type's name */
    if (len > MIME_NAME_MAX) {
        mime_raise(m, MIME_EV_LONG_FILENAME);
        len = MIME_NAME_MAX;
    }
    memcpy(m->name, v, len);
    m->name_len = len;
}

static void content_type(MimeParser *m, const uint8_t *v, uint32_t len)
{
    const uint8_t *p;
    uint32_t plen;
    m->is_text = starts_with(v, len, "text/");
    if (starts_with(v, len, "multipart/") && param(v, len, "boundary", &p, &plen)) {
        if (plen > MIME_BOUNDARY_MAX) {
            mime_raise(m, MIME_EV_LONG_BOUNDARY);
        } else {
            m->is_multipart = true;
            memcpy(m->next.text, p, plen);
            m->next.len = plen;
        }
    }
    if (param(v, len, "name", &p, &plen))
        keep_name(m, p, plen);
}

static void part_header(MimeParser *m, const uint8_t *name, uint32_t nlen, const uint8_t *v,
                        uint32_t vlen)
{
    const uint8_t *p;
    uint32_t plen;
    if (nlen == 12 && strncasecmp((const char *)name, "content-type", 12) == 0) {
        content_type(m, v, vlen);
    } else if (nlen == 19 && strncasecmp((const char *)name, "content-disposition", 19) == 0) {
        if (param(v, vlen, "filename", &p, &plen)) {
            m->name_len = 0;
            keep_name(m, p, plen);
        }
    } else if (nlen == 25 &&
               strncasecmp((const char *)name, "content-transfer-encoding", 25) == 0) {
        m->enc = starts_with(v, vlen, "base64")             ? ENC_BASE64
                 : starts_with(v, vlen, "quoted-printable") ? ENC_QP
                                                            : ENC_NONE;
    }
}

/* The header kept in m->hdr is complete. */
static void header_done(MimeParser *m)
{
    if (!m->hdr_len)
        return;
    const uint8_t *colon = memchr(m->hdr, ':', m->hdr_len);
    uint32_t nlen = colon ? (uint32_t)(colon - m->hdr) : m->hdr_len;
    uint32_t vs = colon ? nlen + 1 : m->hdr_len;
    while (vs < m->hdr_len && (m->hdr[vs] == ' ' || m->hdr[vs] == '\t'))
        vs++;
    uint32_t ve = m->hdr_len;
    while (ve > vs && (m->hdr[ve - 1] == ' ' || m->hdr[ve - 1] == '\t'))
        ve--;
    if (nlen > MIME_HNAME_MAX)
        mime_raise(m, MIME_EV_LONG_HEADER_NAME);
    else if (colon) {
        if (m->top && m->sink.header)
            m->sink.header(m->sink.ud, m->hdr, nlen, m->hdr + vs, ve - vs);
        part_header(m, m->hdr, nlen, m->hdr + vs, ve - vs);
    }
    m->hdr_len = 0;
    m->hdr_cut = false;
}

static void header_append(MimeParser *m, const uint8_t *d, uint32_t len)
{
    uint32_t room = (uint32_t)sizeof(m->hdr) - m->hdr_len;
    if (len > room) {
        if (!m->hdr_cut)
            mime_raise(m, MIME_EV_LONG_HEADER_VALUE);
        m->hdr_cut = true;
        len = room;
    }
    memcpy(m->hdr + m->hdr_len, d, len);
    m->hdr_len += len;
}

/* The blank line after a header block: what the part is decides what its body is. */
static void headers_end(MimeParser *m)
{
    header_done(m);
    m->in_root = m->top && !m->is_multipart;
    m->in_headers = m->top = false;
    if (m->is_multipart) {
        if (m->depth == MIME_DEPTH_MAX) {
            mime_raise(m, MIME_EV_MALFORMED_MSG);
        } else {
            m->stack[m->depth++] = m->next;
            return;   /* the preamble is not content */
        }
    }
    m->in_part = true;
    if (m->name_len && m->sink.file_begin) {
        m->sink.file_begin(m->sink.ud, m->name, m->name_len);
        m->file_open = true;
    }
}

/* ---- body ---- */

static void text_flush(MimeParser *m)
{
    if (m->sink.text_line)
        m->sink.text_line(m->sink.ud, m->text, m->text_len);
    m->text_len = 0;
}

/* Decoded bytes of the current part: to its file, or (text parts) cut into lines. */
static void emit(MimeParser *m, const uint8_t *d, uint32_t len)
{
    if (!len)
        return;
    if (m->file_open) {
        if (m->sink.file_data)
            m->sink.file_data(m->sink.ud, d, len);
        return;
    }
    if (!m->is_text)
        return;
    for (uint32_t i = 0; i < len; i++) {
        if (d[i] == '\n') {
            text_flush(m);
        } else if (d[i] != '\r' && m->text_len < MIME_TEXT_MAX) {
            m->text[m->text_len++] = d[i];
        }
    }
}

/* Four base64 characters make three bytes; '=' padding ends a group early. */
static uint32_t b64_group(MimeParser *m, uint8_t *out)
{
    uint32_t n = 0;
    int v[4];
    for (int i = 0; i < 4; i++)
        v[i] = m->b64[i] == '=' ? 0 : text_base64_value(m->b64[i]);
    out[n++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
    if (m->b64[2] != '=')
        out[n++] = (uint8_t)((v[1] & 0xF) << 4 | v[2] >> 2);
    if (m->b64[2] != '=' && m->b64[3] != '=')
        out[n++] = (uint8_t)((v[2] & 0x3) << 6 | v[3]);
    m->b64_n = 0;
    return n;
}

static void decode_base64(MimeParser *m, const uint8_t *line, uint32_t len)
{
    uint8_t out[MIME_OUT_MAX];
    uint32_t n = 0;
    for (uint32_t i = 0; i < len; i++) {
        uint8_t c = line[i];
        if (c == ' ' || c == '\t')
            continue;
        if (text_base64_value(c) < 0 && c != '=') {
            if (!m->b64_bad)
                mime_raise(m, MIME_EV_INVALID_BASE64);
            m->b64_bad = true;
            continue;
        }
        m->b64[m->b64_n++] = c;
        if (m->b64_n == 4)
            n += b64_group(m, out + n);
        if (n + 3 > sizeof(out)) {
            emit(m, out, n);
            n = 0;
        }
    }
    emit(m, out, n);
}

/* Quoted-printable: "=HH" is a byte, a final "=" joins the next line (no line break);
 * any other "=" is an anomaly and is dropped, the bytes after it kept. */
static void decode_qp(MimeParser *m, const uint8_t *line, uint32_t len)
{
    uint8_t out[MIME_OUT_MAX];
    uint32_t n = 0;
    if (m->need_crlf) {
        out[n++] = '\r';
        out[n++] = '\n';
    }
    m->need_crlf = true;
    for (uint32_t i = 0; i < len && n < sizeof(out); i++) {
        if (line[i] != '=') {
            out[n++] = line[i];
        } else if (i + 1 == len) {
            m->need_crlf = false;   /* soft line break */
        } else if (i + 2 < len && text_hex_value(line[i + 1]) >= 0 &&
                   text_hex_value(line[i + 2]) >= 0) {
            out[n++] = (uint8_t)(text_hex_value(line[i + 1]) << 4 | text_hex_value(line[i + 2]));
            i += 2;
        } else {
            mime_raise(m, MIME_EV_INVALID_QP);
        }
    }
    emit(m, out, n);
}

static void body_line(MimeParser *m, const uint8_t *line, uint32_t len)
{
    if (!m->in_part)
        return;
    if (m->enc == ENC_BASE64) {
        decode_base64(m, line, len);
    } else if (m->enc == ENC_QP) {
        decode_qp(m, line, len);
    } else {
        if (m->need_crlf)
            emit(m, (const uint8_t *)"\r\n", 2);
        m->need_crlf = true;
        emit(m, line, len);
    }
}

/* The part in progress ends (a boundary or the message's end). */
static void part_end(MimeParser *m)
{
    if (m->text_len)
        text_flush(m);
    if (m->file_open && m->sink.file_end)
        m->sink.file_end(m->sink.ud);
    reset_part(m);
}

/* Which open boundary the line is, innermost first: its level + 1, 0 for none; *close
 * when it is the closing "--b--". */
static uint32_t boundary_level(const MimeParser *m, const uint8_t *line, uint32_t len,
                               bool *close)
{
    if (len < 2 || line[0] != '-' || line[1] != '-')
        return 0;
    for (uint32_t lvl = m->depth; lvl > 0; lvl--) {
        const Boundary *b = &m->stack[lvl - 1];
        if (len < 2 + b->len || memcmp(line + 2, b->text, b->len) != 0)
            continue;
        *close = len >= 4 + b->len && line[2 + b->len] == '-' && line[3 + b->len] == '-';
        return lvl;
    }
    return 0;
}

bool mime_in_root(const MimeParser *m)
{
    return m->in_root;
}

void mime_line(MimeParser *m, const uint8_t *line, uint32_t len)
{
    if (m->in_headers) {
        if (!len)
            headers_end(m);
        else if (line[0] == ' ' || line[0] == '\t')
            header_append(m, line, len);
        else {
            header_done(m);
            header_append(m, line, len);
        }
        return;
    }
    bool close = false;
    uint32_t lvl = boundary_level(m, line, len, &close);
    if (!lvl) {
        body_line(m, line, len);
        return;
    }
    part_end(m);
    m->depth = close ? lvl - 1 : lvl;
    m->in_headers = !close;   /* after a closing boundary: epilogue, not content */
}

void mime_end(MimeParser *m)
{
    if (m->in_headers)
        header_done(m);
    part_end(m);
    m->depth = 0;
    m->in_headers = false;
}
