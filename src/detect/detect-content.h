/*
 * detect-content.h - content matches (see detect-content.c).
 */
#ifndef BONGSU_DETECT_CONTENT_H
#define BONGSU_DETECT_CONTENT_H

#include "detect/detect-internal.h"

#define CONTENT_NEGATED 0x01
#define CONTENT_OFFSET 0x02
#define CONTENT_DEPTH 0x04
#define CONTENT_DISTANCE 0x08
#define CONTENT_WITHIN 0x10
#define CONTENT_RELATIVE 0x20
#define CONTENT_ENDS_WITH 0x40
#define CONTENT_FAST_PATTERN 0x80
#define CONTENT_FAST_PATTERN_ONLY 0x100
#define CONTENT_FAST_PATTERN_CHOP 0x200
#define CONTENT_STARTS_WITH 0x400
#define CONTENT_NOCASE 0x800

typedef struct ContentCtx {
    uint8_t *pattern;
    uint8_t *lower;          /* lowercased pattern, for nocase */
    uint32_t len;
    bool nocase;
    uint32_t flags;
    DetectValue offset, depth, distance, within;
    uint16_t fp_offset, fp_len;  /* fast_pattern:offset,length (chop) */
} ContentCtx;

extern const DetectKeyword detect_kw_content;
extern const DetectKeyword detect_kw_content_modifiers[];  /* NULL-name terminated */

int content_decode(const char *text, uint8_t **out, uint32_t *out_len, char *err, size_t errlen);
/* First position >= from of the pattern ending at or before limit; -1 when none. */
int64_t content_find(const ContentCtx *cd, const uint8_t *buf, uint32_t from, uint32_t limit);

#endif
