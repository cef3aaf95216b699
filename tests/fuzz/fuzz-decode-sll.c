/*
 * fuzz-decode-sll.c - libFuzzer target for the link layers that name an ethertype in a short
 * header of their own: the input is decoded as a Linux cooked capture frame, both as SLL
 * (protocol at offset 14) and as SLL2 (protocol at offset 0), the two headers "any"-interface
 * captures produce, and as Cisco HDLC (protocol at offset 2).
 */
#include "fuzz-decode-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_begin();
    fuzz_decode(data, size, LINKTYPE_LINUX_SLL, 1000000);
    fuzz_decode(data, size, LINKTYPE_LINUX_SLL2, 1000000);
    fuzz_decode(data, size, LINKTYPE_CHDLC, 1000000);
    fuzz_end();
    return 0;
}
