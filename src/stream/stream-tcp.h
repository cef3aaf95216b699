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

/* host-os-policy: the overlap policy of the hosts in a network (longest prefix wins). */
#define STREAM_MAX_HOST_POLICIES 64
typedef struct StreamHostPolicy {
    Address net;
    uint8_t prefix_len;
    StreamOverlapPolicy policy;
} StreamHostPolicy;

/* What happens to a flow first seen midstream (stream.midstream-policy, else the
 * exception-policy master switch), as in Suricata's IDS mode: nothing, the flow is passed
 * (no detection; the session still starts when midstream is on), or bypassed (passed, no
 * session). Drop and reject policies are IPS-only and count as ignore here. */
typedef enum StreamMidstreamPolicy {
    STREAM_MIDSTREAM_IGNORE, STREAM_MIDSTREAM_PASS_FLOW, STREAM_MIDSTREAM_BYPASS
} StreamMidstreamPolicy;

/* stream.reassembly.urgent.policy: what becomes of the byte a TCP urgent pointer marks.
 * Inline keeps it in the stream (default); oob takes it out, as the receiving socket
 * does with SO_OOBINLINE off; gap leaves a hole in its place. "drop" drops urgent packets
 * in IPS mode only, so it reassembles as inline here. */
typedef enum {
    STREAM_URGENT_INLINE = 0,
    STREAM_URGENT_OOB,
    STREAM_URGENT_GAP,
} StreamUrgentPolicy;

typedef struct StreamConfig {
    uint64_t memcap;              /* stream.memcap: sessions */
    uint64_t reassembly_memcap;   /* stream.reassembly.memcap: segment data */
    uint32_t reassembly_depth;    /* stream.reassembly.depth, 0 = unlimited */
    /* stream.reassembly.to{server,client}-chunk-size: acknowledged bytes that make the raw
     * stream ready for inspection (Suricata's default 2560, without its randomisation) */
    uint32_t raw_chunk_toserver, raw_chunk_toclient;
    bool midstream;               /* stream.midstream */
    bool async_oneside;           /* stream.async-oneside */
    StreamMidstreamPolicy midstream_policy;
    bool checksum_validation;     /* stream.checksum-validation (and -k) */
    /* pcap-file.checksum-checks: auto (no -k): validation stops when more than a tenth of
     * the first 1000 packets had bad checksums (offloading, as Suricata assumes) */
    bool checksum_auto;
    bool check_overlap_different_data; /* stream.reassembly.check-overlap-different-data */
    StreamUrgentPolicy urgent_policy;    /* stream.reassembly.urgent.policy */
    StreamOverlapPolicy default_policy;  /* hosts no host-os-policy entry covers: bsd */
    StreamHostPolicy hosts[STREAM_MAX_HOST_POLICIES];
    uint32_t host_count;
} StreamConfig;

typedef struct TcpSession TcpSession;
typedef struct StreamThread StreamThread;

/* Suricata's defaults: 64 MiB sessions, 256 MiB segments, 1 MiB depth, no midstream, bsd. */
void stream_config_default(StreamConfig *cfg);
struct ConfNode;
/* Defaults, then stream.* and host-os-policy from conf. Unknown policy names and bad
 * networks are skipped with a warning; entries past STREAM_MAX_HOST_POLICIES too. */
void stream_config_from_conf(const struct ConfNode *conf, StreamConfig *cfg);
/* A host-os-policy name ("bsd", "windows", "linux", ...) or -1. */
int stream_policy_by_name(const char *name);
void stream_register_counters(void);

/* One per worker; each of `workers` threads gets an equal share of both memcaps. */
StreamThread *stream_thread_new(const StreamConfig *cfg, uint32_t workers, CounterSet *counters,
                                AppLayerThread *app);
void stream_thread_free(StreamThread *st);
/* Where in-order data goes: applayer_handle_data() by default; tests and fuzzers record it
 * instead. Same arguments and flags (APP_FLAG_GAP, APP_FLAG_EOF). */
typedef void (*StreamDataSink)(void *ud, Flow *f, const Packet *p, bool to_server,
                               const uint8_t *data, uint32_t len, uint32_t flags);
void stream_thread_set_sink(StreamThread *st, StreamDataSink sink, void *ud);

/* A TCP packet whose flow is known (p->flow set). Updates the session in f->tcp_session and
 * delivers newly in-order data to the app layer. */
void stream_handle_packet(StreamThread *st, Flow *f, Packet *p);
/* The flow is ending: deliver what is left (then EOF) to the app layer and free the segments.
 * The session itself stays for the flow record until stream_flow_free(). */
void stream_flow_end(StreamThread *st, Flow *f, uint64_t now_usec);
/* The first half of stream_flow_end: what is left goes to the app layer (Suricata's
 * flow-end pseudo packets pass the stream engine before detection), the segments stay for
 * raw stream inspection. stream_flow_end does this too when it was not done. */
void stream_flow_flush(StreamThread *st, Flow *f);
void stream_flow_free(StreamThread *st, Flow *f);
/* Whether the ending flow's direction gets one of Suricata's flow-timeout pseudo packets
 * for the stream's sake (FlowForceReassemblyNeedReassembly): the session was not closed, or
 * the direction holds data the app layer (contiguous from its progress) or raw inspection
 * has not had yet. Call before stream_flow_flush. False without a session. */
bool stream_flow_end_needs_pseudo(const StreamThread *st, const Flow *f, bool to_server);

/* For the flow record (EVE `tcp`): what Suricata takes from the session. False when the flow
 * has no session (Suricata then logs flags 00 and no state). */
typedef struct StreamFlowInfo {
    uint8_t tcp_flags, tcp_flags_ts, tcp_flags_tc;
    FlowTcpState state;
    bool ts_gap, tc_gap;
    uint16_t ts_max_regions, tc_max_regions;
} StreamFlowInfo;
bool stream_flow_info(const Flow *f, StreamFlowInfo *info);

/* How far each side has got (next expected sequence number minus the initial one, SYN
 * included), for stream_size. False when the flow has no TCP session. */
bool stream_seen_bytes(const Flow *f, uint32_t *client, uint32_t *server);

/* Raw stream inspection (stream-tcp-raw.c, used by detect/detect-stream-inspect.c): rules
 * with payload contents and no sticky buffer see a TCP direction's reassembled bytes rather
 * than its packets, as Suricata's raw stream engine. Each direction has a raw progress; a
 * packet of an established session makes its own direction ready once the other side has
 * acknowledged a chunk's worth past it, when the app layer asked (a transaction completed:
 * AppLayerFlow.raw_trigger),
 * when the depth was reached, or at flow end (eof). Segments stay until both the app layer
 * and raw inspection are past them. Without stream_raw_enable() (no such rules) nothing of
 * this runs and segments go as soon as the app layer has them. */
void stream_raw_enable(StreamThread *st);
/* One contiguous piece of reassembled data at stream offset `off`; return false to stop. */
typedef bool (*StreamRawChunkFn)(void *ud, const uint8_t *data, uint32_t len, uint64_t off);
/* When the packet's direction is ready (or eof), walks its contiguous pieces from the raw
 * progress to the right edge (acknowledged data, or all of it at eof; after a gap as
 * Suricata 7 cuts it, see walk_window) and moves the progress on. Returns whether it
 * walked anything. */
bool stream_raw_inspect(StreamThread *st, Flow *f, bool to_server, bool eof, StreamRawChunkFn fn,
                        void *ud);
/* Whether the packet's direction has raw data waiting that it would make ready (Suricata's
 * StreamReassembleRawHasDataReady, asked before the packet's rules run): something stored
 * past the raw progress, and a chunk acknowledged past it, an app-layer request, the depth
 * or a closing session. Moves nothing on. */
bool stream_raw_has_data(const StreamThread *st, Flow *f, bool to_server);
/* A packet without payload inspection (Packet.no_payload_inspection) where the direction
 * had data ready: nothing is inspected, and its raw stream ends (Flow.no_payload_inspection). */
void stream_raw_skip(Flow *f, bool to_server);
/* Ends the direction's raw stream, and whether it has (or the flow has no session). */
void stream_raw_end(Flow *f, bool to_server);
bool stream_raw_ended(const Flow *f, bool to_server);
/* Walks what the direction still holds, from its oldest kept byte (the alert payload of a
 * stream match, as Suricata logs it). */
void stream_raw_log(const Flow *f, bool to_server, bool eof, StreamRawChunkFn fn, void *ud);
/* The same as Suricata 7.0.7 writes it into an alert's payload: the pieces back to back, a
 * gap between two as "[N bytes missing]", at most cap bytes into buf; returns the length.
 * all: unacknowledged bytes too (eof, or a transaction's alert). */
uint32_t stream_raw_dump(const Flow *f, bool to_server, bool all, uint8_t *buf, uint32_t cap);

#endif
