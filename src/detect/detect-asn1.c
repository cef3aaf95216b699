/*
 * detect-asn1.c - the asn1 keyword: BER-decode the payload and look for malformed objects.
 *
 *   asn1:[bitstring_overflow][, double_overflow][, oversize_length N]
 *        [, absolute_offset N | relative_offset [-]N];
 *
 * Why: ET Open (the GPL NETBIOS SMB-DS rules) detects the MS04-007 ASN.1 attacks with it,
 * and Suricata 7 loads those rules. Semantics as Suricata 7's decoder and checks:
 *   - decoding starts at absolute_offset, or relative_offset past the end of the previous
 *     match, or 0; an offset at or past the end of the payload never matches;
 *   - BER objects are read one after another until the data ends or does not decode (what
 *     decoded so far is kept; an object nested deeper than asn1-max-frames (30) levels does
 *     not decode); more than 30 top-level objects make the whole decode fail (no match);
 *   - universal SEQUENCE and SET are searched into; other objects, and objects of other
 *     classes, are checked as a whole;
 *   - oversize_length: an object longer than N; bitstring_overflow: a primitive universal
 *     BIT STRING whose unused-bits count exceeds its length in bits; double_overflow: a
 *     primitive universal REAL in decimal encoding longer than 256 bytes.
 * The keyword reads the packet's payload, after the contents before it (a payload keyword,
 * so relative_offset counts from where the previous one ended); like Suricata's packet match
 * list it makes the rule see packets, not the reassembled stream (detect-stream-inspect.c).
 * This is a parser of untrusted bytes: tests/fuzz/fuzz-asn1.c.
 */
#include "detect/detect-asn1.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-keywords.h"

enum { BER_BITSTRING = 3, BER_REAL = 9, BER_SEQUENCE = 16, BER_SET = 17 };

typedef struct BerObject {
    uint8_t class;         /* 0 universal */
    bool constructed, indefinite;
    uint32_t tag;
    const uint8_t *content;
    uint32_t len;          /* content length (for indefinite lengths, up to the EOC) */
    uint32_t size;         /* header + content (+ EOC) */
} BerObject;

typedef struct Walk {
    const Asn1Options *o;
    bool hit;
} Walk;

/* Identifier and length octets; false when they do not decode within len. */
static bool read_header(const uint8_t *p, uint32_t len, BerObject *b, uint32_t *hdr)
{
    uint32_t i = 0;
    if (len < 2)
        return false;
    b->class = p[0] >> 6;
    b->constructed = p[0] & 0x20;
    b->tag = p[i++] & 0x1f;
    if (b->tag == 0x1f) { /* high tag number: base 128, at most 4 octets */
        b->tag = 0;
        do {
            if (i >= len || i > 4)
                return false;
            b->tag = b->tag << 7 | (p[i] & 0x7f);
        } while (p[i++] & 0x80);
    }
    if (i >= len)
        return false;
    uint8_t l = p[i++];
    b->indefinite = l == 0x80;
    b->len = l;
    if (l > 0x80) {
        uint32_t n = l & 0x7f;
        if (n > 4 || i + n > len)
            return false;
        b->len = 0;
        for (uint32_t k = 0; k < n; k++)
            b->len = b->len << 8 | p[i++];
    } else if (b->indefinite) {
        b->len = 0;
        if (!b->constructed)
            return false;
    }
    *hdr = i;
    return true;
}

/* What a decoder refuses in primitive universal objects it knows. */
static bool primitive_valid(const BerObject *b)
{
    if (b->class || b->constructed)
        return true;
    switch (b->tag) {
    case 1: return b->len == 1;                     /* BOOLEAN */
    case 2: case 10: return b->len >= 1;            /* INTEGER, ENUMERATED */
    case 5: return b->len == 0;                     /* NULL */
    case BER_BITSTRING: return b->len >= 1;
    default: return true;
    }
}

static bool decode_object(Walk *w, const uint8_t *p, uint32_t len, int depth, BerObject *b);

/* The objects of an indefinite-length content, up to its end-of-contents octets: sets
 * b->len and b->size. */
static bool decode_indefinite(Walk *w, const uint8_t *p, uint32_t len, uint32_t hdr, int depth,
                              BerObject *b)
{
    uint32_t off = hdr;
    for (;;) {
        if (off + 2 > len)
            return false;
        if (p[off] == 0 && p[off + 1] == 0)
            break;
        BerObject child;
        if (!decode_object(w, p + off, len - off, depth + 1, &child))
            return false;
        off += child.size;
    }
    b->len = off - hdr;
    b->size = off + 2;
    return true;
}

static void check_object(Walk *w, const BerObject *b)
{
    const Asn1Options *o = w->o;
    if (o->has_oversize && b->len > o->oversize_length)
        w->hit = true;
    if (b->class || b->constructed || !b->len)
        return;
    if (o->bitstring_overflow && b->tag == BER_BITSTRING &&
        (uint64_t)b->content[0] > (uint64_t)b->len * 8)
        w->hit = true;
    if (o->double_overflow && b->tag == BER_REAL && !(b->content[0] & 0xc0) && b->len > 256)
        w->hit = true;
}

/* One object at p (and, for SEQUENCE and SET, the objects inside it); false when it does not
 * decode. Checks each object decoded. */
static bool decode_object(Walk *w, const uint8_t *p, uint32_t len, int depth, BerObject *b)
{
    if ((uint32_t)depth >= w->o->max_frames)
        return false;  /* nested too deep: does not decode */
    uint32_t hdr;
    if (!read_header(p, len, b, &hdr))
        return false;
    b->content = p + hdr;
    if (b->indefinite) {
        if (!decode_indefinite(w, p, len, hdr, depth, b))
            return false;
    } else {
        if (b->len > len - hdr || !primitive_valid(b))
            return false;
        b->size = hdr + b->len;
        bool nested = !b->class && b->constructed && (b->tag == BER_SEQUENCE || b->tag == BER_SET);
        for (uint32_t off = 0; nested && off < b->len;) {
            BerObject child;
            if (!decode_object(w, b->content + off, b->len - off, depth + 1, &child))
                return false;
            off += child.size;
        }
    }
    check_object(w, b);
    return true;
}

bool asn1_check(const uint8_t *buf, uint32_t len, uint32_t prev_end, const Asn1Options *o)
{
    int64_t offset = o->has_absolute ? o->absolute_offset
                     : o->has_relative ? (int64_t)prev_end + o->relative_offset : 0;
    if (offset < 0 || offset > UINT16_MAX || offset >= len)
        return false;
    Walk w = {.o = o};
    uint32_t off = (uint32_t)offset, frames = 0;
    while (off < len) {
        if (frames++ >= o->max_frames)
            return false;  /* too many objects: the decode fails */
        BerObject b;
        bool hit_before = w.hit;
        if (!decode_object(&w, buf + off, len - off, 0, &b)) {
            w.hit = hit_before;  /* an object that did not decode is not kept */
            break;
        }
        off += b.size;
    }
    return w.hit;
}

/* One option word and, for those that take one, its number. */
static int parse_option(Asn1Options *o, const char *word, const char *num, char *err,
                        size_t errlen)
{
    if (!strcmp(word, "bitstring_overflow") || !strcmp(word, "double_overflow")) {
        *(word[0] == 'b' ? &o->bitstring_overflow : &o->double_overflow) = true;
        return 0;
    }
    char *end;
    long long v = num ? strtoll(num, &end, 10) : 0;
    bool ok = num && *num && !*end && (isdigit((unsigned char)num[0]) || num[0] == '-');
    if (!strcmp(word, "oversize_length") && ok && v >= 0 && v <= UINT32_MAX) {
        o->has_oversize = true;
        o->oversize_length = (uint32_t)v;
    } else if (!strcmp(word, "absolute_offset") && ok && v >= 0 && v <= UINT16_MAX) {
        o->has_absolute = true;
        o->absolute_offset = (uint16_t)v;
    } else if (!strcmp(word, "relative_offset") && ok && v >= -UINT16_MAX && v <= UINT16_MAX) {
        o->has_relative = true;
        o->relative_offset = (int32_t)v;
    } else {
        snprintf(err, errlen, "invalid asn1 option \"%s%s%s\"", word, num ? " " : "",
                 num ? num : "");
        return -1;
    }
    return 1;  /* took the number */
}

int asn1_options_parse(const char *value, Asn1Options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    o->max_frames = ASN1_DEFAULT_MAX_FRAMES;
    char text[256];
    snprintf(text, sizeof(text), "%s", value ? value : "");
    char *words[32];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(text, ", \t\r\n", &save); t && n < 32;
         t = strtok_r(NULL, ", \t\r\n", &save))
        words[n++] = t;
    if (!n) {
        snprintf(err, errlen, "asn1 needs options");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int rc = parse_option(o, words[i], i + 1 < n ? words[i + 1] : NULL, err, errlen);
        if (rc < 0)
            return -1;
        i += rc;
    }
    return 0;
}

static int asn1_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                      size_t errlen)
{
    Asn1Options *o = malloc(sizeof(*o));
    if (!o || asn1_options_parse(value, o, err, errlen) != 0) {
        free(o);
        return -1;
    }
    if (sig_in_sticky_buffer(sig)) {
        free(o);
        snprintf(err, errlen, "asn1 inspects the packet payload, not a sticky buffer");
        return -1;
    }
    if (!sig_append(sig, SIG_LIST_PAYLOAD, kw, o)) {
        free(o);
        return -1;
    }
    return 0;
}

static bool asn1_inspect(InspectState *st, const SigMatch *sm)
{
    if (!asn1_check(st->buf, st->len, st->prev_end, sm->ctx))
        return false;
    return detect_inspect_list(st, sm->next);
}

const DetectKeyword detect_asn1_keywords[] = {
    {.name = "asn1", .setup = asn1_setup, .inspect = asn1_inspect, .free_ctx = free},
    {.name = NULL},
};
