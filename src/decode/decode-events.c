/*
 * decode-events.c - names of packet-level anomaly events (see decode-events.h).
 */
#include "decode/decode-events.h"

#include <string.h>

static const char *const event_names[DECODE_EVENT_COUNT] = {
#define DECODE_EVENT_NAME(id, name) [DE_##id] = name,
    DECODE_EVENT_LIST(DECODE_EVENT_NAME)
#undef DECODE_EVENT_NAME
};

const char *decode_event_name(DecodeEvent event)
{
    if ((unsigned)event >= DECODE_EVENT_COUNT)
        return "unknown";
    return event_names[event];
}

bool decode_event_is_stream(DecodeEvent event)
{
    return strncmp(decode_event_name(event), "stream.", 7) == 0;
}

int decode_event_by_name(const char *name)
{
    for (int i = 0; i < DECODE_EVENT_COUNT; i++) {
        const char *full = event_names[i];
        if (strcmp(full, name) == 0)
            return i;
        if (strncmp(full, "decoder.", 8) == 0 && strcmp(full + 8, name) == 0)
            return i;
    }
    return -1;
}
