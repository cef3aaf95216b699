/*
 * detect.h - the detection engine: Suricata 7 rules loaded, grouped, and matched.
 *
 * Loading (detect-load.c) reads rule files, parses each rule (detect-parse.c) into a
 * Signature: a header (action, protocol, addresses, ports, direction) and lists of matches,
 * one list per inspection point (the packet itself, its payload, and every app-layer buffer
 * such as http.uri, by buffer id from the app-layer registry). Keywords are registered in one
 * table (detect-keywords.c); each keyword's file (detect-content.c, detect-flow.c, ...) knows
 * how to set itself up from its option text and how to match.
 *
 * Matching: packets go through detect_packet() (header keywords, payload); app-layer
 * transactions go through detect_tx() once, when the transaction is complete, so a rule on
 * http.uri alerts once per request, as in Suricata; HTTP's request and response sides are
 * instead inspected on the packets Suricata inspects them on (detect_tx_packet()). Alerts are written through
 * output_alert().
 *
 * The engine is read-only after loading and shared by all workers; per-thread scratch lives
 * in DetectThread.
 */
#ifndef BONGSU_DETECT_H
#define BONGSU_DETECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "applayer/app-layer.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "output/eve.h"

struct ConfNode;
typedef struct DetectEngine DetectEngine;
typedef struct DetectThread DetectThread;

typedef struct DetectLoadStats {
    uint32_t files, loaded, failed, skipped;
    uint32_t threshold_errors;  /* threshold.config lines that did not parse or install */
    uint32_t iprep_errors;      /* reputation file lines in error (or a file not read) */
} DetectLoadStats;

/* rule_files: -S files (exclusive) or -s files (added to the configured rule-files). */
DetectEngine *detect_engine_load(const struct ConfNode *conf, const char *const *rule_files,
                                 int rule_file_count, bool exclusive, DetectLoadStats *stats);
void detect_engine_free(DetectEngine *de);
/* Lets fn add attribution to each rule's metadata (object of string arrays, may be NULL).
 * Loaded rules keep metadata as compact JSON text (as jansson trees, ET Open's took about
 * 60 MiB); each rule's is a tree again only during its own call. */
typedef void (*DetectAttributeFn)(void *ud, json_t **metadata, const char *msg);
void detect_engine_attribute(DetectEngine *de, DetectAttributeFn fn, void *ud);
uint32_t detect_engine_rule_count(const DetectEngine *de);
/* Whether a loaded rule inspects an app-layer buffer whose name starts with prefix ("ja3"):
 * fingerprints are computed only when something asks for them, as in Suricata. */
bool detect_engine_uses_buffer(const DetectEngine *de, const char *prefix);

DetectThread *detect_thread_new(const DetectEngine *de, CounterSet *counters, EveWriter *eve);
void detect_thread_free(DetectThread *dt);
/* EveFlowMetadataFn (ud: the DetectThread): the flow's and the packet's variables as
 * Suricata's EVE "metadata" (eve-log.metadata), NULL when there are none. */
json_t *detect_flow_metadata(void *ud, const Packet *p, const Flow *f);
void detect_register_counters(void);
/* Checksums are not to be trusted (-k none, pcap-file.checksum-checks: no): the checksum
 * keywords then take every checksum as valid, as Suricata does (detect-csum.c). */
void detect_set_checksums_ignored(bool ignored);

void detect_packet(DetectThread *dt, Packet *p, Flow *f);
/* Raw stream inspection (detect-stream-inspect.c): dt inspects the TCP streams of the
 * worker's `st` (raw reassembly is turned on only when the rules need it); at flow end, before
 * the stream frees its segments, what is left of them. */
struct StreamThread;
void detect_stream_attach(DetectThread *dt, struct StreamThread *st);
/* Flow end, before the stream's flush: which directions (0 to the server, 1 to the client)
 * get one of Suricata's flow-timeout pseudo packets (FlowForceReassemblyNeedReassembly): a
 * TCP session not closed, stream data not yet inspected, or a transaction side not yet
 * inspected or logged. */
void detect_flow_end_directions(const struct StreamThread *st, const Flow *f, bool pseudo[2]);
/* Those pseudo packets: the packet rules see them (rules on the app-layer protocol alert on
 * them), then the raw stream of their direction is inspected to its end. */
void detect_stream_flow_end(DetectThread *dt, Flow *f, const bool pseudo[2]);
/* The flow ends: the alerts still waiting for a packet are written. */
void detect_flow_end(DetectThread *dt, Flow *f);
/* After the packet's own rules: the transaction sides that became ready in the packet's
 * direction (detect-tx-timing.c). */
void detect_tx_packet(DetectThread *dt, const Packet *p, Flow *f);
/* The worker calls detect_tx_packet after every detect_packet: until then the packet alerts
 * of such flows wait in the queue they share with the transaction alerts. */
void detect_thread_inspect_tx_by_packet(DetectThread *dt);
/* The flow is gone (after its flow record, which logs its variables): forget its flowbits,
 * flowint and flow variables. */
void detect_flow_release(DetectThread *dt, Flow *f);
/* An app-layer transaction is complete (or its flow ends): inspect its buffers. Has the
 * AppLayerTxHook signature; ud is the DetectThread. */
void detect_tx(void *ud, Flow *f, const Packet *p, AppProto proto, void *state, void *tx,
               uint64_t tx_id);

#endif
