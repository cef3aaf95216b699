/*
 * stream-tcp-state.c - the TCP states after the handshake: ESTABLISHED and the teardown
 * states (FIN_WAIT1/2, CLOSING, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSED), plus the checks
 * every state shares (ACK, RST and timestamp validation).
 *
 * The transitions are Suricata's, including its naming: a FIN from the client moves the
 * session to CLOSE_WAIT, a FIN from the server to FIN_WAIT1; a FIN+ACK answering a FIN goes to
 * TIME_WAIT, a bare FIN to CLOSING; the last ACK closes the session. A packet that breaks the
 * rules of its state (wrong sequence number, ACK outside the window, timestamp going
 * backwards) raises Suricata's stream event and is not used for reassembly; that keeps
 * injected or stray packets out of the reassembled data, as the receiver would drop them.
 *
 * Each state handler returns -1 (rejected), 0 (accepted, nothing for reassembly) or 1
 * (accepted: its ACK and payload go to reassembly).
 */
#include "stream/stream-tcp-private.h"

void stream_set_state(TcpSession *ssn, Flow *f, FlowTcpState state)
{
    if (state == ssn->state)
        return;
    ssn->pstate = ssn->state;
    ssn->state = state;
    f->tcp_state = state;
    /* Suricata's FlowUpdateState: the flow timeout follows the session */
    switch (state) {
    case FLOW_TCP_ESTABLISHED:
    case FLOW_TCP_FIN_WAIT1:
    case FLOW_TCP_FIN_WAIT2:
    case FLOW_TCP_CLOSING:
    case FLOW_TCP_CLOSE_WAIT:
        f->state = FLOW_STATE_ESTABLISHED;
        break;
    case FLOW_TCP_LAST_ACK:
    case FLOW_TCP_TIME_WAIT:
    case FLOW_TCP_CLOSED:
        f->state = FLOW_STATE_CLOSED;
        break;
    default:
        break;
    }
}

void stream_update_last_ack(TcpStream *s, uint32_t ack)
{
    if (SEQ_GT(ack, s->last_ack))
        s->last_ack = ack;
}

/* One side only: nobody acknowledges this side's data, so it counts as acknowledged once
 * sent. */
void stream_set_next_seq(TcpSession *ssn, TcpStream *s, uint32_t seq)
{
    s->next_seq = seq;
    if ((ssn->flags & SSN_F_ASYNC) && SEQ_GT(s->next_seq, s->last_ack))
        s->last_ack = s->next_seq;
}

static void update_next_win(TcpStream *s)
{
    uint32_t win = s->last_ack + s->window;
    if (SEQ_GT(win, s->next_win))
        s->next_win = win;
}

/* Suricata's StreamTcpValidateAck: `acked` is the stream the packet acknowledges. */
static bool ack_valid(const TcpSession *ssn, const TcpStream *acked, Packet *p)
{
    if (!(p->tcp_flags & TH_ACK))
        return true;
    uint32_t ack = p->tcp_ack;
    if (SEQ_GT(ack, acked->last_ack) && SEQ_LEQ(ack, acked->next_win))
        return true;
    if (ack == acked->last_ack)
        return true;
    if (SEQ_LT(ack, acked->last_ack)) {
        if (acked->window != 0 && SEQ_LT(ack, acked->last_ack - acked->window))
            goto invalid;
        return true;
    }
    if (ssn->flags & SSN_F_ASYNC)
        return true;
    if (ssn->state > FLOW_TCP_SYN_SENT && SEQ_GT(ack, acked->next_win))
        goto invalid;
    if (ssn->state == FLOW_TCP_SYN_SENT && !p->to_server && (p->tcp_flags & TH_RST) &&
        ack == acked->isn + 1)
        return true;
invalid:
    stream_event(p, DE_STREAM_PKT_INVALID_ACK);
    return false;
}

/* PAWS as Suricata does it: a timestamp may not go backwards (Linux allows off by one), and
 * zero timestamps are judged by the receiver's operating system. With `update` an accepted
 * in-order packet's timestamp becomes the new reference. */
bool stream_timestamp_check(TcpSession *ssn, Packet *p, bool update)
{
    if (!p->tcp_opts.has_timestamp)
        return true;
    TcpStream *snd = sender_stream(ssn, p), *rcv = receiver_stream(ssn, p);
    StreamOverlapPolicy os = snd->policy; /* the receiver's system */
    uint32_t ts = p->tcp_opts.ts_value, now = (uint32_t)(p->ts_usec / 1000000);
    uint32_t last_ts = snd->last_ts, last_pkt_ts = snd->last_pkt_ts;
    bool check = true, in_order = p->tcp_seq == snd->next_seq;
    (void)rcv;
    if (snd->flags & STREAM_F_ZERO_TS) {
        if (os == STREAM_POLICY_LINUX)
            check = false;
        else if ((os == STREAM_POLICY_OLD_LINUX || os == STREAM_POLICY_WINDOWS ||
                  os == STREAM_POLICY_VISTA) && in_order) {
            last_ts = ts;
            check = false;
        }
    }
    if (os == STREAM_POLICY_HPUX11 && !in_order)
        check = false;
    if (ts == 0 && os != STREAM_POLICY_OLD_LINUX && os != STREAM_POLICY_WINDOWS &&
        os != STREAM_POLICY_VISTA && os != STREAM_POLICY_SOLARIS)
        goto invalid;
    if (check) {
        int32_t diff = (int32_t)(ts - last_ts) + (os == STREAM_POLICY_LINUX ? 1 : 0);
        if (last_pkt_ts == 0 && (ssn->flags & SSN_F_MIDSTREAM))
            last_pkt_ts = now;
        bool stale = now > last_pkt_ts + PAWS_24DAYS;
        bool bad = diff < 0 || (snd->last_ts != 0 && stale);
        /* RFC 1323: an old reference timestamp is no reason to drop in-order data */
        if (bad && !(in_order && stale))
            goto invalid;
    }
    if (update && in_order) {
        snd->last_ts = ts;
        snd->last_pkt_ts = now;
        if (ts != 0)
            snd->flags &= (uint16_t)~STREAM_F_ZERO_TS;
    }
    return true;
invalid:
    stream_event(p, DE_STREAM_PKT_INVALID_TIMESTAMP);
    return false;
}

/* Would the receiver accept this RST? Suricata models the receiving system: BSD-like stacks
 * want the exact next sequence number, Linux and Solaris anything inside the window. */
bool stream_validate_rst(TcpSession *ssn, Packet *p)
{
    if (ssn->flags & SSN_F_LOSSY)
        return true;
    if (ssn->flags & SSN_F_TIMESTAMP && !stream_timestamp_check(ssn, p, false))
        return false;
    TcpStream *snd = sender_stream(ssn, p), *rcv = receiver_stream(ssn, p);
    if ((p->tcp_flags & TH_ACK) && p->tcp_ack && !ack_valid(ssn, rcv, p)) {
        stream_event(p, DE_STREAM_RST_INVALID_ACK);
        return false;
    }
    /* A signed RST is taken, but the receiver may drop it for a bad signature: keep watching
     * whether its sender carries on (as Suricata 7). */
    if (p->tcp_opts.has_signature)
        rcv->flags |= STREAM_F_RST_RECV;
    uint32_t seq = p->tcp_seq;
    if (ssn->flags & SSN_F_ASYNC)
        return SEQ_GEQ(seq, snd->next_seq);
    switch (snd->policy) {
    case STREAM_POLICY_HPUX11:
        return SEQ_GEQ(seq, snd->next_seq);
    case STREAM_POLICY_OLD_LINUX:
    case STREAM_POLICY_LINUX:
    case STREAM_POLICY_SOLARIS:
        return SEQ_GEQ(seq + p->payload_len, snd->last_ack) &&
               SEQ_LT(seq, snd->next_seq + snd->window);
    default:
        return seq == snd->next_seq;
    }
}

/* An accepted RST closes the session in any state. */
static int handle_rst(TcpSession *ssn, Flow *f, Packet *p)
{
    if (!stream_validate_rst(ssn, p))
        return -1;
    TcpStream *snd = sender_stream(ssn, p), *rcv = receiver_stream(ssn, p);
    ssn->flags |= SSN_F_CLOSED_BY_RST;
    stream_set_state(ssn, f, FLOW_TCP_CLOSED);
    if ((p->tcp_flags & TH_ACK) && ack_valid(ssn, rcv, p))
        stream_update_last_ack(rcv, p->tcp_ack);
    stream_update_last_ack(snd, p->tcp_seq);
    if (ssn->flags & SSN_F_TIMESTAMP)
        stream_timestamp_check(ssn, p, true);
    return 1;
}

/* Suricata's StreamTcpPacketIsRetransmission: data the receiver has (or was sent) already. */
static bool is_retransmission(Packet *p, const TcpStream *snd)
{
    if (p->payload_len == 0)
        return false;
    uint32_t end = p->tcp_seq + p->payload_len;
    if ((SEQ_LT(p->tcp_seq, snd->last_ack) && SEQ_GT(end, snd->last_ack)) ||
        SEQ_LEQ(end, snd->last_ack) || SEQ_LEQ(end, snd->next_seq)) {
        stream_event(p, DE_STREAM_PKT_RETRANSMISSION);
        return true;
    }
    return false;
}

/* What every accepted packet updates: the window it advertises, the ACK of the other side's
 * data (and that side's next_seq when the ACK shows packets we missed), the timestamp. */
static void accept_ack(TcpSession *ssn, Packet *p, TcpStream *rcv)
{
    rcv->window = (uint32_t)p->tcp_win << rcv->wscale;
    if (p->tcp_flags & TH_ACK) {
        if (SEQ_LT(rcv->next_seq, p->tcp_ack))
            rcv->next_seq = p->tcp_ack;
        stream_update_last_ack(rcv, p->tcp_ack);
    }
    if (ssn->flags & SSN_F_TIMESTAMP)
        stream_timestamp_check(ssn, p, true);
    update_next_win(rcv);
}

/* Data in ESTABLISHED that lies before what was acknowledged: fine for a one-sided session
 * (and it teaches us the ACK), or after ACKs for data we never saw; else rejected. */
static bool before_last_ack_ok(TcpSession *ssn, Packet *p, TcpStream *snd, bool async_cfg)
{
    uint32_t end = p->tcp_seq + p->payload_len;
    if (SEQ_GEQ(end, snd->last_ack))
        return true;
    if (ssn->flags & SSN_F_ASYNC) {
        stream_update_last_ack(snd, p->tcp_seq);
        return true;
    }
    if (async_cfg && (ssn->flags & SSN_F_MIDSTREAM) &&
        (snd->next_seq == p->tcp_seq || snd->last_ack == snd->isn + 1)) {
        stream_update_last_ack(snd, p->tcp_seq);
        ssn->flags |= SSN_F_ASYNC;
        return true;
    }
    if (SEQ_GT(snd->last_ack, snd->next_seq) && SEQ_GT(end, snd->next_seq))
        return true;
    stream_event(p, DE_STREAM_EST_PKT_BEFORE_LAST_ACK);
    return false;
}

static int established_data(StreamThread *st, TcpSession *ssn, Packet *p)
{
    TcpStream *snd = sender_stream(ssn, p), *rcv = receiver_stream(ssn, p);
    if ((p->tcp_flags & TH_ACK) && !ack_valid(ssn, rcv, p)) {
        stream_event(p, DE_STREAM_EST_INVALID_ACK);
        return -1;
    }
    uint32_t end = p->tcp_seq + p->payload_len;
    bool keepalive = p->payload_len <= 1 && p->tcp_seq == snd->next_seq - 1;
    if (!keepalive && !before_last_ack_ok(ssn, p, snd, st->cfg.async_oneside))
        return -1;
    if (SEQ_GEQ(end, snd->next_seq))
        stream_set_next_seq(ssn, snd, end);
    if (!SEQ_LEQ(end, snd->next_win) && !(ssn->flags & (SSN_F_MIDSTREAM | SSN_F_ASYNC))) {
        stream_event(p, DE_STREAM_EST_PACKET_OUT_OF_WINDOW);
        return -1;
    }
    accept_ack(ssn, p, rcv);
    return 1;
}

/* A FIN in SYN_RECV or ESTABLISHED: from the client -> CLOSE_WAIT, from the server ->
 * FIN_WAIT1. Suricata counts the FIN in next_seq only for the server side. */
static int established_fin(TcpSession *ssn, Flow *f, Packet *p)
{
    TcpStream *snd = sender_stream(ssn, p), *rcv = receiver_stream(ssn, p);
    if (!ack_valid(ssn, rcv, p)) {
        stream_event(p, DE_STREAM_FIN_INVALID_ACK);
        return -1;
    }
    uint32_t end = p->tcp_seq + p->payload_len;
    if (!SEQ_GEQ(p->tcp_seq, snd->last_ack) || !SEQ_LEQ(end, snd->next_win)) {
        stream_event(p, DE_STREAM_FIN_OUT_OF_WINDOW);
        return -1;
    }
    stream_set_state(ssn, f, p->to_server ? FLOW_TCP_CLOSE_WAIT : FLOW_TCP_FIN_WAIT1);
    snd->next_seq = p->to_server ? end : end + 1;
    accept_ack(ssn, p, rcv);
    return 1;
}

int stream_state_established(StreamThread *st, TcpSession *ssn, Packet *p)
{
    Flow *f = p->flow;
    uint8_t fl = p->tcp_flags;
    if (fl & TH_RST)
        return handle_rst(ssn, f, p);
    if ((ssn->flags & SSN_F_TIMESTAMP) && !(fl & TH_SYN) && !stream_timestamp_check(ssn, p, false))
        return -1;
    if (fl & TH_FIN)
        return established_fin(ssn, f, p);
    if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        if (p->to_server)
            stream_event(p, DE_STREAM_EST_SYNACK_TOSERVER);
        else if (p->tcp_ack != ssn->client.last_ack)
            stream_event(p, DE_STREAM_EST_SYNACK_RESEND_WITH_DIFF_ACK);
        else if (p->tcp_seq != ssn->server.isn)
            stream_event(p, DE_STREAM_EST_SYNACK_RESEND_WITH_DIFF_SEQ);
        else
            return 0;
        return -1;
    }
    if (fl & TH_SYN) {
        if (!p->to_server)
            stream_event(p, DE_STREAM_EST_SYN_TOCLIENT);
        else if (p->tcp_seq != ssn->client.isn)
            stream_event(p, DE_STREAM_EST_SYN_RESEND_DIFF_SEQ);
        else
            stream_event(p, DE_STREAM_EST_SYN_RESEND);
        return -1;
    }
    if (fl & TH_ACK)
        return established_data(st, ssn, p);
    return 0;
}

/* A FIN in a teardown state: a new one must sit at the sender's next sequence number
 * (give or take the FIN itself) and inside the window. */
static bool teardown_fin_seq_ok(const TcpStream *snd, uint32_t seq)
{
    return !SEQ_LT(seq, snd->next_seq - 1) && !SEQ_GT(seq, snd->last_ack + snd->window);
}

static void advance_next_seq(TcpSession *ssn, TcpStream *snd, Packet *p, uint32_t at)
{
    if (snd->next_seq == at)
        stream_set_next_seq(ssn, snd, p->tcp_seq + p->payload_len);
}

static int fin_wait1(TcpSession *ssn, Flow *f, Packet *p, TcpStream *snd, TcpStream *rcv)
{
    uint8_t fl = p->tcp_flags;
    if (fl & TH_FIN) {
        bool retrans = is_retransmission(p, snd);
        if (!retrans && !teardown_fin_seq_ok(snd, p->tcp_seq)) {
            stream_event(p, DE_STREAM_FIN1_FIN_WRONG_SEQ);
            return -1;
        }
        if (!ack_valid(ssn, rcv, p)) {
            stream_event(p, DE_STREAM_FIN1_INVALID_ACK);
            return -1;
        }
        if (!retrans)
            stream_set_state(ssn, f, (fl & TH_ACK) ? FLOW_TCP_TIME_WAIT : FLOW_TCP_CLOSING);
        advance_next_seq(ssn, snd, p, p->tcp_seq);
        accept_ack(ssn, p, rcv);
        return 1;
    }
    bool retrans = is_retransmission(p, snd);
    if (!ack_valid(ssn, rcv, p)) {
        stream_event(p, DE_STREAM_FIN1_INVALID_ACK);
        return -1;
    }
    if (!retrans && p->tcp_ack == rcv->next_seq) {
        bool in_window = SEQ_LEQ(p->tcp_seq + p->payload_len, snd->next_win) ||
                         (ssn->flags & (SSN_F_MIDSTREAM | SSN_F_ASYNC));
        if (!in_window) {
            stream_event(p, DE_STREAM_FIN1_ACK_WRONG_SEQ);
            return -1;
        }
        if (p->tcp_seq == snd->next_seq)
            stream_set_state(ssn, f, FLOW_TCP_FIN_WAIT2);
    }
    advance_next_seq(ssn, snd, p, p->tcp_seq);
    accept_ack(ssn, p, rcv);
    return 1;
}

static int fin_wait2(TcpSession *ssn, Flow *f, Packet *p, TcpStream *snd, TcpStream *rcv)
{
    if (p->tcp_flags & TH_FIN) {
        bool retrans = is_retransmission(p, snd) ||
                       (p->tcp_seq == snd->next_seq - 1 && p->tcp_ack == rcv->last_ack);
        if (!retrans && !teardown_fin_seq_ok(snd, p->tcp_seq)) {
            stream_event(p, DE_STREAM_FIN2_FIN_WRONG_SEQ);
            return -1;
        }
        if (!ack_valid(ssn, rcv, p)) {
            stream_event(p, DE_STREAM_FIN2_INVALID_ACK);
            return -1;
        }
        if (!retrans)
            stream_set_state(ssn, f, FLOW_TCP_TIME_WAIT);
        advance_next_seq(ssn, snd, p, p->tcp_seq);
        accept_ack(ssn, p, rcv);
        return 1;
    }
    is_retransmission(p, snd);
    if (!ack_valid(ssn, rcv, p)) {
        stream_event(p, DE_STREAM_FIN2_INVALID_ACK);
        return -1;
    }
    advance_next_seq(ssn, snd, p, p->tcp_seq);
    accept_ack(ssn, p, rcv);
    return 1;
}

static int closing(TcpSession *ssn, Flow *f, Packet *p, TcpStream *snd, TcpStream *rcv)
{
    if (p->tcp_flags & TH_FIN)
        return 0;
    bool retrans = is_retransmission(p, snd);
    if (!retrans && p->tcp_seq != snd->next_seq) {
        stream_event(p, DE_STREAM_CLOSING_ACK_WRONG_SEQ);
        return -1;
    }
    if (!ack_valid(ssn, rcv, p)) {
        stream_event(p, DE_STREAM_CLOSING_INVALID_ACK);
        return -1;
    }
    if (!retrans)
        stream_set_state(ssn, f, FLOW_TCP_TIME_WAIT);
    accept_ack(ssn, p, rcv);
    return 1;
}

/* The client closed first; the server's FIN moves the session to LAST_ACK. */
static int close_wait(TcpSession *ssn, Flow *f, Packet *p, TcpStream *snd, TcpStream *rcv)
{
    bool retrans = is_retransmission(p, snd);
    if (p->tcp_flags & TH_FIN) {
        if (!retrans && (SEQ_LT(p->tcp_seq, snd->next_seq) ||
                         SEQ_GT(p->tcp_seq, snd->last_ack + snd->window))) {
            stream_event(p, DE_STREAM_CLOSEWAIT_FIN_OUT_OF_WINDOW);
            return -1;
        }
        if (!ack_valid(ssn, rcv, p)) {
            stream_event(p, DE_STREAM_CLOSEWAIT_INVALID_ACK);
            return -1;
        }
        if (!retrans && !p->to_server)
            stream_set_state(ssn, f, FLOW_TCP_LAST_ACK);
        advance_next_seq(ssn, snd, p, p->tcp_seq);
        accept_ack(ssn, p, rcv);
        return 1;
    }
    if (p->payload_len > 0 && SEQ_LEQ(p->tcp_seq + p->payload_len, snd->last_ack)) {
        stream_event(p, DE_STREAM_CLOSEWAIT_PKT_BEFORE_LAST_ACK);
        return -1;
    }
    if (SEQ_GT(p->tcp_seq, snd->last_ack + snd->window)) {
        stream_event(p, DE_STREAM_CLOSEWAIT_ACK_OUT_OF_WINDOW);
        return -1;
    }
    if (!ack_valid(ssn, rcv, p)) {
        stream_event(p, DE_STREAM_CLOSEWAIT_INVALID_ACK);
        return -1;
    }
    advance_next_seq(ssn, snd, p, p->tcp_seq);
    accept_ack(ssn, p, rcv);
    return 1;
}

/* LAST_ACK and TIME_WAIT wait for the final ACK; Suricata accepts it at next_seq or one past
 * (its next_seq for the client does not count the FIN). In LAST_ACK only the client's ACK
 * counts, and one from before next_seq is let through without closing. */
static int final_ack(TcpSession *ssn, Flow *f, Packet *p, TcpStream *snd, TcpStream *rcv)
{
    bool last_ack = ssn->state == FLOW_TCP_LAST_ACK;
    if ((p->tcp_flags & TH_FIN) || (last_ack && !p->to_server))
        return 0;
    bool retrans = is_retransmission(p, snd);
    bool early = last_ack && SEQ_LT(p->tcp_seq, snd->next_seq);
    bool seq_ok = p->tcp_seq == snd->next_seq || p->tcp_seq == snd->next_seq + 1;
    if (!last_ack && !retrans && !seq_ok) {
        stream_event(p, DE_STREAM_TIMEWAIT_ACK_WRONG_SEQ);
        return -1;
    }
    if (!ack_valid(ssn, rcv, p)) {
        stream_event(p, last_ack ? DE_STREAM_LASTACK_INVALID_ACK : DE_STREAM_TIMEWAIT_INVALID_ACK);
        return -1;
    }
    if (last_ack && !retrans && !early && !seq_ok) {
        stream_event(p, DE_STREAM_LASTACK_ACK_WRONG_SEQ);
        return -1;
    }
    if (!retrans && !early)
        stream_set_state(ssn, f, FLOW_TCP_CLOSED);
    accept_ack(ssn, p, rcv);
    return 1;
}

int stream_state_closing(TcpSession *ssn, Packet *p)
{
    Flow *f = p->flow;
    TcpStream *snd = sender_stream(ssn, p), *rcv = receiver_stream(ssn, p);
    if (ssn->state == FLOW_TCP_CLOSED)
        return 0;
    if (p->tcp_flags & TH_RST)
        return handle_rst(ssn, f, p);
    if (p->tcp_flags & TH_SYN) {
        stream_event(p, DE_STREAM_SHUTDOWN_SYN_RESEND);
        return -1;
    }
    if (!(p->tcp_flags & (TH_ACK | TH_FIN)))
        return 0;
    if ((ssn->flags & SSN_F_TIMESTAMP) && !stream_timestamp_check(ssn, p, false))
        return -1;
    switch (ssn->state) {
    case FLOW_TCP_FIN_WAIT1:
        return fin_wait1(ssn, f, p, snd, rcv);
    case FLOW_TCP_FIN_WAIT2:
        return fin_wait2(ssn, f, p, snd, rcv);
    case FLOW_TCP_CLOSING:
        return closing(ssn, f, p, snd, rcv);
    case FLOW_TCP_CLOSE_WAIT:
        return close_wait(ssn, f, p, snd, rcv);
    default: /* LAST_ACK, TIME_WAIT */
        return final_ack(ssn, f, p, snd, rcv);
    }
}
