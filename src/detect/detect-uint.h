/*
 * detect-uint.h - Suricata's unsigned comparison syntax shared by numeric keywords
 * (dsize, ttl, bsize, urilen, stream_size, flowint...): "N", "=N", "!N", "<N", ">N", "<=N",
 * ">=N", "A-B" and "A<>B" (both exclusive ranges).
 */
#ifndef BONGSU_DETECT_UINT_H
#define BONGSU_DETECT_UINT_H

#include <stdbool.h>
#include <stdint.h>

typedef enum DetectUintOp {
    DU_EQ, DU_NE, DU_LT, DU_GT, DU_LE, DU_GE, DU_RANGE, DU_NOT_RANGE
} DetectUintOp;

typedef struct DetectUint {
    DetectUintOp op;
    uint64_t a, b;
} DetectUint;

/* Parses text into u; values above max are errors, and so are "<0", ">=0", ">max" and
 * "<=max" (always or never true). Returns 0 or -1. */
int detect_uint_parse(const char *text, DetectUint *u, uint64_t max);
bool detect_uint_match(const DetectUint *u, uint64_t v);
/* The form with the operator apart from the number ("<", "1111"), as stream_size and iprep
 * write it: <, >, =, !=, <= or >=; always-true and never-true ones are accepted there.
 * Returns 0 or -1. */
int detect_uint_parse_op(const char *op, const char *num, DetectUint *u, uint64_t max);

#endif
