/*
 * community-id.c - Community ID v1 flow hashes ("1:" + base64(SHA1(...))).
 *
 * The Community ID spec lets an analyst join bongsu's events with Zeek's, Suricata's or a
 * firewall's for the same conversation. The tuple is hashed with the endpoints in a canonical
 * order; ICMP uses type and "counterpart type" (echo request <-> reply) in place of ports so
 * both directions hash alike, and one-way ICMP messages use type and code.
 */
#include "flow/flow-icmp.h"
#include "flow/flow.h"

#include <netinet/in.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/socket.h>

/* The ICMP type that answers `type`, or -1 when the message has no answer. Shared with the
 * flow key, which pairs requests with their replies the same way. */
int flow_icmp_counterpart(uint8_t proto, uint8_t type)
{
    static const uint8_t v4_pairs[][2] = {{8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16},
                                          {16, 15}, {10, 9}, {9, 10}, {17, 18}, {18, 17}};
    static const uint8_t v6_pairs[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133},
                                          {135, 136}, {136, 135}, {130, 131}, {131, 130},
                                          {144, 145}, {145, 144}};
    const uint8_t(*pairs)[2] = proto == IPPROTO_ICMP ? v4_pairs : v6_pairs;
    size_t count = proto == IPPROTO_ICMP ? sizeof(v4_pairs) / sizeof(v4_pairs[0])
                                         : sizeof(v6_pairs) / sizeof(v6_pairs[0]);
    for (size_t i = 0; i < count; i++)
        if (pairs[i][0] == type)
            return pairs[i][1];
    return -1;
}

void flow_community_id(const Flow *f, uint16_t seed, char out[64])
{
    const Address *src = &f->key.src, *dst = &f->key.dst;
    uint16_t sp = f->key.sp, dp = f->key.dp;
    bool one_way = false;
    if (f->key.proto == IPPROTO_ICMP || f->key.proto == IPPROTO_ICMPV6) {
        int counterpart = flow_icmp_counterpart(f->key.proto, f->icmp_type);
        sp = f->icmp_type;
        if (counterpart >= 0) {
            dp = (uint16_t)counterpart;
        } else {
            dp = f->icmp_code;
            one_way = true;
        }
    }
    size_t alen = src->family == AF_INET6 ? 16 : 4;
    int c = memcmp(src->addr, dst->addr, alen);
    if (!one_way && !(c < 0 || (c == 0 && sp <= dp))) {
        const Address *ta = src;
        src = dst;
        dst = ta;
        uint16_t tp = sp;
        sp = dp;
        dp = tp;
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, src->addr, alen);
    n += alen;
    memcpy(buf + n, dst->addr, alen);
    n += alen;
    buf[n++] = f->key.proto;
    buf[n++] = 0;
    buf[n++] = (uint8_t)(sp >> 8);
    buf[n++] = (uint8_t)sp;
    buf[n++] = (uint8_t)(dp >> 8);
    buf[n++] = (uint8_t)dp;

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_Digest(buf, n, digest, &digest_len, EVP_sha1(), NULL);
    memcpy(out, "1:", 2);
    EVP_EncodeBlock((unsigned char *)out + 2, digest, (int)digest_len);
}
