/*
 * stream-tcp-reassemble.c - per-direction segment storage, overlap policies, depth, gaps and
 * the hand-off of in-order data to the app layer.
 *
 * Storage: each accepted payload becomes one StreamSegment (header and bytes in a single
 * allocation, counted against this worker's share of stream.reassembly.memcap) in a list
 * sorted by stream offset. In-order data, the common case, is appended at the tail in O(1);
 * only out-of-order or retransmitted data walks the list. Segments may overlap; when they do,
 * the target's overlap policy (host-os-policy) decides, per existing segment, whether the old
 * or the new bytes are what the receiver keeps, and the chosen bytes are written into every
 * overlapping segment, so all copies of a byte agree. The rules are Suricata's, which depend
 * on where the new segment starts and ends relative to each old one.
 *
 * Delivery (Suricata's IDS mode): a packet's ACK makes the acknowledged part of the *other*
 * direction available, and that part goes to the app layer, before the packet's own payload
 * is even stored. A client's request is therefore delivered when the server's response
 * acknowledges it, ahead of the response. A RST, a closed session or the depth limit also
 * deliver the packet's own direction; flow end flushes everything left. Missing data that
 * was acknowledged anyway is a gap: the app layer is told its length (APP_FLAG_GAP) and
 * delivery carries on after it. Each contiguous run of delivered data is one app-layer call,
 * as in Suricata, not one per segment. Delivered segments are freed at once.
 *
 * Depth: a segment ending beyond stream.reassembly.depth is not stored, and from then on the
 * direction takes no more data (tcp.stream_depth_reached, stream.reassembly_depth_reached).
 */
#include "stream/stream-tcp-private.h"

#include <stdlib.h>
#include <string.h>

#include "common/array.h"

/* Data this far past the rest starts a new region of Suricata's streaming buffer; the flow
 * record reports the most regions a direction needed (ts/tc_max_regions). */
#define STREAM_REGION_GAP (256u * 1024)

int64_t stream_seq_to_offset(const TcpStream *s, uint32_t seq)
{
    uint32_t base_seq = s->isn + 1 + (uint32_t)s->app_progress + s->urg_offset;
    return (int64_t)s->app_progress + (int32_t)(seq - base_seq);
}

static uint64_t seg_end(const StreamSegment *seg)
{
    return seg->off + seg->len;
}

/* Nearly every segment is one packet's payload, allocated on arrival and freed once
 * delivered: a malloc/free pair per packet that showed in profiles. Segments that fit a
 * standard MTU get a block of one of a few fixed sizes, and freed blocks wait on a per-thread
 * spare list of their size (bounded in all, so a burst does not pin memory) for the next
 * packet. One MTU-sized block for every segment was simpler, but on ET Open's bench pcap the
 * segments alive at the peak (38 k, flows waiting for ACKs or kept for raw inspection) held
 * 1,117 bytes on average and their blocks about 16 MB more than that. The memcap still
 * counts what segments hold. */
#define SEG_BLOCK_DATA 1500u
#define SEG_SPARE_MAX 1024u

/* Data capacity of each class: with the header, blocks of 256 B, 512 B, 1 KiB and one MTU. */
static const uint32_t seg_class_cap[STREAM_SEG_CLASSES] = {
    256 - sizeof(StreamSegment), 512 - sizeof(StreamSegment), 1024 - sizeof(StreamSegment),
    SEG_BLOCK_DATA};

/* The class of a segment of len bytes, STREAM_SEG_CLASSES when it has none (bigger). */
static unsigned seg_class(uint32_t len)
{
    unsigned c = 0;
    while (c < STREAM_SEG_CLASSES && len > seg_class_cap[c])
        c++;
    return c;
}

static StreamSegment *seg_alloc(StreamThread *st, uint32_t len)
{
    unsigned c = seg_class(len);
    if (c == STREAM_SEG_CLASSES)
        return malloc(sizeof(StreamSegment) + len);
    StreamSegment *seg = st->spare_segs[c];
    if (!seg)
        return malloc(sizeof(StreamSegment) + seg_class_cap[c]);
    st->spare_segs[c] = seg->next;
    st->spare_count--;
    return seg;
}

static void seg_release(StreamThread *st, StreamSegment *seg)
{
    st->seg_memuse -= sizeof(StreamSegment) + seg->len;
    unsigned c = seg_class(seg->len);
    if (c == STREAM_SEG_CLASSES || st->spare_count >= SEG_SPARE_MAX) {
        free(seg);
        return;
    }
    seg->next = st->spare_segs[c];
    st->spare_segs[c] = seg;
    st->spare_count++;
}

void stream_spare_segments_free(StreamThread *st)
{
    for (unsigned c = 0; c < STREAM_SEG_CLASSES; c++) {
        while (st->spare_segs[c]) {
            StreamSegment *seg = st->spare_segs[c];
            st->spare_segs[c] = seg->next;
            free(seg);
        }
    }
    st->spare_count = 0;
}

static void seg_free(StreamThread *st, TcpStream *s, StreamSegment *seg)
{
    if (seg->prev)
        seg->prev->next = seg->next;
    else
        s->head = seg->next;
    if (seg->next)
        seg->next->prev = seg->prev;
    else
        s->tail = seg->prev;
    seg_release(st, seg);
}

void stream_segments_free(StreamThread *st, TcpStream *s)
{
    while (s->head)
        seg_free(st, s, s->head);
}

/* Segments entirely before the app-layer progress have been delivered. Suricata frees them
 * after the next packet from the same side, so a retransmission arriving first still meets
 * them (and counts as an overlap); so do we. */
static void prune(StreamThread *st, const TcpSession *ssn, const Flow *f, TcpStream *s)
{
    uint32_t depth = 0;
    if (f->app && ssn->state < FLOW_TCP_CLOSED)
        depth = f->app->min_inspect_depth[s == &ssn->client ? 0 : 1];
    uint64_t keep = stream_raw_keep_from(st, s, depth);
    while (s->head && seg_end(s->head) <= keep)
        seg_free(st, s, s->head);
    s->base_off = s->app_progress;
}

static void count_regions(TcpStream *s)
{
    uint16_t regions = 1;
    uint64_t right = s->app_progress;
    for (StreamSegment *seg = s->head; seg; seg = seg->next) {
        if (seg->off >= right + STREAM_REGION_GAP && regions < UINT16_MAX)
            regions++;
        if (seg_end(seg) > right)
            right = seg_end(seg);
    }
    s->regions = regions;
    if (regions > s->max_regions)
        s->max_regions = regions;
}

/* Suricata's overlap rules: does the receiver keep the new bytes where [off, end) overlaps
 * the old segment [old_off, old_end)? FIRST and VISTA never do, LAST always does. */
static bool policy_takes_new(StreamOverlapPolicy pol, uint64_t off, uint64_t end, uint64_t old_off,
                             uint64_t old_end)
{
    switch (pol) {
    case STREAM_POLICY_LAST:
        return true;
    case STREAM_POLICY_FIRST:
    case STREAM_POLICY_VISTA:
        return false;
    default:
        break;
    }
    bool solaris_like = pol == STREAM_POLICY_SOLARIS || pol == STREAM_POLICY_HPUX11;
    if (off == old_off) {
        if (end < old_end)
            return false;
        if (end > old_end && pol == STREAM_POLICY_LINUX)
            return true;
        return solaris_like || pol == STREAM_POLICY_OLD_LINUX;
    }
    if (off < old_off) {
        if (end >= old_end && solaris_like)
            return true;
        return pol == STREAM_POLICY_BSD || pol == STREAM_POLICY_HPUX10 ||
               pol == STREAM_POLICY_IRIX || pol == STREAM_POLICY_WINDOWS ||
               pol == STREAM_POLICY_OLD_LINUX || pol == STREAM_POLICY_LINUX ||
               pol == STREAM_POLICY_MACOS;
    }
    return end > old_end && solaris_like;
}

typedef struct NewData {
    uint64_t off, end;
    uint8_t *buf;   /* the bytes to store, updated by the policy */
} NewData;

/* Apply the policy against one overlapping segment. Returns true when the bytes differed
 * (only known when stream.reassembly.check-overlap-different-data is on). */
static bool resolve_overlap(const StreamConfig *cfg, StreamOverlapPolicy pol, NewData *nd,
                            const StreamSegment *old)
{
    uint64_t lo = nd->off > old->off ? nd->off : old->off;
    uint64_t hi = nd->end < seg_end(old) ? nd->end : seg_end(old);
    uint8_t *mine = nd->buf + (lo - nd->off);
    const uint8_t *theirs = old->data + (lo - old->off);
    /* without the check Suricata treats the bytes as different, which only costs a copy */
    bool different = cfg->check_overlap_different_data ? memcmp(mine, theirs, hi - lo) != 0 : true;
    if (different && !policy_takes_new(pol, nd->off, nd->end, old->off, seg_end(old)))
        memcpy(mine, theirs, hi - lo);
    return cfg->check_overlap_different_data && different;
}

static void write_back(const NewData *nd, StreamSegment *old)
{
    uint64_t lo = nd->off > old->off ? nd->off : old->off;
    uint64_t hi = nd->end < seg_end(old) ? nd->end : seg_end(old);
    memcpy(old->data + (lo - old->off), nd->buf + (lo - nd->off), hi - lo);
}

static void link_after(TcpStream *s, StreamSegment *prev, StreamSegment *seg)
{
    seg->prev = prev;
    seg->next = prev ? prev->next : s->head;
    if (seg->next)
        seg->next->prev = seg;
    else
        s->tail = seg;
    if (prev)
        prev->next = seg;
    else
        s->head = seg;
}

/* Out-of-order or overlapping data: resolve against every segment it overlaps, then link it
 * in order (an exact duplicate of a stored segment is not stored twice). */
static void insert_slow(StreamThread *st, TcpStream *s, StreamSegment *seg, Packet *p)
{
    NewData nd = {seg->off, seg_end(seg), seg->data};
    StreamSegment *prev = NULL, *dup = NULL;
    bool overlap = false, different = false;
    for (StreamSegment *cur = s->head; cur && cur->off < nd.end; cur = cur->next) {
        if (cur->off <= nd.off)
            prev = cur;
        if (seg_end(cur) <= nd.off)
            continue;
        overlap = true;
        if (cur->off == nd.off && cur->len == seg->len)
            dup = cur;
        different |= resolve_overlap(&st->cfg, s->policy, &nd, cur);
    }
    if (overlap) {
        counter_incr(st->counters, stream_ids.overlap);
        for (StreamSegment *cur = s->head; cur && cur->off < nd.end; cur = cur->next)
            if (seg_end(cur) > nd.off)
                write_back(&nd, cur);
    }
    if (different) {
        stream_event(p, DE_STREAM_REASSEMBLY_OVERLAP_DIFFERENT_DATA);
        counter_incr(st->counters, stream_ids.overlap_diff_data);
    }
    if (dup) {
        seg_release(st, seg);
        return;
    }
    link_after(s, prev, seg);
    count_regions(s);
}

/* Suricata's depth rule: a segment that would end past the depth is not stored at all, and
 * the direction is done. Every data packet after that is counted. */
static bool depth_allows(StreamThread *st, TcpStream *s, Packet *p, uint64_t end)
{
    uint32_t depth = st->cfg.reassembly_depth;
    if (depth && !(s->flags & STREAM_F_DEPTH_REACHED) && end > depth)
        s->flags |= STREAM_F_DEPTH_REACHED;
    if (s->flags & STREAM_F_DEPTH_REACHED) {
        stream_event(p, DE_STREAM_REASSEMBLY_DEPTH_REACHED);
        counter_incr(st->counters, stream_ids.stream_depth_reached);
        return false;
    }
    return true;
}

/* An urgent segment under the oob or gap policy, as Suricata 7: when the pointer lies in
 * the payload, only the payload's last byte is taken as the urgent one (however far the
 * pointer reaches) and left out; oob also shifts the later sequence numbers down over it,
 * up to 64k such bytes, after which they stay inline. Returns false when nothing is left to
 * store. */
static bool urgent_keep(StreamThread *st, TcpStream *s, const Packet *p, uint32_t *len)
{
    StreamUrgentPolicy pol = st->cfg.urgent_policy;
    if (pol == STREAM_URGENT_INLINE || !p->tcp_urp || p->tcp_urp > *len)
        return true;
    if (pol == STREAM_URGENT_OOB) {
        if (s->urg_offset == UINT16_MAX)
            return true;
        s->urg_offset++;
        counter_incr(st->counters, stream_ids.urgent_oob_data);
    }
    *len -= 1;
    return *len > 0;
}

/* Returns false when the memcap kept the data out: the stream then has a hole that no
 * retransmission can fill, so the caller marks the session lossy as a gap would. */
static bool insert_data(StreamThread *st, TcpStream *s, Packet *p)
{
    /* a SYN's data (TCP Fast Open) starts one past its sequence number */
    int64_t off = stream_seq_to_offset(s, p->tcp_seq + ((p->tcp_flags & TH_SYN) ? 1u : 0u));
    const uint8_t *data = p->payload;
    uint32_t len = p->payload_len;
    if ((p->tcp_flags & TH_URG) && !urgent_keep(st, s, p, &len))
        return true;
    if (off + (int64_t)len <= (int64_t)s->base_off) {
        p->stream_added = true;
        return true; /* all of it was delivered and freed already */
    }
    if (!depth_allows(st, s, p, (uint64_t)(off + len)))
        return true;
    if (off < (int64_t)s->base_off) {
        uint32_t skip = (uint32_t)((int64_t)s->base_off - off);
        data += skip;
        len -= skip;
        off = (int64_t)s->base_off;
    }
    size_t need = sizeof(StreamSegment) + len;
    StreamSegment *seg = st->seg_memuse + need > st->seg_memcap ? NULL : seg_alloc(st, len);
    if (!seg) {
        counter_incr(st->counters, stream_ids.segment_memcap_drop);
        return false;
    }
    st->seg_memuse += need;
    p->stream_added = true;
    seg->off = (uint64_t)off;
    seg->len = len;
    memcpy(seg->data, data, len);
    s->flags |= STREAM_F_DATA_SEEN;
    uint64_t end = seg->off + len;
    StreamSegment *tail = s->tail;
    if (!tail || seg->off >= s->right_edge) {
        bool far = seg->off >= (tail ? s->right_edge : s->app_progress) + STREAM_REGION_GAP;
        link_after(s, tail, seg);
        if (far)
            count_regions(s);
    } else {
        insert_slow(st, s, seg, p);
    }
    if (end > s->right_edge)
        s->right_edge = end;
    return true;
}

/* How far the other side has acknowledged this direction, as an offset. In the closing
 * states the acknowledged FIN takes one sequence number that is not data. */
static uint64_t acked_offset(const TcpSession *ssn, const TcpStream *s, bool for_gap)
{
    int64_t acked = stream_seq_to_offset(s, s->last_ack);
    if (for_gap && ssn->state >= FLOW_TCP_FIN_WAIT1)
        acked--;
    return acked > (int64_t)s->app_progress ? (uint64_t)acked : s->app_progress;
}

static void deliver_to_app(StreamThread *st, Flow *f, const Packet *p, bool to_server,
                           const uint8_t *data, uint32_t len, uint32_t flags)
{
    st->sink(st->sink_ud, f, p, to_server, data, len, flags);
}

/* A chunk this large is not kept for the next delivery: the buffer is freed after use. */
#define APP_BUF_KEEP (1u << 20)

const uint8_t *stream_run_piece(const StreamSegment *seg, uint64_t start, uint64_t limit,
                                uint8_t **buf, size_t *cap, uint32_t *len)
{
    uint64_t end = seg_end(seg) < limit ? seg_end(seg) : limit;
    const StreamSegment *last = seg;
    for (const StreamSegment *n = seg->next; n && n->off <= end && end < limit; n = n->next) {
        uint64_t ne = seg_end(n) < limit ? seg_end(n) : limit;
        if (ne > end) {
            end = ne;
            last = n;
        }
    }
    uint8_t *grown = NULL;
    if (last != seg && buf && end - start <= UINT32_MAX)
        grown = array_reserve(*buf, 1, (size_t)(end - start), cap);
    if (!grown) {
        end = seg_end(seg) < limit ? seg_end(seg) : limit;
        *len = (uint32_t)(end - start);
        return seg->data + (start - seg->off);
    }
    *buf = grown;
    for (uint64_t at = start; at < end; seg = seg->next) {
        uint64_t ce = seg_end(seg) < end ? seg_end(seg) : end;
        if (ce > at) {
            memcpy(grown + (at - start), seg->data + (at - seg->off), (size_t)(ce - at));
            at = ce;
        }
    }
    *len = (uint32_t)(end - start);
    return grown;
}

/* Hands the app layer the data from the progress on that continues without a gap through
 * `seg` and the segments after it, up to `limit`, as ONE chunk, as Suricata's reassembly
 * does (it gives the app layer all contiguous acknowledged data at once, not a call per
 * segment). The chunking is visible: libhtp runs its body callback once per chunk, so
 * whether a file crossing the body limit is TRUNCATED (more data came in a later chunk) or
 * CLOSED (its body ended in the same chunk), and the message length logged with it, depend
 * on it. */
static void deliver_run(StreamThread *st, Flow *f, const Packet *p, TcpStream *s,
                        const StreamSegment *seg, uint64_t limit, bool to_server, uint32_t flags)
{
    uint32_t len;
    const uint8_t *data = stream_run_piece(seg, s->app_progress, limit, &st->app_buf,
                                           &st->app_cap, &len);
    s->app_progress += len;
    deliver_to_app(st, f, p, to_server, data, len, flags);
    if (st->app_cap > APP_BUF_KEEP) {
        free(st->app_buf);
        st->app_buf = NULL;
        st->app_cap = 0;
    }
}

/* Hands this direction's data to the app layer up to `limit`, in one walk over the segments,
 * crossing gaps the other side acknowledged (Suricata only declares a gap when data follows
 * it). Segments that end before the progress were delivered already. */
static void deliver(StreamThread *st, TcpSession *ssn, Flow *f, const Packet *p, TcpStream *s,
                    uint64_t limit)
{
    if (s->flags & STREAM_F_EOF_SENT) /* the app layer saw this direction end */
        return;
    bool to_server = s == &ssn->client;
    uint32_t midstream = (ssn->flags & (SSN_F_MIDSTREAM | SSN_F_MIDSTREAM_SYNACK)) ==
                                 SSN_F_MIDSTREAM ? APP_FLAG_MIDSTREAM : 0;
    StreamSegment *seg = s->head;
    while (seg && s->app_progress < limit) {
        if (seg_end(seg) <= s->app_progress) {
            seg = seg->next;
            continue;
        }
        if (seg->off <= s->app_progress) {
            deliver_run(st, f, p, s, seg, limit, to_server, midstream);
            continue; /* the segments it covered are skipped above */
        }
        if (acked_offset(ssn, s, true) <= s->app_progress)
            break;
        uint64_t gap_end = seg->off < limit ? seg->off : limit;
        uint32_t n = (uint32_t)(gap_end - s->app_progress);
        s->app_progress = gap_end;
        s->flags |= STREAM_F_HAS_GAP;
        ssn->flags |= SSN_F_LOSSY;
        if (p)
            stream_event((Packet *)p, DE_STREAM_REASSEMBLY_SEQ_GAP);
        counter_incr(st->counters, stream_ids.reassembly_gap);
        deliver_to_app(st, f, p, to_server, NULL, n, APP_FLAG_GAP);
    }
}

/* Tells the app layer, once, that a direction which carried data has ended. */
static void send_eof(StreamThread *st, TcpSession *ssn, Flow *f, const Packet *p, TcpStream *s)
{
    if ((s->flags & STREAM_F_DATA_SEEN) && !(s->flags & STREAM_F_EOF_SENT)) {
        s->flags |= STREAM_F_EOF_SENT;
        deliver_to_app(st, f, p, s == &ssn->client, NULL, 0, APP_FLAG_EOF);
    }
}

/* Suricata's update direction for an accepted packet. */
static StreamUpdateDir update_dir(const TcpSession *ssn, const Packet *p)
{
    if (p->tcp_flags & TH_RST)
        return UPDATE_DIR_PACKET;
    if ((p->tcp_flags & TH_FIN) && ssn->state > FLOW_TCP_TIME_WAIT)
        return (p->tcp_flags & TH_ACK) ? UPDATE_DIR_BOTH : UPDATE_DIR_PACKET;
    if (ssn->state == FLOW_TCP_CLOSED)
        return UPDATE_DIR_BOTH;
    return UPDATE_DIR_OPPOSING;
}

void stream_reassemble_packet(StreamThread *st, TcpSession *ssn, Flow *f, Packet *p)
{
    TcpStream *snd = sender_stream(ssn, p), *rcv = receiver_stream(ssn, p);
    StreamUpdateDir dir = update_dir(ssn, p);
    if (dir != UPDATE_DIR_PACKET)
        deliver(st, ssn, f, p, rcv, acked_offset(ssn, rcv, false));
    bool depth_before = snd->flags & STREAM_F_DEPTH_REACHED;
    /* Suricata sets STREAMTCP_FLAG_LOSSY_BE_LIBERAL when a segment cannot be stored too */
    if (p->payload_len && !(p->tcp_flags & TH_RST) && !insert_data(st, snd, p))
        ssn->flags |= SSN_F_LOSSY;
    /* the depth was just reached: what is acknowledged of this side goes up now */
    if (!depth_before && (snd->flags & STREAM_F_DEPTH_REACHED))
        dir = UPDATE_DIR_PACKET;
    if (dir != UPDATE_DIR_OPPOSING)
        deliver(st, ssn, f, p, snd, acked_offset(ssn, snd, false));
    /* Suricata flags app-layer updates of a closed session as the end of the stream: each
     * direction updated by this packet ends now, not at flow end (the tx completes and is
     * logged on this packet). */
    if (ssn->state == FLOW_TCP_CLOSED) {
        if (dir != UPDATE_DIR_PACKET)
            send_eof(st, ssn, f, p, rcv);
        if (dir != UPDATE_DIR_OPPOSING)
            send_eof(st, ssn, f, p, snd);
    }
    prune(st, ssn, f, snd);
}

/* Flow end: Suricata's pseudo packets, to-server first. Unacknowledged data counts now, but
 * a gap is still only crossed when it was acknowledged. A direction that never carried data
 * has nothing to end for the app layer (and protocol detection must not give up on it:
 * Suricata logs no app_proto for a flow whose one talking side was too short to tell). */
void stream_reassemble_flush(StreamThread *st, TcpSession *ssn, Flow *f)
{
    TcpStream *streams[2] = {&ssn->client, &ssn->server};
    for (int i = 0; i < 2; i++) {
        TcpStream *s = streams[i];
        deliver(st, ssn, f, NULL, s, UINT64_MAX);
        send_eof(st, ssn, f, NULL, s);
    }
}
