/*
 * test-stream.c - the TCP stream engine: session states, midstream pickups, RST/FIN, sequence
 * wrap, out-of-order data, every overlap policy, gaps, depth, memcaps, checksums, PAWS, and
 * IDS-mode delivery order.
 *
 * Packets go through a real flow table into the stream engine, as in a worker; a recording
 * sink stands in for the app layer and keeps what each direction received. The overlap
 * expectations are what the reference Suricata 7.0.10 logs as http.url for the same segments
 * under each host-os-policy (the `first` and `last` policies, which host-os-policy cannot
 * select, follow from their definition).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "applayer/app-layer.h"
#include "stream/stream-tcp.h"

#define SEC 1000000ull
#define CISN 1000u
#define SISN 5000u
#define REC_MAX 4096

typedef struct Recorded {
    uint8_t data[REC_MAX];  /* gaps are recorded as '?' bytes */
    uint32_t len;
    uint32_t gaps;
    uint32_t chunks;        /* data deliveries (gaps and EOF not counted) */
    bool eof;
} Recorded;

typedef struct Harness {
    StreamConfig cfg;
    CounterSet counters;
    FlowTable *flows;
    StreamThread *st;
    Recorded ts, tc;
    char order[64];  /* 'C' for each delivery to the server, 'S' for each to the client */
    Packet last;     /* the last packet sent, with its events */
    bool reverse_midstream;  /* play the app layer finding a midstream flow keyed backwards */
    FlowTcpState end_state;
    FlowState end_flow_state;
    uint64_t now;
} Harness;

static Harness h;

static void record(void *ud, Flow *f, const Packet *p, bool to_server, const uint8_t *data,
                   uint32_t len, uint32_t flags)
{
    (void)ud;
    (void)p;
    if (h.reverse_midstream && (flags & APP_FLAG_MIDSTREAM) && to_server && !f->swap_pending) {
        flow_swap(f);
        f->swap_pending = true;
        to_server = false;
    }
    Recorded *r = to_server ? &h.ts : &h.tc;
    if (flags & APP_FLAG_EOF) {
        r->eof = true;
        return;
    }
    size_t n = strlen(h.order);
    if (n + 1 < sizeof(h.order))
        h.order[n] = to_server ? 'C' : 'S';
    assert_true(r->len + len <= REC_MAX);
    if (flags & APP_FLAG_GAP) {
        memset(r->data + r->len, '?', len);
        r->gaps++;
    } else {
        memcpy(r->data + r->len, data, len);
        r->chunks++;
    }
    r->len += len;
}

static void on_end(Flow *f, FlowEndReason reason, uint64_t now, void *ud)
{
    (void)reason;
    (void)ud;
    stream_flow_end(h.st, f, now);
    h.end_state = f->tcp_state;
    h.end_flow_state = f->state;
    stream_flow_free(h.st, f);
}

static int setup(void **state)
{
    (void)state;
    memset(&h, 0, sizeof(h));
    counters_reset_registry();
    flow_register_counters();
    stream_register_counters();
    stream_config_default(&h.cfg);
    h.cfg.checksum_validation = false;
    h.now = 1700000000 * SEC;
    return counter_set_init(&h.counters);
}

static int teardown(void **state)
{
    (void)state;
    if (h.flows)
        flow_table_free(h.flows, h.now);
    stream_thread_free(h.st);
    counter_set_free(&h.counters);
    return 0;
}

/* Starts the engine with h.cfg (tests adjust it first). */
static void start(void)
{
    stream_thread_free(h.st);
    FlowConfig fc;
    flow_config_default(&fc);
    fc.tcp_synack_starts = h.cfg.midstream || h.cfg.async_oneside;
    h.flows = flow_table_new(&fc, 1 << 20, &h.counters, on_end, NULL);
    h.st = stream_thread_new(&h.cfg, 1, &h.counters, NULL);
    stream_thread_set_sink(h.st, record, NULL);
}

/* Ends every flow (the flush at flow end) and forgets the table. */
static void finish(void)
{
    flow_table_free(h.flows, h.now);
    h.flows = NULL;
}

static void make_packet(Packet *p, bool to_server, uint8_t flags, uint32_t seq, uint32_t ack,
                        const char *payload)
{
    memset(p, 0, sizeof(*p));
    p->ip_version = 4;
    p->src.family = p->dst.family = AF_INET;
    inet_pton(AF_INET, to_server ? "10.0.0.1" : "10.0.0.2", p->src.addr);
    inet_pton(AF_INET, to_server ? "10.0.0.2" : "10.0.0.1", p->dst.addr);
    p->sp = to_server ? 40000 : 80;
    p->dp = to_server ? 80 : 40000;
    p->proto = IPPROTO_TCP;
    p->tcp_flags = flags;
    p->tcp_seq = seq;
    p->tcp_ack = ack;
    p->tcp_win = 65535;
    p->payload = (const uint8_t *)payload;
    p->payload_len = payload ? (uint32_t)strlen(payload) : 0;
    p->len = 54 + p->payload_len;
    h.now += 1000;
    p->ts_usec = h.now;
}

static Flow *deliver_packet(Packet *p)
{
    Flow *f = flow_handle_packet(h.flows, p);
    if (f)
        stream_handle_packet(h.st, f, p);
    return f;
}

static Flow *send_pkt(bool to_server, uint8_t flags, uint32_t seq, uint32_t ack,
                      const char *payload)
{
    make_packet(&h.last, to_server, flags, seq, ack, payload);
    return deliver_packet(&h.last);
}

static Flow *handshake(uint32_t cisn, uint32_t sisn)
{
    send_pkt(true, TH_SYN, cisn, 0, NULL);
    send_pkt(false, TH_SYN | TH_ACK, sisn, cisn + 1, NULL);
    return send_pkt(true, TH_ACK, cisn + 1, sisn + 1, NULL);
}

static uint64_t count(const char *name)
{
    return counter_get(&h.counters, counters_find(name));
}

static void assert_recorded(const Recorded *r, const char *want)
{
    assert_int_equal(r->len, strlen(want));
    assert_memory_equal(r->data, want, r->len);
}

static void test_handshake_data_and_close(void **state)
{
    (void)state;
    start();
    Flow *f = handshake(CISN, SISN);
    assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
    assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
    const char *req = "GET / HTTP/1.0\r\n\r\n", *resp = "HTTP/1.0 200 OK\r\n\r\n";
    uint32_t rl = (uint32_t)strlen(req), sl = (uint32_t)strlen(resp);
    uint32_t client_bytes, server_bytes;
    assert_true(stream_seen_bytes(f, &client_bytes, &server_bytes));
    assert_int_equal(client_bytes, 1); /* the SYN counts one, as Suricata's stream_size sees it */
    assert_int_equal(server_bytes, 1);
    send_pkt(true, TH_ACK | TH_PUSH, CISN + 1, SISN + 1, req);
    assert_int_equal(h.ts.len, 0); /* not acknowledged yet */
    assert_true(stream_seen_bytes(f, &client_bytes, &server_bytes));
    assert_int_equal(client_bytes, 1 + rl);  /* seen, acknowledged or not */
    assert_int_equal(server_bytes, 1);
    send_pkt(false, TH_ACK | TH_PUSH, SISN + 1, CISN + 1 + rl, resp);
    assert_recorded(&h.ts, req);
    assert_int_equal(h.tc.len, 0);
    send_pkt(true, TH_ACK, CISN + 1 + rl, SISN + 1 + sl, NULL);
    assert_recorded(&h.tc, resp);
    assert_string_equal(h.order, "CS"); /* the request before the response */
    /* the server closes first: FIN_WAIT1, the client's FIN/ACK: TIME_WAIT, last ACK: CLOSED */
    send_pkt(false, TH_FIN | TH_ACK, SISN + 1 + sl, CISN + 1 + rl, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_FIN_WAIT1);
    send_pkt(true, TH_FIN | TH_ACK, CISN + 1 + rl, SISN + 2 + sl, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_TIME_WAIT);
    assert_int_equal(f->state, FLOW_STATE_CLOSED);
    send_pkt(false, TH_ACK, SISN + 2 + sl, CISN + 2 + rl, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
    StreamFlowInfo info;
    assert_true(stream_flow_info(f, &info));
    assert_int_equal(info.tcp_flags, TH_SYN | TH_ACK | TH_FIN | TH_PUSH);
    assert_int_equal(info.ts_max_regions, 1);
    assert_false(info.ts_gap);
    assert_int_equal(count("tcp.sessions"), 1);
    assert_int_equal(count("tcp.syn"), 1);
    assert_int_equal(count("tcp.synack"), 1);
    finish();
    assert_true(h.ts.eof && h.tc.eof);
    assert_int_equal(h.end_state, FLOW_TCP_CLOSED);
}

static void test_client_closes_first(void **state)
{
    (void)state;
    start();
    Flow *f = handshake(CISN, SISN);
    send_pkt(true, TH_FIN | TH_ACK, CISN + 1, SISN + 1, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_CLOSE_WAIT);
    send_pkt(false, TH_FIN | TH_ACK, SISN + 1, CISN + 2, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_LAST_ACK);
    assert_int_equal(f->state, FLOW_STATE_CLOSED);
    send_pkt(true, TH_ACK, CISN + 2, SISN + 2, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
    finish();
}

static void test_pipelined_order(void **state)
{
    (void)state;
    start();
    handshake(CISN, SISN);
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "req1");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 5, "resp1");
    send_pkt(true, TH_ACK, CISN + 5, SISN + 6, "req2");
    send_pkt(false, TH_ACK, SISN + 6, CISN + 9, "resp2");
    send_pkt(true, TH_ACK, CISN + 9, SISN + 11, NULL);
    assert_string_equal(h.order, "CSCS");
    assert_recorded(&h.ts, "req1req2");
    assert_recorded(&h.tc, "resp1resp2");
    finish();
}

static void test_midstream_off(void **state)
{
    (void)state;
    start();
    Flow *f = send_pkt(true, TH_ACK, CISN, SISN, "data");
    send_pkt(false, TH_ACK, SISN, CISN + 4, NULL);
    assert_null(f->tcp_session);
    assert_int_equal(f->state, FLOW_STATE_NEW);
    assert_int_equal(count("tcp.sessions"), 0);
    finish();
    assert_int_equal(h.ts.len, 0);
    /* a stray RST or FIN has no session either, and says so */
    start();
    send_pkt(true, TH_RST, CISN, 0, NULL);
    assert_true(packet_has_event(&h.last, DE_STREAM_RST_BUT_NO_SESSION));
    send_pkt(true, TH_FIN | TH_ACK, CISN, SISN, NULL);
    assert_true(packet_has_event(&h.last, DE_STREAM_FIN_BUT_NO_SESSION));
}

static void test_midstream_on(void **state)
{
    (void)state;
    h.cfg.midstream = true;
    start();
    Flow *f = send_pkt(true, TH_ACK, CISN, SISN, "data");
    assert_non_null(f->tcp_session);
    assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
    assert_int_equal(count("tcp.midstream_pickups"), 1);
    send_pkt(false, TH_ACK, SISN, CISN + 4, "back");
    assert_recorded(&h.ts, "data");
    finish();
    assert_recorded(&h.tc, "back"); /* flushed at flow end */
}

static void test_midstream_synack_swaps_flow(void **state)
{
    (void)state;
    h.cfg.midstream = true;
    start();
    /* the capture starts with the server's SYN/ACK: the flow must be keyed client first */
    Flow *f = send_pkt(false, TH_SYN | TH_ACK, SISN, CISN + 1, NULL);
    assert_int_equal(f->key.dp, 80);
    assert_int_equal(f->pkts_toclient, 1);
    assert_int_equal(f->pkts_toserver, 0);
    assert_int_equal(f->tcp_state, FLOW_TCP_SYN_RECV);
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
    finish();
}

static void test_rst(void **state)
{
    (void)state;
    start();
    Flow *f = handshake(CISN, SISN);
    /* bsd (the default) wants the exact next sequence number */
    send_pkt(false, TH_RST | TH_ACK, SISN + 100, CISN + 1, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
    send_pkt(false, TH_RST | TH_ACK, SISN + 1, CISN + 1, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
    assert_int_equal(f->state, FLOW_STATE_CLOSED);
    assert_int_equal(count("tcp.rst"), 2);
    /* a new SYN on the closed tuple is a new flow */
    Flow *f2 = send_pkt(true, TH_SYN, CISN + 7777, 0, NULL);
    assert_int_equal(count("flow.tcp_reuse"), 1);
    assert_int_equal(h.end_state, FLOW_TCP_CLOSED);
    assert_int_equal(f2->tcp_state, FLOW_TCP_SYN_SENT);
    /* ...but the same SYN again is a retransmission */
    send_pkt(true, TH_SYN, CISN + 7777, 0, NULL);
    assert_int_equal(count("flow.tcp_reuse"), 1);
    assert_int_equal(count("tcp.sessions"), 2);
    finish();
}

static void test_rst_linux_window(void **state)
{
    (void)state;
    h.cfg.default_policy = STREAM_POLICY_LINUX;
    start();
    Flow *f = handshake(CISN, SISN);
    /* linux accepts a RST anywhere in the window */
    send_pkt(false, TH_RST, SISN + 100, 0, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
    finish();
}

/* A RST with a TCP-MD5 signature closes the session, but the receiver may have dropped it
 * (nobody here can check the signature): when its sender goes on sending, the RST was
 * probably injected, the session resumes where it was and the data is reassembled (Suricata
 * 7's stream.suspected_rst_inject, security-4710-01). An unsigned RST stays final. */
static void test_signed_rst_then_data(void **state)
{
    (void)state;
    start();
    Flow *f = handshake(CISN, SISN);
    make_packet(&h.last, true, TH_RST | TH_ACK, CISN + 1, SISN + 1, NULL);
    h.last.tcp_opts.has_signature = true;
    deliver_packet(&h.last);
    assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
    /* the receiver's own packets raise nothing */
    send_pkt(false, TH_ACK, SISN + 1, CISN + 1, NULL);
    assert_false(packet_has_event(&h.last, DE_STREAM_SUSPECTED_RST_INJECT));
    send_pkt(true, TH_ACK | TH_PUSH, CISN + 1, SISN + 1, "GET / HTTP/1.0\r\n\r\n");
    assert_true(packet_has_event(&h.last, DE_STREAM_SUSPECTED_RST_INJECT));
    assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
    send_pkt(false, TH_ACK, SISN + 1, CISN + 19, NULL);
    assert_recorded(&h.ts, "GET / HTTP/1.0\r\n\r\n");
    /* said once: the next packet is plain */
    send_pkt(true, TH_ACK, CISN + 19, SISN + 1, NULL);
    assert_false(packet_has_event(&h.last, DE_STREAM_SUSPECTED_RST_INJECT));
    finish();
}

static void test_unsigned_rst_then_data(void **state)
{
    (void)state;
    start();
    Flow *f = handshake(CISN, SISN);
    send_pkt(true, TH_RST | TH_ACK, CISN + 1, SISN + 1, NULL);
    send_pkt(true, TH_ACK | TH_PUSH, CISN + 1, SISN + 1, "GET / HTTP/1.0\r\n\r\n");
    assert_false(packet_has_event(&h.last, DE_STREAM_SUSPECTED_RST_INJECT));
    assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
    send_pkt(false, TH_ACK, SISN + 1, CISN + 19, NULL);
    assert_int_equal(h.ts.len, 0);
    finish();
}

static void test_sequence_wrap(void **state)
{
    (void)state;
    start();
    uint32_t isn = 0xfffffff0u;
    handshake(isn, SISN);
    send_pkt(true, TH_ACK, isn + 1, SISN + 1, "aaaaaaaaaa");
    send_pkt(true, TH_ACK, isn + 11, SISN + 1, "bbbbbbbbbb"); /* crosses 2^32 */
    send_pkt(true, TH_ACK, isn + 21, SISN + 1, "cccccccccc");
    send_pkt(false, TH_ACK, SISN + 1, isn + 31, NULL);
    assert_recorded(&h.ts, "aaaaaaaaaabbbbbbbbbbcccccccccc");
    finish();
}

static void test_out_of_order(void **state)
{
    (void)state;
    start();
    handshake(CISN, SISN);
    send_pkt(true, TH_ACK, CISN + 5, SISN + 1, "world");
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "hell");
    send_pkt(true, TH_ACK, CISN + 10, SISN + 1, "!");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 11, NULL);
    assert_recorded(&h.ts, "hellworld!");
    assert_int_equal(count("tcp.overlap"), 0);
    finish();
}

/* Suricata hands the app layer all contiguous acknowledged data in one call, not one call
 * per segment; libhtp's body callbacks follow those chunks, and with them whether a file
 * crossing the body limit ends TRUNCATED or CLOSED and the length logged with it. A run of
 * segments (out of order and overlapping included) is one chunk, an ACK inside a segment
 * ends the chunk there, and a gap splits the run. */
static void test_acked_run_is_one_chunk(void **state)
{
    (void)state;
    start();
    handshake(CISN, SISN);
    send_pkt(true, TH_ACK, CISN + 5, SISN + 1, "world");
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "hell");
    send_pkt(true, TH_ACK, CISN + 3, SISN + 1, "ll");
    send_pkt(true, TH_ACK, CISN + 10, SISN + 1, "!");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 11, NULL);
    assert_recorded(&h.ts, "hellworld!");
    assert_int_equal(h.ts.chunks, 1);
    send_pkt(true, TH_ACK, CISN + 11, SISN + 1, "abc");
    send_pkt(true, TH_ACK, CISN + 14, SISN + 1, "def");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 16, NULL); /* up to "abcde" */
    assert_recorded(&h.ts, "hellworld!abcde");
    assert_int_equal(h.ts.chunks, 2);
    send_pkt(true, TH_ACK, CISN + 20, SISN + 1, "xy"); /* "ghi" of 17..20 is lost */
    send_pkt(true, TH_ACK, CISN + 22, SISN + 1, "z");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 23, NULL);
    assert_recorded(&h.ts, "hellworld!abcdef???xyz");
    assert_int_equal(h.ts.chunks, 4); /* "f", then the gap, then "xyz" */
    assert_int_equal(h.ts.gaps, 1);
    finish();
}

/* The segment set: "GET /", then seven old segments, then seven new ones overlapping them in
 * each geometry (new around old, starting before, same start shorter/longer/equal, starting
 * inside and ending after/inside), then the rest of the request. */
static const char *run_overlap(StreamOverlapPolicy policy)
{
    static const struct {
        uint32_t off;
        const char *data;
    } segs[] = {{0, "GET /"}, {6, "aa"},  {10, "bbb"}, {13, "ccc"}, {16, "dd"},
                {19, "ee"},   {21, "ff"}, {24, "ggg"}, {5, "1111"}, {9, "222"},
                {13, "33"},   {16, "444"}, {19, "55"}, {22, "66"},  {25, "7"},
                {27, " HTTP/1.0\r\n\r\n"}};
    memset(&h.ts, 0, sizeof(h.ts));
    h.cfg.default_policy = policy;
    start();
    handshake(CISN, SISN);
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
        send_pkt(true, TH_ACK | TH_PUSH, CISN + 1 + segs[i].off, SISN + 1, segs[i].data);
    send_pkt(false, TH_ACK, SISN + 1, CISN + 1 + 40, NULL);
    finish();
    stream_thread_free(h.st);
    h.st = NULL;
    static char url[64];
    assert_true(h.ts.len > 27);
    memcpy(url, h.ts.data + 4, 23);
    url[23] = '\0';
    return url;
}

static void test_overlap_policies(void **state)
{
    (void)state;
    static const struct {
        StreamOverlapPolicy policy;
        const char *url;
    } want[] = {
        {STREAM_POLICY_BSD, "/1111222bcccdd4eeff6ggg"},
        {STREAM_POLICY_LINUX, "/1111222bccc444eeff6ggg"},
        {STREAM_POLICY_OLD_LINUX, "/1111222bccc44455ff6ggg"},
        {STREAM_POLICY_SOLARIS, "/11112bbbccc44455f66ggg"},
        {STREAM_POLICY_HPUX10, "/1111222bcccdd4eeff6ggg"},
        {STREAM_POLICY_HPUX11, "/11112bbbccc44455f66ggg"},
        {STREAM_POLICY_IRIX, "/1111222bcccdd4eeff6ggg"},
        {STREAM_POLICY_MACOS, "/1111222bcccdd4eeff6ggg"},
        {STREAM_POLICY_WINDOWS, "/1111222bcccdd4eeff6ggg"},
        {STREAM_POLICY_VISTA, "/1aa12bbbcccdd4eeff6ggg"},
        {STREAM_POLICY_FIRST, "/1aa12bbbcccdd4eeff6ggg"},
        {STREAM_POLICY_LAST, "/1111222b33c44455f66g7g"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *url = run_overlap(want[i].policy);
        if (strcmp(url, want[i].url) != 0)
            fail_msg("policy %d: got %s, want %s", (int)want[i].policy, url, want[i].url);
    }
    assert_true(count("tcp.overlap") >= 12 * 7);
}

static void test_overlap_different_data_event(void **state)
{
    (void)state;
    h.cfg.check_overlap_different_data = true;
    start();
    handshake(CISN, SISN);
    send_pkt(true, TH_ACK, CISN + 2, SISN + 1, "bcd");
    send_pkt(true, TH_ACK, CISN + 2, SISN + 1, "bcd"); /* same bytes: no event */
    assert_false(packet_has_event(&h.last, DE_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA));
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "aXYZ");
    assert_true(packet_has_event(&h.last, DE_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA));
    assert_int_equal(count("tcp.overlap_diff_data"), 1);
    assert_int_equal(count("tcp.overlap"), 2);
    send_pkt(false, TH_ACK, SISN + 1, CISN + 5, NULL);
    assert_recorded(&h.ts, "aXYZ"); /* bsd: a segment starting earlier wins */
    finish();
}

static void test_gap(void **state)
{
    (void)state;
    start();
    Flow *f = handshake(CISN, SISN);
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "one");
    send_pkt(true, TH_ACK, CISN + 9, SISN + 1, "three"); /* 5 bytes never seen */
    send_pkt(false, TH_ACK, SISN + 1, CISN + 14, NULL);
    assert_true(packet_has_event(&h.last, DE_STREAM_REASSEMBLY_SEQ_GAP));
    assert_recorded(&h.ts, "one?????three");
    assert_int_equal(h.ts.gaps, 1);
    assert_int_equal(count("tcp.reassembly_gap"), 1);
    StreamFlowInfo info;
    assert_true(stream_flow_info(f, &info));
    assert_true(info.ts_gap);
    assert_false(info.tc_gap);
    finish();
}

static bool skip_piece(void *ud, const uint8_t *data, uint32_t len, uint64_t off)
{
    (void)ud;
    (void)data;
    (void)len;
    (void)off;
    return true;
}

/* What an alert's stream payload shows of the client's side (stream_raw_dump). */
static void assert_dump(Flow *f, const char *want)
{
    uint8_t buf[256];
    uint32_t n = stream_raw_dump(f, true, true, buf, sizeof(buf));
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf, want, n);
}

/* With raw inspection on, segments the raw progress passed are freed at the sender's next
 * packet, unless the app layer asked to keep min_inspect_depth behind it (Suricata's HTTP
 * keeps its minimal inspect sizes): the alert payload then still has the earlier bytes,
 * a gap between pieces named as Suricata 7.0.7 writes it. */
/* A session with raw inspection on and app as its app-layer state. */
static Flow *raw_session(AppLayerFlow *app)
{
    start();
    stream_raw_enable(h.st);
    Flow *f = handshake(CISN, SISN);
    memset(app, 0, sizeof(*app));
    f->app = app;
    return f;
}

static void test_min_inspect_depth_keeps_dump(void **state)
{
    (void)state;
    AppLayerFlow app;
    Flow *f = raw_session(&app);
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "one");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 4, NULL);
    assert_true(stream_raw_inspect(h.st, f, true, true, skip_piece, NULL));
    send_pkt(true, TH_ACK, CISN + 4, SISN + 1, "two");
    assert_dump(f, "two"); /* "one" went */
    app.min_inspect_depth[0] = 1000;
    send_pkt(false, TH_ACK, SISN + 1, CISN + 7, NULL);
    assert_true(stream_raw_inspect(h.st, f, true, true, skip_piece, NULL));
    send_pkt(true, TH_ACK, CISN + 12, SISN + 1, "four"); /* 5 bytes never seen */
    send_pkt(false, TH_ACK, SISN + 1, CISN + 16, NULL);
    assert_dump(f, "two[5 bytes missing]four");
    f->app = NULL;
    finish();
}

typedef struct Pieces {
    char text[128];
    size_t len;
} Pieces;

/* Collects the walked pieces as "off:data|". */
static bool note_piece(void *ud, const uint8_t *data, uint32_t len, uint64_t off)
{
    Pieces *p = ud;
    int n = snprintf(p->text + p->len, sizeof(p->text) - p->len, "%llu:%.*s|",
                     (unsigned long long)off, (int)len, (const char *)data);
    if (n > 0)
        p->len += (size_t)n;
    return true;
}

static const char *inspect_triggered(Flow *f, Pieces *p)
{
    memset(p, 0, sizeof(*p));
    f->app->raw_trigger = 1;
    stream_raw_inspect(h.st, f, true, false, note_piece, p);
    return p->text;
}

/* Suricata 7's raw window (StreamReassembleRawDo): after a gap the run is cut at the
 * acknowledged edge counted from the progress, so it reaches into unacknowledged bytes
 * ("five"); the progress stops at the run's start, so the next inspection takes it again
 * up to the acknowledged edge. The alert payload is cut the same way. */
static void test_raw_window_after_gap(void **state)
{
    (void)state;
    AppLayerFlow app;
    Flow *f = raw_session(&app);
    app.min_inspect_depth[0] = 1000;
    Pieces p;
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "one");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 4, NULL);
    assert_string_equal(inspect_triggered(f, &p), "0:one|");
    send_pkt(true, TH_ACK, CISN + 12, SISN + 1, "four"); /* 8 bytes never seen */
    send_pkt(true, TH_ACK, CISN + 16, SISN + 1, "five");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 16, NULL);  /* "five" not acknowledged */
    uint8_t buf[64];
    uint32_t n = stream_raw_dump(f, true, false, buf, sizeof(buf));
    assert_int_equal(n, strlen("one[8 bytes missing]fourfive"));
    assert_memory_equal(buf, "one[8 bytes missing]fourfive", n);
    assert_string_equal(inspect_triggered(f, &p), "11:fourfive|");
    assert_string_equal(inspect_triggered(f, &p), "11:four|");
    assert_string_equal(inspect_triggered(f, &p), "");
    f->app = NULL;
    finish();
}

static void test_unacked_gap_not_crossed_at_end(void **state)
{
    (void)state;
    start();
    handshake(CISN, SISN);
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "one");
    send_pkt(true, TH_ACK, CISN + 9, SISN + 1, "three");
    finish();
    assert_recorded(&h.ts, "one"); /* data after an unacknowledged gap is not used */
    assert_true(h.ts.eof);
}

/* stream.reassembly.urgent.policy: an urgent segment's last byte stays in (inline), is taken
 * out with the later sequence numbers moved down over it (oob), or leaves a hole (gap). */
static void urgent_run(StreamUrgentPolicy pol, const char *want)
{
    h.cfg.urgent_policy = pol;
    memset(&h.ts, 0, sizeof(h.ts));
    start();
    handshake(CISN, SISN);
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "GET /malic");
    make_packet(&h.last, true, TH_ACK | TH_URG, CISN + 11, SISN + 1, "XY");
    h.last.tcp_urp = 2;
    deliver_packet(&h.last);
    send_pkt(true, TH_ACK, CISN + 13, SISN + 1, "ious");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 17, NULL);
    finish();
    assert_recorded(&h.ts, want);
}

static void test_urgent_policies(void **state)
{
    (void)state;
    urgent_run(STREAM_URGENT_INLINE, "GET /malicXYious");
    assert_int_equal(count("tcp.urgent_oob_data"), 0);
    urgent_run(STREAM_URGENT_OOB, "GET /malicXious");
    assert_int_equal(count("tcp.urgent_oob_data"), 1);
    urgent_run(STREAM_URGENT_GAP, "GET /malicX?ious");
}

static void test_depth(void **state)
{
    (void)state;
    h.cfg.reassembly_depth = 10;
    start();
    handshake(CISN, SISN);
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "12345678");
    send_pkt(true, TH_ACK, CISN + 9, SISN + 1, "abcdefgh"); /* would end at 16 > 10 */
    assert_true(packet_has_event(&h.last, DE_STREAM_REASSEMBLY_DEPTH_REACHED));
    send_pkt(true, TH_ACK, CISN + 17, SISN + 1, "x");
    send_pkt(false, TH_ACK, SISN + 1, CISN + 18, NULL);
    assert_recorded(&h.ts, "12345678");
    assert_int_equal(count("tcp.stream_depth_reached"), 2);
    finish();
}

static void test_session_memcap(void **state)
{
    (void)state;
    h.cfg.memcap = 16; /* smaller than one session */
    start();
    Flow *f = send_pkt(true, TH_SYN, CISN, 0, NULL);
    assert_null(f->tcp_session);
    assert_int_equal(count("tcp.ssn_memcap_drop"), 1);
    assert_int_equal(count("tcp.sessions"), 0);
    finish();
}

static void test_segment_memcap(void **state)
{
    (void)state;
    h.cfg.reassembly_memcap = 100;
    start();
    handshake(CISN, SISN);
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, "first");
    char big[128];
    memset(big, 'B', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    send_pkt(true, TH_ACK, CISN + 6, SISN + 1, big);
    assert_int_equal(count("tcp.segment_memcap_drop"), 1);
    send_pkt(false, TH_ACK, SISN + 1, CISN + 6, NULL);
    assert_recorded(&h.ts, "first");
    assert_true(count("tcp.reassembly_memuse") > 0);
    finish();
}

/* A segment the memcap refused is a hole no retransmission fills: the session is lossy, and
 * a RST is then taken without bsd's exact-sequence check (test_rst: refused otherwise). */
static void test_segment_memcap_makes_lossy(void **state)
{
    (void)state;
    h.cfg.reassembly_memcap = 100;
    start();
    Flow *f = handshake(CISN, SISN);
    char big[128];
    memset(big, 'B', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, big);
    assert_int_equal(count("tcp.segment_memcap_drop"), 1);
    send_pkt(false, TH_RST | TH_ACK, SISN + 100, CISN + 1, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
    finish();
}

/* A TCP header with a correct (or broken) checksum over the pseudo header. */
static void checksummed_packet(Packet *p, uint8_t hdr[20], bool valid)
{
    make_packet(p, true, TH_SYN, CISN, 0, NULL);
    memset(hdr, 0, 20);
    hdr[0] = 40000 >> 8, hdr[1] = 40000 & 0xff, hdr[3] = 80;
    hdr[4] = 0, hdr[5] = 0, hdr[6] = CISN >> 8, hdr[7] = CISN & 0xff;
    hdr[12] = 5 << 4, hdr[13] = TH_SYN, hdr[14] = 0xff, hdr[15] = 0xff;
    uint32_t sum = 0;
    for (int i = 0; i < 4; i += 2)
        sum += (uint32_t)(p->src.addr[i] << 8 | p->src.addr[i + 1]) +
               (uint32_t)(p->dst.addr[i] << 8 | p->dst.addr[i + 1]);
    sum += 6 + 20;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(hdr[i] << 8 | hdr[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t csum = (uint16_t)~sum ^ (valid ? 0 : 1);
    hdr[16] = (uint8_t)(csum >> 8), hdr[17] = (uint8_t)csum;
    p->l4_hdr = hdr;
    p->l4_hdr_len = 20;
}

static void test_checksum_validation(void **state)
{
    (void)state;
    h.cfg.checksum_validation = true;
    h.cfg.checksum_auto = false;
    start();
    uint8_t hdr[20];
    checksummed_packet(&h.last, hdr, false);
    Flow *f = deliver_packet(&h.last);
    assert_null(f->tcp_session);
    assert_int_equal(count("tcp.invalid_checksum"), 1);
    checksummed_packet(&h.last, hdr, true);
    /* a SYN on a tuple without a session starts a new flow, as in Suricata */
    f = deliver_packet(&h.last);
    assert_non_null(f->tcp_session);
    assert_int_equal(count("flow.tcp_reuse"), 1);
    assert_int_equal(count("tcp.invalid_checksum"), 1);
    finish();
}

static void test_paws(void **state)
{
    (void)state;
    start();
    make_packet(&h.last, true, TH_SYN, CISN, 0, NULL);
    h.last.tcp_opts.has_timestamp = true;
    h.last.tcp_opts.ts_value = 100;
    Flow *f = deliver_packet(&h.last);
    make_packet(&h.last, false, TH_SYN | TH_ACK, SISN, CISN + 1, NULL);
    h.last.tcp_opts.has_timestamp = true;
    h.last.tcp_opts.ts_value = 9000;
    h.last.tcp_opts.ts_echo = 100;
    deliver_packet(&h.last);
    make_packet(&h.last, true, TH_ACK, CISN + 1, SISN + 1, "ok");
    h.last.tcp_opts.has_timestamp = true;
    h.last.tcp_opts.ts_value = 110;
    deliver_packet(&h.last);
    assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
    /* a timestamp from the past: a receiver drops it, so the stream does */
    make_packet(&h.last, true, TH_ACK, CISN + 3, SISN + 1, "old");
    h.last.tcp_opts.has_timestamp = true;
    h.last.tcp_opts.ts_value = 50;
    deliver_packet(&h.last);
    assert_true(packet_has_event(&h.last, DE_STREAM_PKT_INVALID_TIMESTAMP));
    finish();
    assert_recorded(&h.ts, "ok");
}

static void test_async_oneside(void **state)
{
    (void)state;
    h.cfg.async_oneside = true;
    start();
    /* only the client side is visible: SYN, then its data */
    Flow *f = send_pkt(true, TH_SYN, CISN, 0, NULL);
    send_pkt(true, TH_ACK, CISN + 1, SISN + 1, NULL);
    assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
    send_pkt(true, TH_ACK | TH_PUSH, CISN + 1, SISN + 1, "one way");
    send_pkt(true, TH_ACK, CISN + 8, SISN + 1, NULL);
    /* IDS mode delivers on the other side's packets; with none, at flow end */
    assert_int_equal(h.ts.len, 0);
    finish();
    assert_recorded(&h.ts, "one way");
    assert_true(h.ts.eof);
    assert_false(h.tc.eof); /* nothing came from the server: nothing to end */
}

static void test_config_and_host_policy(void **state)
{
    (void)state;
    assert_int_equal(stream_policy_by_name("windows2k3"), STREAM_POLICY_WINDOWS);
    assert_int_equal(stream_policy_by_name("old-solaris"), STREAM_POLICY_SOLARIS);
    assert_int_equal(stream_policy_by_name("nonsense"), -1);
    StreamConfig cfg;
    stream_config_default(&cfg);
    assert_int_equal(cfg.reassembly_depth, 1u << 20);
    assert_false(cfg.midstream);
    assert_int_equal(cfg.default_policy, STREAM_POLICY_BSD);
}

/* TCP Fast Open: the SYN's data follows the ISN and reaches the app layer once the SYN/ACK
 * acknowledges it; a SYN/ACK acknowledging only the SYN drops it from the sequence space,
 * and the client sends it again. Without the TFO option a SYN's data is ignored. */
static void test_fast_open(void **state)
{
    (void)state;
    static const struct {
        bool tfo, accepted;
    } runs[] = {{true, true}, {true, false}, {false, false}};
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        start();
        memset(&h.ts, 0, sizeof(h.ts));
        make_packet(&h.last, true, TH_SYN, CISN, 0, "GET /");
        h.last.tcp_opts.has_tfo = runs[i].tfo;
        deliver_packet(&h.last);
        uint32_t acked = runs[i].accepted ? CISN + 6 : CISN + 1;
        send_pkt(false, TH_SYN | TH_ACK, SISN, acked, NULL);
        if (runs[i].tfo && !runs[i].accepted)
            assert_true(packet_has_event(&h.last, DE_STREAM_3WHS_SYNACK_TFO_DATA_IGNORED));
        Flow *f = send_pkt(true, TH_ACK, acked, SISN + 1, runs[i].accepted ? " x" : "GET / x");
        assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
        send_pkt(false, TH_ACK, SISN + 1, CISN + 8, NULL);
        assert_recorded(&h.ts, "GET / x");
        finish();
    }
}

/* Picked up midstream from the server's data: once the app layer says so, flow and session
 * are turned around after the packet, and the server's later data goes to the client side. */
static void test_midstream_reversed(void **state)
{
    (void)state;
    h.cfg.midstream = true;
    h.reverse_midstream = true;
    start();
    Flow *f = send_pkt(false, TH_ACK | TH_PUSH, SISN, CISN, "HTTP/1.1 200 OK\r\n");
    assert_int_equal(f->key.sp, 80);     /* keyed from the first packet: the server */
    send_pkt(true, TH_ACK, CISN, SISN + 17, NULL);
    assert_false(f->swap_pending);
    assert_int_equal(f->key.dp, 80);     /* turned around */
    assert_int_equal(f->pkts_toclient, 1);
    send_pkt(false, TH_ACK | TH_PUSH, SISN + 17, CISN, "body");
    assert_false(h.last.to_server);
    send_pkt(true, TH_ACK, CISN, SISN + 21, NULL);
    assert_recorded(&h.tc, "HTTP/1.1 200 OK\r\nbody");
    assert_int_equal(h.ts.len, 0);
    finish();
    h.reverse_midstream = false;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_data_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_midstream_reversed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_closes_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_midstream_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_midstream_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_midstream_synack_swaps_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_linux_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signed_rst_then_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsigned_rst_then_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sequence_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acked_run_is_one_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_different_data_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unacked_gap_not_crossed_at_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_window_after_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_urgent_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_memcap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segment_memcap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segment_memcap_makes_lossy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_min_inspect_depth_keeps_dump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checksum_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paws, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_oneside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_and_host_policy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
