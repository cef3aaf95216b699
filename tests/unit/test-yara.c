/*
 * test-yara.c - YARA rules and the scanner: loading sources, directories and compiled files;
 * a broken file reported at file:line while the others load; actors and families from the
 * rules' meta; files driven through the file layer into the scanner thread, with one alert per
 * matching rule, the fileinfo event carrying their sids, no alert on clean files, the size
 * and memory limits counted, and a reload handing a new rule set to the scanner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

#include "applayer/app-layer.h"
#include "build-info.h"
#include "file/file.h"
#include "yara/yara-cache.h"
#include "yara/yara-scan.h"
#include "yara-test-util.h"

static const char good_rules[] =
    "rule Test_Kimsuky_Marker\n"
    "{\n"
    "    meta:\n"
    "        actor = \"Emerald Sleet\"\n"
    "        malware_family = \"BabyShark\"\n"
    "    strings:\n"
    "        $a = \"KIMSUKY-MARKER-1234\"\n"
    "    condition:\n"
    "        $a\n"
    "}\n"
    "rule Test_Lazarus_Loader\n"
    "{\n"
    "    meta:\n"
    "        description = \"loader used by Lazarus Group\"\n"
    "    strings:\n"
    "        $a = \"LAZARUS-LOADER\"\n"
    "    condition:\n"
    "        $a and filename matches /\\.exe$/\n"
    "}\n";

/* Line 4 has a syntax error. */
static const char bad_rules[] = "rule Broken\n"
                                "{\n"
                                "    strings:\n"
                                "        $a = \"x\" bogus_modifier\n"
                                "    condition:\n"
                                "        $a\n"
                                "}\n";

static const char other_rules[] = "rule Test_Unattributed { strings: $a = \"PLAIN-MARKER\" "
                                  "condition: $a }\n";

typedef struct Reports {
    char text[4096];
    int errors;
} Reports;

static void collect(void *ud, const char *where, const char *message, bool error)
{
    Reports *r = ud;
    size_t n = strlen(r->text);
    snprintf(r->text + n, sizeof(r->text) - n, "%s: %s\n", where, message);
    r->errors += error;
}

static char tmpdir[64];

static int make_dir(void **state)
{
    (void)state;
    make_scratch_dir(tmpdir, sizeof(tmpdir), "bongsu-test-yara");
    char path[256];
    snprintf(path, sizeof(path), "%s/a-good.yar", tmpdir);
    write_file(path, good_rules);
    snprintf(path, sizeof(path), "%s/b-bad.yar", tmpdir);
    write_file(path, bad_rules);
    snprintf(path, sizeof(path), "%s/sub", tmpdir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/sub/c-other.yara", tmpdir);
    write_file(path, other_rules);
    snprintf(path, sizeof(path), "%s/sub/notes.txt", tmpdir);
    write_file(path, "not a rule file");
    return 0;
}

static IntelActors *actors(void)
{
    char err[256];
    IntelActors *kb = intel_actors_load(BONGSU_DATA_DIR "/actors.json", err, sizeof(err));
    assert_non_null(kb);
    return kb;
}

static const YaraRuleInfo *find_rule(const YaraRuleSet *set, const char *name)
{
    for (size_t p = 0; p < yara_rules_parts(set); p++) {
        YR_RULES *rules = yara_rules_part(set, p);
        const YR_RULE *rule;
        yr_rules_foreach(rules, rule)
        {
            const YaraRuleInfo *info = yara_rules_info(set, p, rule);
            if (info && strcmp(info->name, name) == 0)
                return info;
        }
    }
    return NULL;
}

static void test_directory_with_a_bad_file(void **state)
{
    (void)state;
    Reports r = {0};
    YaraLoadStats st;
    IntelActors *kb = actors();
    const char *paths[] = {tmpdir};
    YaraRuleSet *set = yara_rules_load(paths, 1, kb, &st, collect, &r);
    assert_non_null(set);
    assert_int_equal(st.files, 3);
    assert_int_equal(st.files_failed, 1);
    assert_int_equal(st.rules, 3);
    assert_int_equal(yara_rules_count(set), 3);
    char where[256];
    snprintf(where, sizeof(where), "%s/b-bad.yar:4: ", tmpdir);
    assert_non_null(strstr(r.text, where));
    assert_int_equal(r.errors, 1);

    const YaraRuleInfo *k = find_rule(set, "Test_Kimsuky_Marker");
    assert_non_null(k);
    assert_string_equal(intel_actor(kb, k->actor)->name, "Kimsuky");
    assert_string_equal(k->family, "BabyShark");
    const YaraRuleInfo *l = find_rule(set, "Test_Lazarus_Loader");
    assert_non_null(l);
    assert_string_equal(intel_actor(kb, l->actor)->name, "Lazarus Group");
    assert_null(l->family);
    assert_int_equal(find_rule(set, "Test_Unattributed")->actor, -1);
    assert_int_not_equal(k->sid, l->sid);
    yara_rules_free(set);
    intel_actors_free(kb);
}

static void test_nothing_loadable(void **state)
{
    (void)state;
    Reports r = {0};
    char path[256];
    snprintf(path, sizeof(path), "%s/b-bad.yar", tmpdir);
    const char *paths[] = {path, "/nonexistent/rules.yar"};
    YaraLoadStats st;
    assert_null(yara_rules_load(paths, 2, NULL, &st, collect, &r));
    assert_int_equal(st.files_failed, 2);
    assert_non_null(strstr(r.text, "/nonexistent/rules.yar: "));
}

/* yarac output loads beside sources, and its rules keep stable sids. */
static void test_compiled_file(void **state)
{
    (void)state;
    assert_int_equal(yara_library_init(), 0);
    YR_COMPILER *c;
    assert_int_equal(yr_compiler_create(&c), ERROR_SUCCESS);
    assert_int_equal(yr_compiler_add_string(c, other_rules, NULL), 0);
    YR_RULES *rules;
    assert_int_equal(yr_compiler_get_rules(c, &rules), ERROR_SUCCESS);
    char path[256];
    snprintf(path, sizeof(path), "%s/compiled.yarc", tmpdir);
    assert_int_equal(yr_rules_save(rules, path), ERROR_SUCCESS);
    yr_rules_destroy(rules);
    yr_compiler_destroy(c);

    char good[256];
    snprintf(good, sizeof(good), "%s/a-good.yar", tmpdir);
    const char *paths[] = {path, good};
    YaraLoadStats st;
    YaraRuleSet *set = yara_rules_load(paths, 2, NULL, &st, NULL, NULL);
    assert_non_null(set);
    assert_int_equal(st.files_failed, 0);
    /* the compiled file (every file), the sources for MZ files, the sources for the others:
     * the rules the gate cannot prove need a string, then those it can (yara-gate.h) */
    assert_int_equal(yara_rules_parts(set), 4);
    assert_true(yara_rules_part_applies(set, 0, true) && yara_rules_part_applies(set, 0, false));
    assert_true(yara_rules_part_applies(set, 1, true) && !yara_rules_part_applies(set, 1, false));
    assert_true(!yara_rules_part_applies(set, 2, true) && yara_rules_part_applies(set, 2, false));
    assert_true(!yara_rules_part_applies(set, 3, true) && yara_rules_part_applies(set, 3, false));
    assert_null(yara_rules_part_gate(set, 2));
    assert_non_null(yara_rules_part_gate(set, 3));
    assert_int_equal(yara_rules_count(set), 3);
    assert_non_null(find_rule(set, "Test_Unattributed"));
    yara_rules_free(set);
    const YaraLoadOptions off = {.prefilter = false};
    set = yara_rules_load_opts(paths, 2, NULL, &off, &st, NULL, NULL);
    assert_non_null(set);
    assert_int_equal(yara_rules_parts(set), 2);
    assert_int_equal(yara_rules_count(set), 3);
    yara_rules_free(set);
    unlink(path);
    yara_library_fini();
}

/* ---- scanning through the file layer ---- */

typedef struct Harness {
    char eve_path[64];
    EveLog *log;
    EveWriter w;
    CounterSet counters;
    AppLayerThread th;
    AppLayerFlow app;
    Flow flow;
    YaraRuleSet *rules;
    YaraScanner *scanner;
} Harness;

static void harness_open(Harness *h, const YaraScanConfig *cfg)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->eve_path, sizeof(h->eve_path), "/tmp/bongsu-test-yara-eve-XXXXXX");
    int fd = mkstemp(h->eve_path);
    assert_true(fd >= 0);
    close(fd);
    EveConfig ec;
    eve_config_default(&ec);
    ec.enabled = true;
    snprintf(ec.path, sizeof(ec.path), "%s", h->eve_path);
    ec.types[EVE_ALERT] = ec.types[EVE_FILES] = true;
    h->log = eve_log_open(&ec);
    assert_non_null(h->log);
    eve_writer_init(&h->w, h->log);
    counters_register("detect.alert");
    counter_set_init(&h->counters);
    h->th.counters = &h->counters;
    h->th.eve = &h->w;
    h->flow.key.proto = 6;
    h->flow.key.src.family = h->flow.key.dst.family = AF_INET;
    h->flow.key.src.addr[0] = 10;
    h->flow.key.dst.addr[0] = 192;
    h->flow.key.sp = 40000;
    h->flow.key.dp = 80;
    h->flow.flow_id = 77;
    h->app.proto = ALPROTO_HTTP;
    h->flow.app = &h->app;
    char path[256];
    snprintf(path, sizeof(path), "%s/a-good.yar", tmpdir);
    const char *paths[] = {path};
    h->rules = yara_rules_load(paths, 1, NULL, NULL, NULL, NULL);
    assert_non_null(h->rules);
    h->scanner = yara_scanner_new(&h->rules, cfg, h->log, NULL, NULL);
    assert_non_null(h->scanner);
}

/* A file as a parser hands it over: opened, appended in chunks, closed, logged. */
static json_t *http_object(const void *tx)
{
    (void)tx;
    return json_pack("{s:s}", "hostname", "example.test");
}

static void transfer(Harness *h, const char *name, const char *body, size_t len, size_t chunk)
{
    AppLayerCtx ctx = {.thread = &h->th, .flow = &h->flow, .now_usec = 1700000000000000ull};
    FileThread ft = {.counters = &h->counters, .ctx = &ctx};
    File *f = file_open(&ft, (const uint8_t *)name, (uint32_t)strlen(name), 0, false);
    assert_non_null(f);
    for (size_t off = 0; off < len; off += chunk)
        file_append(&ft, f, (const uint8_t *)body + off, (uint32_t)(len - off < chunk ? len - off : chunk));
    file_close(&ft, f, FILE_STATE_CLOSED);
    file_log(&ctx, f, "http", http_object, NULL);
    file_free(f);
}

/* Stops the scanner and returns the EVE lines (one string); the rules stay. */
static char *harness_finish_keep_rules(Harness *h, YaraScanStats *st)
{
    eve_writer_flush(&h->w);
    yara_scanner_stop(h->scanner);
    yara_scanner_stats(h->scanner, st);
    assert_int_equal(counter_get(yara_scanner_counters(h->scanner), counters_find("detect.alert")),
                     st->matches);
    yara_scanner_free(h->scanner);
    eve_writer_destroy(&h->w);
    eve_log_close(h->log);
    counter_set_free(&h->counters);
    FILE *f = fopen(h->eve_path, "r");
    assert_non_null(f);
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(h->eve_path);
    return text;
}

static char *harness_finish(Harness *h, YaraScanStats *st)
{
    char *text = harness_finish_keep_rules(h, st);
    yara_rules_free(h->rules);
    return text;
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Three scanner threads give the same events as one; the names are in fileinfo when asked. */
static void test_scan_alerts_and_fileinfo(void **state)
{
    (void)state;
    YaraScanConfig cfg;
    yara_scan_config_default(&cfg);
    cfg.threads = 3;
    cfg.fileinfo_rules = true;
    Harness h;
    harness_open(&h, &cfg);
    char body[3000];
    memset(body, 'x', sizeof(body));
    memcpy(body + 2000, "KIMSUKY-MARKER-1234", 19);  /* across the 1024-byte chunks */
    transfer(&h, "/a/doc.bin", body, sizeof(body), 1024);
    memcpy(body + 100, "LAZARUS-LOADER", 14);
    transfer(&h, "/b/setup.exe", body, sizeof(body), 512);   /* both rules */
    transfer(&h, "/c/setup.dll", "LAZARUS-LOADER", 14, 14);  /* filename condition fails */
    transfer(&h, "/d/clean.txt", "nothing to see", 14, 14);
    YaraScanStats st;
    char *eve = harness_finish(&h, &st);
    assert_int_equal(st.files_scanned, 4);
    assert_int_equal(st.files_matched, 2);
    assert_int_equal(st.matches, 3);
    assert_int_equal(st.truncated + st.memcap_hit + st.queue_full + st.unscanned, 0);
    assert_int_equal(count(eve, "\"event_type\":\"alert\""), 3);
    assert_int_equal(count(eve, "\"signature\":\"BONGSU YARA Test_Kimsuky_Marker\""), 2);
    assert_int_equal(count(eve, "\"signature\":\"BONGSU YARA Test_Lazarus_Loader\""), 1);
    assert_int_equal(count(eve, "\"gid\":10"), 3);
    assert_int_equal(count(eve, "\"yara_rule\":[\"Test_Kimsuky_Marker\"]"), 2);
    assert_int_equal(count(eve, "\"malware_family\":[\"BabyShark\"]"), 2);
    assert_int_equal(count(eve, "\"event_type\":\"fileinfo\""), 4);
    assert_int_equal(count(eve, "\"sid\":["), 2);
    assert_int_equal(count(eve, "\"yara_rules\":[\"Test_Kimsuky_Marker\"]"), 1);
    assert_int_equal(count(eve, "\"yara_rules\":[\"Test_Kimsuky_Marker\",\"Test_Lazarus_Loader\"]"), 1);
    assert_int_equal(count(eve, "\"hostname\":\"example.test\""), 7);
    assert_int_equal(count(eve, "\"flow_id\":77"), 7);
    free(eve);
}

/* Only the first max-file-size bytes are scanned; the memcap stops buffering; both counted. */
/* A cache hit answers every field of the result: the scanner thread adds the flags of each
 * result to its counters, and a flag left over from an earlier scan (or never set) is
 * counted wrongly (UBSan saw an uninitialised bool here with yara.threads=2). */
static void test_cache_hit_sets_every_flag(void **state)
{
    (void)state;
    YaraCache *c = yara_cache_new(16);
    assert_non_null(c);
    YaraCacheKey key = {.len = 3, .gen = 1, .name_part = ""};
    key.sha256[0] = 0xab;
    YaraMatch put = {.count = 0};
    yara_cache_put(c, &key, &put);
    YaraMatch got;
    memset(&got, 0xff, sizeof(got));
    assert_true(yara_cache_get(c, &key, &got));
    assert_int_equal(got.count, 0);
    /* Read the flags as bytes: a bool holding 0xff is undefined to read as a bool. */
    const bool *flags[] = {&got.timeout, &got.error, &got.gate_skipped};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        unsigned char raw;
        memcpy(&raw, flags[i], 1);
        assert_int_equal(raw, 0);
    }
    yara_cache_free(c);
}

static void test_limits(void **state)
{
    (void)state;
    YaraScanConfig cfg;
    yara_scan_config_default(&cfg);
    cfg.max_file_size = 1000;
    Harness h;
    harness_open(&h, &cfg);
    char body[3000];
    memset(body, 'x', sizeof(body));
    memcpy(body + 990, "KIMSUKY-MARKER-1234", 19);  /* straddles the limit */
    transfer(&h, "/a/big.bin", body, sizeof(body), 700);
    memcpy(body + 10, "KIMSUKY-MARKER-1234", 19);
    transfer(&h, "/b/big.bin", body, sizeof(body), 3000);
    YaraScanStats st;
    char *eve = harness_finish(&h, &st);
    assert_int_equal(st.truncated, 2);
    assert_int_equal(st.files_scanned, 2);
    /* the first file's 1,000 bytes hold no pattern of the gate: decided on the worker */
    assert_int_equal(st.worker_gated, 1);
    assert_int_equal(st.bytes_scanned, 1000);
    assert_int_equal(st.worker_gated_bytes, 1000);
    assert_int_equal(st.matches, 1);
    assert_int_equal(count(eve, "\"event_type\":\"alert\""), 1);
    assert_int_equal(count(eve, "\"event_type\":\"fileinfo\""), 2);
    free(eve);

    yara_scan_config_default(&cfg);
    cfg.memcap = 8192;
    harness_open(&h, &cfg);
    char big[20000];
    memset(big, 'y', sizeof(big));
    memcpy(big + 15000, "KIMSUKY-MARKER-1234", 19);  /* beyond what the memcap lets in */
    transfer(&h, "/c/huge.bin", big, sizeof(big), 1000);
    eve = harness_finish(&h, &st);
    assert_int_equal(st.memcap_hit, 1);
    assert_int_equal(st.files_scanned, 1);
    assert_true(st.bytes_scanned <= 8192);
    assert_int_equal(st.matches, 0);
    free(eve);
}

/* Past buffer-size a file is spooled and scanned whole from disk: a marker across the buffer's
 * end and one far beyond it match; a spool directory that cannot be written is counted and
 * the file scanned on its buffer. */
static void test_spooled(void **state)
{
    (void)state;
    YaraScanConfig cfg;
    yara_scan_config_default(&cfg);
    cfg.buffer_size = 1024;
    cfg.memcap = 4096;  /* the spooled file must not count against it */
    Harness h;
    harness_open(&h, &cfg);
    char big[50000];
    memset(big, 'z', sizeof(big));
    memcpy(big + 1015, "KIMSUKY-MARKER-1234", 19);
    transfer(&h, "/a/across.bin", big, sizeof(big), 700);
    memset(big, 'z', sizeof(big));
    memcpy(big + 45000, "KIMSUKY-MARKER-1234", 19);
    transfer(&h, "/b/far.bin", big, sizeof(big), 4000);
    transfer(&h, "/c/small.bin", "KIMSUKY-MARKER-1234", 19, 19);
    YaraScanStats st;
    char *eve = harness_finish(&h, &st);
    assert_int_equal(st.files_scanned, 3);
    assert_int_equal(st.spooled, 2);
    assert_int_equal(st.bytes_scanned, 2 * sizeof(big) + 19);
    assert_int_equal(st.matches, 3);
    assert_int_equal(st.memcap_hit + st.spool_errors + st.truncated, 0);
    free(eve);

    snprintf(cfg.spool_dir, sizeof(cfg.spool_dir), "/nonexistent-bongsu-spool");
    harness_open(&h, &cfg);
    transfer(&h, "/d/far.bin", big, sizeof(big), 4000);
    eve = harness_finish(&h, &st);
    assert_int_equal(st.spool_errors, 1);
    assert_int_equal(st.files_scanned, 1);
    assert_int_equal(st.matches, 0);
    free(eve);
}

/* The same bytes again are not scanned again, unless what the rules see of the name differs
 * (a rule here reads filename): /b/setup.exe reuses /a/setup.exe's result, /c/setup.dll is
 * scanned and matches one rule fewer. With cache-size 0 every file is scanned. */
static void test_cache(void **state)
{
    (void)state;
    static const char body[] = "KIMSUKY-MARKER-1234 LAZARUS-LOADER";
    for (int on = 1; on >= 0; on--) {
        YaraScanConfig cfg;
        yara_scan_config_default(&cfg);
        cfg.cache_size = on ? 16 : 0;
        Harness h;
        harness_open(&h, &cfg);
        transfer(&h, "/a/setup.exe", body, sizeof(body) - 1, 7);
        transfer(&h, "/b/setup.exe", body, sizeof(body) - 1, 7);
        transfer(&h, "/c/setup.dll", body, sizeof(body) - 1, 7);
        YaraScanStats st;
        char *eve = harness_finish(&h, &st);
        assert_int_equal(st.files_scanned, 3);
        assert_int_equal(st.cache_hits, on ? 1 : 0);
        assert_int_equal(st.cache_misses, on ? 2 : 0);
        assert_int_equal(st.bytes_scanned, (sizeof(body) - 1) * (on ? 2 : 3));
        assert_int_equal(st.matches, 5);
        assert_int_equal(count(eve, "\"signature\":\"BONGSU YARA Test_Lazarus_Loader\""), 2);
        free(eve);
    }
}

static YaraRuleSet *reload_other(void *ud)
{
    (void)ud;
    char path[256];
    snprintf(path, sizeof(path), "%s/sub", tmpdir);
    const char *paths[] = {path};
    return yara_rules_load(paths, 1, NULL, NULL, NULL, NULL);
}

/* SIGHUP: the set is rebuilt in the background, handed over through the queue, the old one
 * freed by the scanner (ASan checks it), and the caller's slot points to the new one. */
static void test_reload(void **state)
{
    (void)state;
    YaraScanConfig cfg;
    yara_scan_config_default(&cfg);
    Harness h;
    harness_open(&h, &cfg);
    assert_int_equal(yara_rules_count(h.rules), 2);
    yara_scanner_stop(h.scanner);
    yara_scanner_free(h.scanner);
    h.scanner = yara_scanner_new(&h.rules, &cfg, h.log, reload_other, NULL);
    transfer(&h, "/a/doc.bin", "KIMSUKY-MARKER-1234", 19, 19);
    yara_scanner_reload(h.scanner);
    YaraScanStats st;
    YaraRuleSet **slot = &h.rules;
    char *eve = harness_finish_keep_rules(&h, &st);
    assert_int_equal(st.reloads, 1);
    assert_int_equal(st.files_scanned, 1);
    assert_int_equal(yara_rules_count(*slot), 1);
    yara_rules_free(*slot);
    free(eve);
}

static int remove_dir(void **state)
{
    (void)state;
    return remove_scratch_dir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory_with_a_bad_file),
        cmocka_unit_test(test_nothing_loadable),
        cmocka_unit_test(test_compiled_file),
        cmocka_unit_test(test_scan_alerts_and_fileinfo),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_cache_hit_sets_every_flag),
        cmocka_unit_test(test_spooled),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_reload),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
