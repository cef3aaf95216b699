/*
 * stream-tcp-raw.c - the raw stream: a TCP direction's reassembled bytes as detection sees
 * them (see stream_raw_inspect() in stream-tcp.h).
 *
 * Why: Suricata matches payload rules (content without a sticky buffer) against the
 * reassembled stream, not against single packets, so a pattern split over two segments
 * still matches and overlapping retransmissions count only as the target's overlap policy
 * resolved them (the segments already hold the chosen bytes: stream-tcp-reassemble.c). The
 * stream is handed over in pieces of contiguous data: a gap ends one piece, so nothing
 * matches across missing bytes.
 *
 * When (IDS mode, as Suricata 7): a direction is inspected at one of its own packets once
 * the other side has acknowledged a chunk (stream.reassembly.to*-chunk-size) past the raw
 * progress, when the app layer asked (HTTP: a request or response completed), when the depth
 * was reached, and at flow end (everything stored, acknowledged or not). The window is
 * Suricata's (walk_window): bytes are inspected once, except a run after a gap, which is
 * taken partly unacknowledged and then again from its start.
 *
 * A session the app layer saw go encrypted (Flow.no_payload_inspection: TLS unless
 * encryption-handling is full) has each direction ready once more, then its raw stream ends
 * (STREAM_F_RAW_OFF) and only the app layer holds its segments.
 *
 * Memory: segments are kept until both the app layer and raw inspection have passed them;
 * the raw progress is never more than a chunk (or one transaction) behind the
 * acknowledgements, so this holds little more than before.
 */
#include "stream/stream-tcp-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void stream_raw_enable(StreamThread *st)
{
    st->raw_enabled = true;
}

uint64_t stream_raw_keep_from(const StreamThread *st, const TcpStream *s,
                              uint32_t min_inspect_depth)
{
    if (!st->raw_enabled || (s->flags & STREAM_F_RAW_OFF))
        return s->app_progress;
    uint64_t raw = s->raw_progress > min_inspect_depth ? s->raw_progress - min_inspect_depth : 0;
    return raw < s->app_progress ? raw : s->app_progress;
}

/* Data not yet handed to the app layer that starts right at its progress. */
static bool app_data_pending(const TcpStream *s)
{
    for (const StreamSegment *seg = s->head; seg; seg = seg->next) {
        if (seg->off > s->app_progress)
            return false;
        if (seg->off + seg->len > s->app_progress)
            return true;
    }
    return false;
}

bool stream_flow_end_needs_pseudo(const StreamThread *st, const Flow *f, bool to_server)
{
    const TcpSession *ssn = f->tcp_session;
    if (!ssn)
        return false;
    if (ssn->state >= FLOW_TCP_ESTABLISHED && ssn->state != FLOW_TCP_CLOSED)
        return true;
    const TcpStream *s = to_server ? &ssn->client : &ssn->server;
    if (st->raw_enabled && !(s->flags & STREAM_F_RAW_OFF) && s->head &&
        s->right_edge > s->raw_progress)
        return true;
    return app_data_pending(s);
}

/* The app layer's requests (AppLayerFlow.raw_trigger) become the streams' flags. */
static void take_app_triggers(Flow *f, TcpSession *ssn)
{
    if (!f->app || !f->app->raw_trigger)
        return;
    if (f->app->raw_trigger & 1)
        ssn->client.flags |= STREAM_F_RAW_TRIGGER;
    if (f->app->raw_trigger & 2)
        ssn->server.flags |= STREAM_F_RAW_TRIGGER;
    f->app->raw_trigger = 0;
}

/* End of what is stored: segments are freed from the front only, so the furthest one ever
 * stored is still there whenever anything is. */
static uint64_t stored_end(const TcpStream *s)
{
    return s->head ? s->right_edge : 0;
}

/* Acknowledged data, as an offset (the FIN's sequence number is not data, and the stored
 * end caps it). */
static uint64_t acked_end(const TcpStream *s)
{
    int64_t acked = stream_seq_to_offset(s, s->last_ack);
    if (acked <= 0)
        return 0;
    uint64_t end = stored_end(s);
    return (uint64_t)acked < end ? (uint64_t)acked : end;
}

/* Walks the contiguous pieces of [from, to) (stream_run_piece: in place or assembled in
 * st->raw_buf; st NULL: in place only, each segment's part its own piece). */
static bool walk(StreamThread *st, const TcpStream *s, uint64_t from, uint64_t to,
                 StreamRawChunkFn fn, void *ud)
{
    const StreamSegment *seg = s->head;
    uint64_t pos = from;
    while (seg && pos < to) {
        while (seg && seg->off + seg->len <= pos)
            seg = seg->next;
        if (!seg || seg->off >= to)
            return true;
        if (seg->off > pos)
            pos = seg->off; /* a gap: the next piece starts after it */
        uint32_t len;
        const uint8_t *data = stream_run_piece(seg, pos, to, st ? &st->raw_buf : NULL,
                                               st ? &st->raw_cap : NULL, &len);
        if (!fn(ud, data, len, pos))
            return false;
        pos += len;
    }
    return true;
}

/* The first contiguous run of stored data ending after pos, from pos (or its start when
 * later) to its end; *seg is where the search resumes. */
static bool next_run(const StreamSegment **seg, uint64_t pos, uint64_t *start, uint64_t *end)
{
    const StreamSegment *c = *seg;
    while (c && c->off + c->len <= pos)
        c = c->next;
    if (!c)
        return false;
    *start = c->off > pos ? c->off : pos;
    *end = c->off + c->len;
    for (c = c->next; c && c->off <= *end; c = c->next)
        if (c->off + c->len > *end)
            *end = c->off + c->len;
    *seg = c;
    return true;
}

/* The window Suricata 7 hands over in IDS mode (StreamReassembleRawDo): the contiguous runs
 * from `from` on, each cut where it would pass the acknowledged edge `re`, counted from the
 * progress so far rather than from the run's own start. So after a gap a run goes on past
 * `re` into unacknowledged bytes (as many as lie between the progress and `re`), and the
 * progress then stops at that run's start: the reference's alerts show both (a stream
 * match one packet early, its payload with the unacknowledged bytes, the run inspected
 * again later). At eof runs are whole. Returns the progress the reference records. */
static uint64_t walk_window(StreamThread *st, const TcpStream *s, uint64_t from, uint64_t re,
                            bool eof, StreamRawChunkFn fn, void *ud)
{
    const StreamSegment *seg = s->head;
    uint64_t progress = from, pos = from, start, end;
    while (next_run(&seg, pos, &start, &end)) {
        pos = end;
        uint64_t len = end - start;
        if (!eof && progress + len > re)
            len = re > progress ? re - progress : 0;
        if (len == 0)
            break;
        bool go_on = walk(st, s, start, start + len, fn, ud);
        if (start == progress)
            progress += len;
        else if (start > progress && start <= re)
            progress = start; /* over a gap: the run's own bytes count next time */
        if (!go_on)
            break;
    }
    return progress;
}

static bool raw_ready(const StreamThread *st, const TcpSession *ssn, const TcpStream *s,
                      bool to_server, uint64_t acked)
{
    if (ssn->state < FLOW_TCP_ESTABLISHED)
        return false;
    if (s->flags & (STREAM_F_RAW_TRIGGER | STREAM_F_DEPTH_REACHED))
        return true;
    if (ssn->state > FLOW_TCP_TIME_WAIT) /* closing: no more data worth waiting for */
        return true;
    uint32_t chunk = to_server ? st->cfg.raw_chunk_toserver : st->cfg.raw_chunk_toclient;
    return acked >= s->raw_progress + chunk;
}

static bool data_past_progress(const TcpStream *s)
{
    return s->head && s->raw_progress < stored_end(s);
}

bool stream_raw_inspect(StreamThread *st, Flow *f, bool to_server, bool eof, StreamRawChunkFn fn,
                        void *ud)
{
    TcpSession *ssn = f ? f->tcp_session : NULL;
    if (!ssn || !st->raw_enabled)
        return false;
    take_app_triggers(f, ssn);
    TcpStream *s = to_server ? &ssn->client : &ssn->server;
    if (!s->head || (s->flags & STREAM_F_RAW_OFF) || (f->no_reassembly && !eof))
        return false;
    uint64_t right = eof ? stored_end(s) : acked_end(s);
    /* Once the app layer stopped payload inspection, a direction's raw stream ends after it
     * was ready once more, which anything past the progress makes it (Suricata's
     * NEW_RAW_DISABLED flush, then DISABLE_RAW). With no_reassembly nothing is ready any
     * more: only an eof walk (detection's flush of a bypassed flow) takes what is stored. */
    if (f->no_payload_inspection) {
        if (!data_past_progress(s))
            return false;
        s->flags |= STREAM_F_RAW_OFF; /* this walk is the last */
    } else if (!eof && !raw_ready(st, ssn, s, to_server, right)) {
        return false;
    }
    if (right <= s->raw_progress)
        return false; /* an app-layer request waits for data past the progress */
    uint64_t progress = walk_window(st, s, s->raw_progress, right, eof, fn, ud);
    if (progress > s->raw_progress) {
        s->raw_progress = progress;
        s->flags &= ~STREAM_F_RAW_TRIGGER;
    }
    return true;
}

/* Unlike acked_end, not capped at what is stored: Suricata's chunk test counts
 * acknowledged bytes it never saw as well (GetAbsLastAck). */
static uint64_t acked_offset(const TcpStream *s)
{
    int64_t acked = stream_seq_to_offset(s, s->last_ack);
    return acked > 0 ? (uint64_t)acked : 0;
}

bool stream_raw_has_data(const StreamThread *st, Flow *f, bool to_server)
{
    TcpSession *ssn = f ? f->tcp_session : NULL;
    if (!ssn || !st->raw_enabled)
        return false;
    take_app_triggers(f, ssn);
    const TcpStream *s = to_server ? &ssn->client : &ssn->server;
    if ((s->flags & STREAM_F_RAW_OFF) || f->no_reassembly || !data_past_progress(s))
        return false;
    return f->no_payload_inspection || raw_ready(st, ssn, s, to_server, acked_offset(s));
}

void stream_raw_skip(Flow *f, bool to_server)
{
    TcpSession *ssn = f ? f->tcp_session : NULL;
    if (!ssn)
        return;
    TcpStream *s = to_server ? &ssn->client : &ssn->server;
    if (data_past_progress(s))
        s->flags |= STREAM_F_RAW_OFF;
}

void stream_raw_end(Flow *f, bool to_server)
{
    TcpSession *ssn = f ? f->tcp_session : NULL;
    if (ssn)
        (to_server ? &ssn->client : &ssn->server)->flags |= STREAM_F_RAW_OFF;
}

bool stream_raw_ended(const Flow *f, bool to_server)
{
    const TcpSession *ssn = f ? f->tcp_session : NULL;
    return !ssn || ((to_server ? &ssn->client : &ssn->server)->flags & STREAM_F_RAW_OFF);
}

void stream_raw_log(const Flow *f, bool to_server, bool eof, StreamRawChunkFn fn, void *ud)
{
    TcpSession *ssn = f ? f->tcp_session : NULL;
    if (!ssn)
        return;
    const TcpStream *s = to_server ? &ssn->client : &ssn->server;
    if (s->head)
        walk(NULL, s, s->head->off, eof ? stored_end(s) : acked_end(s), fn, ud);
}

typedef struct DumpCtx {
    uint8_t *buf;
    uint32_t len, cap;
    uint64_t end;  /* stream offset after the last dumped byte */
} DumpCtx;

/* StreamRawChunkFn for stream_raw_dump: a gap between two pieces is named. */
static bool dump_piece(void *ud, const uint8_t *data, uint32_t len, uint64_t off)
{
    DumpCtx *d = ud;
    char gap[48];
    int glen = 0;
    if (d->len && off > d->end)
        glen = snprintf(gap, sizeof(gap), "[%llu bytes missing]",
                        (unsigned long long)(off - d->end));
    d->end = off + len;
    uint32_t room = d->cap - d->len;
    uint32_t g = (uint32_t)glen < room ? (uint32_t)glen : room;
    memcpy(d->buf + d->len, gap, g);
    d->len += g;
    room -= g;
    uint32_t n = len < room ? len : room;
    memcpy(d->buf + d->len, data, n);
    d->len += n;
    return d->len < d->cap;
}

uint32_t stream_raw_dump(const Flow *f, bool to_server, bool all, uint8_t *buf, uint32_t cap)
{
    DumpCtx d = {.buf = buf, .cap = cap};
    const TcpStream *s = NULL;
    if (f && f->tcp_session)
        s = to_server ? &f->tcp_session->client : &f->tcp_session->server;
    /* the acknowledged part is cut as the reference's inspection window is
     * (StreamReassembleLog goes through the same walk) */
    if (cap && s && s->head && !all)
        walk_window(NULL, s, s->head->off, acked_end(s), false, dump_piece, &d);
    else if (cap)
        stream_raw_log(f, to_server, all, dump_piece, &d);
    return d.len;
}
