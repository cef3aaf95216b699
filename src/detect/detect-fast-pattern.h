/*
 * detect-fast-pattern.h - choosing each rule's prefilter pattern (see detect-fast-pattern.c).
 */
#ifndef BONGSU_DETECT_FAST_PATTERN_H
#define BONGSU_DETECT_FAST_PATTERN_H

#include "detect/detect-content.h"

typedef struct FastPattern {
    int buffer_id;           /* -1: the packet payload */
    const SigList *list;     /* the list it is in: its transforms apply before the scan */
    const uint8_t *bytes;
    uint32_t len;
    bool nocase;
} FastPattern;

/* False when the rule has no content that can serve (only negated contents, decoded
 * buffers): such rules are evaluated without a prefilter. */
bool fast_pattern_select(const Signature *sig, FastPattern *fp);

#endif
