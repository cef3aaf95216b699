/*
 * app-layer-http-frames.c - the http1.request and http1.response frames, in stream space.
 *
 * Why: Suricata's HTTP/1 parser marks each request and each response as a frame that starts
 * at its start line and ends with its message (headers and body); `frame:http1.request`
 * rules inspect that span of the reassembled stream, so a request split over several
 * segments (or with an out-of-band urgent byte taken out of it) is one buffer. The request
 * and response parsers call in here around every step of their loops: a message that
 * appeared during a step opens a frame, a message that is over (or already freed) closes it
 * at the step's end. As in Suricata 7 (libhtp's start and complete hooks), the frames of a
 * direction follow each other without holes: the first starts at the first byte the parser
 * saw, each next one where the one before ended; a request ends only once the line after
 * it was read (libhtp's finalize step, which may take it as body), at that line's last byte
 * when it is the next request line. A message that never completes keeps its frame open,
 * which detection reads as "everything since".
 *
 * Known difference: libhtp starts a message (and Suricata its frame) at the first byte of
 * it; here a frame opens once its start line is complete. Raw stream inspection runs at a
 * chunk's acknowledgement or a completed transaction, so only a chunk boundary inside a
 * start line could leave the line's first bytes out of the frame's inspection.
 */
#include "applayer/app-layer-frames.h"
#include "applayer/app-layer-http.h"

void http_frame_begin_step(HttpDir *d, uint64_t pos)
{
    d->pos = pos;
    if (!d->frame_seen) {
        d->frame_seen = true;
        d->frame_start = pos;
    }
}

/* Whether the message of the open frame is over: a response when complete, a request once
 * libhtp's finalize step is over too (the line after it was read: it may be more body). */
static bool frame_done(HttpState *s, const HttpDir *d, bool to_server)
{
    HttpTx *tx = http_state_tx(s, d->frame_tx_id);
    if (!tx)
        return true;
    return to_server ? tx->req.complete && s->req.finalize_tx != tx : tx->resp.complete;
}

void http_frame_end_step(HttpState *s, AppLayerCtx *ctx, bool to_server, uint64_t pos)
{
    HttpDir *d = to_server ? &s->req : &s->resp;
    d->pos = pos;
    if (!ctx->flow)
        return;
    AppFrameType type = to_server ? APP_FRAME_HTTP_REQUEST : APP_FRAME_HTTP_RESPONSE;
    bool started = d->tx && d->tx->id >= d->frame_next_id;
    if (d->frame_open && frame_done(s, d, to_server)) {
        /* libhtp ends a request that its finalize step saw followed by the next request
         * line at that line's last byte, where the next request's frame starts */
        uint64_t end = to_server && started && pos > d->frame_start ? pos - 1 : pos;
        app_frame_close(ctx->flow->app, to_server, type, end);
        d->frame_open = false;
        d->frame_start = end;
    }
    if (!d->frame_open && started) {
        /* frames follow each other: a message's starts where the one before ended (the
         * direction's first byte for the first), empty lines between them included */
        app_frame_open(ctx->flow->app, to_server, type, d->frame_start);
        d->frame_open = true;
        d->frame_tx_id = d->tx->id;
        d->frame_next_id = d->tx->id + 1;
    }
}
