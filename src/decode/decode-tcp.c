/*
 * decode-tcp.c - TCP header and options (MSS, window scale, SACK, timestamps).
 *
 * Options are kept on the packet because the stream engine needs them (window scaling,
 * timestamps for PAWS, SACK) and rules match on them (tcp.mss).
 */
#include "decode/decode.h"

#include <string.h>

#define TCP_HEADER_LEN 20
#define TCP_OPTLEN_MAX 40

enum {
    TCP_OPT_EOL = 0,
    TCP_OPT_NOP = 1,
    TCP_OPT_MSS = 2,
    TCP_OPT_WS = 3,
    TCP_OPT_SACKOK = 4,
    TCP_OPT_SACK = 5,
    TCP_OPT_TS = 8,
};

/* Applies one option; returns false when its length is wrong for its type. */
static bool apply_tcp_option(TcpOptions *o, uint8_t type, const uint8_t *opt, uint8_t opt_len,
                             bool *duplicate)
{
    *duplicate = false;
    switch (type) {
    case TCP_OPT_MSS:
        if (opt_len != 4)
            return false;
        *duplicate = o->has_mss;
        o->has_mss = true;
        o->mss = rd16(opt + 2);
        return true;
    case TCP_OPT_WS:
        if (opt_len != 3)
            return false;
        *duplicate = o->has_wscale;
        o->has_wscale = true;
        o->wscale = opt[2];
        return true;
    case TCP_OPT_SACKOK:
        if (opt_len != 2)
            return false;
        *duplicate = o->sack_permitted;
        o->sack_permitted = true;
        return true;
    case TCP_OPT_SACK:
        if (opt_len < 10 || opt_len > 34 || (opt_len - 2) % 8 != 0)
            return false;
        *duplicate = o->has_sack;
        o->has_sack = true;
        return true;
    case TCP_OPT_TS:
        if (opt_len != 10)
            return false;
        *duplicate = o->has_timestamp;
        o->has_timestamp = true;
        o->ts_value = rd32(opt + 2);
        o->ts_echo = rd32(opt + 6);
        return true;
    default:
        return true;
    }
}

static void decode_tcp_options(DecodeThread *dt, Packet *p, const uint8_t *opts, uint32_t len)
{
    uint32_t pos = 0;
    while (pos < len) {
        uint8_t type = opts[pos];
        if (type == TCP_OPT_EOL)
            return;
        if (type == TCP_OPT_NOP) {
            pos++;
            continue;
        }
        if (len - pos < 2 || opts[pos + 1] < 2 || opts[pos + 1] > len - pos) {
            decode_set_event(dt, p, DE_TCP_OPT_INVALID_LEN);
            return;
        }
        uint8_t opt_len = opts[pos + 1];
        bool duplicate;
        if (!apply_tcp_option(&p->tcp_opts, type, opts + pos, opt_len, &duplicate))
            decode_set_event(dt, p, DE_TCP_OPT_INVALID_LEN);
        else if (duplicate)
            decode_set_event(dt, p, DE_TCP_OPT_DUPLICATE);
        pos += opt_len;
    }
}

DecodeResult decode_tcp(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.tcp);
    if (len < TCP_HEADER_LEN)
        return decode_fail(dt, p, DE_TCP_PKT_TOO_SMALL);
    uint32_t hlen = (uint32_t)(data[12] >> 4) * 4;
    if (hlen < TCP_HEADER_LEN || len < hlen)
        return decode_fail(dt, p, DE_TCP_HLEN_TOO_SMALL);
    if (hlen - TCP_HEADER_LEN > TCP_OPTLEN_MAX)
        return decode_fail(dt, p, DE_TCP_INVALID_OPTLEN);

    p->sp = rd16(data);
    p->dp = rd16(data + 2);
    p->tcp_seq = rd32(data + 4);
    p->tcp_ack = rd32(data + 8);
    p->tcp_flags = data[13];
    p->tcp_win = rd16(data + 14);
    p->l4_hdr = data;
    p->l4_hdr_len = (uint16_t)hlen;
    memset(&p->tcp_opts, 0, sizeof(p->tcp_opts));
    if (hlen > TCP_HEADER_LEN)
        decode_tcp_options(dt, p, data + TCP_HEADER_LEN, hlen - TCP_HEADER_LEN);
    p->payload = data + hlen;
    p->payload_len = len - hlen;
    return DECODE_OK;
}
