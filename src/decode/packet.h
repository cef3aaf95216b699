/*
 * packet.h - the one packet structure that flows through every pipeline stage.
 *
 * Capture fills the raw bytes and timestamp; decode fills the layer pointers, addresses,
 * ports and TCP/ICMP fields and records decoder events; flow attaches the flow and the
 * direction. Later stages (stream, app-layer, detect, output) only read it.
 *
 * A Packet owns a copy of its bytes (`buf`) because capture buffers are reused by libpcap
 * and packets may cross threads. Pointers such as `ip4h` and `payload` point into `buf`, so
 * they stay valid for the life of the packet. Tunnels (GRE, VXLAN, IP-in-IP) are decoded in
 * place: the outer layers are simply overwritten by the inner ones, the way Suricata logs the
 * innermost flow.
 */
#ifndef BONGSU_PACKET_H
#define BONGSU_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/decode-events.h"

#define PKT_MAX_VLAN 3
#define PKT_MAX_EVENTS 8

/* An IPv4 address is stored in the first 4 bytes, the rest zero. */
typedef struct Address {
    uint8_t family; /* AF_INET, AF_INET6 or 0 */
    uint8_t addr[16];
} Address;

typedef struct TcpOptions {
    uint16_t mss;
    uint8_t wscale;
    bool has_mss, has_wscale, sack_permitted, has_sack, has_timestamp;
    bool has_tfo;        /* TCP Fast Open option (kind 34, or the experimental form) */
    bool has_signature;  /* TCP-MD5 (kind 19) or TCP-AO (kind 29): a RST we cannot verify */
    uint32_t ts_value, ts_echo;
} TcpOptions;

typedef struct Packet {
    /* Filled by capture. */
    uint8_t *buf;        /* owned copy of the captured bytes */
    uint32_t len;        /* captured length */
    uint32_t wire_len;   /* original length on the wire */
    uint32_t buf_size;   /* allocated size of buf */
    uint64_t ts_usec;    /* packet time, microseconds since the epoch */
    uint64_t pcap_cnt;   /* 1-based index of the packet in the capture */
    int datalink;        /* libpcap DLT_* value */

    /* Filled by decode. */
    uint8_t src_mac[6], dst_mac[6]; /* outermost Ethernet header */
    bool has_mac;
    uint16_t vlan_id[PKT_MAX_VLAN];
    uint8_t vlan_count;
    uint8_t ip_version;      /* 4, 6 or 0 when no IP layer was decoded */
    const uint8_t *ip_hdr;   /* innermost IP header */
    uint16_t ip_hdr_len;     /* IPv4 IHL*4 or IPv6 40 + extension headers */
    uint32_t ip_total_len;   /* IP header + payload as the header claims */
    Address src, dst;
    uint8_t proto;           /* IPPROTO_* of the transport layer */
    uint8_t ttl;             /* TTL / hop limit */
    bool is_fragment;        /* IPv4/IPv6 fragment not (yet) reassembled */
    bool is_reassembled;     /* a pseudo packet made by defrag */
    uint16_t link_len;       /* reassembled: the first fragment's link-layer bytes, which
                                Suricata keeps in the datagram and counts in flow bytes */
    bool is_tunneled;        /* inner packet of GRE/VXLAN/IP-in-IP */
    bool is_invalid;         /* decoding stopped on an error */
    uint16_t sp, dp;         /* ports (ICMP: type/code are in icmp_*) */
    const uint8_t *l4_hdr;
    uint16_t l4_hdr_len;
    const uint8_t *payload;
    uint32_t payload_len;

    /* TCP */
    uint8_t tcp_flags;
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_win;
    uint16_t tcp_urp;        /* urgent pointer (meaningful with TH_URG) */
    TcpOptions tcp_opts;

    /* ESP: the security parameter index keys the flow, one per direction. */
    uint32_t esp_spi;

    /* ICMPv4 / ICMPv6 */
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id, icmp_seq;

    /* Decoder events raised while decoding this packet, in order. */
    uint16_t events[PKT_MAX_EVENTS];
    uint8_t event_count;

    /* Filled by flow. */
    struct Flow *flow;
    bool to_server;          /* direction relative to the flow's first packet */
    uint32_t flow_hash;      /* symmetric hash of the flow key */
    /* Suricata's FLOW_PKT_ESTABLISHED: the flow was established when this packet reached
     * it, before the stream engine saw it (so the handshake's last ACK is not, unless it
     * carries data). The flow keyword reads it; pseudo packets use the flow's state. */
    bool flow_established;
    /* The flow's no_payload_inspection when this packet reached it (Suricata's
     * PKT_NOPAYLOAD_INSPECTION): the packet that carries the encrypted data setting it is
     * still inspected. */
    bool no_payload_inspection;

    /* Filled by stream: the payload went into reassembly (Suricata's PKT_STREAM_ADD), so
     * stream-inspected rules look at it in the raw stream, not here. */
    bool stream_added;
    /* A flow-end pseudo packet of raw stream inspection (no bytes; pkt_src "stream (flow
     * timeout)"). */
    bool stream_pseudo;
} Packet;

/* TCP flag bits as in the header. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PUSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECN 0x40
#define TH_CWR 0x80

/* Prepare a packet for decoding: copies the bytes, clears every decoded field. */
int packet_set_data(Packet *p, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                    uint64_t ts_usec, uint64_t pcap_cnt, int datalink);
void packet_free(Packet *p);
/* Record a decoder event on the packet (extra ones past PKT_MAX_EVENTS are dropped). */
void packet_add_event(Packet *p, DecodeEvent event);
bool packet_has_event(const Packet *p, DecodeEvent event);

#endif
