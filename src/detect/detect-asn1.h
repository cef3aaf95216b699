/*
 * detect-asn1.h - the asn1 keyword's options and check (see detect-asn1.c), shared with the
 * unit tests and the fuzz target.
 */
#ifndef BONGSU_DETECT_ASN1_H
#define BONGSU_DETECT_ASN1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ASN1_DEFAULT_MAX_FRAMES 30

typedef struct Asn1Options {
    bool bitstring_overflow, double_overflow;
    bool has_oversize, has_absolute, has_relative;
    uint32_t oversize_length;
    uint16_t absolute_offset;
    int32_t relative_offset;
    uint32_t max_frames;   /* top-level objects and nesting depth */
} Asn1Options;

/* Parses the keyword's value; -1 with a message in err. */
int asn1_options_parse(const char *value, Asn1Options *o, char *err, size_t errlen);
/* Whether the BER objects in buf (from the option's offset; prev_end: where the previous
 * match ended, for relative_offset) show one of the options' malformations. */
bool asn1_check(const uint8_t *buf, uint32_t len, uint32_t prev_end, const Asn1Options *o);

#endif
