/*
 * fuzz-intel-csv.c - libFuzzer target: the input is a csv intel feed (see
 * fuzz-intel-util.h).
 */
#include "fuzz-intel-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_intel_load(intel_load_csv, data, size);
}
