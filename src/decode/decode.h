/*
 * decode.h - packet decoding: from link layer to transport layer.
 *
 * decode_packet() starts at the capture's link type and each layer's decoder calls the next
 * one (ethernet -> vlan -> ipv4 -> tcp ...), the way a packet is nested on the wire. Every
 * decoder takes the bytes that remain at its layer, checks lengths before reading, fills the
 * Packet, and on malformed input records a decoder event (Suricata's name) and stops.
 *
 * Two things make a decoder produce extra packets: IP fragments that complete a datagram
 * (defrag builds the reassembled datagram) and tunnels (GRE, VXLAN, IP-in-IP, IPv6-in-IP),
 * whose inner packet is a packet of its own with its own flow, as in Suricata. Both are
 * queued on the DecodeThread as pseudo packets; the caller decodes and processes them after
 * the packet that produced them.
 *
 * Counters: decode_register_counters() registers Suricata's decoder.* counters once, and
 * `decode_ids` holds their ids for the decoders to increment.
 */
#ifndef BONGSU_DECODE_H
#define BONGSU_DECODE_H

#include <stdint.h>

#include "common/counters.h"
#include "decode/packet.h"

struct DefragTable;
struct PacketPool;

typedef enum DecodeResult { DECODE_OK = 0, DECODE_FAIL = -1 } DecodeResult;

/* Link types we decode; the numeric values are libpcap's DLT_ values. */
enum {
    LINKTYPE_NULL = 0,
    LINKTYPE_ETHERNET = 1,
    LINKTYPE_PPP = 9,
    LINKTYPE_RAW = 12,       /* DLT_RAW on most platforms */
    LINKTYPE_RAW_ALT = 14,   /* DLT_RAW on OpenBSD */
    LINKTYPE_CHDLC = 104,    /* Cisco HDLC */
    LINKTYPE_LOOP = 108,
    LINKTYPE_LINUX_SLL = 113,
    LINKTYPE_RAW_LT = 101,   /* LINKTYPE_RAW in pcap files */
    LINKTYPE_IPV4 = 228,
    LINKTYPE_IPV6 = 229,
    LINKTYPE_LINUX_SLL2 = 276,
    /* Internal, for pseudo packets only: an ERSPAN type II header then the mirrored frame.
     * The header stays part of the packet (its bytes count for the flow, as in Suricata). */
    LINKTYPE_ERSPAN2_INNER = 0x10001,
};

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_MPLS_UNICAST 0x8847
#define ETHERTYPE_MPLS_MULTICAST 0x8848
#define ETHERTYPE_PPPOE_DISC 0x8863
#define ETHERTYPE_PPPOE_SESS 0x8864
#define ETHERTYPE_TEB 0x6558 /* transparent ethernet bridging, inside GRE */
#define ERSPAN_II_HDR_LEN 8
#define ETHERTYPE_VNTAG 0x8926 /* Cisco VN-Tag (802.1Qbh) */
#define ETHERTYPE_NSH 0x894f   /* Network Service Header, RFC 8300 */

/* Tunnels nest; past this depth the packet is treated as invalid (decoder.too_many_layers). */
#define DECODE_MAX_LAYERS 16
#define DECODE_MAX_PSEUDO 8

typedef struct DecodeCounterIds {
    CounterId pkts, bytes, invalid, ipv4, ipv6, ethernet, arp, unknown_ethertype, chdlc, raw,
        null, sll, tcp, udp, sctp, esp, icmpv4, icmpv6, ppp, pppoe, geneve, gre, vlan,
        vlan_qinq, vlan_qinqinq, vxlan, teredo, ieee8021ah, ipv4_in_ipv6, ipv6_in_ipv6, mpls,
        avg_pkt_size, max_pkt_size, max_mac_addrs_src, max_mac_addrs_dst, erspan,
        too_many_layers, vntag, nsh;
    CounterId event[DECODE_EVENT_COUNT];
} DecodeCounterIds;

extern DecodeCounterIds decode_ids;

void decode_register_counters(void);

#define DECODE_TEREDO_MAX_PORTS 4

typedef struct DecodeOptions {
    uint16_t vxlan_port;         /* app-layer/decoder vxlan port (4789) */
    bool vxlan_enabled;
    bool teredo_enabled;         /* decoder.teredo.enabled (default on) */
    uint16_t teredo_ports[DECODE_TEREDO_MAX_PORTS];  /* decoder.teredo.ports */
    uint8_t teredo_port_count;   /* 0: any port */
} DecodeOptions;

/* Per-thread decoding state. */
typedef struct DecodeThread {
    CounterSet *counters;
    struct DefragTable *defrag;   /* NULL disables reassembly (fragments are still decoded) */
    struct PacketPool *pool;      /* where pseudo packets come from */
    DecodeOptions options;
    int depth;                    /* layers decoded so far in this packet */
    /* Pseudo packets (reassembled datagrams, tunnel inner packets) made while decoding. */
    Packet *pseudo[DECODE_MAX_PSEUDO];
    int pseudo_count;
} DecodeThread;

void decode_thread_init(DecodeThread *dt, CounterSet *counters, struct DefragTable *defrag,
                        struct PacketPool *pool);

/* Decode a captured packet from its link layer; counts decoder.pkts/bytes. */
DecodeResult decode_packet(DecodeThread *dt, Packet *p);
/* Decode a pseudo packet (its datalink says where its bytes start). */
DecodeResult decode_pseudo_packet(DecodeThread *dt, Packet *p);
/* Take the next pseudo packet made while decoding, or NULL. */
Packet *decode_take_pseudo(DecodeThread *dt);

/* Raise an event on the packet and count it. */
void decode_set_event(DecodeThread *dt, Packet *p, DecodeEvent event);
/* Raise an event that makes the packet invalid (decoder.invalid is counted once). */
DecodeResult decode_fail(DecodeThread *dt, Packet *p, DecodeEvent event);

/* Queue a new packet whose bytes are `data`, decoded later starting at `datalink`. Returns
 * the packet (so a caller can set flags) or NULL when the queue or the pool is exhausted. */
Packet *decode_queue_pseudo(DecodeThread *dt, const Packet *parent, const uint8_t *data,
                            uint32_t len, int datalink);

/* Layer decoders. Each gets the bytes that remain at its layer. */
DecodeResult decode_ethernet(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_ethertype(DecodeThread *dt, Packet *p, uint16_t ethertype,
                              const uint8_t *data, uint32_t len);
DecodeResult decode_vlan(DecodeThread *dt, Packet *p, uint16_t ethertype, const uint8_t *data,
                         uint32_t len);
DecodeResult decode_mpls(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_pppoe_session(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_pppoe_discovery(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_ppp(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_sll(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_sll2(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_null(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_chdlc(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_vntag(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_nsh(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_raw(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_ipv4(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_ipv6(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
/* Transport dispatch shared by IPv4 and IPv6 (proto from the last header). */
DecodeResult decode_ip_payload(DecodeThread *dt, Packet *p, uint8_t proto, const uint8_t *data,
                               uint32_t len);
DecodeResult decode_tcp(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_udp(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_icmpv4(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_icmpv6(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
DecodeResult decode_gre(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
/* Returns DECODE_OK when the UDP payload was a VXLAN tunnel and was queued. */
DecodeResult decode_vxlan(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
/* Teredo (decode-teredo.c): whether UDP between these ports may carry it; decoding it
 * (DECODE_OK: the inner IPv6 packet was queued; DECODE_FAIL: not Teredo, plain UDP); and
 * decoder.teredo.ports ("any", a port, a list; -1 when unreadable). */
bool decode_teredo_port(const DecodeOptions *o, uint16_t sp, uint16_t dp);
DecodeResult decode_teredo(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);
int decode_teredo_parse_ports(DecodeOptions *o, const char *text);

/* Byte-order helpers: packets are big-endian and may be unaligned. */
static inline uint16_t rd16(const uint8_t *b)
{
    return (uint16_t)((b[0] << 8) | b[1]);
}
static inline uint32_t rd32(const uint8_t *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

#endif
