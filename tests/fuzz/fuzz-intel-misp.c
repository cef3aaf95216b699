/*
 * fuzz-intel-misp.c - libFuzzer target: the input is a misp intel feed (see
 * fuzz-intel-util.h).
 */
#include "fuzz-intel-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_intel_load(intel_load_misp, data, size);
}
