/*
 * fuzz-defrag.c - libFuzzer target for fragment reassembly: the input is a sequence of raw IP
 * packets, each preceded by a 3-byte record header (2-byte big-endian length, then a time
 * step in tenths of a second), all decoded by one DecodeThread so that their fragments meet
 * in the same trackers. Overlaps, holes, duplicates, out-of-order arrival, timeouts between
 * records and the tracker/memcap limits are all reachable; every reassembled datagram is
 * decoded in turn. A record cut short by the end of the input takes what is left. The first
 * byte of the input picks the overlap policy (bsd, linux, windows, solaris, first, last...).
 */
#include "fuzz-decode-util.h"

#define RECORD_HEADER_LEN 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint64_t ts = 1000000;
    fuzz_begin_with_policy((DefragPolicy)(data[0] % (DEFRAG_POLICY_LAST + 1)));
    data++;
    size--;
    while (size >= RECORD_HEADER_LEN) {
        size_t len = (size_t)data[0] << 8 | data[1];
        ts += (uint64_t)data[2] * 100000;
        data += RECORD_HEADER_LEN;
        size -= RECORD_HEADER_LEN;
        if (len > size)
            len = size;
        fuzz_decode(data, len, LINKTYPE_RAW, ts);
        data += len;
        size -= len;
    }
    fuzz_end();
    return 0;
}
