/*
 * stream-tcp-checksum.c - TCP checksum validation (stream.checksum-validation, -k all).
 *
 * A receiver drops a segment whose checksum is wrong, so the stream engine must not use it
 * either: it is counted (tcp.invalid_checksum) and ignored. The sum covers the IPv4 or IPv6
 * pseudo header, the TCP header and the payload, in one pass of 16-bit words.
 */
#include "stream/stream-tcp-private.h"

#include <sys/socket.h>

static uint64_t sum_bytes(uint64_t sum, const uint8_t *d, uint32_t len)
{
    while (len >= 2) {
        sum += (uint32_t)(d[0] << 8 | d[1]);
        d += 2;
        len -= 2;
    }
    if (len)
        sum += (uint32_t)(d[0] << 8);
    return sum;
}

bool stream_tcp_checksum_ok(const Packet *p)
{
    if (!p->l4_hdr)
        return false;
    uint32_t tcp_len = (uint32_t)p->l4_hdr_len + p->payload_len;
    uint64_t sum = 0;
    if (p->src.family == AF_INET) {
        sum = sum_bytes(sum, p->src.addr, 4);
        sum = sum_bytes(sum, p->dst.addr, 4);
    } else {
        sum = sum_bytes(sum, p->src.addr, 16);
        sum = sum_bytes(sum, p->dst.addr, 16);
    }
    sum += 6 /* IPPROTO_TCP */ + (tcp_len >> 16) + (tcp_len & 0xffff);
    sum = sum_bytes(sum, p->l4_hdr, p->l4_hdr_len);
    sum = sum_bytes(sum, p->payload, p->payload_len);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}
