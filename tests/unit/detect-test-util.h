/*
 * detect-test-util.h - a rule engine loaded from text, one detect thread, and hand-built
 * TCP/UDP packets, for the detect unit tests (include once per test program).
 */
#ifndef BONGSU_DETECT_TEST_UTIL_H
#define BONGSU_DETECT_TEST_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "detect/detect-engine.h"
#include "detect/detect-parse.h"

static CounterSet counters;

/* A fake HTTP transaction: the buffers the tests' getters hand out. */
typedef struct FakeTx {
    const char *uri, *header, *response;
} FakeTx;

static inline bool get_uri(void *state, void *tx, bool to_server, const uint8_t **data, uint32_t *len)
{
    (void)state;
    (void)to_server;
    const FakeTx *t = tx;
    if (!t->uri)
        return false;
    *data = (const uint8_t *)t->uri;
    *len = (uint32_t)strlen(t->uri);
    return true;
}

static inline bool get_header(void *state, void *tx, bool to_server, const uint8_t **data,
                       uint32_t *len)
{
    (void)state;
    const FakeTx *t = tx;
    const char *v = to_server ? t->header : t->response;
    if (!v)
        return false;
    *data = (const uint8_t *)v;
    *len = (uint32_t)strlen(v);
    return true;
}

typedef struct Harness {
    DetectEngine *de;
    DetectThread *dt;
} Harness;

/* An engine from one rule file (every rule must load) and one thread. */
static inline Harness load_path(const char *path, const ConfNode *conf)
{
    const char *files[] = {path};
    DetectLoadStats stats;
    Harness h;
    h.de = detect_engine_load(conf, files, 1, true, &stats);
    assert_non_null(h.de);
    if (stats.failed)
        fail_msg("%u rules failed to load", stats.failed);
    h.dt = detect_thread_new(h.de, &counters, NULL);
    assert_non_null(h.dt);
    return h;
}

/* Loads rules (and conf's threshold-file, ...) into an engine and one thread. */
static inline Harness load_with(const char *rules, const ConfNode *conf)
{
    char path[] = "/tmp/test-detect-match-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, rules, strlen(rules)), (ssize_t)strlen(rules));
    close(fd);
    Harness h = load_path(path, conf);
    unlink(path);
    return h;
}

static inline Harness load(const char *rules)
{
    return load_with(rules, NULL);
}

static inline void unload(Harness *h)
{
    detect_thread_free(h->dt);
    detect_engine_free(h->de);
}

/* A rule's text parses (ok) or is rejected (!ok); fails the test otherwise. */
static inline void assert_rule(const char *rule, bool ok)
{
    char err[256] = "";
    Signature *sig = signature_parse(rule, NULL, err, sizeof(err));
    if ((sig != NULL) != ok)
        fail_msg("%s: %s", rule, sig ? "accepted" : err);
    signature_free(sig);
}

static inline bool alerted(const DetectThread *dt, uint32_t sid)
{
    for (uint32_t i = 0; i < dt->alert_count; i++)
        if (dt->alerts[i]->sid == sid)
            return true;
    return false;
}

typedef struct TestPacket {
    Packet p;
    uint8_t ip[60];
    uint8_t l4[20];   /* the transport header a decoded packet has (zeros) */
} TestPacket;

static inline void make(TestPacket *t, uint8_t proto, const char *payload, uint32_t len)
{
    memset(t, 0, sizeof(*t));
    Packet *p = &t->p;
    p->ip_version = 4;
    p->ip_hdr = t->ip;
    p->ip_hdr_len = 20;
    t->ip[0] = 0x45;
    t->ip[8] = p->ttl = 64;
    p->proto = proto;
    t->ip[9] = proto;
    p->src.family = p->dst.family = AF_INET;
    inet_pton(AF_INET, "10.0.0.1", p->src.addr);
    inet_pton(AF_INET, "192.168.1.2", p->dst.addr);
    p->sp = 40000;
    p->dp = 80;
    p->payload = (const uint8_t *)payload;
    p->payload_len = len;
    p->to_server = true;
    p->ts_usec = 1000000;
    if (proto == IPPROTO_TCP)
        p->tcp_flags = TH_ACK | TH_PUSH;
    if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_ICMP ||
        proto == IPPROTO_ICMPV6) {
        p->l4_hdr = t->l4;
        p->l4_hdr_len = proto == IPPROTO_TCP ? 20 : 8;
    }
}

/* Whether sid alerts on a TCP packet src -> dst carrying payload at second t. */
static inline bool hit_between(Harness *h, uint32_t sid, const char *src, const char *dst,
                               const char *payload, uint64_t t)
{
    TestPacket pkt;
    make(&pkt, IPPROTO_TCP, payload, (uint32_t)strlen(payload));
    inet_pton(AF_INET, src, pkt.p.src.addr);
    inet_pton(AF_INET, dst, pkt.p.dst.addr);
    pkt.p.ts_usec = t * 1000000u;
    detect_packet(h->dt, &pkt.p, NULL);
    return alerted(h->dt, sid);
}

/* cmocka group setup: the detect counters registered afresh. */
static inline int detect_test_setup(void **state)
{
    (void)state;
    counters_reset_registry();
    detect_register_counters();
    counter_set_init(&counters);
    return 0;
}

/* A scratch directory for files the engine reads (rule files, lists), removed at the end. */
static char test_dir[64];

static inline int test_dir_create(void)
{
    strcpy(test_dir, "/tmp/test-detect-XXXXXX");
    return mkdtemp(test_dir) ? 0 : -1;
}

static inline int test_dir_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* cmocka group setup/teardown for tests that write files. */
static inline int detect_test_setup_dir(void **state)
{
    return detect_test_setup(state) == 0 ? test_dir_create() : -1;
}

static inline int detect_test_teardown_dir(void **state)
{
    (void)state;
    return test_dir_remove();
}

static inline void test_dir_write(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", test_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Loads rules from a file in test_dir (so files they name resolve beside it). */
static inline Harness load_in_test_dir(const char *rules, const ConfNode *conf)
{
    char path[128];
    test_dir_write("test.rules", rules);
    snprintf(path, sizeof(path), "%s/test.rules", test_dir);
    return load_path(path, conf);
}

#endif
