/*
 * decode-internal.h - helpers shared between the layer decoders, not part of decode.h's API.
 *
 * Tunnels (GRE, VXLAN, Geneve, IP-in-IP, ERSPAN) all end the same way: the inner bytes become
 * a pseudo packet that is decoded after its carrier and gets a flow of its own. PPP is reached
 * from two places (PPPoE sessions inline, PPTP's GRE as a tunnel) that share one protocol
 * switch. Defrag walks IPv6 extension headers the way the IPv6 decoder does. These few
 * functions keep that logic in one place without widening decode.h.
 */
#ifndef BONGSU_DECODE_INTERNAL_H
#define BONGSU_DECODE_INTERNAL_H

#include "decode/decode.h"

/* Whether decode_ethertype decodes this ethertype (anything else is counted as unknown). */
bool ethertype_known(uint16_t ethertype);

/* Queue the inner packet of a tunnel, starting at `datalink`, marked is_tunneled. Returns
 * the pseudo packet, or NULL when the pseudo queue or the packet pool is exhausted. */
Packet *decode_tunnel_queue(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len,
                            int datalink);

/* A tunnel whose payload starts with 802.1Q tags (GRE protocol 0x8100): the tags are read
 * here and the IP packet behind them is queued with the tags appended to its VLAN ids. */
DecodeResult decode_tunnel_queue_vlan(DecodeThread *dt, Packet *p, const uint8_t *data,
                                      uint32_t len);

/* Decode what follows a PPP protocol field. `data` is the PPP payload (after the protocol
 * field). With `as_tunnel` the IP packet is queued as a tunnel pseudo packet instead of being
 * decoded in place (PPTP carries PPP inside GRE, and its inner packets get their own flow). */
DecodeResult decode_ppp_payload(DecodeThread *dt, Packet *p, uint16_t proto, const uint8_t *data,
                                uint32_t len, bool as_tunnel);

/* Geneve on UDP: DECODE_OK when the payload was a Geneve header (its inner packet queued),
 * DECODE_FAIL when it is not Geneve and stays plain UDP payload. */
DecodeResult decode_geneve(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);

/* PPP frame inside GRE (PPTP): parses the PPP header, queues the inner IP packet. */
DecodeResult decode_ppp_tunnel(DecodeThread *dt, Packet *p, const uint8_t *data, uint32_t len);

/* Length of the IPv6 extension header `type` starting at hdr (at least 2 bytes readable),
 * computed the way the decoder walks the chain. */
uint32_t ipv6_ext_header_len(uint8_t type, const uint8_t *hdr);

/* Offset within ip6 of the next-header byte that names the header at hdr_offset: 6 for the
 * first one, otherwise the first byte of the extension header before it. The chain up to
 * hdr_offset must already have been validated by the decoder. */
int ipv6_next_header_field(const uint8_t *ip6, uint32_t hdr_offset);

#endif
