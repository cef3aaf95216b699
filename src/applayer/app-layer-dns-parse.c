/*
 * app-layer-dns-parse.c - decoding one DNS message (RFC 1035 section 4) into a DnsMessage.
 *
 * The decoder follows Suricata 7's Rust parser closely, because what it accepts and rejects
 * decides which transactions and events exist, and so what EVE shows:
 *
 *   - a message is DNS when it holds its 12-byte header and at least 2 bytes per record its
 *     section counts announce; anything less is not DNS (DNS_PARSE_BAD_HEADER);
 *   - every question must parse, and in a response every answer and authority record too, or
 *     the whole message is malformed; rdata of a known type that does not decode also fails
 *     the message, trailing rdata bytes are ignored; a record with empty rdata yields nothing;
 *   - a TXT record yields one record per character-string (at most 32767);
 *   - additional records are not part of that contract (Suricata 7 skips them), so they are
 *     kept only when the whole section parses, for the version 3 log.
 *
 * Names: labels are joined with '.', raw bytes kept (the logger escapes them). Compression
 * pointers may point anywhere in the message, including forward. Loop and length protection is
 * Suricata's: a pointer to itself is an infinite loop, more than 255 labels and pointers is the
 * label limit, and a name longer than 1025 bytes is cut there. When a pointer was followed
 * before the trouble, the name is kept (flagged) and parsing continues after the pointer;
 * otherwise the message is malformed. Every name sets flags the parser turns into events.
 *
 * Memory: the message bytes are copied once into the arena, rdata are slices of that copy, and
 * decoded names are appended after it. The arena is capped (DNS_MAX_ARENA); a name that does
 * not fit is kept as far as it fits and flagged truncated, so no input can make one message
 * hold more than the cap plus its record arrays (bounded by the message length).
 */
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-dns.h"

#include "common/array.h"

#define DNS_MAX_LABELS 255
#define DNS_MAX_TXT_STRINGS 32767

typedef enum NameResult { NAME_OK, NAME_INCOMPLETE, NAME_ERROR } NameResult;

/* A cursor over the message: [pos, end) of msg. */
typedef struct Cursor {
    const uint8_t *msg;
    uint32_t msg_len;
    uint32_t pos, end;
} Cursor;

static bool get_u16(Cursor *c, uint16_t *v)
{
    if (c->end - c->pos < 2)
        return false;
    *v = (uint16_t)(c->msg[c->pos] << 8 | c->msg[c->pos + 1]);
    c->pos += 2;
    return true;
}

static bool get_u32(Cursor *c, uint32_t *v)
{
    if (c->end - c->pos < 4)
        return false;
    const uint8_t *p = c->msg + c->pos;
    *v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    c->pos += 4;
    return true;
}

/* Appends to the arena, as much as the cap allows. Returns the bytes stored. */
static uint32_t arena_append(DnsMessage *m, const uint8_t *data, uint32_t len)
{
    uint32_t room = DNS_MAX_ARENA - m->arena_len;
    if (len > room)
        len = room;
    if (len == 0)
        return 0;
    if (m->arena_len + len > m->arena_cap) {
        uint32_t cap = m->arena_cap ? m->arena_cap : 256;
        while (cap < m->arena_len + len)
            cap = cap > DNS_MAX_ARENA / 2 ? DNS_MAX_ARENA : cap * 2;
        uint8_t *grown = realloc(m->arena, cap);
        if (!grown)
            return 0;
        m->arena = grown;
        m->arena_cap = cap;
    }
    memcpy(m->arena + m->arena_len, data, len);
    m->arena_len += len;
    return len;
}

/* A self-pointer, as Suricata sees it: the bytes from the target to the end of the message
 * equal the bytes from here to the end of the current slice. */
static bool points_at_itself(const Cursor *c, uint32_t target)
{
    uint32_t here_len = c->end - c->pos;
    return c->msg_len - target == here_len &&
           memcmp(c->msg + target, c->msg + c->pos, here_len) == 0;
}

/* One label or pointer at c->pos. Returns NAME_OK, or the failure; *stop ends the name. */
static NameResult name_step(Cursor *c, uint8_t *buf, uint32_t *len, uint8_t *flags,
                            int64_t *pivot, bool *stop)
{
    uint8_t b = c->msg[c->pos];
    if (b == 0) {
        c->pos++;
        *stop = true;
        return NAME_OK;
    }
    if ((b & 0xc0) == 0) {
        if (c->end - c->pos < 1u + b)
            return NAME_INCOMPLETE;
        if (!(*flags & DNS_NAME_TRUNCATED)) {
            if (*len)
                buf[(*len)++] = '.';
            memcpy(buf + *len, c->msg + c->pos + 1, b);
            *len += b;
        }
        c->pos += 1u + b;
        return NAME_OK;
    }
    if ((b & 0xc0) != 0xc0)
        return NAME_ERROR;
    if (c->end - c->pos < 2)
        return NAME_INCOMPLETE;
    uint32_t target = ((uint32_t)(b & 0x3f) << 8) | c->msg[c->pos + 1];
    if (target > c->msg_len)
        return NAME_ERROR;
    if (points_at_itself(c, target)) {
        *flags |= DNS_NAME_INFINITE_LOOP;
        *stop = true;
        return *pivot >= 0 ? NAME_OK : NAME_ERROR;
    }
    if (*pivot < 0)
        *pivot = c->pos + 2;
    c->pos = target;
    c->end = c->msg_len;
    return NAME_OK;
}

/* Decodes the name at c->pos into the arena; c->pos ends after it (after the first pointer
 * when one was followed). */
static NameResult parse_name(Cursor *c, DnsMessage *m, DnsName *out, uint8_t *msg_flags)
{
    uint8_t buf[DNS_MAX_NAME_LEN + 64 + 2];
    uint32_t len = 0;
    uint8_t flags = 0;
    int64_t pivot = -1;
    uint32_t slice_end = c->end;
    Cursor w = *c;
    for (uint32_t count = 1; w.pos < w.end; count++) {
        bool stop = false;
        NameResult r = name_step(&w, buf, &len, &flags, &pivot, &stop);
        if (r != NAME_OK)
            return r;
        if (stop)
            break;
        if (count > DNS_MAX_LABELS) {
            flags |= DNS_NAME_LABEL_LIMIT;
            if (pivot < 0)
                return NAME_ERROR;
            flags |= DNS_NAME_TRUNCATED;
            break;
        }
        if (len > DNS_MAX_NAME_LEN) {
            len = DNS_MAX_NAME_LEN;
            flags |= DNS_NAME_TRUNCATED;
            if (pivot >= 0)
                break;
        }
    }
    out->bytes.off = m->arena_len;
    out->bytes.len = arena_append(m, buf, len);
    if (out->bytes.len < len)
        flags |= DNS_NAME_TRUNCATED;
    out->flags = flags;
    *msg_flags |= flags;
    c->pos = pivot >= 0 ? (uint32_t)pivot : w.pos;
    c->end = slice_end;
    return NAME_OK;
}

static NameResult parse_query(Cursor *c, DnsMessage *m, DnsQuery *q, uint8_t *flags)
{
    NameResult r = parse_name(c, m, &q->name, flags);
    if (r != NAME_OK)
        return r;
    if (!get_u16(c, &q->rrtype) || !get_u16(c, &q->rrclass))
        return NAME_INCOMPLETE;
    return NAME_OK;
}

static bool parse_queries(Cursor *c, DnsMessage *m, uint8_t *flags)
{
    if (!m->qdcount)
        return true;
    m->queries = calloc(m->qdcount, sizeof(DnsQuery));
    if (!m->queries)
        return false;
    for (uint32_t i = 0; i < m->qdcount; i++) {
        if (parse_query(c, m, &m->queries[i], flags) != NAME_OK)
            return false;
        m->query_count++;
    }
    return true;
}

/* rdata of one record, within [c->pos, c->end). */
static bool parse_rdata(Cursor *c, DnsMessage *m, DnsRecord *r, uint8_t *flags)
{
    DnsBytes rest = {c->pos, c->end - c->pos};
    switch (r->rrtype) {
    case DNS_TYPE_A:
    case DNS_TYPE_AAAA:
        r->kind = DNS_RDATA_ADDR;
        r->data = rest;
        return true;
    case DNS_TYPE_CNAME:
    case DNS_TYPE_NS:
    case DNS_TYPE_PTR:
        r->kind = DNS_RDATA_NAME;
        return parse_name(c, m, &r->target, flags) == NAME_OK;
    case DNS_TYPE_MX:
        r->kind = DNS_RDATA_NAME;
        return get_u16(c, &r->u16[0]) && parse_name(c, m, &r->target, flags) == NAME_OK;
    case DNS_TYPE_SOA:
        r->kind = DNS_RDATA_SOA;
        if (parse_name(c, m, &r->target, flags) != NAME_OK ||
            parse_name(c, m, &r->target2, flags) != NAME_OK)
            return false;
        for (int i = 0; i < 5; i++)
            if (!get_u32(c, &r->soa[i]))
                return false;
        return true;
    case DNS_TYPE_SRV:
        r->kind = DNS_RDATA_SRV;
        return get_u16(c, &r->u16[0]) && get_u16(c, &r->u16[1]) && get_u16(c, &r->u16[2]) &&
               parse_name(c, m, &r->target, flags) == NAME_OK;
    case DNS_TYPE_SSHFP:
        r->kind = DNS_RDATA_SSHFP;
        if (rest.len < 2)
            return false;
        r->u16[0] = c->msg[c->pos];
        r->u16[1] = c->msg[c->pos + 1];
        r->data = (DnsBytes){c->pos + 2, rest.len - 2};
        return true;
    case DNS_TYPE_NULL:
        r->kind = DNS_RDATA_BYTES;
        r->data = rest;
        return true;
    default:
        r->kind = DNS_RDATA_OTHER;
        r->data = rest;
        return true;
    }
}

static DnsRecord *new_record(DnsMessage *m, size_t *cap)
{
    uint32_t n = m->answer_count + m->authority_count + m->additional_count;
    DnsRecord *grown = array_reserve(m->records, sizeof(*grown), (size_t)n + 1, cap);
    if (!grown)
        return NULL;
    m->records = grown;
    memset(&m->records[n], 0, sizeof(DnsRecord));
    return &m->records[n];
}

/* One TXT record: one DnsRecord per character-string; the first must parse. */
static bool parse_txt(const Cursor *c, DnsMessage *m, const DnsRecord *head, size_t *cap,
                      uint32_t *added)
{
    uint32_t pos = c->pos;
    for (uint32_t n = 0; n < DNS_MAX_TXT_STRINGS && pos < c->end; n++) {
        uint8_t slen = c->msg[pos];
        if (c->end - pos - 1 < slen)
            return n > 0;
        DnsRecord *r = new_record(m, cap);
        if (!r)
            return false;
        *r = *head;
        r->kind = DNS_RDATA_BYTES;
        r->data = (DnsBytes){pos + 1, slen};
        pos += 1u + slen;
        (*added)++;
    }
    return true;
}

/* One resource record: zero or more DnsRecords appended (none for empty rdata). */
static bool parse_record(Cursor *c, DnsMessage *m, size_t *cap, uint32_t *added,
                         uint8_t *flags)
{
    DnsRecord head = {0};
    uint16_t rdlen;
    if (parse_name(c, m, &head.name, flags) != NAME_OK || !get_u16(c, &head.rrtype) ||
        !get_u16(c, &head.rrclass) || !get_u32(c, &head.ttl) || !get_u16(c, &rdlen) ||
        c->end - c->pos < rdlen)
        return false;
    Cursor rd = *c;
    rd.end = c->pos + rdlen;
    c->pos += rdlen;
    if (rdlen == 0)
        return true;
    if (head.rrtype == DNS_TYPE_TXT)
        return parse_txt(&rd, m, &head, cap, added);
    DnsRecord *r = new_record(m, cap);
    if (!r)
        return false;
    *r = head;
    if (!parse_rdata(&rd, m, r, flags))
        return false;
    (*added)++;
    return true;
}

static bool parse_section(Cursor *c, DnsMessage *m, uint16_t count, size_t *cap,
                          uint32_t *added, uint8_t *flags)
{
    for (uint32_t i = 0; i < count; i++)
        if (!parse_record(c, m, cap, added, flags))
            return false;
    return true;
}

/* Additionals are best effort: on failure the section is dropped, the message stands. */
static void parse_additionals(Cursor *c, DnsMessage *m, size_t *cap)
{
    uint8_t ignored = 0;
    uint32_t arena_len = m->arena_len;
    if (!parse_section(c, m, m->arcount, cap, &m->additional_count, &ignored)) {
        m->additional_count = 0;
        m->arena_len = arena_len;
    }
}

static void read_header(const uint8_t *msg, DnsMessage *m)
{
    uint16_t *fields[6] = {&m->id, &m->flags, &m->qdcount, &m->ancount, &m->nscount,
                           &m->arcount};
    for (int i = 0; i < 6; i++)
        *fields[i] = (uint16_t)(msg[2 * i] << 8 | msg[2 * i + 1]);
}

static bool header_valid(const DnsMessage *m, uint32_t len)
{
    uint32_t min = DNS_HEADER_LEN + 2u * ((uint32_t)m->qdcount + m->ancount + m->nscount +
                                          m->arcount);
    return min <= len;
}

DnsParseResult dns_parse_message(const uint8_t *msg, uint32_t len, bool response,
                                 DnsMessage *out)
{
    memset(out, 0, sizeof(*out));
    if (len < DNS_HEADER_LEN)
        return DNS_PARSE_BAD_HEADER;
    read_header(msg, out);
    if (!header_valid(out, len))
        return DNS_PARSE_BAD_HEADER;
    if (arena_append(out, msg, len) != len)
        return DNS_PARSE_MALFORMED;
    /* The cursor reads the caller's bytes: the arena moves as names are appended, but the
     * copy at its start keeps the same offsets, which is what records store. */
    Cursor c = {msg, len, DNS_HEADER_LEN, len};
    if (!parse_queries(&c, out, &out->name_flags))
        return DNS_PARSE_MALFORMED;
    size_t cap = 0;
    if (response) {
        if (!parse_section(&c, out, out->ancount, &cap, &out->answer_count, &out->name_flags) ||
            !parse_section(&c, out, out->nscount, &cap, &out->authority_count,
                           &out->name_flags))
            return DNS_PARSE_MALFORMED;
    } else if (out->ancount || out->nscount) {
        return DNS_PARSE_OK;  /* a query with records: Suricata reads only its questions */
    }
    parse_additionals(&c, out, &cap);
    return DNS_PARSE_OK;
}

void dns_message_free(DnsMessage *m)
{
    free(m->queries);
    free(m->records);
    free(m->arena);
    memset(m, 0, sizeof(*m));
}

/* Header and questions of data[0, min(len, dlen)): OK, INCOMPLETE (ran out) or ERROR. */
static NameResult probe_queries(const uint8_t *data, uint32_t len, DnsMessage *m)
{
    Cursor c = {data, len, DNS_HEADER_LEN, len};
    uint8_t flags = 0;
    for (uint32_t i = 0; i < m->qdcount; i++) {
        DnsQuery q;
        /* The probe only needs the verdict; names go to a scratch arena. */
        NameResult r = parse_query(&c, m, &q, &flags);
        m->arena_len = 0;
        if (r != NAME_OK)
            return r;
    }
    return NAME_OK;
}

bool dns_probe_message(const uint8_t *data, uint32_t len, uint32_t dlen, bool *is_request)
{
    if (len > dlen)
        len = dlen;
    if (len < DNS_HEADER_LEN)
        return false;
    DnsMessage m;
    memset(&m, 0, sizeof(m));
    read_header(data, &m);
    *is_request = !(m.flags & 0x8000);
    if (len < dlen)
        return header_valid(&m, dlen);
    NameResult r = probe_queries(data, len, &m);
    free(m.arena);
    return r != NAME_ERROR && header_valid(&m, dlen);
}
