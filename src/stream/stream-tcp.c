/*
 * stream-tcp.c - TCP session tracking: the entry point for TCP packets, session creation and
 * the handshake states (NONE, SYN_SENT, SYN_RECV), and what the flow record reads back.
 *
 * Every TCP packet with a flow comes through stream_handle_packet(). Checksums are checked
 * first when validation is on (a receiver drops such a packet, so the stream must too). A
 * flow without a session gets one from a SYN, or, with stream.midstream, from whatever packet
 * shows the connection is already going (an ACK, a FIN with data, a SYN/ACK: the last one
 * reveals that the first packet came from the server, so the flow swaps its sides, as
 * Suricata's does). The state handlers (here and in stream-tcp-state.c) decide whether the
 * packet is acceptable; accepted ones go to reassembly, which hands acknowledged data to the
 * app layer.
 *
 * Sessions are allocated from this worker's share of stream.memcap; beyond it the flow simply
 * has no session (tcp.ssn_memcap_drop), which is what Suricata does too.
 */
#include "stream/stream-tcp-private.h"

#include <stdlib.h>
#include <string.h>

static void to_app_layer(void *ud, Flow *f, const Packet *p, bool to_server, const uint8_t *data,
                         uint32_t len, uint32_t flags)
{
    if (ud)
        applayer_handle_data(ud, f, p, to_server, data, len, flags);
}

StreamThread *stream_thread_new(const StreamConfig *cfg, uint32_t workers, CounterSet *counters,
                                AppLayerThread *app)
{
    StreamThread *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->cfg = *cfg;
    uint32_t n = workers ? workers : 1;
    st->workers = n;
    st->ssn_memcap = cfg->memcap / n;
    st->seg_memcap = cfg->reassembly_memcap / n;
    st->counters = counters;
    stream_thread_set_sink(st, to_app_layer, app);
    return st;
}

void stream_thread_set_sink(StreamThread *st, StreamDataSink sink, void *ud)
{
    st->sink = sink;
    st->sink_ud = ud;
}

void stream_thread_free(StreamThread *st)
{
    if (st) {
        stream_spare_segments_free(st);
        free(st->raw_buf);
        free(st->app_buf);
    }
    free(st);
}

static void update_memuse_counters(StreamThread *st)
{
    counter_update_max(st->counters, stream_ids.memuse, st->ssn_memuse);
    counter_update_max(st->counters, stream_ids.reassembly_memuse, st->seg_memuse);
}

static TcpSession *session_new(StreamThread *st, Flow *f, const Packet *p)
{
    if (st->ssn_memuse + sizeof(TcpSession) > st->ssn_memcap) {
        counter_incr(st->counters, stream_ids.ssn_memcap_drop);
        return NULL;
    }
    TcpSession *ssn = calloc(1, sizeof(*ssn));
    if (!ssn) {
        counter_incr(st->counters, stream_ids.ssn_memcap_drop);
        return NULL;
    }
    st->ssn_memuse += sizeof(TcpSession);
    counter_incr(st->counters, stream_ids.sessions);
    /* Suricata's streaming buffer starts with one region, data or not */
    ssn->client.max_regions = ssn->server.max_regions = 1;
    ssn->tcp_flags = p->tcp_flags;
    if (p->to_server)
        ssn->client.tcp_flags = p->tcp_flags;
    else
        ssn->server.tcp_flags = p->tcp_flags;
    f->tcp_session = ssn;
    return ssn;
}

/* Each direction reassembles as the host receiving it would: the client's data by the
 * server's policy and the other way round. Called once the flow's sides are final. */
static void set_policies(StreamThread *st, TcpSession *ssn, const Flow *f)
{
    ssn->client.policy = stream_policy_for(&st->cfg, &f->key.dst);
    ssn->server.policy = stream_policy_for(&st->cfg, &f->key.src);
}

static void set_midstream_timestamps(TcpSession *ssn, const Packet *p, TcpStream *snd,
                                     TcpStream *rcv)
{
    if (!p->tcp_opts.has_timestamp)
        return;
    snd->last_ts = p->tcp_opts.ts_value;
    rcv->last_ts = p->tcp_opts.ts_echo;
    ssn->flags |= SSN_F_TIMESTAMP;
    snd->last_pkt_ts = (uint32_t)(p->ts_usec / 1000000);
    if (rcv->last_ts == 0)
        rcv->flags |= STREAM_F_ZERO_TS;
    if (snd->last_ts == 0)
        snd->flags |= STREAM_F_ZERO_TS;
}

/* Midstream pickup from an ACK or a FIN with data: the sender is taken as the client, window
 * scaling is unknown so assumed maximal. */
static void pickup_established(StreamThread *st, TcpSession *ssn, Flow *f, const Packet *p,
                               FlowTcpState state)
{
    stream_set_state(ssn, f, state);
    ssn->flags = SSN_F_MIDSTREAM | SSN_F_SACKOK | (st->cfg.async_oneside ? SSN_F_ASYNC : 0);
    TcpStream *c = &ssn->client, *s = &ssn->server;
    c->wscale = s->wscale = TCP_WSCALE_MAX;
    c->isn = p->tcp_seq - 1;
    c->next_seq = p->tcp_seq + p->payload_len + (state == FLOW_TCP_FIN_WAIT1 ? 1 : 0);
    c->window = (uint32_t)p->tcp_win << c->wscale;
    c->last_ack = p->tcp_seq;
    c->next_win = c->last_ack + c->window;
    s->isn = p->tcp_ack - 1;
    s->next_seq = s->isn + 1;
    s->last_ack = p->tcp_ack;
    s->next_win = s->last_ack;
    set_midstream_timestamps(ssn, p, c, s);
}

/* Midstream pickup from the server's SYN/ACK: the flow was keyed the wrong way round. */
static void pickup_synack(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p)
{
    flow_swap(f);
    p->to_server = false;
    ssn->server.tcp_flags = ssn->client.tcp_flags;
    ssn->client.tcp_flags = 0;
    stream_set_state(ssn, f, FLOW_TCP_SYN_RECV);
    ssn->flags |= SSN_F_MIDSTREAM | SSN_F_MIDSTREAM_SYNACK |
                  (st->cfg.async_oneside ? SSN_F_ASYNC : 0);
    TcpStream *c = &ssn->client, *s = &ssn->server;
    s->isn = p->tcp_seq;
    s->next_seq = s->isn + 1;
    s->window = p->tcp_win;
    c->isn = p->tcp_ack - 1;
    c->next_seq = c->isn + 1;
    c->last_ack = p->tcp_ack;
    s->last_ack = p->tcp_seq;
    s->next_win = s->last_ack + s->window;
    if (p->tcp_opts.has_wscale) {
        c->wscale = p->tcp_opts.wscale;
        s->wscale = TCP_WSCALE_MAX;
    }
    set_midstream_timestamps(ssn, p, s, c);
    if (p->tcp_opts.sack_permitted)
        ssn->flags |= SSN_F_SACKOK;
}

static void syn_to_client_stream(TcpSession *ssn, const Packet *p, TcpStream *syn_sender,
                                 TcpStream *other)
{
    syn_sender->isn = p->tcp_seq;
    syn_sender->next_seq = p->tcp_seq + 1;
    syn_sender->flags &= (uint16_t)~(STREAM_F_TIMESTAMP | STREAM_F_ZERO_TS);
    if (p->tcp_opts.has_timestamp) {
        syn_sender->last_ts = p->tcp_opts.ts_value;
        syn_sender->last_pkt_ts = (uint32_t)(p->ts_usec / 1000000);
        syn_sender->flags |= STREAM_F_TIMESTAMP | (syn_sender->last_ts ? 0 : STREAM_F_ZERO_TS);
    }
    /* the SYN's window is the room the other side has to send; never scaled */
    other->window = p->tcp_win;
    ssn->flags &= (uint16_t)~SSN_F_SERVER_WSCALE;
    other->wscale = 0;
    if (p->tcp_opts.has_wscale) {
        ssn->flags |= SSN_F_SERVER_WSCALE;
        other->wscale = p->tcp_opts.wscale;
    }
}

/* TCP Fast Open (RFC 7413): a SYN with the TFO option may carry data, which the server can
 * take before the handshake ends. As Suricata, that data goes to reassembly (it follows the
 * ISN) and the client's next sequence number is past it; returns 1 when there is some. */
static int syn_fast_open(TcpSession *ssn, const Packet *p)
{
    if (!p->tcp_opts.has_tfo)
        return 0;
    ssn->flags |= SSN_F_TFO;
    if (!p->payload_len)
        return 0;
    ssn->client.next_seq = ssn->client.isn + 1 + p->payload_len;
    return 1;
}

/* The SYN/ACK of a Fast Open handshake acknowledges the SYN's data, or only the SYN when the
 * server refused the data (the client then sends it again after the handshake). */
static bool synack_fast_open_ok(TcpSession *ssn, Packet *p)
{
    TcpStream *c = &ssn->client;
    if (p->tcp_ack == c->next_seq)
        return true;
    if (p->tcp_ack != c->isn + 1)
        return false;
    c->next_seq = c->isn + 1;
    stream_event(p, DE_STREAM_3WHS_SYNACK_TFO_DATA_IGNORED);
    return true;
}

/* Suricata's midstream exception policy, applied to every packet that would start a session
 * midstream, picked up or not. Returns whether a pickup is still allowed (bypass: never). */
static bool midstream_policy_apply(const StreamConfig *cfg, Flow *f)
{
    if (cfg->midstream_policy == STREAM_MIDSTREAM_IGNORE)
        return true;
    f->action_pass = true;
    if (cfg->midstream_policy == STREAM_MIDSTREAM_PASS_FLOW)
        return true;
    f->bypassed = true;
    return false;
}

/* A SYN (the usual start) or, with midstream/async pickups, another packet that shows the
 * connection exists. */
static int state_none(StreamThread *st, Flow *f, Packet *p)
{
    uint8_t fl = p->tcp_flags;
    const StreamConfig *cfg = &st->cfg;
    bool midstream = false;
    if (fl & TH_RST) {
        stream_event(p, DE_STREAM_RST_BUT_NO_SESSION);
        return -1;
    }
    if (fl & TH_FIN) {
        bool allowed = midstream_policy_apply(cfg, f);
        if (!cfg->midstream || p->payload_len == 0 || !allowed) {
            stream_event(p, DE_STREAM_FIN_BUT_NO_SESSION);
            return -1;
        }
        midstream = true;
    } else if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        bool allowed = midstream_policy_apply(cfg, f);
        if ((!cfg->midstream && !cfg->async_oneside) || !allowed)
            return 0;
        midstream = true;
    } else if (!(fl & TH_SYN)) {
        if (!(fl & TH_ACK))
            return 0;
        bool allowed = midstream_policy_apply(cfg, f);
        if (!cfg->midstream || !allowed)
            return 0;
        midstream = true;
    }
    TcpSession *ssn = f->tcp_session ? f->tcp_session : session_new(st, f, p);
    if (!ssn)
        return -1;
    if (midstream)
        counter_incr(st->counters, stream_ids.midstream_pickups);
    int verdict = 0;
    if (fl & TH_FIN) {
        pickup_established(st, ssn, f, p, FLOW_TCP_FIN_WAIT1);
        verdict = 1;
    } else if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        pickup_synack(st, ssn, f, p);
    } else if (fl & TH_SYN) {
        stream_set_state(ssn, f, FLOW_TCP_SYN_SENT);
        if (cfg->async_oneside)
            ssn->flags |= SSN_F_ASYNC;
        syn_to_client_stream(ssn, p, &ssn->client, &ssn->server);
        if (p->tcp_opts.sack_permitted)
            ssn->flags |= SSN_F_SACKOK;
        verdict = syn_fast_open(ssn, p);
    } else {
        pickup_established(st, ssn, f, p, FLOW_TCP_ESTABLISHED);
        verdict = 1;
    }
    set_policies(st, ssn, f);
    return verdict;
}

/* The server's SYN/ACK completes the second step: both ISNs and windows are known. */
static void synack_update(TcpSession *ssn, Flow *f, const Packet *p)
{
    TcpStream *c = &ssn->client, *s = &ssn->server;
    stream_set_state(ssn, f, FLOW_TCP_SYN_RECV);
    s->isn = p->tcp_seq;
    s->next_seq = s->isn + 1;
    c->window = p->tcp_win;
    if (p->tcp_opts.has_timestamp && (c->flags & STREAM_F_TIMESTAMP)) {
        s->last_ts = p->tcp_opts.ts_value;
        ssn->flags |= SSN_F_TIMESTAMP;
        s->last_pkt_ts = (uint32_t)(p->ts_usec / 1000000);
        if (s->last_ts == 0)
            s->flags |= STREAM_F_ZERO_TS;
    } else {
        c->last_ts = s->last_ts = 0;
        c->flags &= (uint16_t)~STREAM_F_ZERO_TS;
    }
    c->last_ack = p->tcp_ack;
    s->last_ack = s->isn + 1;
    c->wscale = (ssn->flags & SSN_F_SERVER_WSCALE) && p->tcp_opts.has_wscale ? p->tcp_opts.wscale : 0;
    if (!p->tcp_opts.sack_permitted)
        ssn->flags &= (uint16_t)~SSN_F_SACKOK;
    s->next_win = s->last_ack + s->window;
    c->next_win = c->last_ack + c->window;
    ssn->flags &= (uint16_t)~SSN_F_4WHS;
}

/* One-sided: after the SYN the client keeps talking without a SYN/ACK being seen. */
static int syn_sent_async_ack(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p)
{
    if (!st->cfg.async_oneside)
        return 0;
    TcpStream *c = &ssn->client, *s = &ssn->server;
    if (p->tcp_seq != c->next_seq) {
        stream_event(p, DE_STREAM_3WHS_ASYNC_WRONG_SEQ);
        return -1;
    }
    ssn->flags |= SSN_F_ASYNC;
    stream_set_state(ssn, f, FLOW_TCP_ESTABLISHED);
    c->window = p->tcp_win;
    c->last_ack = p->tcp_seq;
    c->next_win = c->last_ack + c->window;
    s->isn = p->tcp_ack - 1;
    s->next_seq = s->isn + 1;
    s->last_ack = s->next_seq;
    s->next_win = s->last_ack;
    if (ssn->flags & SSN_F_SERVER_WSCALE)
        c->wscale = TCP_WSCALE_MAX;
    if (p->tcp_opts.has_timestamp && (c->flags & STREAM_F_TIMESTAMP)) {
        ssn->flags |= SSN_F_TIMESTAMP;
        c->last_pkt_ts = (uint32_t)(p->ts_usec / 1000000);
    } else {
        c->last_ts = 0;
        c->flags &= (uint16_t)~STREAM_F_ZERO_TS;
    }
    return 1;
}

/* The server answered the SYN with a SYN of its own (the "split handshake"); the client's
 * SYN/ACK then completes it the other way round. */
static int syn_sent_4whs_synack(TcpSession *ssn, Flow *f, Packet *p)
{
    TcpStream *c = &ssn->client, *s = &ssn->server;
    if (!(ssn->flags & SSN_F_4WHS)) {
        stream_event(p, DE_STREAM_3WHS_SYNACK_IN_WRONG_DIRECTION);
        return -1;
    }
    if (p->tcp_ack != s->isn + 1) {
        stream_event(p, DE_STREAM_4WHS_SYNACK_WITH_WRONG_ACK);
        return -1;
    }
    if (p->tcp_seq != c->isn) {
        stream_event(p, DE_STREAM_4WHS_SYNACK_WITH_WRONG_SYN);
        return -1;
    }
    stream_set_state(ssn, f, FLOW_TCP_SYN_RECV);
    c->next_seq = c->isn + 1;
    s->window = p->tcp_win;
    s->last_ack = p->tcp_ack;
    c->last_ack = c->isn + 1;
    s->wscale = (ssn->flags & SSN_F_SERVER_WSCALE) && p->tcp_opts.has_wscale ? p->tcp_opts.wscale : 0;
    c->next_win = c->last_ack + c->window;
    s->next_win = s->last_ack + s->window;
    return 0;
}

static int state_syn_sent(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p)
{
    uint8_t fl = p->tcp_flags;
    if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        if (p->to_server)
            return syn_sent_4whs_synack(ssn, f, p);
        bool tfo = (ssn->flags & SSN_F_TFO) || p->tcp_opts.has_tfo;
        if (tfo ? !synack_fast_open_ok(ssn, p) : p->tcp_ack != ssn->client.isn + 1) {
            stream_event(p, DE_STREAM_3WHS_SYNACK_WITH_WRONG_ACK);
            return -1;
        }
        if (tfo)
            ssn->flags |= SSN_F_TFO;
        synack_update(ssn, f, p);
        return 0;
    }
    if (fl & TH_RST) {
        if (!stream_validate_rst(ssn, p))
            return -1;
        /* a client RST only ends the attempt when it is the plain answer to a SYN/ACK */
        bool closes = !p->to_server || (p->tcp_seq == ssn->client.isn && p->tcp_win == 0 &&
                                        p->tcp_ack == ssn->client.isn + 1);
        if (closes) {
            ssn->flags |= SSN_F_CLOSED_BY_RST;
            receiver_stream(ssn, p)->flags |= STREAM_F_RST_RECV;
            stream_set_state(ssn, f, FLOW_TCP_CLOSED);
        }
        return 0;
    }
    if (fl & TH_FIN)
        return 0;
    if (fl & TH_SYN) {
        if (!p->to_server) {
            ssn->flags |= SSN_F_4WHS;
            syn_to_client_stream(ssn, p, &ssn->server, &ssn->client);
        } else {
            /* a resent SYN: the latest one is most likely the one that gets answered */
            syn_to_client_stream(ssn, p, &ssn->client, &ssn->server);
        }
        return 0;
    }
    if (fl & TH_ACK)
        return syn_sent_async_ack(st, ssn, f, p);
    return 0;
}

/* The third packet of the handshake in its usual and unusual forms. */
static int syn_recv_ack(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p)
{
    TcpStream *c = &ssn->client, *s = &ssn->server;
    uint32_t seq = p->tcp_seq, ack = p->tcp_ack, end = seq + p->payload_len;
    if ((ssn->flags & SSN_F_TIMESTAMP) && !stream_timestamp_check(ssn, p, false))
        return -1;
    bool missed_third = !p->to_server && !(ssn->flags & SSN_F_MIDSTREAM_SYNACK);
    if (seq == c->next_seq && ack == s->next_seq) {
        stream_update_last_ack(s, ack);
        stream_set_next_seq(ssn, c, c->next_seq + p->payload_len);
        s->window = (uint32_t)p->tcp_win << s->wscale;
        s->next_win = s->last_ack + s->window;
        if (ssn->flags & SSN_F_MIDSTREAM) {
            c->window = (uint32_t)p->tcp_win << c->wscale;
            c->next_win = c->last_ack + c->window;
            if (!(ssn->flags & SSN_F_MIDSTREAM_SYNACK)) {
                s->wscale = c->wscale = TCP_WSCALE_MAX;
                ssn->flags |= SSN_F_SACKOK;
            }
        }
    } else if (st->cfg.async_oneside && seq == s->next_seq) {
        ssn->flags |= SSN_F_ASYNC;
        s->next_seq += p->payload_len;
        s->last_ack = seq;
        c->window = (uint32_t)p->tcp_win << c->wscale;
        c->last_ack = ack;
    } else if (seq == c->next_seq) {
        stream_event(p, DE_STREAM_3WHS_RIGHT_SEQ_WRONG_ACK_EVASION);
        return -1;
    } else if (!p->to_server && SEQ_GT(seq, c->next_seq) && SEQ_GT(ack, c->last_ack)) {
        stream_update_last_ack(c, ack);
        s->next_seq = end;
        c->window = p->tcp_win;
        c->next_win = c->last_ack + ((uint32_t)p->tcp_win << c->wscale);
        s->next_win = s->last_ack + s->window;
    } else if (SEQ_GT(seq, c->next_seq) && SEQ_LEQ(seq, c->next_win) && ack == s->next_seq) {
        c->next_seq = end;
        stream_update_last_ack(s, ack);
        s->window = (uint32_t)p->tcp_win << s->wscale;
        s->next_win = s->last_ack + s->window;
    } else if (missed_third && ack == c->last_ack && seq == s->next_seq) {
        stream_set_next_seq(ssn, s, end);
        s->window = (uint32_t)p->tcp_win << s->wscale;
        s->next_win = s->last_ack + s->window;
    } else {
        stream_event(p, DE_STREAM_3WHS_WRONG_SEQ_WRONG_ACK);
        return -1;
    }
    if (ssn->flags & SSN_F_TIMESTAMP)
        stream_timestamp_check(ssn, p, true);
    stream_set_state(ssn, f, FLOW_TCP_ESTABLISHED);
    /* As Suricata: a third packet with data (the ACK was lost) is inspected as established. */
    if (p->payload_len)
        p->flow_established = true;
    return 1;
}

static int state_syn_recv(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p)
{
    uint8_t fl = p->tcp_flags;
    if (fl & TH_RST) {
        if (!stream_validate_rst(ssn, p))
            return -1;
        ssn->flags |= SSN_F_CLOSED_BY_RST;
        stream_set_state(ssn, f, FLOW_TCP_CLOSED);
        return 0;
    }
    if (fl & TH_FIN)
        return stream_state_established(st, ssn, p);
    if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        if (p->to_server) {
            stream_event(p, DE_STREAM_3WHS_SYNACK_TOSERVER_ON_SYN_RECV);
            return -1;
        }
        if (p->tcp_ack != ssn->client.last_ack) {
            stream_event(p, DE_STREAM_3WHS_SYNACK_RESEND_WITH_DIFF_ACK);
            return -1;
        }
        return 0;
    }
    if (fl & TH_SYN) {
        if (!p->to_server)
            stream_event(p, DE_STREAM_3WHS_SYN_TOCLIENT_ON_SYN_RECV);
        else if (p->tcp_seq != ssn->client.isn)
            stream_event(p, DE_STREAM_3WHS_SYN_RESEND_DIFF_SEQ_ON_SYN_RECV);
        else
            return 0;
        return -1;
    }
    if (fl & TH_ACK)
        return syn_recv_ack(st, ssn, f, p);
    return 0;
}

/* Keep-alives (one byte or none, just below next_seq) and the ACKs answering them carry
 * nothing for the stream; Suricata skips them before the state checks. */
static bool is_keepalive_or_its_ack(TcpSession *ssn, const Packet *p)
{
    TcpStream *snd = sender_stream(ssn, p), *rcv = receiver_stream(ssn, p);
    bool plain = !(p->tcp_flags & (TH_SYN | TH_FIN | TH_RST));
    if (plain && p->payload_len <= 1 && p->tcp_ack == rcv->last_ack &&
        p->tcp_seq == snd->next_seq - 1) {
        snd->flags |= STREAM_F_KEEPALIVE;
        return true;
    }
    bool answer = plain && p->payload_len == 0 && (rcv->flags & STREAM_F_KEEPALIVE) &&
                  p->tcp_seq == snd->next_seq && p->tcp_ack == rcv->next_seq;
    rcv->flags &= (uint16_t)~STREAM_F_KEEPALIVE;
    return answer;
}

static int dispatch(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p);

/* CLOSED: a packet from the sender of a RST that its receiver may have dropped (see
 * STREAM_F_RST_RECV) is handled in the state before the RST, which the session returns to,
 * as in Suricata 7. Anything else has nothing left to track. */
static int state_closed(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p)
{
    if ((p->tcp_flags & TH_RST) || (sender_stream(ssn, p)->flags & STREAM_F_RST_RECV) ||
        !(receiver_stream(ssn, p)->flags & STREAM_F_RST_RECV) ||
        ssn->pstate == FLOW_TCP_CLOSED)
        return 0;
    ssn->state = ssn->pstate; /* the flow's timeout stays that of a closed one */
    f->tcp_state = ssn->state;
    return dispatch(st, ssn, f, p);
}

/* After the state handling: the sender of a doubtful RST sent something other than another
 * RST, so the RST was probably injected by a third party; the session is no longer taken as
 * reset (Suricata's stream.suspected_rst_inject). */
static void check_post_rst(TcpSession *ssn, Packet *p)
{
    TcpStream *rcv = receiver_stream(ssn, p);
    if ((p->tcp_flags & TH_RST) || !(rcv->flags & STREAM_F_RST_RECV))
        return;
    rcv->flags &= (uint16_t)~STREAM_F_RST_RECV;
    ssn->flags &= (uint16_t)~SSN_F_CLOSED_BY_RST;
    stream_event(p, DE_STREAM_SUSPECTED_RST_INJECT);
}

static int dispatch(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p)
{
    switch (ssn->state) {
    case FLOW_TCP_CLOSED:
        return state_closed(st, ssn, f, p);
    case FLOW_TCP_SYN_SENT:
        return state_syn_sent(st, ssn, f, p);
    case FLOW_TCP_SYN_RECV:
        return state_syn_recv(st, ssn, f, p);
    case FLOW_TCP_ESTABLISHED:
        return stream_state_established(st, ssn, p);
    default:
        return stream_state_closing(ssn, p);
    }
}

static void count_flags(StreamThread *st, uint8_t fl)
{
    if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
        counter_incr(st->counters, stream_ids.synack);
    else if (fl & TH_SYN)
        counter_incr(st->counters, stream_ids.syn);
    if (fl & TH_RST)
        counter_incr(st->counters, stream_ids.rst);
}

static void track_flags(TcpSession *ssn, const Packet *p)
{
    ssn->tcp_flags |= p->tcp_flags;
    sender_stream(ssn, p)->tcp_flags |= p->tcp_flags;
    /* both sides heard from: not one-sided after all */
    if ((ssn->flags & SSN_F_ASYNC) && ssn->client.tcp_flags && ssn->server.tcp_flags)
        ssn->flags &= (uint16_t)~SSN_F_ASYNC;
}

/* Suricata's checksum auto mode: at the capture's 1000th packet, more than a tenth of them
 * with bad TCP checksums means the capture saw checksum offloading, and validation stops.
 * A worker sees only its share of the bad ones, so it scales its count by the workers. */
static bool checksum_wanted(StreamThread *st, const Packet *p)
{
    if (!st->cfg.checksum_validation)
        return false;
    if (st->cfg.checksum_auto && p->pcap_cnt >= 1000) {
        st->cfg.checksum_auto = false;
        uint64_t invalid = st->invalid_checksums * st->workers;
        if (invalid && p->pcap_cnt / invalid < 10) {
            st->cfg.checksum_validation = false;
            return false;
        }
    }
    return true;
}

/* The app layer found that a midstream flow's first packet came from the server (its data
 * is a response) and turned the flow around (Suricata's FlowSwap); the session follows once
 * this packet, read the old way round, is done with. */
static void swap_direction(TcpSession *ssn, Flow *f)
{
    TcpStream tmp = ssn->client;
    ssn->client = ssn->server;
    ssn->server = tmp;
    f->swap_pending = false;
}

void stream_handle_packet(StreamThread *st, Flow *f, Packet *p)
{
    /* Suricata counts these in the TCP decoder; every decoded TCP packet reaches us */
    count_flags(st, p->tcp_flags);
    if (checksum_wanted(st, p) && !stream_tcp_checksum_ok(p)) {
        st->invalid_checksums++;
        counter_incr(st->counters, stream_ids.invalid_checksum);
        return;
    }
    TcpSession *ssn = f->tcp_session;
    if (ssn)
        track_flags(ssn, p);
    if (!(p->tcp_flags & TH_ACK) && p->tcp_ack != 0)
        stream_event(p, DE_STREAM_PKT_BROKEN_ACK);
    int verdict;
    if (!ssn || ssn->state == FLOW_TCP_NONE) {
        verdict = state_none(st, f, p);
        ssn = f->tcp_session;
    } else {
        verdict = is_keepalive_or_its_ack(ssn, p) ? 0 : dispatch(st, ssn, f, p);
        check_post_rst(ssn, p);
    }
    if (!ssn)
        return;
    if (verdict > 0)
        stream_reassemble_packet(st, ssn, f, p);
    if (f->swap_pending) {
        swap_direction(ssn, f);
        /* and the packet, as Suricata's PacketSwap: detection sees it the new way round */
        p->to_server = !p->to_server;
    }
    f->tcp_isn_ts = ssn->client.isn;
    f->tcp_isn_tc = ssn->server.isn;
    update_memuse_counters(st);
}

/* now_usec is not needed in IDS mode: what is left is flushed as it is, whatever the time. */
void stream_flow_flush(StreamThread *st, Flow *f)
{
    if (f->tcp_session)
        stream_reassemble_flush(st, f->tcp_session, f);
}

void stream_flow_end(StreamThread *st, Flow *f, uint64_t now_usec)
{
    (void)now_usec;
    TcpSession *ssn = f->tcp_session;
    if (!ssn)
        return;
    stream_reassemble_flush(st, ssn, f);
    stream_segments_free(st, &ssn->client);
    stream_segments_free(st, &ssn->server);
}

void stream_flow_free(StreamThread *st, Flow *f)
{
    if (!f->tcp_session)
        return;
    free(f->tcp_session);
    st->ssn_memuse -= sizeof(TcpSession);
    f->tcp_session = NULL;
}

bool stream_flow_info(const Flow *f, StreamFlowInfo *info)
{
    const TcpSession *ssn = f->tcp_session;
    memset(info, 0, sizeof(*info));
    if (!ssn)
        return false;
    info->tcp_flags = ssn->tcp_flags;
    info->tcp_flags_ts = ssn->client.tcp_flags;
    info->tcp_flags_tc = ssn->server.tcp_flags;
    info->state = ssn->state;
    info->ts_gap = ssn->client.flags & STREAM_F_HAS_GAP;
    info->tc_gap = ssn->server.flags & STREAM_F_HAS_GAP;
    info->ts_max_regions = ssn->client.max_regions;
    info->tc_max_regions = ssn->server.max_regions;
    return true;
}

bool stream_seen_bytes(const Flow *f, uint32_t *client, uint32_t *server)
{
    const TcpSession *ssn = f->tcp_session;
    if (!ssn)
        return false;
    *client = ssn->client.next_seq - ssn->client.isn;
    *server = ssn->server.next_seq - ssn->server.isn;
    return true;
}
