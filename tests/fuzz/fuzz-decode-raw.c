/*
 * fuzz-decode-raw.c - libFuzzer target: the input is a raw IP packet (LINKTYPE_RAW), so the
 * fuzzer starts right at the IPv4 or IPv6 header and spends its effort on the network and
 * transport layers and the tunnels behind them.
 */
#include "fuzz-decode-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_begin();
    fuzz_decode(data, size, LINKTYPE_RAW, 1000000);
    fuzz_end();
    return 0;
}
