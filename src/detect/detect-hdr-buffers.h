/*
 * detect-hdr-buffers.h - packet-level sticky buffers (detect-hdr-buffers.c), for the keywords
 * of other files that select one (frame:, detect-frame.c).
 */
#ifndef BONGSU_DETECT_HDR_BUFFERS_H
#define BONGSU_DETECT_HDR_BUFFERS_H

#include "detect/detect-internal.h"

typedef enum HdrBufferKind {
    HDR_IPV4, HDR_IPV6, HDR_TCP, HDR_UDP, HDR_ICMPV4, HDR_ICMPV6, HDR_IP_SRC, HDR_IP_DST,
    HDR_FRAME_DNS_PDU
} HdrBufferKind;

/* Makes a new packet buffer of this kind the rule's active sticky buffer; -1 out of memory. */
int hdr_buffer_activate(Signature *sig, HdrBufferKind kind);

#endif
