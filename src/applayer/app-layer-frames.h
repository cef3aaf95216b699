/*
 * app-layer-frames.h - a protocol's frames (Suricata's frame API): spans of one direction's
 * reassembled stream that a parser marks as a unit (an HTTP/1 request, a response), which
 * `frame:` rules inspect on the stream rather than per packet.
 *
 * Offsets are in stream space: the number of bytes (data and gaps) of that direction the
 * app layer had been handed before the frame's first byte. A frame opens with an unknown
 * end (APP_FRAME_OPEN) and is closed once its parser knows where it ends. Frames are kept
 * only while a loaded rule asks for them (app_frames_enable()), in a small fixed set per
 * direction: detection drops those it has inspected (app_frames_prune()).
 */
#ifndef BONGSU_APP_LAYER_FRAMES_H
#define BONGSU_APP_LAYER_FRAMES_H
#include <stdbool.h>
#include <stdint.h>

struct AppLayerFlow;

#define APP_FRAME_OPEN UINT64_MAX
/* Frames kept per direction; when full the oldest is dropped (and counted by the caller's
 * detection as never inspected, as Suricata's per-flow frame limit does). */
#define APP_FRAME_MAX 16

typedef enum AppFrameType {
    APP_FRAME_NONE = 0,
    APP_FRAME_HTTP_REQUEST,
    APP_FRAME_HTTP_RESPONSE,
} AppFrameType;

typedef struct AppLayerFrame {
    uint64_t start, end;   /* [start, end) in stream space; end APP_FRAME_OPEN while unknown */
    uint8_t type;          /* AppFrameType */
} AppLayerFrame;

typedef struct AppLayerFrames {
    AppLayerFrame frame[2][APP_FRAME_MAX];   /* [0] to server, [1] to client, oldest first */
    uint8_t count[2];
} AppLayerFrames;

/* Start-up, from rule loading: some rule inspects frames, so parsers record them. Read
 * inline: parsers ask at every step, and without a frame rule that must cost nothing. */
extern bool app_frames_wanted;
void app_frames_enable(void);
static inline bool app_frames_enabled(void)
{
    return app_frames_wanted;
}

/* A parser's frame of `type` starts at stream offset `start`. */
void app_frame_open(struct AppLayerFlow *app, bool to_server, AppFrameType type, uint64_t start);
/* The most recent open frame of `type` ends at `end` (exclusive). */
void app_frame_close(struct AppLayerFlow *app, bool to_server, AppFrameType type, uint64_t end);
/* The frames of one direction, oldest first; NULL with *count 0 when there are none. */
const AppLayerFrame *app_frames_get(const struct AppLayerFlow *app, bool to_server,
                                    uint32_t *count);
/* Forget the closed frames that end at or before `upto` (inspected). */
void app_frames_prune(struct AppLayerFlow *app, bool to_server, uint64_t upto);

#endif
