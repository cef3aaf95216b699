/*
 * fuzz-asn1.c - libFuzzer target for the asn1 keyword's BER decoder (detect-asn1.c).
 *
 * The first byte picks the options (which checks, oversize length, a relative offset); the
 * rest is the payload, copied to a buffer of exactly its size so that a read past it is a
 * sanitizer error. The decoder keeps no state, so the same call twice must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-asn1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    uint8_t sel = data[0];
    Asn1Options o = {
        .bitstring_overflow = sel & 1, .double_overflow = sel & 2, .has_oversize = sel & 4,
        .oversize_length = (uint32_t)(sel >> 4) * 16, .has_relative = sel & 8,
        .relative_offset = (int32_t)(sel >> 5) - 2, .max_frames = ASN1_DEFAULT_MAX_FRAMES,
    };
    /* a copy of exactly the payload, so a read past it is caught by the sanitizers */
    uint8_t *buf = malloc(size - 1 ? size - 1 : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    bool a = asn1_check(buf, (uint32_t)(size - 1), 3, &o);
    bool b = asn1_check(buf, (uint32_t)(size - 1), 3, &o);
    free(buf);
    if (a != b)
        abort();
    return 0;
}
