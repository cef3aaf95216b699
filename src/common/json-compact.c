/*
 * json-compact.c - compact JSON from jansson trees (see json-compact.h).
 *
 * The output must stay byte for byte what json_dumpb(JSON_COMPACT) writes, since consumers
 * (and the tests comparing with Suricata) read it: tests/unit/test-json-compact.c checks that
 * on random trees. Reals are rare in EVE and their formatting has corner cases, so they are
 * still formatted by jansson.
 */
#include "common/json-compact.h"

#include "common/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool json_buffer_reserve(JsonBuffer *out, size_t extra)
{
    if (out->len + extra <= out->cap)
        return true;
    char *grown = array_reserve(out->data, 1, out->len + extra, &out->cap);
    if (!grown)
        return false;
    out->data = grown;
    return true;
}

bool json_buffer_append(JsonBuffer *out, const char *bytes, size_t n)
{
    if (!json_buffer_reserve(out, n))
        return false;
    memcpy(out->data + out->len, bytes, n);
    out->len += n;
    return true;
}

static bool put_char(JsonBuffer *out, char c)
{
    return json_buffer_append(out, &c, 1);
}

/* Length of the UTF-8 sequence at s (1-4), or 0 when it is not one jansson accepts
 * (overlong forms, surrogates, code points past U+10FFFF). */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
    unsigned char lead = s[0];
    size_t n;
    uint32_t cp;
    if (lead < 0x80)
        return 1;
    if (lead >= 0xC2 && lead <= 0xDF) {
        n = 2;
        cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        cp = lead & 0x07;
    } else {
        return 0;
    }
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static bool put_escape(JsonBuffer *out, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char seq[6] = {'\\', 0, 0, 0, 0, 0};
    switch (c) {
    case '"': seq[1] = '"'; return json_buffer_append(out, seq, 2);
    case '\\': seq[1] = '\\'; return json_buffer_append(out, seq, 2);
    case '\b': seq[1] = 'b'; return json_buffer_append(out, seq, 2);
    case '\f': seq[1] = 'f'; return json_buffer_append(out, seq, 2);
    case '\n': seq[1] = 'n'; return json_buffer_append(out, seq, 2);
    case '\r': seq[1] = 'r'; return json_buffer_append(out, seq, 2);
    case '\t': seq[1] = 't'; return json_buffer_append(out, seq, 2);
    default:
        memcpy(seq + 1, "u00", 3);
        seq[4] = hex[c >> 4];
        seq[5] = hex[c & 0xF];
        return json_buffer_append(out, seq, 6);
    }
}

/* True when one of the 8 bytes of word needs a look: a control character, '"', '\\' or a
 * byte of a multi-byte UTF-8 sequence. Strings are mostly plain ASCII, so checking a word
 * at a time makes the common case a few operations per 8 bytes. */
static bool word_needs_care(uint64_t word)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t quote = word ^ (ones * '"'), backslash = word ^ (ones * '\\');
    /* Exact once no byte has its high bit set, and a set high bit answers yes anyway. */
    uint64_t below_space = (word - ones * 0x20) & ~word;
    uint64_t is_quote = (quote - ones) & ~quote, is_backslash = (backslash - ones) & ~backslash;
    return ((below_space | is_quote | is_backslash | word) & highs) != 0;
}

bool json_compact_append_string(JsonBuffer *out, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (!put_char(out, '"'))
        return false;
    size_t run_start = 0, i = 0;
    while (i < len) {
        if (len - i >= 8) {
            uint64_t word;
            memcpy(&word, s + i, sizeof(word));
            if (!word_needs_care(word)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_sequence(s + i, len - i);
            if (!n)
                return false;
            i += n;
            continue;
        }
        if (!json_buffer_append(out, str + run_start, i - run_start) || !put_escape(out, c))
            return false;
        run_start = ++i;
    }
    return json_buffer_append(out, str + run_start, len - run_start) && put_char(out, '"');
}

bool json_compact_append_integer(JsonBuffer *out, json_int_t value)
{
    char digits[24];
    size_t pos = sizeof(digits);
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        digits[--pos] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        digits[--pos] = '-';
    return json_buffer_append(out, digits + pos, sizeof(digits) - pos);
}

static bool put_real(JsonBuffer *out, const json_t *value)
{
    char text[64];
    size_t n = json_dumpb(value, text, sizeof(text), JSON_ENCODE_ANY | JSON_COMPACT);
    return n && n <= sizeof(text) && json_buffer_append(out, text, n);
}

static bool put_value(JsonBuffer *out, const json_t *value);

static bool put_object(JsonBuffer *out, const json_t *object)
{
    const char *key;
    json_t *member;
    bool first = true;
    if (!put_char(out, '{'))
        return false;
    json_object_foreach((json_t *)object, key, member) {
        if ((!first && !put_char(out, ',')) || !json_compact_append_string(out, key, strlen(key)) ||
            !put_char(out, ':') || !put_value(out, member))
            return false;
        first = false;
    }
    return put_char(out, '}');
}

static bool put_array(JsonBuffer *out, const json_t *array)
{
    if (!put_char(out, '['))
        return false;
    for (size_t i = 0; i < json_array_size(array); i++) {
        if ((i && !put_char(out, ',')) || !put_value(out, json_array_get(array, i)))
            return false;
    }
    return put_char(out, ']');
}

static bool put_value(JsonBuffer *out, const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT: return put_object(out, value);
    case JSON_ARRAY: return put_array(out, value);
    case JSON_STRING: return json_compact_append_string(out, json_string_value(value), json_string_length(value));
    case JSON_INTEGER: return json_compact_append_integer(out, json_integer_value(value));
    case JSON_REAL: return put_real(out, value);
    case JSON_TRUE: return json_buffer_append(out, "true", 4);
    case JSON_FALSE: return json_buffer_append(out, "false", 5);
    case JSON_NULL: return json_buffer_append(out, "null", 4);
    }
    return false;
}

bool json_compact_append_value(JsonBuffer *out, const json_t *value)
{
    size_t before = out->len;
    if (value && put_value(out, value))
        return true;
    out->len = before;
    return false;
}

bool json_compact_append_line(JsonBuffer *out, const json_t *value)
{
    size_t before = out->len;
    if (value && put_value(out, value) && put_char(out, '\n'))
        return true;
    out->len = before;
    return false;
}
