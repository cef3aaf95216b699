/*
 * eve_scan.c — the one-pass EVE line checker of eve_scan.h.
 *
 * A recursive-descent validator over the raw bytes. Each value is parsed with a "role"
 * saying what the hub wants from it (most values: nothing, only validation); the role of
 * an object member comes from the parent's role and the member's key (ROLE_KEYS below),
 * so only the dozen fields storage indexes are ever decoded or copied.
 *
 * Duplicate keys: every key of every object goes into one hash set per line, tagged
 * with its object's serial number, so the check is O(1) per key however wide an object
 * is (a 1 MiB line can carry 100k keys; a per-object linear search would be quadratic).
 * Keys are compared decoded ("a" and "\u0061" are the same key, as jansson sees them);
 * keys without escapes, nearly all, are compared in place without a copy.
 *
 * The rules mirror jansson 2.14's decoder, which stays the reference: see the
 * differential check in tests/fuzz/fuzz-hub-ingest.c and tests/hub/test_ingest.c.
 */
#include "eve_scan.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    R_NONE, /* validate only */
    R_TOP,  /* the top-level object */
    R_EVENT_TYPE, R_TIMESTAMP, R_SRC_IP, R_DEST_IP, R_DNS,
    R_ALERT, R_SID, R_SEVERITY, R_SIGNATURE, R_CATEGORY, R_TARGET, R_TARGET_IP,
    R_META, R_ACTOR, R_ACTOR_FIRST, R_TECHNIQUES, R_TECH_ITEM,
    R_DDOS, R_DDOS_ATTACK, R_DDOS_VICTIM, R_DDOS_META, R_DDOS_ACTOR, R_DDOS_ACTOR_FIRST,
} role;

/* Which members of which object matter. */
#define K(parent, key, child) {parent, key, sizeof key - 1, child}
static const struct {
    role parent;
    const char *key;
    size_t len;
    role child;
} ROLE_KEYS[] = {
    K(R_TOP, "event_type", R_EVENT_TYPE), K(R_TOP, "timestamp", R_TIMESTAMP),
    K(R_TOP, "src_ip", R_SRC_IP),         K(R_TOP, "dest_ip", R_DEST_IP),
    K(R_TOP, "alert", R_ALERT),           K(R_TOP, "ddos", R_DDOS),
    K(R_TOP, "dns", R_DNS),               K(R_ALERT, "signature_id", R_SID),
    K(R_ALERT, "severity", R_SEVERITY),   K(R_ALERT, "signature", R_SIGNATURE),
    K(R_ALERT, "category", R_CATEGORY),   K(R_ALERT, "target", R_TARGET),
    K(R_ALERT, "metadata", R_META),       K(R_TARGET, "ip", R_TARGET_IP),
    K(R_META, "actor", R_ACTOR),          K(R_META, "mitre_technique_id", R_TECHNIQUES),
    K(R_DDOS, "attack", R_DDOS_ATTACK),   K(R_DDOS, "victim", R_DDOS_VICTIM),
    K(R_DDOS, "metadata", R_DDOS_META),   K(R_DDOS_META, "actor", R_DDOS_ACTOR),
};
#undef K

typedef struct {
    const char *p; /* decoded key bytes (in the line or the arena) */
    uint32_t len, hash, obj;
} key_ent;

typedef struct {
    const char *start, *p, *end;
    char *arena;
    size_t arena_used;
    int depth;
    uint32_t objects; /* serial of the last object opened */
    hub_eve_capture *cap;
    const char *err;
    const char *err_at;
    key_ent *keys;    /* open-addressed; `inline_keys` until it outgrows it */
    size_t key_cap, key_n;
    uint64_t inline_used[2]; /* which inline slots hold a key: the table itself is not
                                cleared per line (3 KiB of memset per event) */
    key_ent inline_keys[128]; /* last: hub_eve_scan clears the members before it only */
} scanner;

static bool fail(scanner *s, const char *why, const char *at)
{
    if (!s->err) {
        s->err = why;
        s->err_at = at;
    }
    return false;
}

static void skip_ws(scanner *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* ---- strings ----------------------------------------------------------------------- */

/* Length of the UTF-8 sequence at p (first byte >= 0x80), or 0 when it is not valid:
 * overlong forms, surrogates and code points past U+10FFFF are refused, as jansson does. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!n || (size_t)(end - p) < n)
        return 0;
    uint32_t v = c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10ffff ||
        (v >= 0xd800 && v <= 0xdfff))
        return 0;
    return n;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Reads the 4 hex digits after "\u" at p; -1 when they are not hex. */
static int32_t hex4(const char *p, const char *end)
{
    if (end - p < 4)
        return -1;
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

static size_t utf8_put(char *out, uint32_t v)
{
    if (v < 0x80) {
        out[0] = (char)v;
        return 1;
    }
    if (v < 0x800) {
        out[0] = (char)(0xc0 | (v >> 6));
        out[1] = (char)(0x80 | (v & 0x3f));
        return 2;
    }
    if (v < 0x10000) {
        out[0] = (char)(0xe0 | (v >> 12));
        out[1] = (char)(0x80 | ((v >> 6) & 0x3f));
        out[2] = (char)(0x80 | (v & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (v >> 18));
    out[1] = (char)(0x80 | ((v >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((v >> 6) & 0x3f));
    out[3] = (char)(0x80 | (v & 0x3f));
    return 4;
}

/* A \u escape at s->p (just past the backslash and 'u'): the code point, with a
 * surrogate pair joined; -1 (error set) when malformed or U+0000. */
static int32_t unicode_escape(scanner *s, const char *esc)
{
    int32_t v = hex4(s->p, s->end);
    if (v < 0)
        return fail(s, "invalid \\u escape", esc), -1;
    s->p += 4;
    if (v >= 0xdc00 && v <= 0xdfff)
        return fail(s, "invalid Unicode escape (lone low surrogate)", esc), -1;
    if (v >= 0xd800 && v <= 0xdbff) {
        int32_t lo = s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u'
                         ? hex4(s->p + 2, s->end) : -1;
        if (lo < 0xdc00 || lo > 0xdfff)
            return fail(s, "invalid Unicode escape (unpaired surrogate)", esc), -1;
        s->p += 6;
        v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (v == 0)
        return fail(s, "\\u0000 is not allowed", esc), -1;
    return v;
}

/* One escape sequence at s->p (the backslash); appends its bytes to out when non-NULL
 * and returns how many, or -1 (error set). */
static int escape(scanner *s, char *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *esc = s->p;
    if (s->end - s->p < 2)
        return fail(s, "unterminated string", esc), -1;
    char c = s->p[1];
    s->p += 2;
    if (c == 'u') {
        int32_t v = unicode_escape(s, esc);
        if (v < 0)
            return -1;
        char tmp[4];
        return (int)utf8_put(out ? out : tmp, (uint32_t)v);
    }
    const char *k = c ? strchr(from, c) : NULL;
    if (!k)
        return fail(s, "invalid escape", esc), -1;
    if (out)
        *out = to[k - from];
    return 1;
}

/* The first byte at or after p that is a '"', a '\\', a control character or not ASCII
 * (or end - p < 8 bytes before the end), eight bytes per step: string bodies are mostly
 * plain (addresses, names), and the byte loop below spent about 5k instructions per
 * event on them (callgrind). Each of the three tests sets a byte's high bit when that
 * byte is below 0x20, '"' or '\\' (the usual has-zero-byte trick), x itself when it is
 * 0x80 or above. A borrow can flag a plain byte too, but only above a byte that truly
 * matched, so the lowest flagged byte (the first in memory on a little-endian host) is
 * a real one; elsewhere the word's first byte is handed to the byte loop. */
static const char *plain_run(const char *p, const char *end)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    while (end - p >= 8) {
        uint64_t x, q, b;
        memcpy(&x, p, 8);
        q = x ^ (ones * '"');
        b = x ^ (ones * '\\');
        uint64_t flag = (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x);
        flag &= high;
        if (flag) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            p += __builtin_ctzll(flag) / 8;
#endif
            return p;
        }
        p += 8;
    }
    return p;
}

/* A string at s->p (the opening quote). Sets *raw / *raw_len to the bytes between the
 * quotes and *escaped when they contain a backslash. */
static bool string_span(scanner *s, const char **raw, size_t *raw_len, bool *escaped)
{
    const char *q = ++s->p;
    *escaped = false;
    while ((s->p = plain_run(s->p, s->end)) < s->end) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            *raw = q;
            *raw_len = (size_t)(s->p++ - q);
            return true;
        }
        if (c == '\\') {
            *escaped = true;
            if (escape(s, NULL) < 0)
                return false;
        } else if (c < 0x20) {
            return fail(s, "control character in string", s->p);
        } else if (c < 0x80) {
            s->p++;
        } else {
            size_t n = utf8_len((const unsigned char *)s->p, (const unsigned char *)s->end);
            if (!n)
                return fail(s, "invalid UTF-8", s->p);
            s->p += n;
        }
    }
    return fail(s, "unterminated string", q - 1);
}

/* Decodes a validated string body into the arena, NUL-terminated. */
static const char *decode(scanner *s, const char *raw, size_t raw_len, bool escaped)
{
    char *out = s->arena + s->arena_used, *o = out;
    if (!escaped) {
        memcpy(o, raw, raw_len);
        o += raw_len;
    } else {
        const char *p = s->p, *end = s->end; /* re-walk a body already known valid */
        s->p = raw;
        s->end = raw + raw_len;
        while (s->p < s->end) {
            if (*s->p == '\\')
                o += escape(s, o);
            else
                *o++ = *s->p++;
        }
        s->p = p;
        s->end = end;
    }
    *o++ = '\0';
    s->arena_used += (size_t)(o - out);
    return out;
}

/* ---- duplicate keys ---------------------------------------------------------------- */

static uint32_t key_hash(const char *p, size_t n, uint32_t obj)
{
    uint32_t h = 2166136261u ^ obj; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

/* The slot holding key k, or the empty slot where it goes. `used` marks the valid
 * slots of the inline table; NULL for a heap table, whose empty slots have p == NULL. */
static key_ent *key_slot(key_ent *tab, size_t cap, const uint64_t *used, const key_ent *k)
{
    for (size_t i = k->hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
        key_ent *e = &tab[i];
        bool empty = used ? !(used[i / 64] >> (i % 64) & 1) : !e->p;
        if (empty || (e->hash == k->hash && e->obj == k->obj && e->len == k->len &&
                      memcmp(e->p, k->p, k->len) == 0))
            return e;
    }
}

static bool slot_empty(const scanner *s, const key_ent *e)
{
    if (s->keys != s->inline_keys)
        return !e->p;
    size_t i = (size_t)(e - s->inline_keys);
    return !(s->inline_used[i / 64] >> (i % 64) & 1);
}

static bool keys_grow(scanner *s)
{
    size_t cap = s->key_cap * 4;
    key_ent *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return fail(s, "out of memory", s->p);
    for (size_t i = 0; i < s->key_cap; i++)
        if (!slot_empty(s, &s->keys[i]))
            *key_slot(tab, cap, NULL, &s->keys[i]) = s->keys[i];
    if (s->keys != s->inline_keys)
        free(s->keys);
    s->keys = tab;
    s->key_cap = cap;
    return true;
}

/* Adds a decoded key of object `obj`; false (error set) when the object has it already. */
static bool key_add(scanner *s, const char *p, size_t n, uint32_t obj, const char *at)
{
    if ((s->key_n + 1) * 2 > s->key_cap && !keys_grow(s))
        return false;
    key_ent k = {.p = p, .len = (uint32_t)n, .hash = key_hash(p, n, obj), .obj = obj};
    bool inl = s->keys == s->inline_keys;
    key_ent *e = key_slot(s->keys, s->key_cap, inl ? s->inline_used : NULL, &k);
    if (!slot_empty(s, e))
        return fail(s, "duplicate object key", at);
    *e = k;
    if (inl) {
        size_t i = (size_t)(e - s->inline_keys);
        s->inline_used[i / 64] |= UINT64_C(1) << (i % 64);
    }
    s->key_n++;
    return true;
}

static role child_role(role parent, const char *key, size_t n)
{
    if (parent == R_NONE)
        return R_NONE;
    for (size_t i = 0; i < sizeof ROLE_KEYS / sizeof ROLE_KEYS[0]; i++)
        if (ROLE_KEYS[i].parent == parent && ROLE_KEYS[i].len == n &&
            memcmp(ROLE_KEYS[i].key, key, n) == 0)
            return ROLE_KEYS[i].child;
    return R_NONE;
}

/* ---- values ------------------------------------------------------------------------ */

static bool value(scanner *s, role r);

/* Appends one mitre_technique_id array item the way the hub always joined them: empty
 * items, and items that would not fit with a separator, are skipped. */
static void tech_append(hub_eve_capture *c, const char *t)
{
    size_t used = strlen(c->techniques), n = strlen(t);
    if (!n || used + n + 2 > sizeof c->techniques)
        return;
    snprintf(c->techniques + used, sizeof c->techniques - used, "%s%s", used ? "," : "", t);
}

static void keep_string(scanner *s, role r, const char *v)
{
    hub_eve_capture *c = s->cap;
    const char *nonempty = *v ? v : NULL;
    switch (r) {
    case R_EVENT_TYPE: c->event_type = v; break;
    case R_TIMESTAMP: c->timestamp = v; break;
    case R_SRC_IP: c->src_ip = v; break;
    case R_DEST_IP: c->dest_ip = v; break;
    case R_SIGNATURE: c->signature = v; break;
    case R_CATEGORY: c->category = v; break;
    case R_TARGET_IP: c->target_ip = v; break;
    case R_DDOS_ATTACK: c->ddos_attack = v; break;
    case R_DDOS_VICTIM: c->ddos_victim = v; break;
    case R_ACTOR: case R_ACTOR_FIRST: c->alert_actor = nonempty; break;
    case R_DDOS_ACTOR: case R_DDOS_ACTOR_FIRST: c->ddos_actor = nonempty; break;
    case R_TECHNIQUES:
        snprintf(c->techniques, sizeof c->techniques, "%s", v);
        break;
    case R_TECH_ITEM: tech_append(c, v); break;
    default: break;
    }
}

/* Roles whose string value is decoded and kept. */
static bool role_keeps_string(role r)
{
    return r >= R_EVENT_TYPE && r != R_DNS && r != R_ALERT && r != R_SID && r != R_SEVERITY &&
           r != R_TARGET && r != R_META && r != R_DDOS && r != R_DDOS_META;
}

static bool string_value(scanner *s, role r)
{
    const char *raw;
    size_t n;
    bool esc;
    if (!string_span(s, &raw, &n, &esc))
        return false;
    if (role_keeps_string(r))
        keep_string(s, r, decode(s, raw, n, esc));
    return true;
}

static bool object_member(scanner *s, role r, uint32_t obj)
{
    if (s->p >= s->end || *s->p != '"')
        return fail(s, "string or '}' expected", s->p);
    const char *at = s->p, *raw;
    size_t n;
    bool esc;
    if (!string_span(s, &raw, &n, &esc))
        return false;
    const char *key = raw;
    if (esc) {
        key = decode(s, raw, n, esc);
        n = strlen(key); /* no NUL inside: \u0000 was refused */
    }
    if (!key_add(s, key, n, obj, at))
        return false;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return fail(s, "':' expected", s->p);
    s->p++;
    return value(s, child_role(r, key, n));
}

/* The object at s->p ('{'), parsed with role r. */
static bool object(scanner *s, role r)
{
    uint32_t obj = ++s->objects;
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return true;
    }
    for (;;) {
        if (!object_member(s, r, obj))
            return false;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            skip_ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            return true;
        }
        return fail(s, "'}' expected", s->p);
    }
}

/* Array elements: actor lists keep their first element (when it is a string),
 * technique lists every string. */
static bool array(scanner *s, role r)
{
    role first = r == R_TECHNIQUES ? R_TECH_ITEM : r == R_ACTOR ? R_ACTOR_FIRST
               : r == R_DDOS_ACTOR ? R_DDOS_ACTOR_FIRST : R_NONE;
    role rest = r == R_TECHNIQUES ? R_TECH_ITEM : R_NONE;
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    for (size_t i = 0;; i++) {
        if (!value(s, i == 0 ? first : rest))
            return false;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return true;
        }
        return fail(s, "']' expected", s->p);
    }
}

static bool is_digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* A real is refused when it overflows a double, as jansson does; strtod needs a
 * NUL-terminated copy. */
static bool real_finite(scanner *s, const char *start, size_t n)
{
    char small[64];
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf)
        return fail(s, "out of memory", start);
    memcpy(buf, start, n);
    buf[n] = '\0';
    errno = 0;
    double d = strtod(buf, NULL);
    bool ok = !(errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL));
    if (buf != small)
        free(buf);
    return ok ? true : fail(s, "real number overflow", start);
}

/* A 64-bit integer of digits [p, end) with its sign; false when out of range. */
static bool int64_parse(const char *p, const char *end, bool neg, int64_t *out)
{
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; p < end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (lim - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static bool number(scanner *s, role r)
{
    const char *start = s->p;
    bool neg = *s->p == '-';
    s->p += neg;
    const char *digits = s->p;
    if (!is_digit(s->p, s->end))
        return fail(s, "invalid token", start);
    if (*s->p == '0' && is_digit(s->p + 1, s->end))
        return fail(s, "invalid token", start);
    while (is_digit(s->p, s->end))
        s->p++;
    bool real = false;
    if (s->p < s->end && *s->p == '.') {
        real = true;
        if (!is_digit(++s->p, s->end))
            return fail(s, "invalid token", start);
        while (is_digit(s->p, s->end))
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        real = true;
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!is_digit(s->p, s->end))
            return fail(s, "invalid token", start);
        while (is_digit(s->p, s->end))
            s->p++;
    }
    if (real)
        return real_finite(s, start, (size_t)(s->p - start));
    int64_t v;
    if (!int64_parse(digits, s->p, neg, &v))
        return fail(s, "too big integer", start);
    if (r == R_SID) {
        s->cap->has_sid = true;
        s->cap->sid = v;
    } else if (r == R_SEVERITY) {
        s->cap->has_severity = true;
        s->cap->severity = v;
    }
    return true;
}

static bool literal(scanner *s)
{
    static const char *const words[] = {"true", "false", "null"};
    size_t n = 0;
    while (s->p + n < s->end && ((s->p[n] >= 'a' && s->p[n] <= 'z') ||
                                 (s->p[n] >= 'A' && s->p[n] <= 'Z')))
        n++;
    for (size_t i = 0; i < 3; i++)
        if (n == strlen(words[i]) && memcmp(s->p, words[i], n) == 0) {
            s->p += n;
            return true;
        }
    return fail(s, "invalid token", s->p);
}

/* Marks the members whose presence (and object type) matters. */
static void note_container(scanner *s, role r, char open)
{
    if (open != '{')
        return;
    if (r == R_TOP)
        s->cap->is_object = true;
    else if (r == R_ALERT)
        s->cap->has_alert = true;
    else if (r == R_DDOS)
        s->cap->has_ddos = true;
}

static bool container(scanner *s, role r, char open)
{
    if (++s->depth > HUB_EVE_MAX_DEPTH)
        return fail(s, "maximum nesting depth reached", s->p);
    note_container(s, r, open);
    /* Non-object values under an object role are only validated. */
    bool ok = open == '{' ? object(s, r == R_TOP || r == R_ALERT || r == R_TARGET ||
                                              r == R_META || r == R_DDOS || r == R_DDOS_META
                                          ? r : R_NONE)
                          : array(s, r == R_ACTOR || r == R_DDOS_ACTOR || r == R_TECHNIQUES
                                         ? r : R_NONE);
    s->depth--;
    return ok;
}

/* One value, parsed for role r. */
static bool value(scanner *s, role r)
{
    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, "unexpected end of input", s->p);
    if (r == R_DNS)
        s->cap->has_dns = true;
    char c = *s->p;
    if (c == '{' || c == '[')
        return container(s, r, c);
    if (c == '"')
        return string_value(s, r);
    if (c == '-' || (c >= '0' && c <= '9'))
        return number(s, r);
    return literal(s);
}

bool hub_eve_scan(const char *line, size_t len, char *arena, hub_eve_capture *cap,
                  char *reason, size_t reason_len, size_t *column)
{
    memset(cap, 0, sizeof *cap);
    scanner s;
    memset(&s, 0, offsetof(scanner, inline_keys));
    s.start = s.p = line;
    s.end = line + len;
    s.arena = arena;
    s.cap = cap;
    s.keys = s.inline_keys;
    s.key_cap = sizeof s.inline_keys / sizeof s.inline_keys[0];
    skip_ws(&s);
    bool ok = false;
    if (s.p < s.end && (*s.p == '{' || *s.p == '['))
        ok = value(&s, R_TOP);
    else
        fail(&s, "'[' or '{' expected", s.p);
    if (ok) {
        skip_ws(&s);
        if (s.p != s.end)
            ok = fail(&s, "end of input expected", s.p);
    }
    if (s.keys != s.inline_keys)
        free(s.keys);
    if (!ok) {
        memset(cap, 0, sizeof *cap);
        snprintf(reason, reason_len, "%s", s.err);
        *column = (size_t)(s.err_at - line) + 1;
    }
    return ok;
}
