/*
 * stream-tcp-private.h - what the stream/ files share: the session and per-direction stream
 * structures, segments, the thread context and the counter ids.
 *
 * A TcpSession hangs off Flow.tcp_session. It holds two TcpStreams, named after who sends
 * them as in Suricata: `client` carries the bytes the client sends (to_server), `server` the
 * bytes the server sends. A stream's `last_ack` is the highest ACK the *other* side sent for
 * it, which is what IDS-mode delivery waits for.
 *
 * Positions inside a stream's data are 64-bit offsets (0 = the byte after the ISN), so depth,
 * progress and gaps are plain comparisons and never wrap; 32-bit sequence numbers are turned
 * into offsets relative to the app-layer progress (see seq_to_offset()), which is correct for
 * any segment within 2 GiB of it.
 */
#ifndef BONGSU_STREAM_TCP_PRIVATE_H
#define BONGSU_STREAM_TCP_PRIVATE_H

#include "stream/stream-tcp.h"

/* Sequence number comparisons modulo 2^32. */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#define TCP_WSCALE_MAX 14
#define PAWS_24DAYS (24u * 24 * 60 * 60)

/* One accepted TCP payload, header and bytes in a single allocation. Segments of a stream
 * form a list sorted by offset; they may overlap (retransmissions), in which case the
 * overlapping bytes are kept identical, as the overlap policy decided. */
typedef struct StreamSegment {
    struct StreamSegment *prev, *next;
    uint64_t off;
    uint32_t len;
    uint8_t data[];
} StreamSegment;

/* TcpStream.flags */
enum {
    STREAM_F_DEPTH_REACHED = 0x0001, /* stream.reassembly.depth hit: no more data kept */
    STREAM_F_HAS_GAP = 0x0002,       /* the app layer was told about missing data */
    /* this side was sent a RST it may have ignored (one answering its SYN, or one with a
     * TCP-MD5/AO signature nobody here can check): if the RST's sender goes on talking, the
     * RST was likely injected (stream.suspected_rst_inject, stream-tcp.c) */
    STREAM_F_RST_RECV = 0x0004,
    STREAM_F_ZERO_TS = 0x0008,       /* the handshake carried a zero timestamp */
    STREAM_F_TIMESTAMP = 0x0010,     /* the SYN carried timestamps */
    STREAM_F_KEEPALIVE = 0x0020,     /* the last packet was a keep-alive */
    STREAM_F_EOF_SENT = 0x0040,      /* the app layer has seen the end of this direction */
    STREAM_F_DATA_SEEN = 0x0080,     /* a segment was ever stored */
    STREAM_F_RAW_TRIGGER = 0x0100,   /* inspect the raw stream at this side's next packet */
    STREAM_F_RAW_OFF = 0x0200,       /* raw inspection ended (Flow.no_payload_inspection) */
};

typedef struct TcpStream {
    uint32_t isn;
    uint32_t next_seq;     /* the next sequence number expected from this side */
    uint32_t last_ack;     /* highest ACK of this side's data, sent by the other side */
    uint32_t next_win;     /* right edge of what the other side allows this side to send */
    uint32_t window;       /* this side's receive window (scaled) */
    uint32_t last_ts;      /* timestamp value last accepted from this side */
    uint32_t last_pkt_ts;  /* packet time (seconds) of that timestamp */
    uint16_t flags;
    uint8_t wscale;
    uint8_t tcp_flags;     /* union of the flags this side sent */
    StreamOverlapPolicy policy;
    bool policy_set;
    /* reassembly */
    StreamSegment *head, *tail;
    uint64_t app_progress; /* offset up to which the app layer has the data */
    uint64_t base_off;     /* data below this was freed (at most app_progress) */
    uint64_t right_edge;   /* end of the furthest segment ever stored */
    uint64_t raw_progress; /* offset up to which raw stream inspection has looked */
    uint16_t regions, max_regions;
    /* urgent bytes taken out of band so far (stream.reassembly.urgent.policy oob): later
     * sequence numbers map that much lower in the stream (Suricata's 64k budget) */
    uint16_t urg_offset;
} TcpStream;

/* TcpSession.flags */
enum {
    SSN_F_MIDSTREAM = 0x0001,        /* picked up without seeing the handshake */
    SSN_F_MIDSTREAM_SYNACK = 0x0002, /* picked up from the server's SYN/ACK */
    SSN_F_ASYNC = 0x0004,            /* one side only (stream.async-oneside) */
    SSN_F_TIMESTAMP = 0x0008,        /* both sides use timestamps: PAWS checks apply */
    SSN_F_CLOSED_BY_RST = 0x0010,
    SSN_F_SERVER_WSCALE = 0x0020,    /* the client offered window scaling */
    SSN_F_SACKOK = 0x0040,
    SSN_F_4WHS = 0x0080,             /* the server answered the SYN with a SYN */
    SSN_F_TFO = 0x0100,              /* TCP Fast Open: the SYN may carry data */
    /* A gap went to the app layer, or the memcap refused a segment: the session is lossy, and a RST is taken without the
     * sequence and ACK checks (Suricata's STREAMTCP_FLAG_LOSSY_BE_LIBERAL), so the data the
     * RST's sequence number shows acknowledged is still delivered. */
    SSN_F_LOSSY = 0x0200,
};

struct TcpSession {
    FlowTcpState state, pstate;
    uint16_t flags;
    uint8_t tcp_flags;     /* union of every packet's flags, for the flow record */
    TcpStream client, server;
};

typedef struct StreamCounterIds {
    CounterId sessions, ssn_memcap_drop, midstream_pickups, syn, synack, rst, invalid_checksum,
        pkt_on_wrong_thread, segment_memcap_drop, stream_depth_reached, reassembly_gap, overlap,
        overlap_diff_data, memuse, reassembly_memuse, urgent_oob_data;
} StreamCounterIds;

extern StreamCounterIds stream_ids;

/* Segment block sizes (stream-tcp-reassemble.c seg_alloc) */
#define STREAM_SEG_CLASSES 4

struct StreamThread {
    StreamConfig cfg;
    uint64_t ssn_memcap, seg_memcap;   /* this worker's shares */
    uint64_t ssn_memuse, seg_memuse;
    uint32_t workers;
    uint64_t invalid_checksums;   /* for the checksum auto mode */
    CounterSet *counters;
    StreamDataSink sink;
    void *sink_ud;
    StreamSegment *spare_segs[STREAM_SEG_CLASSES]; /* freed blocks of each size, for reuse */
    uint32_t spare_count;         /* in all classes */
    bool raw_enabled;             /* raw stream inspection: keep segments for it */
    uint8_t *raw_buf;             /* contiguous raw data handed to inspection */
    size_t raw_cap;
    uint8_t *app_buf;             /* a run of segments handed to the app layer as one chunk */
    size_t app_cap;
};

/* The piece of data from `start` (inside `seg`) that continues without a gap through the
 * segments after it, up to `limit`: in place when it lies in `seg`, else assembled in *buf
 * (grown with array_reserve; *cap its size). When *buf cannot grow, or buf is NULL, only
 * seg's part. Copies of overlapping segments agree, so each byte comes from the first
 * segment that has it. *len gets the piece's length. Reassembly (one app-layer chunk per
 * run) and raw inspection (one inspected piece per run) both cut runs with it. */
const uint8_t *stream_run_piece(const StreamSegment *seg, uint64_t start, uint64_t limit,
                                uint8_t **buf, size_t *cap, uint32_t *len);

/* What reassembly should do after a packet was accepted by the state machine (Suricata's
 * update directions): IDS mode delivers the other direction's acknowledged data; a RST, a
 * closed session or the depth limit also deliver the packet's own direction. */
typedef enum StreamUpdateDir {
    UPDATE_DIR_OPPOSING,
    UPDATE_DIR_PACKET,
    UPDATE_DIR_BOTH,
} StreamUpdateDir;

/* stream-tcp-reassemble.c */
void stream_spare_segments_free(StreamThread *st);
void stream_reassemble_packet(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p);
void stream_reassemble_flush(StreamThread *st, TcpSession *ssn, Flow *f);
void stream_segments_free(StreamThread *st, TcpStream *s);
int64_t stream_seq_to_offset(const TcpStream *s, uint32_t seq);

/* stream-tcp-state.c: the states after the handshake. Each returns -1 when the packet is
 * rejected (an event says why), 0 when accepted without reassembly, 1 when accepted and its
 * payload and ACK go to reassembly. */
int stream_state_established(StreamThread *st, TcpSession *ssn, Packet *p);
int stream_state_closing(TcpSession *ssn, Packet *p);
bool stream_validate_rst(TcpSession *ssn, Packet *p);
bool stream_timestamp_check(TcpSession *ssn, Packet *p, bool update);
void stream_set_state(TcpSession *ssn, Flow *f, FlowTcpState state);
void stream_update_last_ack(TcpStream *s, uint32_t ack);
void stream_set_next_seq(TcpSession *ssn, TcpStream *s, uint32_t seq);

/* stream-tcp-raw.c: where segments may be freed up to (the app layer's and raw
 * inspection's progress, whichever is behind; the latter less min_inspect_depth, what the
 * app layer wants kept behind it). */
uint64_t stream_raw_keep_from(const StreamThread *st, const TcpStream *s,
                              uint32_t min_inspect_depth);

/* stream-config.c */
StreamOverlapPolicy stream_policy_for(const StreamConfig *cfg, const Address *dst);

/* stream-tcp-checksum.c */
bool stream_tcp_checksum_ok(const Packet *p);

static inline TcpStream *sender_stream(TcpSession *ssn, const Packet *p)
{
    return p->to_server ? &ssn->client : &ssn->server;
}

static inline TcpStream *receiver_stream(TcpSession *ssn, const Packet *p)
{
    return p->to_server ? &ssn->server : &ssn->client;
}

static inline void stream_event(Packet *p, DecodeEvent ev)
{
    packet_add_event(p, ev);
}

#endif
