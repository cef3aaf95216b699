/*
 * test-json-compact.c - json_compact_append_line() against jansson's own json_dumpb.
 *
 * The EVE writer's serialiser must write exactly what jansson's JSON_COMPACT dump writes, so
 * the test builds random trees (nested objects and arrays; strings of random bytes, of
 * control characters and of valid and invalid UTF-8; integers at the extremes; reals) and
 * compares the two byte for byte, including refusing the same invalid strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/json-compact.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

/* Strings are drawn from pieces that exercise every branch of the escaper. */
static json_t *random_string(void)
{
    static const char *const pieces[] = {
        "plain", "\"", "\\", "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f", "\x7f", "/",
        "\xc3\xa9",         /* é */
        "\xe2\x82\xac",     /* € */
        "\xf0\x9f\x94\xa5", /* U+1F525 */
        "\xc0\xaf",         /* overlong: invalid */
        "\xed\xa0\x80",     /* surrogate: invalid */
        "\xff",             /* invalid lead byte */
        "\xe2\x82",         /* truncated: invalid */
    };
    char text[256];
    size_t len = 0;
    unsigned count = rng() % 6;
    for (unsigned i = 0; i < count; i++) {
        const char *piece = pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
        size_t n = strlen(piece);
        memcpy(text + len, piece, n);
        len += n;
    }
    if (rng() % 8 == 0) /* an embedded NUL byte */
        text[len++] = '\0';
    return json_stringn_nocheck(text, len);
}

static json_t *random_value(int depth)
{
    static const json_int_t edges[] = {0, 1, -1, 9, 10, 99, INT64_MAX, INT64_MIN, 1000000007};
    switch (depth > 3 ? rng() % 6 : rng() % 8) {
    case 0: return random_string();
    case 1: return json_integer(edges[rng() % (sizeof(edges) / sizeof(edges[0]))]);
    case 2: return json_integer((json_int_t)rng() - (json_int_t)rng() * 7919);
    case 3: return json_real((double)(int32_t)rng() / 1024.0);
    case 4: return rng() % 2 ? json_true() : json_false();
    case 5: return json_null();
    case 6: {
        json_t *array = json_array();
        for (unsigned i = rng() % 5; i > 0; i--)
            json_array_append_new(array, random_value(depth + 1));
        return array;
    }
    default: {
        json_t *object = json_object();
        for (unsigned i = rng() % 6; i > 0; i--) {
            char key[16];
            snprintf(key, sizeof(key), i % 3 ? "k%u" : "k\"%u\t", rng() % 100);
            json_object_set_new(object, key, random_value(depth + 1));
        }
        return object;
    }
    }
}

static void assert_same_as_jansson(json_t *value)
{
    char expected[65536];
    size_t expected_len = json_dumpb(value, expected, sizeof(expected), JSON_COMPACT);
    assert_true(expected_len < sizeof(expected));
    JsonBuffer out = {0};
    json_t *prefix = json_string("prefix");
    assert_true(json_compact_append_line(&out, prefix));
    json_decref(prefix);
    size_t before = out.len;
    bool ok = json_compact_append_line(&out, value);
    if (expected_len == 0) {
        assert_false(ok);
        assert_int_equal(out.len, before); /* nothing half-written */
    } else {
        assert_true(ok);
        assert_int_equal(out.len - before, expected_len + 1);
        assert_memory_equal(out.data + before, expected, expected_len);
        assert_int_equal(out.data[out.len - 1], '\n');
    }
    free(out.data);
}

static void test_random_trees_match_jansson(void **state)
{
    (void)state;
    unsigned refused = 0;
    for (int i = 0; i < 20000; i++) {
        json_t *root = json_object();
        json_object_set_new(root, "timestamp", json_string("2023-11-14T22:13:20.000001+0000"));
        json_object_set_new(root, "event", random_value(0));
        char probe[65536];
        refused += json_dumpb(root, probe, sizeof(probe), JSON_COMPACT) == 0;
        assert_same_as_jansson(root);
        json_decref(root);
    }
    /* The generator must reach both outcomes, or the comparison proves less than it says. */
    assert_true(refused > 100);
    assert_true(refused < 19000);
}

static void test_escapes_are_jansson_s(void **state)
{
    (void)state;
    json_t *value = json_pack("{s:s, s:I, s:I}", "s", "a\"b\\c\n\x01\x1f/\x7f\xc3\xa9", "min",
                              (json_int_t)INT64_MIN, "max", (json_int_t)INT64_MAX);
    JsonBuffer out = {0};
    assert_true(json_compact_append_line(&out, value));
    const char *want = "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u001F/\x7f\xc3\xa9\","
                       "\"min\":-9223372036854775808,\"max\":9223372036854775807}\n";
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    free(out.data);
    json_decref(value);
}

/* Every byte value at every position of a string longer than two words, so each lane of the
 * word-at-a-time scan and the byte-wise tail see each character class. */
static void test_every_byte_at_every_position(void **state)
{
    (void)state;
    for (unsigned byte = 0; byte < 256; byte++) {
        for (size_t pos = 0; pos < 19; pos++) {
            char text[19];
            memset(text, 'a', sizeof(text));
            text[pos] = (char)byte;
            json_t *value = json_pack("{s:o}", "s", json_stringn_nocheck(text, sizeof(text)));
            assert_same_as_jansson(value);
            json_decref(value);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_trees_match_jansson),
        cmocka_unit_test(test_escapes_are_jansson_s),
        cmocka_unit_test(test_every_byte_at_every_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
