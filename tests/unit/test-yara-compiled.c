/*
 * test-yara-compiled.c - compiled rule sets kept between runs (yara.compiled-dir): the first
 * load compiles and keeps them, the second loads them and is the same set (same rules, parts,
 * sids and actors, the same matches on MZ and non-MZ files, the compile messages reported
 * again); a changed source is compiled anew; entries unused for two weeks are removed when
 * one is kept, a used one is not; a directory others can write is not used; a source with an
 * include directive is never kept; the key follows the paths, the texts and the options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build-info.h"
#include "yara/yara-compiled.h"
#include "yara/yara-match.h"
#include "yara/yara-rules.h"
#include "yara-test-util.h"

static const char rules_a[] =
    "import \"pe\"\n"
    "rule Kept_Marker { meta: actor = \"Lazarus Group\" strings: $a = \"KEPT-MARKER-77\" "
    "condition: $a }\n"
    "rule Kept_Pe { strings: $a = \"PE-ONLY-MARK\" condition: uint16(0) == 0x5a4d and $a }\n"
    "rule Kept_Pe_Module { condition: pe.is_pe and filesize < 10 }\n";
/* The regex makes libyara warn that it slows scanning: a message to report again. */
static const char rules_b[] = "rule Kept_Slow { strings: $s = \"ab\" $r = /a.{3}b/ "
                              "condition: #s > 3 or $r }\n";

static char tmpdir[64], kept[128], path_a[128], path_b[128];

typedef struct Reports {
    char text[2048];
} Reports;

static void collect(void *ud, const char *where, const char *message, bool error)
{
    (void)error;
    Reports *r = ud;
    size_t n = strlen(r->text);
    snprintf(r->text + n, sizeof(r->text) - n, "%s: %s\n", where, message);
}

static int setup(void **state)
{
    (void)state;
    make_scratch_dir(tmpdir, sizeof(tmpdir), "bongsu-test-yara-kept");
    snprintf(kept, sizeof(kept), "%s/cache/yara", tmpdir);
    snprintf(path_a, sizeof(path_a), "%s/a.yar", tmpdir);
    snprintf(path_b, sizeof(path_b), "%s/b.yar", tmpdir);
    write_file(path_a, rules_a);
    write_file(path_b, rules_b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return remove_scratch_dir(tmpdir);
}

static YaraRuleSet *load(const char *dir, YaraLoadStats *st, Reports *r)
{
    const char *paths[] = {path_a, path_b};
    const YaraLoadOptions opts = {.prefilter = true, .compiled_dir = dir};
    memset(r, 0, sizeof(*r));
    YaraRuleSet *set = yara_rules_load_opts(paths, 2, NULL, &opts, st, collect, r);
    assert_non_null(set);
    return set;
}

/* What a scan of data finds, as "name/sid/actor;" in match order. */
static void scan(const YaraRuleSet *set, const char *data, size_t len, char *out, size_t size)
{
    YaraMatcher *m = yara_matcher_new(set, 10);
    assert_non_null(m);
    YaraMatch r;
    yara_matcher_scan(m, (const uint8_t *)data, len, -1, "x.bin", &r);
    out[0] = '\0';
    for (size_t i = 0; i < r.count; i++) {
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s/%u/%d;", r.hits[i]->name, r.hits[i]->sid,
                 r.hits[i]->actor);
    }
    yara_matcher_free(m);
}

static int entries(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "exit $(ls %s 2>/dev/null | wc -l)", dir);
    return WEXITSTATUS(system(cmd));
}

static void assert_same_scans(const YaraRuleSet *x, const YaraRuleSet *y)
{
    static const char *const inputs[] = {"text KEPT-MARKER-77 ab ab ab ab", "MZ PE-ONLY-MARK",
                                         "MZ", "nothing here"};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        char a[512], b[512];
        scan(x, inputs[i], strlen(inputs[i]), a, sizeof(a));
        scan(y, inputs[i], strlen(inputs[i]), b, sizeof(b));
        assert_string_equal(a, b);
    }
    char a[512];
    scan(x, inputs[0], strlen(inputs[0]), a, sizeof(a));
    assert_non_null(strstr(a, "Kept_Marker/") && strstr(a, "Kept_Slow/"));
    scan(x, inputs[1], strlen(inputs[1]), a, sizeof(a));
    assert_non_null(strstr(a, "Kept_Pe/"));
}

static void test_kept_and_loaded_again(void **state)
{
    (void)state;
    YaraLoadStats st1, st2;
    Reports r1, r2;
    YaraRuleSet *compiled = load(kept, &st1, &r1);
    assert_false(st1.kept);
    assert_int_equal(entries(kept), 3);  /* full set, non-MZ set, counts and messages */
    YaraRuleSet *again = load(kept, &st2, &r2);
    assert_true(st2.kept);
    assert_int_equal(st2.rules, st1.rules);
    assert_int_equal(st2.mz_only, st1.mz_only);
    assert_int_equal(st2.trimmed, st1.trimmed);
    assert_int_equal(yara_rules_parts(again), yara_rules_parts(compiled));
    for (size_t p = 0; p < yara_rules_parts(again); p++) {
        assert_int_equal(yara_rules_part_applies(again, p, true),
                         yara_rules_part_applies(compiled, p, true));
        assert_int_equal(yara_rules_part_applies(again, p, false),
                         yara_rules_part_applies(compiled, p, false));
    }
    assert_non_null(strstr(r1.text, "slow down scanning"));
    assert_string_equal(r2.text, r1.text);
    assert_same_scans(compiled, again);
    yara_rules_free(compiled);
    yara_rules_free(again);
}

static void test_changed_source_compiled_anew(void **state)
{
    (void)state;
    YaraLoadStats st;
    Reports r;
    yara_rules_free(load(kept, &st, &r));
    write_file(path_b, "rule Kept_Other { strings: $s = \"OTHER-77\" condition: $s }\n");
    YaraRuleSet *set = load(kept, &st, &r);
    assert_false(st.kept);
    char out[256];
    scan(set, "OTHER-77", 8, out, sizeof(out));
    assert_non_null(strstr(out, "Kept_Other/"));
    yara_rules_free(set);
    write_file(path_b, rules_b);
}

static void test_unsafe_dir_and_include_not_used(void **state)
{
    (void)state;
    YaraLoadStats st;
    Reports r;
    char open_dir[160];
    snprintf(open_dir, sizeof(open_dir), "%s/open", tmpdir);
    mkdir(open_dir, 0700);
    chmod(open_dir, 0777);
    yara_rules_free(load(open_dir, &st, &r));
    yara_rules_free(load(open_dir, &st, &r));
    assert_false(st.kept);
    assert_int_equal(entries(open_dir), 0);

    char inc_dir[160];
    snprintf(inc_dir, sizeof(inc_dir), "%s/inc", tmpdir);
    char text[512];
    snprintf(text, sizeof(text), "include \"%s\"\nrule Kept_Inc { condition: false }\n", path_b);
    write_file(path_a, text);
    write_file(path_b, "rule Kept_Included { condition: true }\n");
    snprintf(path_b, sizeof(path_b), "%s/b-other.yar", tmpdir);
    write_file(path_b, "rule Kept_B2 { condition: false }\n");
    yara_rules_free(load(inc_dir, &st, &r));
    assert_false(st.kept);
    assert_int_equal(entries(inc_dir), 0);
}

/* Sets the time of every file in dir to days ago. */
static void age_all(const char *dir, int days)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "touch -d '%d days ago' %s/*", days, dir);
    assert_int_equal(system(cmd), 0);
}

static void test_unused_entries_pruned(void **state)
{
    (void)state;
    char dir[160], old[300];
    YaraLoadStats st;
    Reports r;
    snprintf(dir, sizeof(dir), "%s/prune", tmpdir);
    yara_rules_free(load(dir, &st, &r));                 /* entry A */
    static const char *const old_files[] = {"full.yarc", "nonmz.yarc", "txt", "txt.tmp77"};
    for (size_t i = 0; i < 4; i++) {                      /* entry B, never used again */
        snprintf(old, sizeof(old), "%s/%064d.%s", dir, 0, old_files[i]);
        write_file(old, "x");
    }
    age_all(dir, 30);
    yara_rules_free(load(dir, &st, &r));                 /* a hit on A refreshes it */
    assert_true(st.kept);
    write_file(path_b, "rule Kept_Prune { condition: false }\n");
    yara_rules_free(load(dir, &st, &r));                 /* entry C kept: old ones pruned */
    assert_false(st.kept);
    assert_int_equal(entries(dir), 6);                   /* A and C; B gone */
    snprintf(old, sizeof(old), "%s/%064d.txt", dir, 0);
    assert_int_not_equal(access(old, F_OK), 0);
    write_file(path_b, rules_b);
    yara_rules_free(load(dir, &st, &r));
    assert_true(st.kept);                                /* A survived, loads */
}

/* The key: found (the test binary has a build id, as bongsu does), the same for the same
 * inputs, different when the options, a path or a text differ. */
static void test_key_follows_inputs_and_options(void **state)
{
    (void)state;
    char *paths[] = {path_a, path_b}, *texts[] = {(char *)rules_a, (char *)rules_b};
    char *other_text[] = {(char *)rules_a, (char *)"rule X { condition: true }\n"};
    char *other_path[] = {path_b, path_a};
    YaraCompiledKey k1, k2, k;
    assert_true(yara_compiled_key(paths, texts, 2, "prefilter gate", &k1));
    assert_true(yara_compiled_key(paths, texts, 2, "prefilter gate", &k2));
    assert_string_equal(k1.hex, k2.hex);
    assert_int_equal(strlen(k1.hex), 64);
    assert_true(yara_compiled_key(paths, texts, 2, "prefilter", &k));
    assert_string_not_equal(k.hex, k1.hex);
    assert_true(yara_compiled_key(paths, other_text, 2, "prefilter gate", &k));
    assert_string_not_equal(k.hex, k1.hex);
    assert_true(yara_compiled_key(other_path, texts, 2, "prefilter gate", &k));
    assert_string_not_equal(k.hex, k1.hex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_and_loaded_again),
        cmocka_unit_test(test_changed_source_compiled_anew),
        cmocka_unit_test(test_unused_entries_pruned),
        cmocka_unit_test(test_unsafe_dir_and_include_not_used),
        cmocka_unit_test(test_key_follows_inputs_and_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
