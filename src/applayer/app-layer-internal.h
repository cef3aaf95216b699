/*
 * app-layer-internal.h - what the applayer/ files share among themselves.
 */
#ifndef BONGSU_APP_LAYER_INTERNAL_H
#define BONGSU_APP_LAYER_INTERNAL_H

#include "applayer/app-layer.h"

typedef struct AppLayerCounterIds {
    CounterId failed_tcp, failed_udp;
    CounterId flows[ALPROTO_MAX][2];          /* [proto][is_tcp] */
    CounterId txs[ALPROTO_MAX][2];
    CounterId parser_errors[ALPROTO_MAX][2];
} AppLayerCounterIds;

extern AppLayerCounterIds applayer_ids;

void applayer_register_counters(void);
AppLayerFlow *applayer_flow_state(Flow *f);
/* Protocol detection (app-layer-detect.c): buffers data until a protocol is found, then
 * feeds everything buffered to applayer_parse(). */
void applayer_detect(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                     const uint8_t *data, uint32_t len, uint32_t flags);
/* At flow end: a flow both of whose directions are over for detection (concluded, or as
 * deep as the patterns reach) without a protocol becomes "failed"; one with a direction
 * that said too little stays undetected. */
void applayer_detect_flow_end(AppLayerThread *th, Flow *f);
/* The first data of a TCP direction after the other direction decided the flow's protocol:
 * probed as Suricata probes each side, and when it is another protocol (or an SSH banner)
 * the anomaly APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS is raised. The data still goes to
 * the flow's parser (Suricata keeps the protocol whose parser already has data). */
void applayer_detect_other_side(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                                const uint8_t *data, uint32_t len);
/* A datagram of a direction not probed yet while the flow's protocol is known (a DNS
 * response after its query): the direction is probed too, as Suricata detects each side
 * of a UDP flow (its alproto_ts/tc, which app-layer-protocol compares). */
void applayer_detect_udp_side(Flow *f, bool to_server, const uint8_t *data, uint32_t len);
/* A flow another flow announced (app-layer-ftp-expect.c): its protocol, or
 * ALPROTO_UNKNOWN. */
AppProto applayer_expectation(Flow *f);
void applayer_parse(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                    const uint8_t *data, uint32_t len, uint32_t flags);
/* Parser table and per-protocol settings (app-layer-register.c). */
bool applayer_proto_enabled(AppProto proto, bool tcp);
bool applayer_port_matches(AppProto proto, bool tcp, uint16_t sp, uint16_t dp);

#endif
