/*
 * test-config-table.c - unit tests for conf_read_table (src/config/config-table.c): each kind
 * is read from "prefix" + leaf, absent keys keep the struct's defaults, and a value that does
 * not parse keeps the default and is reported with its full key, its value and the kind wanted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "config/config-table.h"

typedef struct Sample {
    bool flag;
    uint32_t count, small_size;
    uint64_t big_size;
    const char *name;
} Sample;

static const ConfField sample_fields[] = {
    {"flag", offsetof(Sample, flag), CONF_FIELD_BOOL},
    {"count", offsetof(Sample, count), CONF_FIELD_U32_INT},
    {"small-size", offsetof(Sample, small_size), CONF_FIELD_U32_SIZE},
    {"big-size", offsetof(Sample, big_size), CONF_FIELD_U64_SIZE},
    {"name", offsetof(Sample, name), CONF_FIELD_STRING},
};
#define NFIELDS (sizeof(sample_fields) / sizeof(sample_fields[0]))

static const Sample defaults = {false, 7, 100, 200, "dflt"};

static ConfNode *load(const char *yaml)
{
    ConfNode *root = conf_new_empty();
    char err[256];
    assert_int_equal(conf_load_string(root, yaml, "test.yaml", err, sizeof(err)), 0);
    return root;
}

static void reads_every_kind(void **state)
{
    (void)state;
    ConfNode *root = load("a:\n  b:\n    flag: yes\n    count: 42\n    small-size: 2kb\n"
                          "    big-size: 6gb\n    name: hello\n");
    Sample s = defaults;
    char err[128] = "";
    assert_int_equal(conf_read_table(root, "a.b.", sample_fields, NFIELDS, &s, err, sizeof(err)),
                     0);
    assert_true(s.flag);
    assert_int_equal(s.count, 42);
    assert_int_equal(s.small_size, 2048);
    assert_true(s.big_size == 6ull * 1024 * 1024 * 1024);
    assert_string_equal(s.name, "hello");
    assert_string_equal(err, "");
    conf_free(root);
}

static void absent_keys_keep_defaults(void **state)
{
    (void)state;
    ConfNode *root = load("a:\n  b:\n    count: 3\n");
    Sample s = defaults;
    assert_int_equal(conf_read_table(root, "a.b.", sample_fields, NFIELDS, &s, NULL, 0), 0);
    assert_int_equal(s.count, 3);
    assert_false(s.flag);
    assert_int_equal(s.small_size, 100);
    assert_true(s.big_size == 200);
    assert_string_equal(s.name, "dflt");
    /* No tree at all: everything stays. */
    Sample t = defaults;
    assert_int_equal(conf_read_table(NULL, "a.b.", sample_fields, NFIELDS, &t, NULL, 0), 0);
    assert_false(t.flag);
    assert_int_equal(t.count, 7);
    assert_string_equal(t.name, "dflt");
    conf_free(root);
}

static void bad_values_name_the_key(void **state)
{
    (void)state;
    ConfNode *root = load("a:\n  b:\n    flag: maybe\n    count: 5\n    small-size: lots\n");
    Sample s = defaults;
    char err[128] = "";
    assert_int_equal(conf_read_table(root, "a.b.", sample_fields, NFIELDS, &s, err, sizeof(err)),
                     2);
    assert_string_equal(err, "a.b.flag: 'maybe' is not a boolean");
    assert_false(s.flag);
    assert_int_equal(s.small_size, 100);
    assert_int_equal(s.count, 5); /* good values beside bad ones are still read */
    conf_free(root);

    root = load("x:\n  big-size: 12zz\n");
    assert_int_equal(conf_read_table(root, "x.", sample_fields, NFIELDS, &s, err, sizeof(err)), 1);
    assert_string_equal(err, "x.big-size: '12zz' is not a size");
    assert_true(s.big_size == 200);
    conf_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_every_kind),
        cmocka_unit_test(absent_keys_keep_defaults),
        cmocka_unit_test(bad_values_name_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
