/*
 * detect-transform.h - buffer transforms (see detect-transform.c).
 */
#ifndef BONGSU_DETECT_TRANSFORM_H
#define BONGSU_DETECT_TRANSFORM_H

#include "detect/detect-engine.h"

/* The list's transforms applied to buf, in the thread's scratch; *len is updated. NULL when
 * out of memory. */
const uint8_t *detect_transform_apply(DetectThread *dt, const SigList *list, const uint8_t *buf,
                                      uint32_t *len);
/* Whether two lists transform a buffer the same way (same chain), so one prefilter scan of
 * the transformed buffer serves both. */
bool detect_transform_same(const SigList *a, const SigList *b);

#endif
