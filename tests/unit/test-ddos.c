/*
 * test-ddos.c - unit tests for src/ddos: the count-min sketch's bounds, the space-saving
 * summary's guarantee, source-spread estimates, the EWMA, packet classes and attack names,
 * the configuration (prefixes, HOME_NET, overrides, defaults), and the detector end to end on
 * synthetic packets: a flood starts and ends with the right victim and attack, a clean rate
 * stays silent, an adaptive baseline alarms at k x, and a carpet bombing of many more
 * destinations than max-victims keeps memory fixed and still finds the flood; the mitigation
 * runner passes the environment, kills a command at its timeout and never blocks a submit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "ddos/ddos-classify.h"
#include "ddos/ddos-config.h"
#include "ddos/ddos-mitigate.h"
#include "ddos/ddos-sketch.h"
#include "ddos/ddos.h"
#include "output/eve.h"

#define USEC 1000000ull
#define T0 (1700000000ull * USEC)

static Address addr(const char *text)
{
    Address a = {0};
    if (inet_pton(AF_INET, text, a.addr) == 1)
        a.family = AF_INET;
    else if (inet_pton(AF_INET6, text, a.addr) == 1)
        a.family = AF_INET6;
    return a;
}

/* ---- sketches ---------------------------------------------------------------------------- */

static bool cms_all_zero(const DdosCms *cms)
{
    for (size_t i = 0; i < (size_t)DDOS_CMS_DEPTH * cms->width; i++)
        if (cms->counters[i])
            return false;
    return true;
}

/* The clear zeroes only the lines used since the last one, or everything once too many
 * were: both must leave nothing behind, second after second. */
static void test_cms_clear_tracks_used_lines(void **state)
{
    (void)state;
    DdosCms cms;
    assert_int_equal(ddos_cms_init(&cms, 4096), 0);
    const uint32_t key_counts[] = {1, 7, 50, 200, 5000, 3};
    for (size_t round = 0; round < sizeof(key_counts) / sizeof(key_counts[0]); round++) {
        for (uint32_t k = 0; k < key_counts[round]; k++) {
            Address a = {.family = AF_INET};
            uint32_t key = k * 2654435761u + (uint32_t)round;
            memcpy(a.addr, &key, 4);
            ddos_cms_add(&cms, ddos_hash_address(&a, 9), 1 + k % 3);
        }
        assert_false(cms_all_zero(&cms));
        bool whole = cms.dirty_count > cms.dirty_cap;
        assert_true(whole == (key_counts[round] > cms.dirty_cap)); /* 5000 keys overflow */
        ddos_cms_clear(&cms);
        assert_true(cms_all_zero(&cms));
    }
    ddos_cms_free(&cms);
}

static void test_cms_bounds(void **state)
{
    (void)state;
    DdosCms cms;
    assert_int_equal(ddos_cms_init(&cms, 256), 0);
    assert_int_equal(cms.width, 256);
    /* 2000 light keys (5 each) and one heavy key (3000). */
    for (uint32_t k = 0; k < 2000; k++) {
        Address a = {.family = AF_INET};
        memcpy(a.addr, &k, 4);
        ddos_cms_add(&cms, ddos_hash_address(&a, 7), 5);
    }
    Address heavy = addr("10.0.0.50");
    uint64_t h = ddos_hash_address(&heavy, 7);
    for (int i = 0; i < 3000; i++)
        ddos_cms_add(&cms, h, 1);
    uint32_t est = ddos_cms_estimate(&cms, h);
    /* Never under; over by at most e*N/width = 2.72*13000/256 ~ 138 (with high probability). */
    assert_true(est >= 3000);
    assert_true(est <= 3000 + 140);
    for (uint32_t k = 0; k < 2000; k++) {
        Address a = {.family = AF_INET};
        memcpy(a.addr, &k, 4);
        assert_true(ddos_cms_estimate(&cms, ddos_hash_address(&a, 7)) >= 5);
    }
    ddos_cms_clear(&cms);
    assert_int_equal(ddos_cms_estimate(&cms, h), 0);
    ddos_cms_free(&cms);
}

static void test_topk_guarantee(void **state)
{
    (void)state;
    DdosTopK t;
    ddos_topk_clear(&t);
    /* Port 53 is 30% of 10000 packets, the rest spread over 7000 ports: anything above N/k
     * (1250) must be in the summary, with a count that does not undercount. */
    uint32_t rnd = 1;
    for (int i = 0; i < 10000; i++) {
        rnd = rnd * 1103515245u + 12345u;
        ddos_topk_add_port(&t, i % 10 < 3 ? 53 : (uint16_t)(1024 + (rnd >> 8) % 7000));
    }
    assert_int_equal(t.total, 10000);
    DdosTopKEntry e[DDOS_TOPK];
    uint32_t n = ddos_topk_sorted(&t, e, DDOS_TOPK);
    assert_int_equal(n, DDOS_TOPK);
    assert_int_equal(ddos_topk_port(&e[0]), 53);
    assert_true(e[0].count >= 3000);
    assert_true(e[0].count - e[0].error <= 3000);
    for (uint32_t i = 1; i < n; i++)
        assert_true(e[i - 1].count >= e[i].count);
    /* Addresses round-trip through the key. */
    ddos_topk_clear(&t);
    Address a = addr("2001:db8::7");
    ddos_topk_add_address(&t, &a);
    ddos_topk_add_address(&t, &a);
    Address back;
    ddos_topk_address(&t.e[0], &back);
    assert_memory_equal(&back, &a, sizeof(a));
    assert_int_equal(t.e[0].count, 2);
    assert_int_equal(t.used, 1);
}

static void test_spread(void **state)
{
    (void)state;
    DdosSpread s;
    bool sat;
    ddos_spread_clear(&s);
    assert_int_equal(ddos_spread_estimate(&s, &sat), 0);
    for (uint32_t k = 0; k < 500; k++) {
        Address a = {.family = AF_INET};
        memcpy(a.addr, &k, 4);
        /* repeats must not count */
        ddos_spread_add(&s, ddos_hash_address(&a, 3));
        ddos_spread_add(&s, ddos_hash_address(&a, 3));
    }
    uint32_t est = ddos_spread_estimate(&s, &sat);
    assert_false(sat);
    assert_true(est >= 450 && est <= 550);
    for (uint32_t k = 0; k < 100000; k++) {
        Address a = {.family = AF_INET};
        memcpy(a.addr, &k, 4);
        ddos_spread_add(&s, ddos_hash_address(&a, 3));
    }
    est = ddos_spread_estimate(&s, &sat);
    assert_true(sat);
    assert_true(est >= 7000);
}

static void test_ewma(void **state)
{
    (void)state;
    DdosEwma e = {0};
    ddos_ewma_update(&e, 100, 0.1);
    assert_true(e.value == 100); /* the first sample is the baseline */
    for (int i = 0; i < 200; i++)
        ddos_ewma_update(&e, 200, 0.1);
    assert_true(e.value > 199.9 && e.value <= 200);
    assert_int_equal(e.samples, 201);
    ddos_ewma_update(&e, 1200, 0.1); /* one spike moves it by alpha x the difference */
    assert_true(e.value > 299.9 && e.value < 300.1);
    ddos_ewma_decay(&e, 10, 0.1); /* ten silent seconds: x 0.9^10 */
    assert_true(e.value > 104 && e.value < 105);
    assert_int_equal(e.samples, 212);
}

/* ---- classes ----------------------------------------------------------------------------- */

static uint8_t l4[8];

static Packet packet(const char *src, const char *dst, uint8_t proto, uint16_t sp, uint16_t dp,
                     uint8_t flags)
{
    Packet p;
    memset(&p, 0, sizeof(p));
    p.src = addr(src);
    p.dst = addr(dst);
    p.ip_version = p.dst.family == AF_INET6 ? 6 : 4;
    p.proto = proto;
    p.sp = sp;
    p.dp = dp;
    p.tcp_flags = flags;
    p.l4_hdr = l4;
    p.ttl = 64;
    p.wire_len = 60;
    return p;
}

static void test_packet_classes(void **state)
{
    (void)state;
    struct {
        uint8_t proto, flags;
        uint16_t sp;
        DdosClass want;
    } cases[] = {
        {IPPROTO_TCP, TH_SYN, 1234, DDOS_SYN},
        {IPPROTO_TCP, TH_SYN | TH_ACK, 80, DDOS_ACK},
        {IPPROTO_TCP, TH_ACK, 80, DDOS_ACK},
        {IPPROTO_TCP, TH_RST | TH_ACK, 80, DDOS_RST},
        {IPPROTO_TCP, TH_FIN | TH_ACK, 80, DDOS_TCP_OTHER},
        {IPPROTO_TCP, 0, 80, DDOS_TCP_OTHER},
        {IPPROTO_UDP, 0, 5000, DDOS_UDP},
        {IPPROTO_UDP, 0, 53, DDOS_DNS},
        {IPPROTO_UDP, 0, 123, DDOS_NTP},
        {IPPROTO_UDP, 0, 11211, DDOS_MEMCACHED},
        {IPPROTO_UDP, 0, 1900, DDOS_SSDP},
        {IPPROTO_UDP, 0, 389, DDOS_CLDAP},
        {IPPROTO_UDP, 0, 19, DDOS_CHARGEN},
        {IPPROTO_UDP, 0, 161, DDOS_SNMP},
        {IPPROTO_ICMP, 0, 0, DDOS_ICMP},
        {IPPROTO_GRE, 0, 0, DDOS_IPV4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Packet p = packet("192.0.2.1", "10.0.0.1", cases[i].proto, cases[i].sp, 80,
                          cases[i].flags);
        assert_int_equal(ddos_packet_class(&p), cases[i].want);
    }
    Packet frag = packet("192.0.2.1", "10.0.0.1", IPPROTO_UDP, 53, 80, 0);
    frag.is_fragment = true;
    assert_int_equal(ddos_packet_class(&frag), DDOS_FRAGMENT);
    Packet v6 = packet("2001:db8::1", "2001:db8::2", IPPROTO_ICMPV6, 0, 0, 0);
    assert_int_equal(ddos_packet_class(&v6), DDOS_ICMP);
    Packet other6 = packet("2001:db8::1", "2001:db8::2", IPPROTO_ESP, 0, 0, 0);
    assert_int_equal(ddos_packet_class(&other6), DDOS_IPV6);
    assert_int_equal(ddos_class_from_name("memcached"), DDOS_MEMCACHED);
    assert_int_equal(ddos_class_from_name("nope"), -1);
    assert_string_equal(ddos_class_name(DDOS_TCP_OTHER), "tcp-other");
}

static void test_classify(void **state)
{
    (void)state;
    DdosSigns signs = {0};
    double r[DDOS_CLASS_COUNT] = {0};
    r[DDOS_SYN] = 9000, r[DDOS_ACK] = 500, r[DDOS_IPV4] = 9500;
    assert_string_equal(ddos_attack_name(ddos_classify(r, &signs)), "syn_flood");
    memset(r, 0, sizeof(r));
    r[DDOS_NTP] = 3000, r[DDOS_UDP] = 100, r[DDOS_IPV4] = 3100;
    assert_string_equal(ddos_attack_name(ddos_classify(r, &signs)), "ntp_amplification");
    /* UDP from one unlisted source port: a reflection all the same. */
    memset(r, 0, sizeof(r));
    r[DDOS_UDP] = 5000, r[DDOS_IPV6] = 5000;
    signs.src_port_share = 0.95, signs.top_src_port = 3702;
    assert_string_equal(ddos_attack_name(ddos_classify(r, &signs)), "udp_reflection");
    signs.src_port_share = 0.01;
    assert_string_equal(ddos_attack_name(ddos_classify(r, &signs)), "udp_flood");
    /* No class over 60%: multi-vector. */
    memset(r, 0, sizeof(r));
    r[DDOS_SYN] = 4000, r[DDOS_UDP] = 3000, r[DDOS_ICMP] = 3000, r[DDOS_IPV4] = 10000;
    assert_string_equal(ddos_attack_name(ddos_classify(r, &signs)), "multi_vector");
    /* Mostly GRE (no class of its own): named by the IP version. */
    memset(r, 0, sizeof(r));
    r[DDOS_UDP] = 100, r[DDOS_IPV6] = 9000;
    assert_string_equal(ddos_attack_name(ddos_classify(r, &signs)), "ipv6_flood");
    DdosSigns spoof = {.packets = 6000, .src_spread = 5000, .ttl_distinct = 150};
    assert_true(ddos_signs_spoofed(&spoof));
    spoof.packets = 60000; /* the same sources over and over: not forged per packet */
    assert_false(ddos_signs_spoofed(&spoof));
    spoof.packets = 6000;
    spoof.ttl_distinct = 3; /* many sources at few distances: a botnet, not forged */
    assert_false(ddos_signs_spoofed(&spoof));
}

/* ---- configuration ----------------------------------------------------------------------- */

static void test_prefixes(void **state)
{
    (void)state;
    Address net;
    uint8_t bits;
    assert_int_equal(ddos_parse_prefix("10.1.2.3/8", &net, &bits), 0);
    assert_int_equal(bits, 8);
    Address in = addr("10.200.0.1"), out = addr("11.0.0.1");
    assert_true(ddos_prefix_contains(&net, bits, &in));
    assert_false(ddos_prefix_contains(&net, bits, &out));
    assert_int_equal(ddos_parse_prefix("2001:db8::/33", &net, &bits), 0);
    Address in6 = addr("2001:db8:7fff::1"), out6 = addr("2001:db8:8000::1");
    assert_true(ddos_prefix_contains(&net, bits, &in6));
    assert_false(ddos_prefix_contains(&net, bits, &out6));
    assert_false(ddos_prefix_contains(&net, bits, &in)); /* other family */
    assert_int_equal(ddos_parse_prefix("192.0.2.1", &net, &bits), 0);
    assert_int_equal(bits, 32);
    assert_int_equal(ddos_parse_prefix("10.0.0.0/33", &net, &bits), -1);
    assert_int_equal(ddos_parse_prefix("10.0.0.0/", &net, &bits), -1);
    assert_int_equal(ddos_parse_prefix("host.example", &net, &bits), -1);
}

static void test_config(void **state)
{
    (void)state;
    char err[256];
    DdosConfig dflt, cfg;
    ddos_config_default(&dflt);
    ConfNode *conf = conf_new_default();
    /* The YAML defaults and the C defaults agree. */
    assert_int_equal(ddos_config_from_conf(conf, &cfg, err, sizeof(err)), 0);
    assert_true(cfg.enabled && dflt.enabled);
    assert_memory_equal(&cfg.thresholds, &dflt.thresholds, sizeof(dflt.thresholds));
    assert_int_equal(cfg.max_victims, dflt.max_victims);
    assert_int_equal(cfg.end_after_sec, dflt.end_after_sec);
    assert_true(cfg.adaptive_k == dflt.adaptive_k && cfg.adaptive_alpha == dflt.adaptive_alpha);
    /* HOME_NET's plain prefixes are protected; negations and variables are skipped. */
    assert_int_equal(cfg.protected_count, 3);
    Address a = addr("172.20.1.1"), b = addr("8.8.8.8");
    assert_non_null(ddos_config_protected(&cfg, &a));
    assert_null(ddos_config_protected(&cfg, &b));
    assert_int_equal(conf_set(conf, "vars.address-groups.HOME_NET=[10.0.0.0/8, !10.1.0.0/16, "
                                    "$DMZ, 2001:db8::/32]", err, sizeof(err)), 0);
    assert_int_equal(ddos_config_from_conf(conf, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.protected_count, 2);
    /* ddos.protected replaces HOME_NET; overrides change one class, most specific first. */
    assert_int_equal(conf_load_string(conf,
                                      "ddos:\n  enabled: yes\n  protected: [198.51.100.0/24]\n"
                                      "  thresholds: {syn: 777}\n  overrides:\n"
                                      "    - {prefix: 198.51.100.0/25, thresholds: {udp: 10}}\n"
                                      "    - {prefix: 198.51.100.7, thresholds: {udp: 5}}\n"
                                      "  mitigation: {on-start: [/bin/echo, hi]}\n",
                                      "t", err, sizeof(err)), 0);
    assert_int_equal(ddos_config_from_conf(conf, &cfg, err, sizeof(err)), 0);
    assert_true(cfg.enabled);
    assert_int_equal(cfg.protected_count, 1);
    Address v = addr("198.51.100.7"), w = addr("198.51.100.9"), x = addr("198.51.100.200");
    assert_int_equal(ddos_config_thresholds(&cfg, &v)->pps[DDOS_UDP], 5);
    assert_int_equal(ddos_config_thresholds(&cfg, &w)->pps[DDOS_UDP], 10);
    assert_int_equal(ddos_config_thresholds(&cfg, &x)->pps[DDOS_UDP], dflt.thresholds.pps[DDOS_UDP]);
    assert_int_equal(ddos_config_thresholds(&cfg, &w)->pps[DDOS_SYN], 777);
    assert_int_equal(cfg.on_start.argc, 2);
    assert_string_equal(cfg.on_start.argv[1], "hi");
    /* Errors name the key. */
    assert_int_equal(conf_set(conf, "ddos.thresholds.bogus=5", err, sizeof(err)), 0);
    assert_int_equal(ddos_config_from_conf(conf, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bogus"));
    conf_free(conf);
}

/* ---- the detector ------------------------------------------------------------------------ */

typedef struct Harness {
    char path[64];
    EveLog *log;
    DdosDetector *d;
    DdosConfig cfg;
    uint64_t now;
} Harness;

static void harness_open(Harness *h)
{
    snprintf(h->path, sizeof(h->path), "/tmp/bongsu-test-ddos-XXXXXX");
    int fd = mkstemp(h->path);
    assert_true(fd >= 0);
    close(fd);
    EveConfig ec;
    eve_config_default(&ec);
    ec.enabled = true;
    snprintf(ec.path, sizeof(ec.path), "%s", h->path);
    ec.types[EVE_DDOS] = ec.types[EVE_ALERT] = true;
    h->log = eve_log_open(&ec);
    assert_non_null(h->log);
    h->d = ddos_detector_new(&h->cfg, h->log, NULL);
    assert_non_null(h->d);
    h->now = T0;
}

static void harness_config(Harness *h)
{
    ddos_config_default(&h->cfg);
    h->cfg.enabled = true;
    assert_int_equal(ddos_parse_prefix("10.0.0.0/8", &h->cfg.protected[0].net,
                                       &h->cfg.protected[0].bits), 0);
    assert_int_equal(ddos_parse_prefix("2001:db8::/32", &h->cfg.protected[1].net,
                                       &h->cfg.protected[1].bits), 0);
    h->cfg.protected_count = 2;
    h->cfg.end_after_sec = 2;
    h->cfg.update_sec = 1;
}

/* n packets evenly over `seconds` of packet time, ticking every second as the engine does. */
static void feed(Harness *h, Packet *p, uint32_t n, double seconds)
{
    uint64_t step = (uint64_t)(seconds * USEC) / n, next_tick = (h->now / USEC + 1) * USEC;
    for (uint32_t i = 0; i < n; i++) {
        h->now += step;
        if (h->now >= next_tick) {
            ddos_detector_tick(h->d, h->now);
            next_tick += USEC;
        }
        p->ts_usec = h->now;
        p->ttl = (uint8_t)(40 + i % 200);
        p->sp = (uint16_t)(1024 + i * 7919 % 60000);
        memcpy(p->src.addr, &i, 4); /* spoofed: every packet another source */
        ddos_detector_packet(h->d, p);
    }
}

/* Closes the detector and log; returns the EVE text (caller frees). */
static char *harness_close(Harness *h)
{
    ddos_detector_free(h->d, h->now);
    eve_log_close(h->log);
    FILE *f = fopen(h->path, "r");
    assert_non_null(f);
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(h->path);
    return text;
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *s = text; (s = strstr(s, needle)) != NULL; s++)
        n++;
    return n;
}

static void test_detector_flood(void **state)
{
    (void)state;
    Harness h;
    harness_config(&h);
    h.cfg.thresholds.pps[DDOS_SYN] = 1000;
    harness_open(&h);
    Packet clean = packet("198.51.100.1", "10.0.0.9", IPPROTO_TCP, 1, 443, TH_SYN);
    feed(&h, &clean, 500, 2.0); /* 250 SYN/s: under the threshold */
    Packet outside = packet("198.51.100.1", "8.8.8.8", IPPROTO_TCP, 1, 443, TH_SYN);
    feed(&h, &outside, 10000, 2.0); /* 5000 SYN/s, but not to a protected address */
    Packet syn = packet("198.51.100.1", "10.0.0.50", IPPROTO_TCP, 1, 80, TH_SYN);
    uint64_t flood_start = h.now;
    feed(&h, &syn, 6000, 3.0); /* 2000 SYN/s */
    feed(&h, &clean, 1500, 6.0); /* quiet for the victim: the attack ends */
    char *eve = harness_close(&h);
    assert_int_equal(count(eve, "\"state\":\"start\""), 1);
    assert_int_equal(count(eve, "\"state\":\"end\""), 1);
    assert_true(count(eve, "\"state\":\"update\"") >= 2);
    assert_int_equal(count(eve, "\"victim\":\"10.0.0.9\""), 0);
    assert_int_equal(count(eve, "\"event_type\":\"alert\""), 1);
    assert_non_null(strstr(eve, "\"attack\":\"syn_flood\",\"victim\":\"10.0.0.50\""));
    assert_non_null(strstr(eve, "\"spoofed\":true"));
    assert_non_null(strstr(eve, "\"gid\":8"));
    /* Started within half a second of the flood (threshold/rate = 0.5 s). */
    const char *start = strstr(eve, "\"state\":\"start\"");
    const char *ts = strstr(start, "\"start\":\"2023-11-14T22:13:");
    assert_non_null(ts);
    double sec = atof(ts + strlen("\"start\":\"2023-11-14T22:13:"));
    double flood_sec = (double)(flood_start % (60 * USEC)) / USEC;
    assert_true(sec - flood_sec > 0 && sec - flood_sec <= 0.55);
    free(eve);
}

static void test_detector_adaptive(void **state)
{
    (void)state;
    Harness h;
    harness_config(&h);
    h.cfg.adaptive_warmup_sec = 5;
    h.cfg.adaptive_floor_pps = 100;
    h.cfg.adaptive_k = 4;
    harness_open(&h);
    Packet udp = packet("2001:db8:ffff::1", "2001:db8::80", IPPROTO_UDP, 5000, 9999, 0);
    feed(&h, &udp, 3000, 10.0); /* a 300/s baseline, far under the static 50000 */
    feed(&h, &udp, 1800, 1.0);  /* 1800/s: 6x the baseline */
    char *eve = harness_close(&h);
    assert_int_equal(count(eve, "\"state\":\"start\""), 1);
    assert_non_null(strstr(eve, "\"trigger\":\"adaptive\""));
    /* Addresses are written as Suricata writes IPv6, uncompressed. */
    assert_non_null(strstr(eve, "\"victim\":\"2001:0db8:0000:0000:0000:0000:0000:0080\""));
    assert_non_null(strstr(eve, "\"attack\":\"udp_flood\""));
    free(eve);

    /* The same steady rate without a spike never alarms. */
    harness_config(&h);
    h.cfg.adaptive_warmup_sec = 5;
    h.cfg.adaptive_floor_pps = 100;
    harness_open(&h);
    feed(&h, &udp, 6000, 20.0);
    eve = harness_close(&h);
    assert_int_equal(count(eve, "\"event_type\":\"ddos\""), 0);
    free(eve);
}

static void test_detector_carpet(void **state)
{
    (void)state;
    Harness h;
    harness_config(&h);
    h.cfg.max_victims = 16;
    h.cfg.admit_pps = 20;
    h.cfg.thresholds.pps[DDOS_ICMP] = 500;
    harness_open(&h);
    /* 200000 packets over 65536 destinations (3 each): more than max-victims, none hot. */
    Packet spray = packet("198.51.100.1", "10.0.0.0", IPPROTO_ICMP, 0, 0, 0);
    for (uint32_t i = 0; i < 200000; i++) {
        h.now += 5;
        spray.ts_usec = h.now;
        spray.dst.addr[2] = (uint8_t)(i >> 8);
        spray.dst.addr[3] = (uint8_t)i;
        ddos_detector_packet(h.d, &spray);
    }
    Packet icmp = packet("198.51.100.1", "10.9.9.9", IPPROTO_ICMP, 0, 0, 0);
    feed(&h, &icmp, 3000, 2.0);
    char *eve = harness_close(&h);
    assert_int_equal(count(eve, "\"state\":\"start\""), 1);
    assert_non_null(strstr(eve, "\"attack\":\"icmp_flood\",\"victim\":\"10.9.9.9\""));
    free(eve);
}

/* ---- mitigation runner ------------------------------------------------------------------- */

static DdosCommand command(const char *const *argv, uint32_t argc)
{
    DdosCommand cmd = {.argc = argc};
    for (uint32_t i = 0; i < argc; i++)
        snprintf(cmd.argv[i], DDOS_MAX_ARG_LEN, "%s", argv[i]);
    return cmd;
}

static void test_mitigation(void **state)
{
    (void)state;
    char out[64];
    snprintf(out, sizeof(out), "/tmp/bongsu-test-mitigate-%d", (int)getpid());
    char script[160];
    snprintf(script, sizeof(script), "echo \"$BONGSU_DDOS_VICTIM $BONGSU_DDOS_ATTACK\" > %s", out);
    const char *echo_argv[] = {"/bin/sh", "-c", script};
    const char *sleep_argv[] = {"/bin/sleep", "30"};
    DdosCommand echo = command(echo_argv, 3), sleeper = command(sleep_argv, 2);
    const char *env[] = {"BONGSU_DDOS_VICTIM=192.0.2.7", "BONGSU_DDOS_ATTACK=syn-flood"};

    /* The command sees the attack in its environment, and runs without a shell of ours. */
    DdosMitigator *m = ddos_mitigator_new(4, 5);
    assert_non_null(m);
    assert_true(ddos_mitigator_submit(m, &echo, env, 2));
    ddos_mitigator_free(m); /* runs what is queued first */
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char line[128] = "";
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    unlink(out);
    assert_string_equal(line, "192.0.2.7 syn-flood\n");

    /* A command past its timeout is killed; a full queue drops instead of waiting. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    m = ddos_mitigator_new(1, 1);
    assert_non_null(m);
    int accepted = 0;
    for (int i = 0; i < 3; i++)
        accepted += ddos_mitigator_submit(m, &sleeper, env, 2);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 1); /* submitting never blocks */
    assert_true(accepted >= 1 && accepted <= 2);
    ddos_mitigator_free(m);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 10); /* two 30 s sleeps, each killed after 1 s */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cms_bounds),
        cmocka_unit_test(test_cms_clear_tracks_used_lines),
        cmocka_unit_test(test_topk_guarantee),
        cmocka_unit_test(test_spread),
        cmocka_unit_test(test_ewma),
        cmocka_unit_test(test_packet_classes),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_detector_flood),
        cmocka_unit_test(test_detector_adaptive),
        cmocka_unit_test(test_detector_carpet),
        cmocka_unit_test(test_mitigation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
