/*
 * flow.h - flows: the conversation a packet belongs to.
 *
 * A flow is keyed on the 5-tuple plus VLAN ids, in both directions: the first packet seen
 * decides which side is the client ("to_server"), as in Suricata. Each worker thread owns one
 * FlowTable, and the capture side sends both directions of a flow to the same worker (the
 * flow hash is symmetric), so no flow is ever shared between threads and no lock is needed.
 *
 * Flows end by timeout (packet time, per protocol and state, Suricata's defaults), by TCP port
 * reuse, by eviction under memory pressure, or at shutdown. Whoever removes a flow calls the
 * table's end callback first, which is where the EVE `flow` record is written.
 */
#ifndef BONGSU_FLOW_H
#define BONGSU_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "common/counters.h"
#include "decode/packet.h"

typedef enum FlowState { FLOW_STATE_NEW, FLOW_STATE_ESTABLISHED, FLOW_STATE_CLOSED } FlowState;

typedef enum FlowEndReason {
    FLOW_END_TIMEOUT,
    FLOW_END_FORCED,   /* evicted under memory pressure or reused */
    FLOW_END_SHUTDOWN, /* still open when the capture ended */
} FlowEndReason;

/* TCP connection state, kept by the stream engine (stream/stream-tcp.c) with Suricata's states
 * in Suricata's order: port reuse compares them ("at least LAST_ACK"). */
typedef enum FlowTcpState {
    FLOW_TCP_NONE,
    FLOW_TCP_SYN_SENT,
    FLOW_TCP_SYN_RECV,
    FLOW_TCP_ESTABLISHED,
    FLOW_TCP_FIN_WAIT1,
    FLOW_TCP_FIN_WAIT2,
    FLOW_TCP_TIME_WAIT,
    FLOW_TCP_LAST_ACK,
    FLOW_TCP_CLOSE_WAIT,
    FLOW_TCP_CLOSING,
    FLOW_TCP_CLOSED,
} FlowTcpState;

typedef struct FlowKey {
    Address src, dst;
    uint16_t sp, dp;           /* ESP: the SPI's two halves */
    uint16_t vlan_id[PKT_MAX_VLAN];
    uint8_t proto;
    uint8_t vlan_count;
} FlowKey;

/* MAC addresses seen on each side of a flow, for EVE's ether.src_macs/dest_macs. */
#define FLOW_MAX_MACS 4
typedef struct FlowMacSet {
    uint8_t client[FLOW_MAX_MACS][6], server[FLOW_MAX_MACS][6];
    uint8_t client_count, server_count;
} FlowMacSet;

typedef struct Flow {
    struct Flow *hash_next;            /* bucket chain */
    struct Flow *lru_prev, *lru_next;  /* least recently seen first */
    struct Flow *wheel_prev, *wheel_next; /* the timeout wheel slot of deadline_sec */
    uint64_t deadline_sec;             /* when its timeout may have passed; 0 = not scheduled */
    FlowKey key;                       /* src/sp = the client, the first packet's sender */
    uint32_t hash;
    uint64_t flow_id;
    uint64_t start_usec, last_usec;
    uint64_t pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient;
    FlowState state;
    FlowTcpState tcp_state;
    uint8_t tcp_flags_ts, tcp_flags_tc;
    uint8_t icmp_type, icmp_code;              /* first packet */
    uint8_t resp_icmp_type, resp_icmp_code;    /* first packet to the client */
    bool resp_icmp_seen;
    uint8_t min_ttl_ts, max_ttl_ts, min_ttl_tc, max_ttl_tc;
    uint32_t esp_spi;
    bool alerted;
    bool action_pass;                 /* a pass rule matched: EVE flow.action "pass" */
    /* a drop or reject rule of a flow-wide kind matched (IP-only, app-layer), as Suricata 7
     * even in IDS mode: EVE flow.action "drop"; like a pass, the rest of the flow is not
     * inspected. The first of the two to be set wins. */
    bool action_drop;
    bool bypassed;                    /* the bypass keyword matched (local bypass) */
    /* The app layer saw the session go encrypted (TLS application data, unless
     * encryption-handling is full): Suricata's FLOW_NOPAYLOAD_INSPECTION. From the next packet
     * on, no payload is inspected, the packet's or the raw stream's; each direction's raw
     * stream is flushed once more and then ends. no_reassembly (encryption-handling bypass)
     * ends it at once. */
    bool no_payload_inspection, no_reassembly;
    /* The app layer turned the flow around (a midstream pickup from the server's data):
     * until the stream layer swaps its session after this packet, its deliveries are read
     * the other way round. */
    bool swap_pending;
    /* detection ran the IP-only rules on this flow's packets to the server / to the client
     * (once per direction, as Suricata; here rather than in detection's per-flow store, where
     * the slot every flow needed for it cost ET Open's bench run about 28 MiB) */
    bool iponly_done_ts, iponly_done_tc;
    FlowMacSet macs;
    /* Owned by later stages, released through their flow-end hooks before the flow is. */
    struct TcpSession *tcp_session;   /* stream/stream-tcp.c */
    struct AppLayerFlow *app;         /* applayer/app-layer.c */
    struct IntelFlowState *intel;     /* intel/intel-match.c: indicators already alerted */
    uint32_t tcp_isn_ts, tcp_isn_tc;  /* set by the stream engine, for port-reuse checks */
} Flow;

typedef struct FlowTimeouts {
    uint32_t new_sec, established_sec, closed_sec;
    uint32_t emerg_new_sec, emerg_established_sec, emerg_closed_sec;
} FlowTimeouts;

enum { FLOW_PROTO_TCP, FLOW_PROTO_UDP, FLOW_PROTO_ICMP, FLOW_PROTO_DEFAULT, FLOW_PROTO_COUNT };

typedef struct FlowConfig {
    uint64_t memcap;            /* flow.memcap (bytes) */
    uint32_t hash_size;         /* flow.hash-size (buckets) */
    uint32_t emergency_recovery; /* percent of capacity that must be free to leave emergency */
    FlowTimeouts timeouts[FLOW_PROTO_COUNT];
    bool tcp_synack_starts;     /* stream.midstream or async-oneside: a SYN/ACK starts a session */
    bool vlan_tracking;         /* vlan.use-for-tracking: VLAN ids are part of the flow key */
} FlowConfig;

typedef struct FlowTable FlowTable;
typedef void (*FlowEndCallback)(Flow *f, FlowEndReason reason, uint64_t now_usec, void *ud);

void flow_config_default(FlowConfig *cfg);
void flow_register_counters(void);

/* memcap_share: the part of the configured memcap this table may use (workers split it). */
FlowTable *flow_table_new(const FlowConfig *cfg, uint64_t memcap_share, CounterSet *counters,
                          FlowEndCallback on_end, void *ud);
/* Ends every flow (reason shutdown) and frees the table. */
void flow_table_free(FlowTable *table, uint64_t now_usec);

/* Find or create the packet's flow, update its counters and state; sets p->flow and
 * p->to_server. Packets without ports/addresses, fragments and invalid packets get none. */
Flow *flow_handle_packet(FlowTable *table, Packet *p);
/* End flows whose timeout has passed at packet time now_usec. Returns how many ended. */
uint32_t flow_table_expire(FlowTable *table, uint64_t now_usec);
/* After the whole pipeline has seen a packet of f (its state may have changed): move f to
 * the timeout wheel slot of its new deadline. O(1). */
void flow_table_reschedule(FlowTable *table, Flow *f);
uint32_t flow_table_active(const FlowTable *table);

/* vlan.use-for-tracking: when off, flows are keyed and hashed without their VLAN ids (a
 * flow still records its first packet's). Set once at start-up, before any packet. */
void flow_hash_set_vlan_tracking(bool on);
/* Symmetric hash of the packet's flow key (same value for both directions). */
uint32_t flow_hash_packet(const Packet *p);

/* Names as Suricata logs them. */
const char *flow_state_name(FlowState state);
const char *flow_end_reason_name(FlowEndReason reason);
const char *flow_tcp_state_name(FlowTcpState state);

/* The stream engine picked a connection up from the server's SYN/ACK: the first packet's
 * sender was the server, so client and server (key, counters, flags, TTLs, MACs) swap. */
void flow_swap(Flow *f);

/* Community ID v1 ("1:base64") of the flow, with the given seed. */
void flow_community_id(const Flow *f, uint16_t seed, char out[64]);

#endif
