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

#endif
