/*
 * test-detect-threshold.c - threshold.config: the line syntax and its errors, how entries
 * combine with a rule's own threshold (Suricata's precedence), suppress by address, list
 * and variable, rate_filter actions and their timeout, and the state table's memcap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect-address.h"
#include "detect/detect-threshold.h"
#include "detect-test-util.h"

/* A configuration whose threshold-file holds `entries` (and extra --set assignments). */
static ConfNode *conf_with(const char *entries, const char *extra, char *path)
{
    strcpy(path, "/tmp/test-threshold-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, entries, strlen(entries)), (ssize_t)strlen(entries));
    close(fd);
    ConfNode *conf = conf_new_default();
    char set[512], err[256];
    snprintf(set, sizeof(set), "threshold-file=%s", path);
    assert_int_equal(conf_set(conf, set, err, sizeof(err)), 0);
    if (extra)
        assert_int_equal(conf_set(conf, extra, err, sizeof(err)), 0);
    return conf;
}

#define MAX_SID 8

/* n packets from src to dst, one per `step` seconds from t0; hits[sid] counts each sid's
 * alerts (all rules see every packet, so their state advances together). */
static void run_packets(Harness *h, const char *src, const char *dst, int n, uint64_t t0,
                        uint64_t step, int hits[MAX_SID])
{
    memset(hits, 0, MAX_SID * sizeof(int));
    for (int i = 0; i < n; i++) {
        TestPacket t;
        make(&t, IPPROTO_TCP, "xyz", 3);
        inet_pton(AF_INET, src, t.p.src.addr);
        inet_pton(AF_INET, dst, t.p.dst.addr);
        t.p.ts_usec = (t0 + (uint64_t)i * step) * 1000000u;
        detect_packet(h->dt, &t.p, NULL);
        for (uint32_t a = 0; a < h->dt->alert_count; a++)
            if (h->dt->alerts[a]->sid < MAX_SID)
                hits[h->dt->alerts[a]->sid]++;
    }
}

static int count_alerts(Harness *h, uint32_t sid, const char *src, const char *dst, int n,
                        uint64_t t0, uint64_t step)
{
    int hits[MAX_SID];
    run_packets(h, src, dst, n, t0, step, hits);
    return hits[sid];
}

static void assert_line_rejected(const char *line, const char *why)
{
    ThresholdCtx ctx;
    uint32_t gid, sid;
    char err[256] = "";
    int rc = threshold_config_parse_line(line, NULL, &ctx, &gid, &sid, err, sizeof(err));
    addr_set_free(&ctx.addrs);
    if (rc != -1 || !strstr(err, why))
        fail_msg("\"%s\": rc %d, error \"%s\", expected \"%s\"", line, rc, err, why);
}

static void test_line_syntax(void **state)
{
    (void)state;
    ThresholdCtx ctx;
    uint32_t gid, sid;
    char err[256];
    assert_int_equal(threshold_config_parse_line("# comment", NULL, &ctx, &gid, &sid, err,
                                                 sizeof(err)), 1);
    assert_int_equal(threshold_config_parse_line(
                         "rate_filter gen_id 1, sig_id 7, track by_both, count 3, seconds 9, "
                         "new_action reject, timeout 30", NULL, &ctx, &gid, &sid, err,
                         sizeof(err)), 0);
    assert_int_equal(ctx.type, TH_RATE);
    assert_int_equal(ctx.track, TRACK_BOTH);
    assert_int_equal(ctx.new_action, SIG_ACTION_REJECT);
    assert_int_equal(ctx.timeout, 30);
    assert_int_equal(sid, 7);
    assert_int_equal(threshold_config_parse_line(
                         "event_filter gen_id 1, sig_id 0, type both, track by_dst, count 2, "
                         "seconds 5", NULL, &ctx, &gid, &sid, err, sizeof(err)), 0);
    assert_int_equal(ctx.type, TH_BOTH);
    assert_int_equal(threshold_config_parse_line(
                         "suppress gen_id 1, sig_id 2, track by_either, ip [10.0.0.0/8, "
                         "192.168.1.1]", NULL, &ctx, &gid, &sid, err, sizeof(err)), 0);
    assert_int_equal(ctx.track, TRACK_EITHER);
    addr_set_free(&ctx.addrs);
    assert_line_rejected("suppress gen_id 0, sig_id 5", "sig_id 5 with gen_id 0");
    assert_line_rejected("suppress gen_id 1, sig_id 5, track by_src", "needs gen_id, sig_id, "
                                                                      "track, ip");
    assert_line_rejected("suppress gen_id 1, sig_id 5, track by_rule, ip 1.2.3.4",
                         "by_rule is not allowed in suppress");
    assert_line_rejected("suppress gen_id 1, sig_id 5, track by_src, ip 1.2.3.400", "ip ");
    assert_line_rejected("threshold gen_id 1, sig_id 5, type limit, track by_either, count 1, "
                         "seconds 1", "by_either is not allowed");
    assert_line_rejected("threshold gen_id 1, sig_id 5, type limit, count 1, seconds 1",
                         "needs");
    assert_line_rejected("threshold gen_id 1, sig_id 5, type limit, track by_src, count 1, "
                         "seconds 1, timeout 3", "timeout is not allowed");
    assert_line_rejected("rate_filter gen_id 1, sig_id 5, track by_src, count 1, seconds 1, "
                         "new_action explode, timeout 1", "unknown new_action");
    assert_line_rejected("limit gen_id 1, sig_id 5", "unknown entry");
    assert_line_rejected("suppress gen_id 1, sig_id 5, sig_id 6", "sig_id given twice");
    assert_line_rejected("suppress gen_id 1, sig_id x5", "invalid sig_id");
}

/* Lines that fail are counted (file:line warnings), the others still apply. */
static void test_errors_counted(void **state)
{
    (void)state;
    char path[64];
    ConfNode *conf = conf_with("# header\n"
                               "suppress gen_id 1, sig_id 1\n"
                               "suppress gen_id 1,\\\n sig_id 2, track by_nobody, ip 1.1.1.1\n"
                               "bogus\n", NULL, path);
    char rules[] = "/tmp/test-threshold-rules-XXXXXX";
    int fd = mkstemp(rules);
    const char *text = "alert tcp any any -> any any (content:\"x\"; sid:1;)\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    const char *files[] = {rules};
    DetectLoadStats stats;
    DetectEngine *de = detect_engine_load(conf, files, 1, true, &stats);
    assert_non_null(de);
    assert_int_equal(stats.threshold_errors, 2);
    assert_true(de->sigs[0]->flags & SIG_FLAG_NOALERT);
    detect_engine_free(de);
    unlink(rules);
    unlink(path);
    conf_free(conf);
}

static const char *const precedence_rules =
    "alert tcp any any -> any any (content:\"x\"; sid:1;)\n"
    "alert tcp any any -> any any (content:\"x\"; threshold:type limit, track by_src, count 1, "
    "seconds 60; sid:2;)\n"
    "alert tcp any any -> any any (content:\"x\"; detection_filter:track by_src, count 4, "
    "seconds 60; sid:3;)\n"
    "alert tcp any any -> any any (content:\"x\"; sid:4;)\n"
    "alert tcp any any -> any any (content:\"x\"; gid:3; sid:5;)\n"
    "alert tcp any any -> any any (content:\"x\"; threshold:type limit, track by_src, count 1, "
    "seconds 60; sid:6;)\n";

/* A per-rule threshold replaces the rule's own; a rate_filter and global entries leave a rule
 * with its own threshold alone; gid-wide entries touch only that gid. */
static void test_precedence(void **state)
{
    (void)state;
    char path[64];
    ConfNode *conf = conf_with(
        "threshold gen_id 1, sig_id 1, type limit, track by_rule, count 3, seconds 1000\n"
        "threshold gen_id 1, sig_id 2, type limit, track by_src, count 5, seconds 60\n"
        "threshold gen_id 1, sig_id 0, type limit, track by_dst, count 2, seconds 60\n"
        "event_filter gen_id 3, sig_id 0, type threshold, track by_src, count 4, seconds 60\n"
        "rate_filter gen_id 1, sig_id 6, track by_src, count 1, seconds 60, new_action drop, "
        "timeout 5\n", NULL, path);
    Harness h = load_with(precedence_rules, conf);
    int hits[MAX_SID];
    run_packets(&h, "10.0.0.1", "10.0.0.2", 10, 100, 1, hits);
    assert_int_equal(hits[1], 3);
    assert_int_equal(hits[2], 5);
    /* sid 3 keeps its detection_filter (the global limit of 2 does not apply). */
    assert_int_equal(hits[3], 6);
    assert_int_equal(hits[4], 2);
    assert_int_equal(hits[5], 2);
    assert_int_equal(hits[6], 1);
    unload(&h);
    unlink(path);
    conf_free(conf);
}

static void test_suppress(void **state)
{
    (void)state;
    char path[64];
    ConfNode *conf = conf_with(
        "suppress gen_id 1, sig_id 1\n"
        "suppress gen_id 1, sig_id 2, track by_src, ip 10.1.0.0/16\n"
        "suppress gen_id 1, sig_id 3, track by_dst, ip [10.2.0.1, 10.3.0.0/24]\n"
        "suppress gen_id 1, sig_id 4, track by_either, ip $QUIET\n"
        "suppress gen_id 0, sig_id 0, track by_src, ip 172.16.0.9\n",
        "vars.address-groups.QUIET=10.4.0.0/16", path);
    Harness h = load_with("alert tcp any any -> any any (content:\"x\"; sid:1;)\n"
                          "alert tcp any any -> any any (content:\"x\"; sid:2;)\n"
                          "alert tcp any any -> any any (content:\"x\"; sid:3;)\n"
                          "alert tcp any any -> any any (content:\"x\"; threshold:type limit, "
                          "track by_rule, count 100, seconds 60; sid:4;)\n", conf);
    assert_int_equal(count_alerts(&h, 1, "10.9.0.1", "10.9.0.2", 2, 1, 1), 0);
    assert_int_equal(count_alerts(&h, 2, "10.1.2.3", "10.9.0.2", 2, 1, 1), 0);
    assert_int_equal(count_alerts(&h, 2, "10.9.0.1", "10.1.2.3", 2, 1, 1), 2);
    assert_int_equal(count_alerts(&h, 3, "10.9.0.1", "10.3.0.77", 2, 1, 1), 0);
    assert_int_equal(count_alerts(&h, 3, "10.9.0.1", "10.2.0.1", 2, 1, 1), 0);
    assert_int_equal(count_alerts(&h, 3, "10.9.0.1", "10.2.0.2", 2, 1, 1), 2);
    assert_int_equal(count_alerts(&h, 4, "10.4.1.1", "10.9.0.2", 2, 1, 1), 0);
    assert_int_equal(count_alerts(&h, 4, "10.9.0.1", "10.4.1.1", 2, 1, 1), 0);
    assert_int_equal(count_alerts(&h, 4, "10.9.0.1", "10.9.0.2", 2, 1, 1), 2);
    assert_int_equal(count_alerts(&h, 2, "172.16.0.9", "10.9.0.2", 2, 1, 1), 0);
    unload(&h);
    unlink(path);
    conf_free(conf);
}

/* Past count matches in the period the new action holds for timeout seconds, then the rule's
 * own action returns; every match still alerts. */
static void test_rate_filter(void **state)
{
    (void)state;
    char path[64];
    ConfNode *conf = conf_with("rate_filter gen_id 1, sig_id 1, track by_rule, count 2, "
                               "seconds 10, new_action reject, timeout 5\n", NULL, path);
    Harness h = load_with("alert tcp any any -> any any (content:\"x\"; sid:1;)\n", conf);
    const SigAction want[] = {SIG_ACTION_ALERT, SIG_ACTION_ALERT, SIG_ACTION_REJECT,
                              SIG_ACTION_REJECT, SIG_ACTION_REJECT};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(count_alerts(&h, 1, "10.0.0.1", "10.0.0.2", 1, 100 + (uint64_t)i, 0), 1);
        assert_int_equal(h.dt->alert_actions[0], want[i]);
    }
    /* 6 seconds after the action began: timed out, back to alert. */
    assert_int_equal(count_alerts(&h, 1, "10.0.0.1", "10.0.0.2", 1, 108, 0), 1);
    assert_int_equal(h.dt->alert_actions[0], SIG_ACTION_ALERT);
    unload(&h);
    unlink(path);
    conf_free(conf);
}

/* Tracking state past the memcap: counted, and the match does not alert (Suricata's host
 * table does the same when full); expired state makes room again. */
static void test_memcap(void **state)
{
    (void)state;
    char path[64];
    ConfNode *conf = conf_with("", "detect.thresholds.memcap=2kb", path);
    assert_int_equal(conf_set(conf, "detect.thresholds.hash-size=16", (char[64]){0}, 64), 0);
    Harness h = load_with("alert tcp any any -> any any (content:\"x\"; threshold:type limit, "
                          "track by_src, count 1, seconds 10; sid:1;)\n", conf);
    int hits = 0;
    char src[32];
    for (int i = 0; i < 200; i++) {
        snprintf(src, sizeof(src), "10.0.%d.%d", i / 250, i % 250 + 1);
        hits += count_alerts(&h, 1, src, "10.9.9.9", 1, 100, 0);
    }
    uint64_t drops = threshold_store_memcap_drops(h.de->thresholds);
    assert_true(drops > 0);
    assert_int_equal(hits + (int)drops, 200);
    /* Twenty seconds later every entry is stale: a new source gets a slot. */
    assert_int_equal(count_alerts(&h, 1, "10.7.7.7", "10.9.9.9", 1, 120, 0), 1);
    assert_int_equal(threshold_store_memcap_drops(h.de->thresholds), drops);
    unload(&h);
    unlink(path);
    conf_free(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_syntax),
        cmocka_unit_test(test_errors_counted),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_suppress),
        cmocka_unit_test(test_rate_filter),
        cmocka_unit_test(test_memcap),
    };
    return cmocka_run_group_tests(tests, detect_test_setup, NULL);
}
