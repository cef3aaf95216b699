/*
 * decode-test-util.h - packet builders and a decode harness shared by the decoder tests.
 *
 * Tests build packets byte by byte (so each one shows exactly what is malformed) with these
 * writers, decode them through a DecodeThread wired to a counter set, a packet pool and a
 * defrag table, and assert on the Packet, its events, the counters and any pseudo packets.
 * Everything is static inline so each test executable takes only what it uses.
 */
#ifndef BONGSU_DECODE_TEST_UTIL_H
#define BONGSU_DECODE_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "decode/decode.h"
#include "decode/defrag.h"
#include "decode/packet-pool.h"

typedef struct Harness {
    CounterSet counters;
    PacketPool pool;
    DefragTable *defrag;
    DecodeThread dt;
    Packet pkt;
} Harness;

static Harness h;

static inline int harness_setup_with(const DefragConfig *cfg)
{
    memset(&h, 0, sizeof(h));
    counters_reset_registry();
    decode_register_counters();
    defrag_register_counters();
    if (counter_set_init(&h.counters) != 0 || packet_pool_init(&h.pool, 32) != 0)
        return -1;
    h.defrag = defrag_table_new(cfg);
    if (!h.defrag)
        return -1;
    decode_thread_init(&h.dt, &h.counters, h.defrag, &h.pool);
    return 0;
}

static inline int harness_setup(void **state)
{
    (void)state;
    DefragConfig cfg;
    defrag_config_default(&cfg);
    return harness_setup_with(&cfg);
}

static inline void harness_drain(void)
{
    Packet *p;
    while ((p = decode_take_pseudo(&h.dt)) != NULL)
        packet_pool_put(&h.pool, p);
}

static inline int harness_teardown(void **state)
{
    (void)state;
    harness_drain();
    defrag_table_free(h.defrag);
    packet_pool_destroy(&h.pool);
    packet_free(&h.pkt);
    counter_set_free(&h.counters);
    return 0;
}

static inline uint64_t counter(const char *name)
{
    CounterId id = counters_find(name);
    assert_true(id >= 0);
    return counter_get(&h.counters, id);
}

static inline uint64_t event_count(const char *event_name)
{
    char name[128];
    snprintf(name, sizeof(name), "decoder.event.%s", event_name + strlen("decoder."));
    return counter(name);
}

/* Occurrences of an event on one packet. */
static inline int events_on(const Packet *p, DecodeEvent e)
{
    int n = 0;
    for (int i = 0; i < p->event_count; i++)
        n += p->events[i] == e;
    return n;
}

/* Decodes bytes as a captured packet at time ts_sec. */
static inline Packet *decode_at(const uint8_t *data, size_t len, int datalink, uint64_t ts_sec)
{
    assert_int_equal(packet_set_data(&h.pkt, data, (uint32_t)len, (uint32_t)len,
                                     ts_sec * 1000000ULL, 1, datalink),
                     0);
    decode_packet(&h.dt, &h.pkt);
    return &h.pkt;
}

static inline Packet *decode(const uint8_t *data, size_t len, int datalink)
{
    return decode_at(data, len, datalink, 1000);
}

/* Takes the next pseudo packet and decodes it; the caller puts it back in the pool. */
static inline Packet *next_pseudo(void)
{
    Packet *p = decode_take_pseudo(&h.dt);
    if (p)
        decode_pseudo_packet(&h.dt, p);
    return p;
}

static inline void release(Packet *p)
{
    packet_pool_put(&h.pool, p);
}

/* ---- writers: each returns the bytes written ------------------------------------------ */

static inline void put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static inline void put32(uint8_t *b, uint32_t v)
{
    put16(b, (uint16_t)(v >> 16));
    put16(b + 2, (uint16_t)v);
}

static inline size_t w_eth(uint8_t *b, uint16_t ethertype)
{
    static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10};
    memcpy(b, macs, 12);
    put16(b + 12, ethertype);
    return 14;
}

static inline uint16_t ip_checksum(const uint8_t *b, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* IPv4 10.0.0.1 -> 10.0.0.2 with options; frag is the flags/offset field. */
static inline size_t w_ipv4_opts(uint8_t *b, uint8_t proto, size_t payload_len, uint16_t id,
                                 uint16_t frag, const uint8_t *opts, size_t opts_len)
{
    size_t hlen = 20 + opts_len;
    memset(b, 0, 20);
    b[0] = (uint8_t)(0x40 | (hlen / 4));
    put16(b + 2, (uint16_t)(hlen + payload_len));
    put16(b + 4, id);
    put16(b + 6, frag);
    b[8] = 64;
    b[9] = proto;
    b[12] = 10, b[15] = 1;
    b[16] = 10, b[19] = 2;
    if (opts_len)
        memcpy(b + 20, opts, opts_len);
    put16(b + 10, ip_checksum(b, hlen));
    return hlen;
}

static inline size_t w_ipv4(uint8_t *b, uint8_t proto, size_t payload_len)
{
    return w_ipv4_opts(b, proto, payload_len, 1, 0, NULL, 0);
}

/* IPv6 2001:db8::1 -> 2001:db8::2. */
static inline size_t w_ipv6(uint8_t *b, uint8_t nh, size_t payload_len)
{
    memset(b, 0, 40);
    b[0] = 0x60;
    put16(b + 4, (uint16_t)payload_len);
    b[6] = nh;
    b[7] = 64;
    b[8] = 0x20, b[9] = 0x01, b[10] = 0x0d, b[11] = 0xb8, b[23] = 1;
    b[24] = 0x20, b[25] = 0x01, b[26] = 0x0d, b[27] = 0xb8, b[39] = 2;
    return 40;
}

static inline size_t w_udp(uint8_t *b, uint16_t sp, uint16_t dp, size_t payload_len)
{
    put16(b, sp);
    put16(b + 2, dp);
    put16(b + 4, (uint16_t)(8 + payload_len));
    put16(b + 6, 0);
    return 8;
}

static inline size_t w_tcp_opts(uint8_t *b, uint16_t sp, uint16_t dp, uint8_t flags,
                                const uint8_t *opts, size_t opts_len)
{
    size_t hlen = 20 + opts_len;
    memset(b, 0, 20);
    put16(b, sp);
    put16(b + 2, dp);
    put32(b + 4, 1000);
    put32(b + 8, 0);
    b[12] = (uint8_t)((hlen / 4) << 4);
    b[13] = flags;
    put16(b + 14, 65535);
    if (opts_len)
        memcpy(b + 20, opts, opts_len);
    return hlen;
}

static inline size_t w_tcp(uint8_t *b, uint16_t sp, uint16_t dp, uint8_t flags)
{
    return w_tcp_opts(b, sp, dp, flags, NULL, 0);
}

/* Ethernet + IPv4 + UDP with `payload_len` bytes of 'A'. */
static inline size_t w_eth_ipv4_udp(uint8_t *b, uint16_t sp, uint16_t dp, size_t payload_len)
{
    size_t n = w_eth(b, ETHERTYPE_IPV4);
    n += w_ipv4(b + n, 17, 8 + payload_len);
    n += w_udp(b + n, sp, dp, payload_len);
    memset(b + n, 'A', payload_len);
    return n + payload_len;
}

#endif
