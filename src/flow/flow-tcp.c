/*
 * flow-tcp.c - the TCP connection state a flow needs for its timeouts and its EVE record.
 *
 * This is deliberately the flow's view only (handshake, FIN/RST, port reuse); sequence and
 * window tracking and reassembly belong to the stream engine. A connection becomes
 * "established" after the three-way handshake and "closed" after a RST or after both FINs have
 * been acknowledged, which selects the per-state timeouts the way Suricata's stream engine
 * does. Without a SYN the connection is never established (no midstream pickup).
 */
#include "flow/flow-internal.h"

static void tcp_handshake(Flow *f, uint8_t flags, bool to_server)
{
    bool syn = flags & TH_SYN, ack = flags & TH_ACK;
    switch (f->tcp_state) {
    case FLOW_TCP_NONE:
        if (syn && !ack && to_server)
            f->tcp_state = FLOW_TCP_SYN_SENT;
        break;
    case FLOW_TCP_SYN_SENT:
        if (syn && ack && !to_server)
            f->tcp_state = FLOW_TCP_SYN_RECV;
        break;
    case FLOW_TCP_SYN_RECV:
        if (ack && !syn && to_server) {
            f->tcp_state = FLOW_TCP_ESTABLISHED;
            f->state = FLOW_STATE_ESTABLISHED;
        }
        break;
    default:
        break;
    }
}

/* FIN handling: the side that sends the first FIN goes through FIN_WAIT; once both FINs have
 * been sent and the second one is acknowledged the connection is closed. */
static void tcp_teardown(Flow *f, const Packet *p, bool to_server)
{
    if (p->tcp_flags & TH_FIN) {
        uint32_t fin_end = p->tcp_seq + p->payload_len + 1;
        if (to_server && !f->fin_ts) {
            f->fin_ts = true;
            f->tcp_fin_seq_ts = fin_end;
        } else if (!to_server && !f->fin_tc) {
            f->fin_tc = true;
            f->tcp_fin_seq_tc = fin_end;
        }
        if (f->fin_ts && f->fin_tc)
            f->tcp_state = FLOW_TCP_LAST_ACK;
        else
            f->tcp_state = FLOW_TCP_FIN_WAIT1;
        return;
    }
    if (!(p->tcp_flags & TH_ACK))
        return;
    if (f->tcp_state == FLOW_TCP_LAST_ACK) {
        /* the ACK of the second FIN travels opposite to it */
        uint32_t want = to_server ? f->tcp_fin_seq_tc : f->tcp_fin_seq_ts;
        if (p->tcp_ack == want) {
            f->tcp_state = FLOW_TCP_CLOSED;
            f->state = FLOW_STATE_CLOSED;
        }
    } else if (f->tcp_state == FLOW_TCP_FIN_WAIT1) {
        bool acks_fin = to_server ? (f->fin_tc && p->tcp_ack == f->tcp_fin_seq_tc)
                                  : (f->fin_ts && p->tcp_ack == f->tcp_fin_seq_ts);
        if (acks_fin)
            f->tcp_state = FLOW_TCP_FIN_WAIT2;
    }
}

void flow_tcp_update(Flow *f, const Packet *p, bool to_server)
{
    if (p->tcp_flags & TH_RST) {
        if (f->tcp_state != FLOW_TCP_NONE) {
            f->tcp_state = FLOW_TCP_CLOSED;
            f->state = FLOW_STATE_CLOSED;
        }
        return;
    }
    if (f->tcp_state < FLOW_TCP_ESTABLISHED) {
        tcp_handshake(f, p->tcp_flags, to_server);
        return;
    }
    if (f->tcp_state != FLOW_TCP_CLOSED)
        tcp_teardown(f, p, to_server);
}

bool flow_tcp_is_reuse(const Flow *f, const Packet *p)
{
    bool pure_syn = (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN;
    return pure_syn && f->tcp_state == FLOW_TCP_CLOSED;
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
        [FLOW_TCP_CLOSING] = "closing",
        [FLOW_TCP_CLOSE_WAIT] = "close_wait",
        [FLOW_TCP_LAST_ACK] = "last_ack",
        [FLOW_TCP_TIME_WAIT] = "time_wait",
        [FLOW_TCP_CLOSED] = "closed",
    };
    return names[state];
}
