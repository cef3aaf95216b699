/*
 * output-anomaly.c - EVE `anomaly` events for decoder and stream events on a packet.
 *
 * One event per anomaly raised on the packet, as Suricata logs them; which kinds are logged
 * (decode, stream) follows eve-log.types.anomaly.types. With packethdr the packet's first
 * bytes are included in base64 like Suricata's `packet` field.
 */
#include "output/output.h"

#include <openssl/evp.h>
#include <stdlib.h>

#define PACKETHDR_MAX 256

static void add_packet_bytes(json_t *obj, const Packet *p)
{
    uint32_t n = p->len < PACKETHDR_MAX ? p->len : PACKETHDR_MAX;
    char encoded[4 * ((PACKETHDR_MAX + 2) / 3) + 1];
    EVP_EncodeBlock((unsigned char *)encoded, p->buf, (int)n);
    json_object_set_new(obj, "packet", json_string(encoded));
    json_t *info = json_object();
    json_object_set_new(info, "linktype", json_integer(p->datalink));
    json_object_set_new(obj, "packet_info", info);
}

void output_anomaly_log(EveWriter *w, const Packet *p)
{
    if (!p->event_count || !eve_enabled(w->log, EVE_ANOMALY))
        return;
    const EveConfig *cfg = &w->log->cfg;
    for (int i = 0; i < p->event_count; i++) {
        DecodeEvent ev = (DecodeEvent)p->events[i];
        bool is_stream = decode_event_is_stream(ev);
        if ((is_stream && !cfg->anomaly_stream) || (!is_stream && !cfg->anomaly_decode))
            continue;
        json_t *obj = eve_header_packet(w->log, p, "anomaly");
        json_t *anomaly = json_object();
        json_object_set_new(anomaly, "type", json_string(is_stream ? "stream" : "decode"));
        json_object_set_new(anomaly, "event", json_string(decode_event_name(ev)));
        json_object_set_new(obj, "anomaly", anomaly);
        json_t *md = cfg->metadata && w->flow_metadata
                         ? w->flow_metadata(w->flow_metadata_ud, p, p->flow) : NULL;
        if (md)
            json_object_set_new(obj, "metadata", md);
        if (cfg->anomaly_packethdr)
            add_packet_bytes(obj, p);
        eve_write(w, EVE_ANOMALY, obj);
    }
}
