/*
 * test-flow.c - flow table: symmetric hashing, direction, state, timeouts, TCP reuse,
 * memcap/emergency eviction, Community ID.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/counters.h"
#include "flow/flow.h"

#define SEC 1000000ull

typedef struct Ended {
    int count;
    FlowEndReason last_reason;
    uint64_t last_pkts_ts, last_pkts_tc;
    FlowState last_state;
} Ended;

static void on_end(Flow *f, FlowEndReason reason, uint64_t now, void *ud)
{
    (void)now;
    Ended *e = ud;
    e->count++;
    e->last_reason = reason;
    e->last_pkts_ts = f->pkts_toserver;
    e->last_pkts_tc = f->pkts_toclient;
    e->last_state = f->state;
}

static void make_packet(Packet *p, const char *src, uint16_t sp, const char *dst, uint16_t dp,
                        uint8_t proto, uint8_t tcp_flags, uint64_t ts)
{
    memset(p, 0, sizeof(*p));
    p->ip_version = 4;
    p->src.family = p->dst.family = AF_INET;
    inet_pton(AF_INET, src, p->src.addr);
    inet_pton(AF_INET, dst, p->dst.addr);
    p->sp = sp;
    p->dp = dp;
    p->proto = proto;
    p->tcp_flags = tcp_flags;
    p->ts_usec = ts;
    p->len = 100;
}

static CounterSet counters;

/* A table with the default configuration and 1 MiB, reporting ended flows to *ended. */
static FlowTable *default_table(Ended *ended)
{
    FlowConfig cfg;
    flow_config_default(&cfg);
    return flow_table_new(&cfg, 1 << 20, &counters, on_end, ended);
}

static int setup(void **state)
{
    (void)state;
    counters_reset_registry();
    flow_register_counters();
    return counter_set_init(&counters);
}

static int teardown(void **state)
{
    (void)state;
    counter_set_free(&counters);
    return 0;
}

static uint64_t count(const char *name)
{
    return counter_get(&counters, counters_find(name));
}

static void test_hash_is_symmetric(void **state)
{
    (void)state;
    Packet a, b;
    make_packet(&a, "10.0.0.1", 1234, "192.168.1.9", 80, IPPROTO_TCP, TH_SYN, SEC);
    make_packet(&b, "192.168.1.9", 80, "10.0.0.1", 1234, IPPROTO_TCP, TH_SYN | TH_ACK, SEC);
    assert_int_equal(flow_hash_packet(&a), flow_hash_packet(&b));
    Packet c;
    make_packet(&c, "10.0.0.1", 1235, "192.168.1.9", 80, IPPROTO_TCP, TH_SYN, SEC);
    assert_int_not_equal(flow_hash_packet(&a), flow_hash_packet(&c));
    a.vlan_count = 1;
    a.vlan_id[0] = 10;
    assert_int_not_equal(flow_hash_packet(&a), flow_hash_packet(&b));
}

/* vlan.use-for-tracking off: a conversation whose directions carry different VLAN tags is
 * one flow (bug-4376), which keeps its first packet's tags. */
static void test_vlan_not_for_tracking(void **state)
{
    (void)state;
    Ended ended = {0};
    FlowTable *t = default_table(&ended);
    Packet q, r;
    make_packet(&q, "10.0.0.1", 1234, "10.0.0.2", 80, IPPROTO_TCP, TH_SYN, SEC);
    make_packet(&r, "10.0.0.2", 80, "10.0.0.1", 1234, IPPROTO_TCP, TH_SYN | TH_ACK, SEC);
    q.vlan_count = 1;
    q.vlan_id[0] = 3136;
    flow_hash_set_vlan_tracking(false);
    assert_int_equal(flow_hash_packet(&q), flow_hash_packet(&r));
    Flow *f = flow_handle_packet(t, &q);
    assert_ptr_equal(flow_handle_packet(t, &r), f);
    assert_int_equal(f->key.vlan_id[0], 3136);
    flow_hash_set_vlan_tracking(true);
    assert_int_not_equal(flow_hash_packet(&q), flow_hash_packet(&r));
    flow_table_free(t, SEC);
}

static void test_directions_and_established(void **state)
{
    (void)state;
    Ended ended = {0};
    FlowTable *t = default_table(&ended);
    Packet q, r;
    make_packet(&q, "10.0.0.1", 5353, "10.0.0.53", 53, IPPROTO_UDP, 0, SEC);
    make_packet(&r, "10.0.0.53", 53, "10.0.0.1", 5353, IPPROTO_UDP, 0, SEC + 1000);
    Flow *f = flow_handle_packet(t, &q);
    assert_non_null(f);
    assert_true(q.to_server);
    assert_int_equal(f->state, FLOW_STATE_NEW);
    assert_ptr_equal(flow_handle_packet(t, &r), f);
    assert_false(r.to_server);
    assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
    assert_int_equal(flow_table_active(t), 1);
    assert_int_equal(count("flow.udp"), 1);
    flow_table_free(t, 2 * SEC);
    assert_int_equal(ended.count, 1);
    assert_int_equal(ended.last_reason, FLOW_END_SHUTDOWN);
    assert_int_equal(ended.last_pkts_ts, 1);
    assert_int_equal(ended.last_pkts_tc, 1);
}

static void test_timeouts_follow_packet_time(void **state)
{
    (void)state;
    Ended ended = {0};
    FlowTable *t = default_table(&ended);
    Packet p;
    make_packet(&p, "10.0.0.1", 1000, "10.0.0.2", 2000, IPPROTO_UDP, 0, 100 * SEC);
    flow_handle_packet(t, &p);
    /* UDP new: 30 s. Timeouts are checked once per second of packet time: not yet at
     * 130 s (last seen + 30 s is not before 130 s), gone in the next second. */
    assert_int_equal(flow_table_expire(t, 130 * SEC), 0);
    assert_int_equal(flow_table_expire(t, 130 * SEC + SEC / 2), 0);
    assert_int_equal(flow_table_expire(t, 131 * SEC), 1);
    assert_int_equal(ended.last_reason, FLOW_END_TIMEOUT);
    /* A packet after the timeout starts a new flow. */
    p.ts_usec = 200 * SEC;
    flow_handle_packet(t, &p);
    assert_int_equal(count("flow.total"), 2);
    flow_table_free(t, 200 * SEC);
}

static void tcp_handshake(FlowTable *t, uint64_t ts)
{
    Packet p;
    make_packet(&p, "10.0.0.1", 40000, "10.0.0.2", 443, IPPROTO_TCP, TH_SYN, ts);
    flow_handle_packet(t, &p);
    make_packet(&p, "10.0.0.2", 443, "10.0.0.1", 40000, IPPROTO_TCP, TH_SYN | TH_ACK, ts + 1);
    flow_handle_packet(t, &p);
    make_packet(&p, "10.0.0.1", 40000, "10.0.0.2", 443, IPPROTO_TCP, TH_ACK, ts + 2);
    flow_handle_packet(t, &p);
}

/* Port reuse as Suricata decides it (flow-tcp.c); the connection state itself is the stream
 * engine's (tests/unit/test-stream.c), so here a session is stood in for by hand. */
static void test_tcp_reuse(void **state)
{
    (void)state;
    Ended ended = {0};
    FlowTable *t = default_table(&ended);
    tcp_handshake(t, SEC);
    Packet p;
    make_packet(&p, "10.0.0.1", 40000, "10.0.0.2", 443, IPPROTO_TCP, TH_ACK, SEC + 3);
    Flow *f = flow_handle_packet(t, &p);
    /* without the stream engine nothing moves a TCP flow out of "new" */
    assert_int_equal(f->state, FLOW_STATE_NEW);
    int fake_session;
    f->tcp_session = (struct TcpSession *)&fake_session;
    f->tcp_state = FLOW_TCP_ESTABLISHED;
    f->tcp_isn_ts = 1000;
    /* a SYN on a live session is a retransmission or an attack, not a new flow */
    make_packet(&p, "10.0.0.1", 40000, "10.0.0.2", 443, IPPROTO_TCP, TH_SYN, SEC + 4);
    assert_ptr_equal(flow_handle_packet(t, &p), f);
    assert_int_equal(count("flow.tcp_reuse"), 0);
    /* once the session is done, the same SYN starts a new flow... */
    f->tcp_state = FLOW_TCP_CLOSED;
    /* ...unless it is the old SYN again (same ISN) */
    p.tcp_seq = 1000;
    assert_ptr_equal(flow_handle_packet(t, &p), f);
    p.tcp_seq = 2000;
    Flow *f2 = flow_handle_packet(t, &p);
    assert_ptr_not_equal(f2, NULL);
    assert_int_equal(count("flow.tcp_reuse"), 1);
    assert_int_equal(ended.count, 1);
    /* a SYN/ACK only starts a session with midstream pickups, so never reuses here */
    make_packet(&p, "10.0.0.1", 40000, "10.0.0.2", 443, IPPROTO_TCP, TH_SYN | TH_ACK, SEC + 5);
    assert_ptr_equal(flow_handle_packet(t, &p), f2);
    assert_int_equal(count("flow.tcp_reuse"), 1);
    /* without a session any SYN to the server starts over */
    make_packet(&p, "10.0.0.1", 40000, "10.0.0.2", 443, IPPROTO_TCP, TH_SYN, SEC + 6);
    assert_ptr_not_equal(flow_handle_packet(t, &p), f2);
    assert_int_equal(count("flow.tcp_reuse"), 2);
    flow_table_free(t, 3 * SEC);
}

static void test_memcap_emergency_and_eviction(void **state)
{
    (void)state;
    FlowConfig cfg;
    flow_config_default(&cfg);
    cfg.hash_size = 64;
    Ended ended = {0};
    /* Room for about 10 flows after the bucket array. */
    FlowTable *t = flow_table_new(&cfg, 64 * sizeof(void *) + 10 * sizeof(Flow), &counters,
                                  on_end, &ended);
    for (int i = 0; i < 50; i++) {
        Packet p;
        make_packet(&p, "10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53, IPPROTO_UDP, 0,
                    SEC + (uint64_t)i);
        assert_non_null(flow_handle_packet(t, &p));
    }
    assert_true(flow_table_active(t) <= 10);
    assert_int_equal(count("flow.emerg_mode_entered"), 1);
    assert_true(count("flow.memcap") >= 40);
    assert_true(count("flow.get_used") >= 40);
    assert_int_equal(ended.last_reason, FLOW_END_FORCED);
    /* Emergency timeouts (10 s for new UDP) free everything, and emergency mode ends. */
    flow_table_expire(t, 20 * SEC);
    assert_int_equal(flow_table_active(t), 0);
    assert_int_equal(count("flow.emerg_mode_over"), 1);
    flow_table_free(t, 20 * SEC);
}

static void test_community_id(void **state)
{
    (void)state;
    /* Vector from suricata-verify's community-id-ipv4 case (community-id-seed: 7). */
    Flow f;
    memset(&f, 0, sizeof(f));
    f.key.src.family = f.key.dst.family = AF_INET;
    inet_pton(AF_INET, "172.26.0.39", f.key.src.addr);
    inet_pton(AF_INET, "172.217.14.206", f.key.dst.addr);
    f.key.sp = 35958;
    f.key.dp = 443;
    f.key.proto = IPPROTO_TCP;
    char cid[64];
    flow_community_id(&f, 7, cid);
    assert_string_equal(cid, "1:IwiTNfuO7aCaamMijl+7/X9uLx0=");
    /* Direction does not matter. */
    Flow g = f;
    g.key.src = f.key.dst;
    g.key.dst = f.key.src;
    g.key.sp = f.key.dp;
    g.key.dp = f.key.sp;
    char cid2[64];
    flow_community_id(&g, 7, cid2);
    assert_string_equal(cid, cid2);
    /* The spec's own example (Zeek's test vector), seed 0. */
    inet_pton(AF_INET, "128.232.110.120", f.key.src.addr);
    inet_pton(AF_INET, "66.35.250.204", f.key.dst.addr);
    f.key.sp = 34855;
    f.key.dp = 80;
    flow_community_id(&f, 0, cid2);
    assert_string_equal(cid2, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hash_is_symmetric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vlan_not_for_tracking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directions_and_established, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_follow_packet_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memcap_emergency_and_eviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_community_id, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
