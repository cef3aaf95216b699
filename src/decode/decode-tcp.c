/*
 * decode-tcp.c - TCP header and options (MSS, window scale, SACK, timestamps).
 *
 * Options are kept on the packet because the stream engine needs them (window scaling,
 * timestamps for PAWS, SACK) and rules match on them (tcp.mss). Their validation follows
 * Suricata 7 so the same options raise the same tcp.opt_invalid_len / opt_duplicate events;
 * only the first instance of an option is used.
 */
#include "decode/decode.h"

#include <string.h>

#define TCP_HEADER_LEN 20

enum {
    TCP_OPT_EOL = 0,
    TCP_OPT_NOP = 1,
    TCP_OPT_MSS = 2,
    TCP_OPT_WS = 3,
    TCP_OPT_SACKOK = 4,
    TCP_OPT_SACK = 5,
    TCP_OPT_TS = 8,
    TCP_OPT_MD5 = 19,
    TCP_OPT_AO = 29,
    TCP_OPT_TFO = 34,
    TCP_OPT_EXP1 = 253,
    TCP_OPT_EXP2 = 254,
};

#define TCP_OPT_TFO_MAGIC 0xf989 /* experimental-option form of TCP Fast Open (RFC 7413) */

/* Options whose length Suricata checks; the outcome for one option. */
typedef enum { OPT_OK, OPT_DUPLICATE, OPT_BAD_LEN, OPT_BAD_LEN_INVALID } TcpOptVerdict;

/* Remembers the first instance of an option; later ones are duplicates. */
static TcpOptVerdict first_instance(bool *seen)
{
    if (*seen)
        return OPT_DUPLICATE;
    *seen = true;
    return OPT_OK;
}

static TcpOptVerdict apply_tcp_option(TcpOptions *o, bool *tfo_seen, uint8_t type,
                                      const uint8_t *opt, uint8_t len)
{
    switch (type) {
    case TCP_OPT_MSS:
        if (len != 4)
            return OPT_BAD_LEN;
        if (!o->has_mss)
            o->mss = rd16(opt + 2);
        return first_instance(&o->has_mss);
    case TCP_OPT_WS:
        if (len != 3)
            return OPT_BAD_LEN;
        if (!o->has_wscale)
            o->wscale = opt[2];
        return first_instance(&o->has_wscale);
    case TCP_OPT_SACKOK:
        return len != 2 ? OPT_BAD_LEN : first_instance(&o->sack_permitted);
    case TCP_OPT_SACK:
        /* An empty SACK (length 2) is tolerated, like Suricata does. */
        if (len != 2 && (len < 10 || len > 34 || (len - 2) % 8 != 0))
            return OPT_BAD_LEN;
        return first_instance(&o->has_sack);
    case TCP_OPT_TS:
        if (len != 10)
            return OPT_BAD_LEN;
        if (!o->has_timestamp) {
            o->ts_value = rd32(opt + 2);
            o->ts_echo = rd32(opt + 6);
        }
        return first_instance(&o->has_timestamp);
    case TCP_OPT_TFO:
        if (len != 2 && (len < 4 || len > 18 || (len - 2) % 2 != 0))
            return OPT_BAD_LEN;
        return first_instance(tfo_seen);
    case TCP_OPT_EXP1:
    case TCP_OPT_EXP2:
        if (len != 4 && len != 12)
            return OPT_BAD_LEN;
        return rd16(opt + 2) == TCP_OPT_TFO_MAGIC ? first_instance(tfo_seen) : OPT_OK;
    case TCP_OPT_MD5: /* the signature cannot be checked without the key */
        if (len != 18)
            return OPT_BAD_LEN_INVALID;
        o->has_signature = true;
        return OPT_OK;
    case TCP_OPT_AO:
        if (len < 4)
            return OPT_BAD_LEN_INVALID;
        o->has_signature = true;
        return OPT_OK;
    default:
        return OPT_OK;
    }
}

/* As Suricata 7: a length that does not fit stops the walk and invalidates the packet; a
 * wrong length for a known option is an anomaly (for MD5 and AO it also invalidates). */
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
        if (len - pos < 2)
            return;
        uint8_t opt_len = opts[pos + 1];
        if (opt_len > len - pos || opt_len < 2) {
            decode_fail(dt, p, DE_TCP_OPT_INVALID_LEN);
            return;
        }
        switch (apply_tcp_option(&p->tcp_opts, &p->tcp_opts.has_tfo, type, opts + pos, opt_len)) {
        case OPT_DUPLICATE:
            decode_set_event(dt, p, DE_TCP_OPT_DUPLICATE);
            break;
        case OPT_BAD_LEN:
            decode_set_event(dt, p, DE_TCP_OPT_INVALID_LEN);
            break;
        case OPT_BAD_LEN_INVALID:
            decode_fail(dt, p, DE_TCP_OPT_INVALID_LEN);
            break;
        case OPT_OK:
            break;
        }
        pos += opt_len;
    }
}

DecodeResult decode_tcp(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len)
{
    counter_incr(dt->counters, decode_ids.tcp);
    if (len < TCP_HEADER_LEN)
        return decode_fail(dt, p, DE_TCP_PKT_TOO_SMALL);
    uint32_t hlen = (uint32_t)(data[12] >> 4) * 4;
    if (len < hlen)
        return decode_fail(dt, p, DE_TCP_HLEN_TOO_SMALL);
    /* A data offset below 5 words is reported as a bad option length, as Suricata does
     * (its option length underflows); 15 words leave at most 40 bytes of options. */
    if (hlen < TCP_HEADER_LEN)
        return decode_fail(dt, p, DE_TCP_INVALID_OPTLEN);

    p->sp = rd16(data);
    p->dp = rd16(data + 2);
    p->tcp_seq = rd32(data + 4);
    p->tcp_ack = rd32(data + 8);
    p->tcp_flags = data[13];
    p->tcp_win = rd16(data + 14);
    p->tcp_urp = rd16(data + 18);
    p->l4_hdr = data;
    p->l4_hdr_len = (uint16_t)hlen;
    memset(&p->tcp_opts, 0, sizeof(p->tcp_opts));
    if (hlen > TCP_HEADER_LEN)
        decode_tcp_options(dt, p, data + TCP_HEADER_LEN, hlen - TCP_HEADER_LEN);
    p->payload = data + hlen;
    p->payload_len = len - hlen;
    return DECODE_OK;
}
