/*
 * detect-stream-inspect.c - payload rules on the reassembled TCP stream.
 *
 * Why: Suricata inspects a TCP payload rule (content/pcre without a sticky buffer, on a tcp
 * or ip rule) on the raw stream: a pattern split over segments matches, an overlapping
 * retransmission counts only as the target's overlap policy resolved it, and missing data
 * splits the stream so nothing matches across a gap. A packet whose payload went into
 * reassembly is then not inspected on its own (its bytes reach the rule through the stream);
 * a packet reassembly did not take (no session, depth reached) still is. As in Suricata 7:
 * `tcp-pkt`, `flow:no_stream` and rules with a header keyword (dsize, flags, ttl...) see
 * packets only; a rule with an anchored content (depth, offset, startswith) or stream_size
 * sees the stream and then every packet; `tcp-stream` and `flow:only_stream` never the
 * latter.
 *
 * When: the stream engine (stream/stream-tcp-raw.c) says when a direction is ready, at one
 * of its own packets, and hands over the new bytes in contiguous pieces; they are copied
 * here so every rule can be tried on every piece in the engine's order (flowbits set by one
 * rule are seen by the next, as on packets). At flow end what is left is inspected on a
 * pseudo packet per direction (pkt_src "stream (flow timeout)"), to-server first.
 *
 * A frame: rule (sig->frame) inspects, instead of each whole piece, the part of the pieces
 * that lies in each of the direction's frames of its type (the app layer's frame list, in
 * the same stream offsets), and alerts once per matching frame; a frame whose end is not
 * known yet reaches to the pieces' end. Closed frames the inspection passed are then
 * forgotten.
 *
 * Alerts of a stream match carry the direction's kept stream as payload (gaps written as
 * "[N bytes missing]", as Suricata 7.0.7 logs them) with stream: 1.
 *
 * Before a packet's own rules, whether its direction has raw data ready is asked too
 * (detect_stream_data_ready): Suricata counts that as payload in the packet's mask, which
 * dsize depends on. A packet of a session gone encrypted (Packet.no_payload_inspection) is
 * not inspected on the stream either: its direction's raw stream just ends there; a bypassed
 * flow's raw streams are flushed on pseudo packets first (bypass_flush).
 */
#include "detect/detect-stream-inspect.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "applayer/app-layer-frames.h"
#include "applayer/app-layer.h"
#include "common/array.h"
#include "detect/detect-content.h"
#include "detect/detect-flowvars.h"
#include "detect/detect-group-port.h"
#include "detect/detect-port.h"
#include "detect/detect-prefilter.h"
#include "stream/stream-tcp.h"

typedef struct StreamPiece {
    size_t off;    /* in DetectStreamCtx.data */
    uint32_t len;
    uint64_t stream_off;
} StreamPiece;

typedef struct DetectStreamCtx {
    StreamThread *st;
    uint8_t *data;           /* the pieces of one inspection, back to back */
    size_t len, cap;
    StreamPiece *pieces;
    uint32_t piece_count;
    size_t piece_cap;
    uint32_t *cand, cand_count;
    uint32_t *seen, stamp;   /* per signature: the inspection that made it a candidate */
    uint8_t *log;            /* the alert payload */
    uint32_t log_len, log_cap;
    bool failed;             /* out of memory while collecting: skip this inspection */
} DetectStreamCtx;

static bool has_keyword(const SigList *list, const char *name)
{
    for (const SigMatch *sm = list->head; sm; sm = sm->next)
        if (strcmp(sm->keyword->name, name) == 0)
            return true;
    return false;
}

/* Any content with an absolute position (depth, offset, startswith)? */
static bool has_anchored_content(const SigList *list)
{
    for (const SigMatch *sm = list->head; sm; sm = sm->next) {
        if (strcmp(sm->keyword->name, "content") != 0)
            continue;
        const ContentCtx *cd = sm->ctx;
        if (cd->flags & (CONTENT_DEPTH | CONTENT_OFFSET))
            return true;
    }
    return false;
}

bool detect_sig_mixes_packet_and_state(const Signature *sig)
{
    static const char *const packet_only[] = {
        "dsize", "flags", "ttl", "tos", "id", "window", "seq", "ack", "fragbits", "fragoffset",
        "ipopts", "tcp.mss", "sameip", "itype", "icode", "icmp_id", "geoip"};
    if (!sig->buffer_count)
        return false;
    /* before detect_stream_classify only tcp-pkt and flow:no_stream have set it */
    if (sig->flags & SIG_FLAG_REQUIRE_PACKET)
        return true;
    for (size_t i = 0; i < sizeof(packet_only) / sizeof(packet_only[0]); i++)
        if (has_keyword(&sig->fixed[SIG_LIST_PACKET], packet_only[i]))
            return true;
    return false;
}

void detect_stream_classify(Signature *sig)
{
    /* Suricata's header keywords make a rule packet-only */
    static const char *const packet_keywords[] = {
        "dsize", "ttl", "tos", "id", "window", "seq", "ack", "flags", "fragbits", "fragoffset",
        "ipopts", "tcp.mss", "ip_proto", "sameip", "itype", "icode", "icmp_id", "geoip", "rpc",
        "replace", "flow.age", "tcp.hdr", "udp.hdr", "ipv4.hdr", "ipv6.hdr", "icmpv4.hdr",
        "icmpv6.hdr", "icmpv6.mtu"};
    const SigList *pkt = &sig->fixed[SIG_LIST_PACKET];
    for (size_t i = 0; i < sizeof(packet_keywords) / sizeof(packet_keywords[0]); i++)
        if (has_keyword(pkt, packet_keywords[i]))
            sig->flags |= SIG_FLAG_REQUIRE_PACKET;
    const SigList *payload = &sig->fixed[SIG_LIST_PAYLOAD];
    /* asn1 is in Suricata's packet match list, like the header keywords */
    if (has_keyword(payload, "asn1"))
        sig->flags |= SIG_FLAG_REQUIRE_PACKET;
    /* An app-layer rule without a sticky buffer (alert http ... content:"x") is a stream
     * rule as well, limited to flows of its protocol: Suricata inspects it on the raw
     * stream, so it matches at flow end even when no transaction completed. */
    bool tx_rule = sig->buffer_count || (sig->flags & SIG_FLAG_TX_STATE);
    if (!payload->head || tx_rule || (sig->flags & SIG_FLAG_INERT) ||
        (sig->ipproto && sig->ipproto != IPPROTO_TCP) || (sig->flags & SIG_FLAG_REQUIRE_PACKET))
        return;
    sig->flags |= SIG_FLAG_STREAM;
    /* A plain TCP rule with an anchored content or stream_size inspects packets as well
     * (after the stream, whether or not the packet went into it); tcp-stream and
     * flow:only_stream rules do not. */
    if (!(sig->flags & SIG_FLAG_STREAM_ONLY) &&
        (has_anchored_content(payload) || has_keyword(pkt, "stream_size")))
        sig->flags |= SIG_FLAG_REQUIRE_PACKET;
}

bool detect_stream_owns_payload(const Signature *sig, const Packet *p)
{
    if (p->proto != IPPROTO_TCP || !detect_sig_is_stream(sig))
        return false;
    /* tcp-stream and flow:only_stream match stream content only, never a packet's own
     * payload, even one the stream did not take (data on a RST) */
    if (sig->flags & SIG_FLAG_STREAM_ONLY)
        return true;
    return p->stream_pseudo || (p->stream_added && !(sig->flags & SIG_FLAG_REQUIRE_PACKET));
}

/* Suricata disables a flow direction's raw reassembly when the rule group of its first
 * packet there holds no rule on the raw stream (DetectRunPostGetFirstRuleGroup, after
 * SignatureHasStreamContent). Its TCP groups go by the server's port: to-server rules by
 * their destination ports, to-client rules by their source ports, a rule without a flow
 * direction in both, a bidirectional one by either port. */
#define PORT_MAP_BYTES (65536 / 8)

static void mark_ports(uint8_t *map, const PortSet *set)
{
    if (port_set_is_any(set)) {
        memset(map, 0xff, PORT_MAP_BYTES);
        return;
    }
    for (size_t r = 0; r < (set->include_count ? set->include_count : 1); r++) {
        uint32_t lo = set->include_count ? set->include[r].lo : 0;
        uint32_t hi = set->include_count ? set->include[r].hi : 65535;
        for (uint32_t port = lo; port <= hi; port++)
            if (port_set_match(set, (uint16_t)port))
                map[port / 8] |= (uint8_t)(1u << (port % 8));
    }
}

static bool inspects_raw_stream(const Signature *sig)
{
    return (detect_sig_is_stream(sig) || detect_sig_tx_payload(sig)) &&
           (!sig->ipproto || sig->ipproto == IPPROTO_TCP);
}

int detect_stream_ports_build(DetectEngine *de)
{
    bool full[2] = {false, false};
    for (uint32_t i = 0; i < de->count && !(full[0] && full[1]); i++) {
        const Signature *sig = de->sigs[i];
        if (!inspects_raw_stream(sig))
            continue;
        for (int dir = 0; dir < 2; dir++) {
            if (full[dir] || (sig->flags & (dir ? SIG_FLAG_TOSERVER : SIG_FLAG_TOCLIENT)))
                continue;
            if (!de->raw_stream_ports[dir] &&
                !(de->raw_stream_ports[dir] = calloc(1, PORT_MAP_BYTES)))
                return -1;
            uint8_t *map = de->raw_stream_ports[dir];
            mark_ports(map, dir ? &sig->sp : &sig->dp);
            if (sig->flags & SIG_FLAG_BIDIR)
                mark_ports(map, dir ? &sig->dp : &sig->sp);
            full[dir] = port_set_is_any(dir ? &sig->sp : &sig->dp);
        }
    }
    return 0;
}

bool detect_stream_data_ready(DetectThread *dt, const Packet *p, Flow *f)
{
    if (!dt->stream_ctx || !f || p->proto != IPPROTO_TCP || !p->ip_version || p->is_fragment ||
        p->stream_pseudo)
        return false;
    const uint8_t *map = dt->de->raw_stream_ports[p->to_server ? 0 : 1];
    uint16_t port = p->to_server ? p->dp : p->sp;
    return map && (map[port / 8] >> (port % 8) & 1) &&
           stream_raw_has_data(dt->stream_ctx->st, f, p->to_server);
}

void detect_stream_attach(DetectThread *dt, StreamThread *st)
{
    const DetectEngine *de = dt->de;
    bool any = false;
    for (uint32_t i = 0; i < de->count && !any; i++)
        any = detect_sig_is_stream(de->sigs[i]) || detect_sig_tx_payload(de->sigs[i]);
    if (!any || dt->stream_ctx)
        return;
    DetectStreamCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return;
    ctx->cand = malloc((de->count + 1) * sizeof(uint32_t));
    ctx->seen = calloc(de->count + 1, sizeof(uint32_t));
    if (!ctx->cand || !ctx->seen) {
        free(ctx->cand);
        free(ctx->seen);
        free(ctx);
        return;
    }
    ctx->st = st;
    dt->stream_ctx = ctx;
    stream_raw_enable(st);
}

void detect_stream_thread_free(DetectThread *dt)
{
    DetectStreamCtx *ctx = dt->stream_ctx;
    if (!ctx)
        return;
    free(ctx->data);
    free(ctx->pieces);
    free(ctx->cand);
    free(ctx->seen);
    free(ctx->log);
    free(ctx);
    dt->stream_ctx = NULL;
}

/* StreamRawChunkFn: keeps a copy of the piece. */
static bool collect_piece(void *ud, const uint8_t *data, uint32_t len, uint64_t off)
{
    DetectStreamCtx *ctx = ud;
    /* One spare byte so an empty piece never asks for zero bytes. */
    uint8_t *bytes = array_reserve(ctx->data, 1, ctx->len + len + 1, &ctx->cap);
    if (bytes)
        ctx->data = bytes;
    StreamPiece *pieces = bytes ? array_reserve(ctx->pieces, sizeof(*pieces),
                                                (size_t)ctx->piece_count + 1, &ctx->piece_cap)
                                : NULL;
    if (!pieces) {
        ctx->failed = true;
        return false;
    }
    ctx->pieces = pieces;
    memcpy(ctx->data + ctx->len, data, len);
    ctx->pieces[ctx->piece_count++] = (StreamPiece){ctx->len, len, off};
    ctx->len += len;
    return true;
}

static void add_candidate(void *ud, uint32_t num)
{
    DetectStreamCtx *ctx = ud;
    if (ctx->seen[num] == ctx->stamp)
        return;
    ctx->seen[num] = ctx->stamp;
    ctx->cand[ctx->cand_count++] = num;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The TCP group's rules whose fast pattern occurs in a piece, and those without one whose
 * ports and direction fit p's, in the engine's order. */
static void gather_candidates(DetectThread *dt, DetectStreamCtx *ctx, const Packet *p)
{
    const SigGroup *g = &dt->de->packet_groups[DETECT_GROUP_TCP];
    ctx->cand_count = 0;
    if (++ctx->stamp == 0) {
        memset(ctx->seen, 0, dt->de->count * sizeof(uint32_t));
        ctx->stamp = 1;
    }
    bool to_client = !p->to_server;
    const struct Prefilter *pf = g->pf[to_client && g->pf_by_direction];
    for (uint32_t i = 0; pf && i < ctx->piece_count; i++)
        prefilter_scan(pf, dt->hs_scratch, ctx->data + ctx->pieces[i].off, ctx->pieces[i].len,
                       add_candidate, ctx);
    uint32_t rest = 0;
    const uint32_t *always = port_index_candidates(g->always_ix, to_client, p->sp, p->dp,
                                                   add_candidate, ctx, &rest);
    for (uint32_t i = 0; i < rest; i++)
        add_candidate(ctx, always[i]);
    qsort(ctx->cand, ctx->cand_count, sizeof(uint32_t), cmp_u32);
}

static void write_stream_alerts(DetectThread *dt, DetectStreamCtx *ctx, const Packet *p,
                                Flow *f, bool eof)
{
    uint32_t cap = dt->eve && dt->eve->log ? dt->eve->log->cfg.alert.payload_buffer_size : 0;
    ctx->log_len = 0;
    if (cap && ctx->log_cap < cap) {
        uint8_t *grown = realloc(ctx->log, cap);
        if (grown) {
            ctx->log = grown;
            ctx->log_cap = cap;
        }
    }
    if (cap && ctx->log_cap >= cap) {
        ctx->log_cap = cap;
        ctx->log_len = stream_raw_dump(f, p->to_server, eof, ctx->log, cap);
    }
    dt->alert_stream = ctx->log ? ctx->log : (const uint8_t *)"";
    dt->alert_stream_len = ctx->log_len;
    detect_write_alerts(dt, p, f, NULL, p->ts_usec, NULL);
    dt->alert_stream = NULL;
    dt->alert_stream_len = 0;
}

/* Whether the part of the collected pieces inside frame fr matches the rule. */
static bool frame_matches(DetectThread *dt, DetectStreamCtx *ctx, const Signature *sig,
                          const Packet *p, Flow *f, const AppLayerFrame *fr)
{
    for (uint32_t i = 0; i < ctx->piece_count; i++) {
        const StreamPiece *pc = &ctx->pieces[i];
        uint64_t lo = fr->start > pc->stream_off ? fr->start : pc->stream_off;
        uint64_t hi = pc->stream_off + pc->len < fr->end ? pc->stream_off + pc->len : fr->end;
        if (lo < hi && detect_sig_match_payload(dt, sig, p, f,
                                                ctx->data + pc->off + (lo - pc->stream_off),
                                                (uint32_t)(hi - lo)))
            return true;
    }
    return false;
}

/* A frame rule alerts once per frame of its type that matches, as Suricata's per-frame
 * inspection; false when a pass rule ended the inspection. */
static bool inspect_frames(DetectThread *dt, DetectStreamCtx *ctx, const Signature *sig,
                           const Packet *p, Flow *f)
{
    uint32_t n = 0;
    const AppLayerFrame *fr = app_frames_get(f->app, p->to_server, &n);
    for (uint32_t k = 0; k < n; k++)
        if (fr[k].type == sig->frame && frame_matches(dt, ctx, sig, p, f, &fr[k]) &&
            !detect_on_match(dt, sig, p, f, p->ts_usec))
            return false;
    return true;
}

static bool match_pieces(DetectThread *dt, DetectStreamCtx *ctx, const Signature *sig,
                         const Packet *p, Flow *f)
{
    for (uint32_t i = 0; i < ctx->piece_count; i++)
        if (detect_sig_match_payload(dt, sig, p, f, ctx->data + ctx->pieces[i].off,
                                     ctx->pieces[i].len))
            return true;
    return false;
}

static bool alerted(const Signature *const *list, uint32_t n, const Signature *sig)
{
    for (uint32_t i = 0; i < n; i++)
        if (list[i] == sig)
            return true;
    return false;
}

/* Every stream rule against the collected pieces; a rule alerts once whichever pieces
 * match, and not at all when its packet inspection alerted on this packet already (Suricata
 * tries the stream, then the packet, for one verdict per rule and packet). */
static void inspect_pieces(DetectThread *dt, DetectStreamCtx *ctx, const Packet *p, Flow *f,
                           bool eof)
{
    const Signature *done[DETECT_ALERT_MAX];
    uint32_t done_count = p->stream_pseudo ? 0 : dt->alert_count;
    memcpy(done, dt->alerts, done_count * sizeof(done[0]));
    gather_candidates(dt, ctx, p);
    dt->alert_count = 0;
    dt->verdict_pass = false;
    for (uint32_t c = 0; c < ctx->cand_count; c++) {
        const Signature *sig = dt->de->sigs[ctx->cand[c]];
        if (!detect_sig_is_stream(sig) || alerted(done, done_count, sig))
            continue;
        if (sig->frame ? !inspect_frames(dt, ctx, sig, p, f)
                       : match_pieces(dt, ctx, sig, p, f) &&
                             !detect_on_match(dt, sig, p, f, p->ts_usec))
            break;
    }
    if (dt->alert_count)
        write_stream_alerts(dt, ctx, p, f, eof);
}

bool detect_stream_kept(DetectThread *dt, Flow *f, bool to_server, bool eof,
                        const uint8_t **data, uint32_t *len)
{
    DetectStreamCtx *ctx = dt->stream_ctx;
    if (!ctx || !f || f->key.proto != IPPROTO_TCP)
        return false;
    ctx->len = 0;
    ctx->piece_count = 0;
    ctx->failed = false;
    stream_raw_log(f, to_server, eof, collect_piece, ctx);
    if (ctx->failed || !ctx->len)
        return false;
    *data = ctx->data;
    *len = (uint32_t)ctx->len;
    return true;
}

static void inspect_direction(DetectThread *dt, const Packet *p, Flow *f, bool eof)
{
    DetectStreamCtx *ctx = dt->stream_ctx;
    ctx->len = 0;
    ctx->piece_count = 0;
    ctx->failed = false;
    if (!stream_raw_inspect(ctx->st, f, p->to_server, eof, collect_piece, ctx) || ctx->failed ||
        !ctx->piece_count)
        return;
    inspect_pieces(dt, ctx, p, f, eof);
    const StreamPiece *last = &ctx->pieces[ctx->piece_count - 1];
    app_frames_prune(f->app, p->to_server, last->stream_off + last->len);
}

static void pseudo_packet(Packet *pk, Flow *f, bool to_server);

/* encryption-handling bypass: Suricata flushes detection with a pseudo packet per direction
 * (PKT_PSEUDO_DETECTLOG_FLUSH), whose raw inspection takes what the stream holds, and then
 * reassembles the flow no more. */
static void bypass_flush(DetectThread *dt, Flow *f)
{
    for (int dir = 0; dir < 2; dir++) {
        if (stream_raw_ended(f, dir == 0))
            continue;
        Packet pk;
        pseudo_packet(&pk, f, dir == 0);
        inspect_direction(dt, &pk, f, true);
        stream_raw_end(f, dir == 0);
    }
}

void detect_stream_packet(DetectThread *dt, const Packet *p, Flow *f)
{
    /* a flow-end pseudo packet's stream is inspected to its end by detect_stream_flow_end */
    if (!dt->stream_ctx || !f || p->proto != IPPROTO_TCP || !p->ip_version || p->is_fragment ||
        p->stream_pseudo || f->action_pass || f->action_drop)
        return;
    if (p->no_payload_inspection)
        stream_raw_skip(f, p->to_server);
    else
        inspect_direction(dt, p, f, false);
    if (f->no_reassembly)
        bypass_flush(dt, f);
}

/* Suricata's flow-timeout pseudo packet for one direction: the flow's endpoints that way
 * round, the flow's last time, no bytes. */
static void pseudo_packet(Packet *pk, Flow *f, bool to_server)
{
    memset(pk, 0, sizeof(*pk));
    const FlowKey *k = &f->key;
    pk->ts_usec = f->last_usec;
    pk->ip_version = k->src.family == AF_INET6 ? 6 : 4;
    pk->src = to_server ? k->src : k->dst;
    pk->dst = to_server ? k->dst : k->src;
    pk->sp = to_server ? k->sp : k->dp;
    pk->dp = to_server ? k->dp : k->sp;
    pk->proto = IPPROTO_TCP;
    pk->tcp_flags = TH_ACK;
    memcpy(pk->vlan_id, k->vlan_id, sizeof(pk->vlan_id));
    pk->vlan_count = k->vlan_count;
    pk->flow = f;
    pk->to_server = to_server;
    pk->stream_pseudo = true;
}

void detect_stream_flow_end(DetectThread *dt, Flow *f, const bool pseudo[2])
{
    if (!dt || !f || f->key.proto != IPPROTO_TCP)
        return;
    for (int dir = 0; dir < 2; dir++) {
        if (!pseudo[dir] || f->action_pass || f->action_drop)
            continue;
        Packet pk;
        pseudo_packet(&pk, f, dir == 0);
        detect_packet(dt, &pk, f);
        /* Suricata's pseudo packets carry the flow's no-payload-inspection too */
        if (dt->stream_ctx && !f->action_pass && !f->action_drop && !f->no_payload_inspection)
            inspect_direction(dt, &pk, f, true);
    }
}
