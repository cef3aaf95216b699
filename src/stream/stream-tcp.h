/*
 * stream-tcp.h - TCP session tracking and stream reassembly.
 *
 * For each TCP flow the stream engine follows the connection (three-way handshake, optional
 * midstream pickup, FIN/RST teardown, sequence numbers with wrap-around, windows), keeps the
 * segments of each direction, resolves overlaps with the target's policy (Suricata's
 * host-os-policy; "bsd" by default), notes gaps, and hands the in-order bytes of each
 * direction to the app layer (applayer_handle_data) as they become available: data sent
 * to the server is delivered once it is acknowledged (or at flow end), like Suricata's IDS
 * mode. Reassembly stops at stream.reassembly.depth (1 MiB default) per direction.
 *
 * Memory: sessions are bounded by stream.memcap and segment data by
 * stream.reassembly.memcap; what does not fit is dropped and counted (tcp.ssn_memcap_drop,
 * tcp.segment_memcap_drop), never allocated.
 *
 * Stream events (Suricata's stream.* names) are raised on the packet with
 * packet_add_event() and counted; the flow's tcp.state in EVE comes from here.
 */
#ifndef BONGSU_STREAM_TCP_H
#define BONGSU_STREAM_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "applayer/app-layer.h"
#include "common/counters.h"
#include "decode/packet.h"
#include "flow/flow.h"

typedef enum StreamOverlapPolicy {
    STREAM_POLICY_BSD,
    STREAM_POLICY_FIRST,
    STREAM_POLICY_LAST,
    STREAM_POLICY_LINUX,
    STREAM_POLICY_OLD_LINUX,
    STREAM_POLICY_WINDOWS,
    STREAM_POLICY_VISTA,
    STREAM_POLICY_SOLARIS,
    STREAM_POLICY_HPUX10,
    STREAM_POLICY_HPUX11,
    STREAM_POLICY_IRIX,
    STREAM_POLICY_MACOS,
} StreamOverlapPolicy;

typedef struct StreamConfig {
    uint64_t memcap;              /* stream.memcap: sessions */
    uint64_t reassembly_memcap;   /* stream.reassembly.memcap: segment data */
    uint32_t reassembly_depth;    /* stream.reassembly.depth, 0 = unlimited */
    bool midstream;               /* stream.midstream */
    bool async_oneside;           /* stream.async-oneside */
    bool checksum_validation;     /* stream.checksum-validation (and -k) */
    StreamOverlapPolicy default_policy;  /* host-os-policy default */
} StreamConfig;

typedef struct TcpSession TcpSession;
typedef struct StreamThread StreamThread;

struct ConfNode;
void stream_config_from_conf(const struct ConfNode *conf, StreamConfig *cfg);
void stream_register_counters(void);

/* One per worker; memcaps are this worker's share. */
StreamThread *stream_thread_new(const StreamConfig *cfg, uint64_t memcap_share,
                                CounterSet *counters, AppLayerThread *app);
void stream_thread_free(StreamThread *st);

/* A TCP packet whose flow is known (p->flow set). Updates the session in f->tcp_session and
 * delivers newly in-order data to the app layer. */
void stream_handle_packet(StreamThread *st, Flow *f, Packet *p);
/* The flow is ending: deliver what is left (EOF to the app layer) and free the session. */
void stream_flow_end(StreamThread *st, Flow *f, uint64_t now_usec);

/* For the flow record: Suricata's TCP state name ("established", "closed", ...), or NULL
 * when the flow has no session. */
const char *stream_tcp_state_name(const Flow *f);
/* Flow timeout state the session implies (new / established / closed). */
FlowState stream_flow_state(const Flow *f);

#endif
