/*
 * detect-threshold.h - threshold, detection_filter and threshold.config (see
 * detect-threshold.c).
 */
#ifndef BONGSU_DETECT_THRESHOLD_H
#define BONGSU_DETECT_THRESHOLD_H

#include "detect/detect-internal.h"

typedef enum ThresholdType { TH_LIMIT, TH_THRESHOLD, TH_BOTH, TH_DETECTION_FILTER,
                             TH_SUPPRESS } ThresholdType;
typedef enum ThresholdTrack { TRACK_SRC, TRACK_DST, TRACK_RULE, TRACK_BOTH,
                              TRACK_EITHER } ThresholdTrack;

typedef struct ThresholdCtx {
    ThresholdType type;
    ThresholdTrack track;
    uint32_t count, seconds;
} ThresholdCtx;

typedef struct ThresholdStore ThresholdStore;

ThresholdStore *threshold_store_new(void);
void threshold_store_free(ThresholdStore *s);

/* A matching signature: whether it alerts now (counts the event). p may be NULL. */
bool detect_threshold_allows(ThresholdStore *s, const Signature *sig, const Packet *p,
                             const Flow *f, uint64_t ts_usec);

#endif
