/*
 * flow-tcp.c - the flow's view of TCP: port reuse, the flow swap of a midstream SYN/ACK
 * pickup, and the names of the connection states.
 *
 * The connection state itself (f->tcp_state, and f->state new/established/closed that picks
 * the flow timeout) is kept by the stream engine (stream/stream-tcp.c), which follows the
 * connection the way Suricata's does; the flow table only reads it here, when a packet that
 * could start a new connection arrives on an existing tuple. That decision must be taken
 * before the packet reaches the stream engine, because a reused tuple gets a new flow.
 */
#include "flow/flow-internal.h"

#include <string.h>

/* Suricata: a stream starter is a SYN without ACK, or with midstream/async pickups a SYN/ACK;
 * never with RST or FIN. */
static bool is_stream_starter(const Packet *p, bool synack_starts)
{
    uint8_t fl = p->tcp_flags;
    if (fl & (TH_RST | TH_FIN))
        return false;
    if ((fl & (TH_SYN | TH_ACK)) == TH_SYN)
        return true;
    return synack_starts && (fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK);
}

/* The old session is over (at least LAST_ACK) or never got going. */
static bool session_done(const Flow *f)
{
    return f->tcp_state >= FLOW_TCP_LAST_ACK || f->tcp_state == FLOW_TCP_NONE;
}

bool flow_tcp_is_reuse(const Flow *f, const Packet *p, bool to_server, bool synack_starts)
{
    if (!is_stream_starter(p, synack_starts))
        return false;
    bool has_session = f->tcp_session != NULL;
    if ((p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
        if (!has_session)
            return true; /* picked up after the handshake, or no session (memcap) */
        /* the client's SYN again: a retransmission, not a new connection */
        if (to_server && p->tcp_seq == f->tcp_isn_ts)
            return false;
        return session_done(f);
    }
    /* SYN/ACK: from the server it needs a session that is done and a new ISN */
    if (!to_server) {
        if (!has_session || p->tcp_seq == f->tcp_isn_tc)
            return false;
        return session_done(f);
    }
    return !has_session || session_done(f);
}

#define SWAP(type, a, b)                                                                      \
    do {                                                                                      \
        type tmp_ = (a);                                                                      \
        (a) = (b);                                                                            \
        (b) = tmp_;                                                                           \
    } while (0)

void flow_swap(Flow *f)
{
    SWAP(Address, f->key.src, f->key.dst);
    SWAP(uint16_t, f->key.sp, f->key.dp);
    SWAP(uint64_t, f->pkts_toserver, f->pkts_toclient);
    SWAP(uint64_t, f->bytes_toserver, f->bytes_toclient);
    SWAP(uint8_t, f->tcp_flags_ts, f->tcp_flags_tc);
    SWAP(uint8_t, f->min_ttl_ts, f->min_ttl_tc);
    SWAP(uint8_t, f->max_ttl_ts, f->max_ttl_tc);
    SWAP(uint32_t, f->tcp_isn_ts, f->tcp_isn_tc);
    FlowMacSet m = f->macs;
    memcpy(f->macs.client, m.server, sizeof(m.server));
    memcpy(f->macs.server, m.client, sizeof(m.client));
    f->macs.client_count = m.server_count;
    f->macs.server_count = m.client_count;
}

const char *flow_tcp_state_name(FlowTcpState state)
{
    static const char *const names[] = {
        [FLOW_TCP_NONE] = "none",
        [FLOW_TCP_SYN_SENT] = "syn_sent",
        [FLOW_TCP_SYN_RECV] = "syn_recv",
        [FLOW_TCP_ESTABLISHED] = "established",
        [FLOW_TCP_FIN_WAIT1] = "fin_wait1",
        [FLOW_TCP_FIN_WAIT2] = "fin_wait2",
        [FLOW_TCP_TIME_WAIT] = "time_wait",
        [FLOW_TCP_LAST_ACK] = "last_ack",
        [FLOW_TCP_CLOSE_WAIT] = "close_wait",
        [FLOW_TCP_CLOSING] = "closing",
        [FLOW_TCP_CLOSED] = "closed",
    };
    return names[state];
}
