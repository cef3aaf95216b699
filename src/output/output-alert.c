/*
 * output-alert.c - EVE alert events (see output-alert.h).
 */
#include "output/output-alert.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/timefmt.h"
#include "output/output-fast.h"
#include "stream/stream-tcp.h"

json_t *alert_metadata_add(json_t *metadata, const char *key, const char *value)
{
    if (!metadata)
        metadata = json_object();
    json_t *values = json_object_get(metadata, key);
    if (!json_is_array(values)) {
        values = json_array();
        json_object_set_new(metadata, key, values);
    }
    size_t i;
    json_t *existing;
    json_array_foreach(values, i, existing)
        if (strcmp(json_string_value(existing), value) == 0)
            return metadata;
    json_array_append_new(values, json_string(value));
    return metadata;
}

static json_t *alert_object(const AlertInfo *a)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "action", json_string(a->action ? a->action : "allowed"));
    json_object_set_new(obj, "gid", json_integer(a->gid));
    json_object_set_new(obj, "signature_id", json_integer(a->sid));
    json_object_set_new(obj, "rev", json_integer(a->rev));
    json_object_set_new(obj, "signature", json_string(a->signature ? a->signature : ""));
    json_object_set_new(obj, "category", json_string(a->category ? a->category : ""));
    json_object_set_new(obj, "severity", json_integer(a->severity ? a->severity : 3));
    if (a->metadata_json)
        json_object_set_new(obj, "metadata", json_loads(a->metadata_json, 0, NULL));
    else if (a->metadata && json_object_size(a->metadata))
        json_object_set(obj, "metadata", a->metadata);
    return obj;
}

/* Suricata's source/target object when the rule says which side is the target. */
static void add_source_target(json_t *alert, const json_t *event, int target)
{
    if (!target)
        return;
    const char *src_ip = json_string_value(json_object_get(event, "src_ip"));
    const char *dst_ip = json_string_value(json_object_get(event, "dest_ip"));
    json_t *sp = json_object_get(event, "src_port"), *dp = json_object_get(event, "dest_port");
    json_t *src = json_object(), *dst = json_object();
    if (src_ip)
        json_object_set_new(src, "ip", json_string(src_ip));
    if (sp)
        json_object_set(src, "port", sp);
    if (dst_ip)
        json_object_set_new(dst, "ip", json_string(dst_ip));
    if (dp)
        json_object_set(dst, "port", dp);
    json_object_set_new(alert, "source", target == 1 ? dst : src);
    json_object_set_new(alert, "target", target == 1 ? src : dst);
}

static json_t *flow_summary(const Flow *f)
{
    char ts[TIMEFMT_BUF_SIZE];
    json_t *flow = json_object();
    json_object_set_new(flow, "pkts_toserver", json_integer((json_int_t)f->pkts_toserver));
    json_object_set_new(flow, "pkts_toclient", json_integer((json_int_t)f->pkts_toclient));
    json_object_set_new(flow, "bytes_toserver", json_integer((json_int_t)f->bytes_toserver));
    json_object_set_new(flow, "bytes_toclient", json_integer((json_int_t)f->bytes_toclient));
    timefmt_iso(f->start_usec, ts);
    json_object_set_new(flow, "start", json_string(ts));
    json_t *tuple = json_object();
    eve_add_flow_tuple(tuple, &f->key);
    json_object_set(flow, "src_ip", json_object_get(tuple, "src_ip"));
    json_object_set(flow, "dest_ip", json_object_get(tuple, "dest_ip"));
    if (json_object_get(tuple, "src_port")) {
        json_object_set(flow, "src_port", json_object_get(tuple, "src_port"));
        json_object_set(flow, "dest_port", json_object_get(tuple, "dest_port"));
    }
    json_decref(tuple);
    return flow;
}

static void set_base64(json_t *obj, const char *key, const uint8_t *data, uint32_t len)
{
    char *out = malloc(4 * ((size_t)len / 3 + 1) + 1);
    if (!out)
        return;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    json_object_set_new(obj, key, json_string(out));
    free(out);
}

/* Suricata's printable form: printable ASCII, CR and LF kept, anything else a dot. */
void alert_set_printable(json_t *obj, const char *key, const uint8_t *data, uint32_t len)
{
    char *out = malloc((size_t)len + 1);
    if (!out)
        return;
    for (uint32_t i = 0; i < len; i++)
        out[i] = (data[i] >= 0x20 && data[i] < 0x7f) || data[i] == '\n' || data[i] == '\r'
                     ? (char)data[i] : '.';
    out[len] = '\0';
    json_object_set_new(obj, key, json_stringn(out, len));
    free(out);
}

void alert_add_http_bodies(const EveLog *log, json_t *http, const uint8_t *req,
                           uint32_t req_len, const uint8_t *resp, uint32_t resp_len)
{
    const EveAlertConfig *c = &log->cfg.alert;
    const struct { const uint8_t *data; uint32_t len; const char *key, *printable; } bodies[] = {
        {req, req_len, "http_request_body", "http_request_body_printable"},
        {resp, resp_len, "http_response_body", "http_response_body_printable"},
    };
    for (int i = 0; i < 2; i++) {
        if (!bodies[i].data || !bodies[i].len)
            continue;
        if (c->http_body)
            set_base64(http, bodies[i].key, bodies[i].data, bodies[i].len);
        if (c->http_body_printable)
            alert_set_printable(http, bodies[i].printable, bodies[i].data, bodies[i].len);
    }
}

/* payload, payload_printable, stream (0: the packet's own payload) and packet/packet_info,
 * as the alert type's options ask. */
static void add_packet_dump(json_t *obj, const Packet *p)
{
    set_base64(obj, "packet", p->buf, p->len);
    json_t *info = json_object();
    json_object_set_new(info, "linktype", json_integer(p->datalink));
    json_object_set_new(obj, "packet_info", info);
}

void output_tagged_packet(EveWriter *w, const Packet *p)
{
    if (!eve_enabled(w->log, EVE_ALERT) || !w->log->cfg.alert.tagged_packets || !p->len)
        return;
    json_t *obj = eve_header_packet(w->log, p, "packet");
    add_packet_dump(obj, p);
    eve_write(w, EVE_ALERT, obj);
}

/* A transaction's alert on TCP (Suricata's state match) carries the packet direction's
 * stream as a stream match does: all the session still holds of it, gaps named, so the
 * request that matched is in the payload even when the packet is a bare ACK. */
static bool state_match(const AlertInfo *a, const Packet *p, const Flow *f)
{
    return a->has_tx_id && !a->tx_guessed && !a->stream && f && p->proto == IPPROTO_TCP;
}

static void add_packet_fields(json_t *obj, const EveAlertConfig *c, const Packet *p,
                              const Flow *f, const AlertInfo *a)
{
    if (c->payload || c->payload_printable) {
        /* a stream match logs the stream (the packet's payload when none is kept) */
        bool stream = a->stream || state_match(a, p, f);
        const uint8_t *data = p->payload;
        uint32_t len = p->payload_len;
        uint8_t *dump = NULL;
        if (a->stream && a->stream_len) {
            data = a->stream_data;
            len = a->stream_len;
        } else if (stream && !a->stream && c->payload_buffer_size &&
                   (dump = malloc(c->payload_buffer_size)) != NULL) {
            uint32_t n = stream_raw_dump(f, p->to_server, true, dump, c->payload_buffer_size);
            if (n) {
                data = dump;
                len = n;
            }
        }
        if (c->payload)
            set_base64(obj, "payload", data, len);
        if (c->payload_printable)
            alert_set_printable(obj, "payload_printable", data, len);
        json_object_set_new(obj, "stream", json_integer(stream ? 1 : 0));
        free(dump);
    }
    if (c->packet && p->len)
        add_packet_dump(obj, p);
}

/* As Suricata: the address goes into the alert object, and with mode overwrite replaces the
 * client's address (the source of a request-side alert, the destination of a response's). */
static void add_xff(json_t *obj, json_t *alert, const EveAlertConfig *c, const char *xff,
                    bool to_client)
{
    json_object_set_new(alert, "xff", json_string(xff));
    if (c->xff_overwrite)
        json_object_set_new(obj, to_client ? "dest_ip" : "src_ip", json_string(xff));
}

/* Suricata's verdict in IDS mode: the action, and for a packet a reject rule matched, what
 * would be sent back: an ICMP "administratively prohibited" for UDP and ICMP, a TCP reset
 * for TCP (nothing for other protocols). */
static json_t *verdict_object(const AlertInfo *a, const Packet *p)
{
    json_t *v = json_pack("{ss}", "action", a->reject_target ? "alert" : a->verdict);
    if (!a->reject_target)
        return v;
    json_object_set_new(v, "reject-target", json_string(a->reject_target));
    json_t *reject = json_array();
    uint8_t proto = p ? p->proto : 0;
    if (proto == IPPROTO_UDP || proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
        json_array_append_new(reject, json_string("icmp-prohib"));
    else if (proto == IPPROTO_TCP)
        json_array_append_new(reject, json_string("tcp-reset"));
    json_object_set_new(v, "reject", reject);
    return v;
}

void output_alert(EveWriter *w, const Packet *p, const Flow *f, const AlertInfo *a)
{
    output_fast(w, p, f, a);
    if (!eve_enabled(w->log, EVE_ALERT))
        return;
    json_t *obj;
    if (p) {
        obj = eve_header_packet(w->log, p, "alert");
        if (f)
            json_object_set_new(obj, "direction", json_string(p->to_server ? "to_server"
                                                                            : "to_client"));
    } else if (f) {
        /* about a transaction, with no packet of its direction (flow end): that direction's
         * addresses, as Suricata's flow-end pseudo packets give them */
        obj = eve_header_flow(w->log, f, a->ts_usec ? a->ts_usec : f->last_usec, "alert");
        if (a->has_tx_id && a->to_client)
            eve_add_flow_tuple_to_client(obj, &f->key);
        if (a->has_tx_id)
            json_object_set_new(obj, "direction", json_string(a->to_client ? "to_client"
                                                                          : "to_server"));
        if (a->flow_timeout)
            json_object_set_new(obj, "pkt_src", json_string("stream (flow timeout)"));
    } else {
        return;
    }
    json_t *md = w->log->cfg.metadata && w->flow_metadata
                     ? w->flow_metadata(w->flow_metadata_ud, p, f) : NULL;
    if (md)
        json_object_set_new(obj, "metadata", md);
    if (a->has_tx_id)
        json_object_set_new(obj, "tx_id", json_integer((json_int_t)a->tx_id));
    if (a->tx_guessed)
        json_object_set_new(obj, "tx_guessed", json_true());
    json_t *alert = alert_object(a);
    if (a->xff)
        add_xff(obj, alert, &w->log->cfg.alert, a->xff, p ? !p->to_server : a->to_client);
    add_source_target(alert, obj, a->target);
    json_object_set_new(obj, "alert", alert);
    if (a->verdict && w->log->cfg.alert.verdict)
        json_object_set_new(obj, "verdict", verdict_object(a, p));
    if (f) {
        eve_add_app_proto(obj, f);
        if (a->app_object)
            json_object_update(obj, a->app_object);
        json_object_set_new(obj, "flow", flow_summary(f));
    }
    if (p)
        add_packet_fields(obj, &w->log->cfg.alert, p, f, a);
    eve_write(w, EVE_ALERT, obj);
}
