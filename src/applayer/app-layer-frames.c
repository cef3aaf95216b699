/*
 * app-layer-frames.c - per-flow frame bookkeeping (see app-layer-frames.h).
 *
 * Why a fixed set: frames live only between the parse that opens them and the raw stream
 * inspection that passes their end, which is at most a chunk or a transaction later, so a
 * few per direction suffice and a flow never allocates more than one small block, and only
 * once a frame rule is loaded.
 */
#include "applayer/app-layer-frames.h"

#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer.h"

bool app_frames_wanted;

void app_frames_enable(void)
{
    app_frames_wanted = true;
}

void app_frame_open(AppLayerFlow *app, bool to_server, AppFrameType type, uint64_t start)
{
    if (!app_frames_wanted || !app)
        return;
    if (!app->frames && !(app->frames = calloc(1, sizeof(*app->frames))))
        return;
    int d = to_server ? 0 : 1;
    AppLayerFrame *fr = app->frames->frame[d];
    uint8_t *n = &app->frames->count[d];
    if (*n == APP_FRAME_MAX) {
        memmove(fr, fr + 1, (APP_FRAME_MAX - 1) * sizeof(*fr));
        (*n)--;
    }
    fr[(*n)++] = (AppLayerFrame){.start = start, .end = APP_FRAME_OPEN, .type = (uint8_t)type};
}

void app_frame_close(AppLayerFlow *app, bool to_server, AppFrameType type, uint64_t end)
{
    if (!app || !app->frames)
        return;
    int d = to_server ? 0 : 1;
    for (int i = app->frames->count[d] - 1; i >= 0; i--) {
        AppLayerFrame *fr = &app->frames->frame[d][i];
        if (fr->type == type && fr->end == APP_FRAME_OPEN) {
            fr->end = end > fr->start ? end : fr->start;
            return;
        }
    }
}

const AppLayerFrame *app_frames_get(const AppLayerFlow *app, bool to_server, uint32_t *count)
{
    *count = 0;
    if (!app || !app->frames)
        return NULL;
    int d = to_server ? 0 : 1;
    *count = app->frames->count[d];
    return app->frames->frame[d];
}

void app_frames_prune(AppLayerFlow *app, bool to_server, uint64_t upto)
{
    if (!app || !app->frames)
        return;
    int d = to_server ? 0 : 1;
    AppLayerFrame *fr = app->frames->frame[d];
    uint8_t kept = 0;
    for (uint8_t i = 0; i < app->frames->count[d]; i++)
        if (fr[i].end == APP_FRAME_OPEN || fr[i].end > upto)
            fr[kept++] = fr[i];
    app->frames->count[d] = kept;
}
