/*
 * test-json-builder.c - JsonBuilder's text mode against its tree mode.
 *
 * The EVE flow record is written as text while other events build jansson trees from the same
 * header code, so the two modes must agree byte for byte: the same random sequence of calls
 * (nested objects and arrays, strings with escapes and invalid UTF-8, extreme integers,
 * booleans, jansson subtrees) is replayed in both modes and the text line is compared with
 * jansson's own compact dump of the tree. Also checked: a line that cannot be finished (too
 * deep) leaves the buffer as it was, and lines append after what the buffer already holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/json-builder.h"

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

static const char *random_string(void)
{
    static const char *const strings[] = {
        "plain",         "with \"quote\"", "back\\slash", "tab\there", "\x01\x1f",
        "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\xa5", "",
        "\xc0\xaf",     /* overlong: invalid, the field is dropped */
        "bad \xff tail" /* invalid */
    };
    return strings[rng() % (sizeof(strings) / sizeof(strings[0]))];
}

static json_int_t random_int(void)
{
    static const json_int_t ints[] = {0, 1, -1, 42, INT64_MAX, INT64_MIN, 1000000007};
    return ints[rng() % (sizeof(ints) / sizeof(ints[0]))];
}

static json_t *random_subtree(void)
{
    json_t *obj = json_pack("{s:s, s:[i, i], s:{s:b}}", "a", "x\ny", "b", 1, -2, "c", "d", 1);
    return rng() % 2 ? obj : (json_decref(obj), json_string("leaf"));
}

/* One random member per call; keys are unique within the builder so text mode never needs
 * to replace a field. */
static void random_ops(JsonBuilder *jb, int depth, int *key_serial, bool in_array)
{
    int members = (int)(rng() % 6);
    for (int i = 0; i < members; i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%d", (*key_serial)++);
        const char *k = in_array ? NULL : key;
        switch (rng() % 7) {
        case 0: jb_set_string(jb, k, random_string()); break;
        case 1: jb_set_int(jb, k, random_int()); break;
        case 2: jb_set_bool(jb, k, rng() % 2); break;
        case 3: jb_set_json(jb, k, random_subtree()); break;
        case 4:
        case 5:
            if (depth < 5) {
                bool array = rng() % 2;
                if (array)
                    jb_open_array(jb, k);
                else
                    jb_open_object(jb, k);
                random_ops(jb, depth + 1, key_serial, array);
                jb_close(jb);
            }
            break;
        default: jb_set_string(jb, k, "x"); break;
        }
    }
}

static void test_text_matches_tree(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 2000; seed++) {
        json_t *tree = json_object();
        JsonBuilder jb;
        int serial = 0;
        rng_state = seed * 0x9E3779B97F4A7C15u;
        jb_begin_tree(&jb, tree);
        random_ops(&jb, 1, &serial, false);

        JsonBuffer out = {0};
        serial = 0;
        rng_state = seed * 0x9E3779B97F4A7C15u;
        jb_begin_text(&jb, &out);
        random_ops(&jb, 1, &serial, false);
        assert_true(jb_end_line(&jb));

        char *expected = json_dumps(tree, JSON_COMPACT | JSON_PRESERVE_ORDER);
        assert_non_null(expected);
        assert_int_equal(out.len, strlen(expected) + 1);
        assert_memory_equal(out.data, expected, strlen(expected));
        assert_int_equal(out.data[out.len - 1], '\n');
        free(expected);
        free(out.data);
        json_decref(tree);
    }
}

static void test_invalid_utf8_drops_only_that_field(void **state)
{
    (void)state;
    JsonBuffer out = {0};
    JsonBuilder jb;
    jb_begin_text(&jb, &out);
    jb_set_string(&jb, "bad", "\xff");
    jb_set_int(&jb, "n", 7);
    jb_set_string(&jb, "also_bad", "\xc0\xaf");
    jb_open_array(&jb, "list");
    jb_set_string(&jb, NULL, "\xff");
    jb_set_string(&jb, NULL, "ok");
    jb_close(&jb);
    assert_true(jb_end_line(&jb));
    assert_int_equal(out.len, strlen("{\"n\":7,\"list\":[\"ok\"]}\n"));
    assert_memory_equal(out.data, "{\"n\":7,\"list\":[\"ok\"]}\n", out.len);
    free(out.data);
}

static void test_failed_line_leaves_buffer_unchanged(void **state)
{
    (void)state;
    JsonBuffer out = {0};
    JsonBuilder jb;
    jb_begin_text(&jb, &out);
    jb_set_int(&jb, "first", 1);
    assert_true(jb_end_line(&jb));
    size_t first_len = out.len;

    jb_begin_text(&jb, &out);
    for (int i = 0; i < JSON_BUILDER_MAX_DEPTH + 1; i++)
        jb_open_object(&jb, "deeper");
    jb_set_json(&jb, "leaked?", json_string("no: released even after a failure"));
    assert_false(jb_end_line(&jb));
    assert_int_equal(out.len, first_len);

    jb_begin_text(&jb, &out);
    jb_set_bool(&jb, "second", false);
    assert_true(jb_end_line(&jb));
    const char *expected = "{\"first\":1}\n{\"second\":false}\n";
    assert_int_equal(out.len, strlen(expected));
    assert_memory_equal(out.data, expected, out.len);
    free(out.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_matches_tree),
        cmocka_unit_test(test_invalid_utf8_drops_only_that_field),
        cmocka_unit_test(test_failed_line_leaves_buffer_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
