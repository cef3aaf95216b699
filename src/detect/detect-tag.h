/*
 * detect-tag.h - the tag keyword (see detect-tag.c): packets after an alert become EVE
 * "packet" events.
 */
#ifndef BONGSU_DETECT_TAG_H
#define BONGSU_DETECT_TAG_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/detect-engine.h"

/* A worker's active tags (the entries are detect-tag.c's). */
typedef struct DetectTagState {
    struct TagEntry *e;
    uint32_t n;
    size_t cap;
} DetectTagState;

static inline bool detect_tag_active(const DetectThread *dt)
{
    return dt->tags && dt->tags->n;
}

/* Whether a loaded rule tags: only then does a worker keep tag state (DetectThread.tags). */
bool detect_tag_used(const DetectEngine *de);
DetectTagState *detect_tag_state_new(void);
void detect_tag_state_free(DetectTagState *s);
/* A packet, before its rules: logs it when an active tag covers it, ends tags past their
 * count. Call only when dt->tags has tags (detect_tag_active). */
void detect_tag_packet(DetectThread *dt, const Packet *p);
/* The flow ends: its session tags go. */
void detect_tag_flow_end(DetectThread *dt, const Flow *f);

#endif
