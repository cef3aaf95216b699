/*
 * detect-transform.h - buffer transforms (see detect-transform.c).
 */
#ifndef BONGSU_DETECT_TRANSFORM_H
#define BONGSU_DETECT_TRANSFORM_H

#include "detect/detect-engine.h"

/* A transform with a value (pcrexform, xor; detect-transform-param.c): writes the transform
 * of in[0..len) to out (room for len bytes) and returns its length. */
typedef struct TransformParam TransformParam;
uint32_t transform_param_apply(const TransformParam *tp, DetectThread *dt, const uint8_t *in,
                               uint32_t len, uint8_t *out);
void transform_param_free(TransformParam *tp);
/* Adds a transform to the active sticky buffer's list: a fixed one by name, or one with a
 * value when tp is not NULL (the list then owns tp). -1 with err when none is active or the
 * list is full. */
int transform_add(Signature *sig, uint8_t id, TransformParam *tp, char *err, size_t errlen);
#define TRANSFORM_ID_PARAM 255

/* The list's transforms applied to buf, in the thread's scratch; *len is updated. NULL when
 * out of memory. */
const uint8_t *detect_transform_apply(DetectThread *dt, const SigList *list, const uint8_t *buf,
                                      uint32_t *len);
/* Whether two lists transform a buffer the same way (same chain), so one prefilter scan of
 * the transformed buffer serves both. */
bool detect_transform_same(const SigList *a, const SigList *b);

#endif
