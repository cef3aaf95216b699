/*
 * eve.h - the EVE JSON log: one JSON object per line, Suricata's field names.
 *
 * One EveLog is shared by all threads; each thread formats events into its own EveWriter
 * buffer and appends whole lines to the file under a lock when the buffer fills or the thread
 * flushes, so lines from different threads never interleave and no event is written twice.
 * Most loggers (alert, anomaly, http, dns, tls, ...) build a jansson object starting from
 * eve_header_packet() or eve_header_flow() and hand it to eve_write(). The flow record, written
 * once per flow and so the most frequent event, is instead written as text straight into the
 * writer's buffer: eve_begin_flow_event(), JsonBuilder setters, eve_end_event(). Both paths
 * share the header code through JsonBuilder, so the fields are the same.
 */
#ifndef BONGSU_EVE_H
#define BONGSU_EVE_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/json-builder.h"
#include "common/json-compact.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "output/hub-spool.h"

/* Event types a configuration can switch on. */
typedef enum EveType {
    EVE_ALERT,
    EVE_ANOMALY,
    EVE_HTTP,
    EVE_DNS,
    EVE_TLS,
    EVE_FILES,
    EVE_FTP,      /* "ftp": the ftp and ftp_data events */
    EVE_FLOW,
    EVE_NETFLOW,
    EVE_STATS,
    EVE_DDOS,
    EVE_SMTP,
    EVE_TYPE_COUNT
} EveType;

/* Options of the alert type (outputs.eve-log.types.alert). */
typedef struct EveAlertConfig {
    bool payload;              /* payload: base64 of the packet payload */
    bool payload_printable;    /* payload_printable */
    bool packet;               /* packet (base64 of the whole packet) and packet_info */
    bool tagged_packets;       /* tagged-packets: "packet" events for the tag keyword */
    bool http_body, http_body_printable;  /* http.http_request_body... in HTTP alerts */
    bool verdict;              /* verdict: {"action": ...}, the packet's final verdict */
    uint32_t payload_buffer_size;
    /* xff: the client address from an HTTP header, as an "xff" field of the alert object,
     * and with overwrite in place of the address on the client's side */
    bool xff, xff_overwrite, xff_reverse;
    char xff_header[64];
} EveAlertConfig;

typedef struct EveConfig {
    bool enabled;
    char path[4096];
    bool types[EVE_TYPE_COUNT];
    bool anomaly_decode, anomaly_stream, anomaly_applayer, anomaly_packethdr;
    bool community_id;
    bool metadata;        /* eve-log.metadata (default on): flow and packet variables */
    uint16_t community_id_seed;
    bool ethernet;        /* log MAC addresses (ether object) */
    bool pcap_file;       /* log pcap_filename */
    bool stats_totals, stats_threads, stats_deltas;
    bool to_hub;          /* filetype: hub - lines go to the hub spool, not to path */
    EveAlertConfig alert;
    /* outputs.fast: one line per alert in Suricata's fast.log format (output-fast.c). */
    bool fast_enabled, fast_append;
    char fast_path[4096];
    HubSpoolConfig hub;
} EveConfig;

typedef struct EveLog {
    EveConfig cfg;
    FILE *file;
    pthread_mutex_t lock;
    uint64_t lines_written[EVE_TYPE_COUNT];
    /* The capture file being read, for pcap_filename: set by the capture thread when a file
     * starts, read by the workers (a string that lives as long as the capture). */
    _Atomic(const char *) current_pcap;
    HubSpool *hub;                /* filetype hub: the spool written instead of file */
    FILE *fast;                   /* fast.log when enabled */
} EveLog;

/* A writer's buffer is written out once it holds this much. */
#define EVE_WRITER_FLUSH_AT (64 * 1024)

/* Suricata's "metadata" object of an event (the flow's flowbits, flowints and flow
 * variables, the packet's variables; p or f may be NULL), NULL when there is none; set by
 * detection, which keeps those variables. */
typedef json_t *(*EveFlowMetadataFn)(void *ud, const Packet *p, const Flow *f);

typedef struct EveWriter {
    EveLog *log;
    EveFlowMetadataFn flow_metadata; /* NULL: no detection, no variables */
    void *flow_metadata_ud;
    JsonBuffer out;                  /* whole lines waiting for the next flush */
    uint64_t lines[EVE_TYPE_COUNT];  /* written by this writer, merged at flush */
    JsonBuffer fast;                 /* fast.log lines, written out with the EVE lines */
} EveWriter;

void eve_config_default(EveConfig *cfg);
/* Opens (appends to) cfg->path. Returns NULL with errno set when it cannot. */
EveLog *eve_log_open(const EveConfig *cfg);
void eve_log_close(EveLog *log);
const char *eve_type_name(EveType type);

void eve_writer_init(EveWriter *w, EveLog *log);
/* Appends the buffered lines to the file. */
void eve_writer_flush(EveWriter *w);
void eve_writer_destroy(EveWriter *w);

static inline bool eve_enabled(const EveLog *log, EveType type)
{
    return log && log->cfg.enabled && log->cfg.types[type];
}

/* Header of an event about one packet: timestamp, flow_id, pcap_cnt, event_type, vlan,
 * addresses, ports, proto (ICMP type/code), pkt_src. */
json_t *eve_header_packet(const EveLog *log, const Packet *p, const char *event_type);
/* Suricata's pkt_src for where p came from ("wire/pcap", "defrag", "stream (flow timeout)"...). */
const char *eve_packet_source_name(const Packet *p);
/* Header of an event about a flow as a whole (flow record, app-layer transactions), with
 * the flow's client as src. ts_usec is the event's time. */
json_t *eve_header_flow(const EveLog *log, const Flow *f, uint64_t ts_usec,
                        const char *event_type);
/* Adds the endpoint fields of a flow key (src_ip, src_port, dest_ip, dest_port, proto). */
void eve_add_flow_tuple(json_t *obj, const FlowKey *key);
/* The same, server to client (replaces what eve_add_flow_tuple set). */
void eve_add_flow_tuple_to_client(json_t *obj, const FlowKey *key);
/* "app_proto" of flows, netflow records and alerts, once the protocol is known. */
void eve_add_app_proto(json_t *obj, const Flow *f);
void eve_put_app_proto(JsonBuilder *jb, const Flow *f);
const char *eve_proto_name(uint8_t proto, char buf[8]);
void eve_format_address(const Address *a, char *buf, size_t len);

/* Serialises obj as one line into the writer and releases obj. */
void eve_write(EveWriter *w, EveType type, json_t *obj);

/* Text path: starts a line in the writer's buffer with the flow header (the fields of
 * eve_header_flow); the caller adds its own fields with jb and ends with eve_end_event, which
 * counts the line (or drops it when it could not be written). Nothing else may be written to
 * the writer in between. */
void eve_begin_flow_event(EveWriter *w, JsonBuilder *jb, const Flow *f, uint64_t ts_usec,
                          const char *event_type);
void eve_end_event(EveWriter *w, EveType type, JsonBuilder *jb);

#endif
