/*
 * detect-stream-inspect.h - payload rules on the reassembled TCP stream (Suricata's raw
 * stream inspection); see detect-stream-inspect.c.
 */
#ifndef BONGSU_DETECT_STREAM_INSPECT_H
#define BONGSU_DETECT_STREAM_INSPECT_H

#include <stdbool.h>

#include "detect/detect-engine.h"

/* At load: whether the rule inspects TCP payloads on the raw stream (payload contents, no
 * sticky buffer, no app protocol, not packet-only): SIG_FLAG_STREAM, and
 * SIG_FLAG_REQUIRE_PACKET for the header keywords that make a rule packet-only. */
void detect_stream_classify(Signature *sig);
/* Before detect_stream_classify: the rule matches app-layer state (a buffer: http.uri,
 * dns.query, file.data...) and something only a packet has (dsize, flags, ttl...,
 * flow:no_stream, tcp-pkt), which Suricata refuses to load ("combines packet specific
 * matches with stream / state matching"). Its keywords that count, as measured with the
 * reference 7.0.10: not icmp_seq, stream_size or asn1. */
bool detect_sig_mixes_packet_and_state(const Signature *sig);
static inline bool detect_sig_is_stream(const Signature *sig)
{
    return sig->flags & SIG_FLAG_STREAM;
}
/* A transaction rule with payload contents beside its buffers (uricontent + content):
 * Suricata matches those on the direction's raw stream when it inspects the transaction. */
static inline bool detect_sig_tx_payload(const Signature *sig)
{
    return sig->buffer_count && sig->fixed[SIG_LIST_PAYLOAD].head;
}
/* The stream that one direction still keeps (all of it at eof, else up to what the other
 * side acknowledged), its pieces back to back in scratch valid until the next stream call;
 * false when nothing is kept or raw reassembly is off. */
bool detect_stream_kept(DetectThread *dt, Flow *f, bool to_server, bool eof,
                        const uint8_t **data, uint32_t *len);
/* The packet path must leave this packet's payload to the stream: a stream rule, and the
 * payload went into reassembly (or the rule is stream-only, or p is a pseudo packet). */
bool detect_stream_owns_payload(const Signature *sig, const Packet *p);
/* At load, after the rules are numbered: DetectEngine.raw_stream_ports. 0, or -1 when out
 * of memory. */
int detect_stream_ports_build(DetectEngine *de);
/* Before a packet's rules: whether its direction has raw stream data ready (Suricata's
 * PKT_DETECT_HAS_STREAMDATA): its port's rule group has a raw stream rule (else Suricata
 * disabled raw reassembly that way when the flow began) and the stream engine has data
 * that this packet would make ready (stream_raw_has_data). */
bool detect_stream_data_ready(DetectThread *dt, const Packet *p, Flow *f);
/* After a TCP packet's own inspection: the raw stream of its direction, when ready. */
void detect_stream_packet(DetectThread *dt, const Packet *p, Flow *f);
void detect_stream_thread_free(DetectThread *dt);

#endif
