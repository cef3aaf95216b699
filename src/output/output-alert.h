/*
 * output-alert.h - the one way every detector raises an alert.
 *
 * Suricata rules (gid 1), DDoS (gid 8), threat intelligence (gid 9) and YARA (gid 10) all
 * describe their alert in an AlertInfo and call output_alert(); it writes the EVE `alert`
 * event with Suricata 7's fields (action, gid, signature_id, rev, signature, category,
 * severity, metadata as an object of string arrays, source/target, direction, the flow
 * summary, app_proto and the app-layer object) and a fast.log line when that log is on.
 * Attribution (actor, mitre_group_id, mitre_technique_id, intel_*) goes into metadata as
 * string arrays so Suricata's schema still validates and Suricata's consumers show it.
 */
#ifndef BONGSU_OUTPUT_ALERT_H
#define BONGSU_OUTPUT_ALERT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "output/eve.h"

typedef struct AlertInfo {
    uint32_t gid, sid, rev;
    const char *signature;
    const char *category;   /* classtype description, "" when none */
    int severity;           /* priority, 1 = highest; 3 when unknown */
    const char *action;     /* "allowed" (IDS) or "blocked" */
    const char *verdict;    /* verdict.action when the alert type's verdict option is on:
                               "pass" or "alert" (IDS); NULL: none */
    bool drop;              /* the rule (or a rate_filter) drops or rejects: fast.log [wDrop] */
    /* A reject rule matched the packet: verdict "reject-target" (to_client, to_server,
     * both) and "reject" [what would be sent: by the packet's protocol]; NULL: none. */
    const char *reject_target;
    json_t *metadata;       /* object of string arrays, or NULL; borrowed */
    const char *metadata_json; /* or the same as JSON text (a rule's, detect-attribute.c) */
    int target;             /* 0 none, 1 source is the target, 2 destination is */
    json_t *app_object;     /* e.g. {"http": {...}} merged into the event; borrowed */
    uint64_t ts_usec;       /* event time (packet time) when there is no packet */
    bool has_tx_id;         /* about an app-layer transaction: EVE tx_id */
    uint64_t tx_id;
    bool to_client;         /* without a packet: the direction the alert is about */
    /* without a packet, at flow end: Suricata inspects then on its flow-timeout pseudo
     * packet, so the alert says pkt_src "stream (flow timeout)" (and has no pcap_cnt) */
    bool flow_timeout;
    bool tx_guessed;        /* tx_id is the packet's flow's lone live transaction */
    const char *xff;        /* client address from X-Forwarded-For (EveAlertConfig.xff) */
    bool stream;            /* matched on the raw stream: payload is stream_data, stream 1 */
    const uint8_t *stream_data;
    uint32_t stream_len;
} AlertInfo;

/* Adds value to metadata[key] (an array of strings), creating both as needed; returns the
 * metadata object (new when metadata was NULL). */
json_t *alert_metadata_add(json_t *metadata, const char *key, const char *value);

/* Sets key to Suricata's printable form of data: printable ASCII, CR and LF kept, any other
 * byte a dot. */
void alert_set_printable(json_t *obj, const char *key, const uint8_t *data, uint32_t len);

/* Adds http_request_body / http_response_body (base64) and their _printable forms to an
 * alert's "http" object, as the alert type's http-body options ask. */
void alert_add_http_bodies(const EveLog *log, json_t *http, const uint8_t *req,
                           uint32_t req_len, const uint8_t *resp, uint32_t resp_len);

/* A packet a rule's tag keyword covers: an EVE "packet" event (the packet in base64 and its
 * link type), when the alert type's tagged-packets option is on. */
void output_tagged_packet(EveWriter *w, const Packet *p);

/* p may be NULL (an alert about a flow or a file), f may be NULL (a packet without flow). */
void output_alert(EveWriter *w, const Packet *p, const Flow *f, const AlertInfo *alert);

#endif
