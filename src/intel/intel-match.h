/*
 * intel-match.h - matching traffic against the indicator store and raising intel alerts.
 *
 * Matching points: the flow's endpoints (once, on its first packet), and each app-layer
 * transaction's names through the detection buffer registry: dns.query, http.host,
 * http.host + http.uri (URL), tls.sni, ja3.hash, ja4.hash; DNS responses' answers (names,
 * CNAME/NS/MX/PTR targets, A/AAAA addresses). Files' hashes come through
 * intel_match_file(). Each indicator alerts at most once per flow.
 *
 * Alerts: gid 9, sid = the indicator type's number (see docs/intel.md), signature
 * "BONGSU INTEL <actor> <type> <value>", category "Threat intelligence", and attribution in
 * alert.metadata (actor, mitre_group_id, mitre_technique_id, intel_source, intel_indicator,
 * confidence).
 */
#ifndef BONGSU_INTEL_MATCH_H
#define BONGSU_INTEL_MATCH_H

#include "applayer/app-layer.h"
#include "intel/intel.h"
#include "output/eve.h"

typedef struct IntelThread IntelThread;

void intel_register_counters(void);
IntelThread *intel_thread_new(const IntelStore *store, CounterSet *counters, EveWriter *eve);
void intel_thread_free(IntelThread *it);
/* A reload finished: use this store from now on (the caller frees the old one once every
 * thread has switched). */
void intel_thread_set_store(IntelThread *it, const IntelStore *store);
const IntelStore *intel_thread_store(const IntelThread *it);

void intel_match_flow_start(IntelThread *it, Flow *f, const Packet *p);
void intel_match_tx(IntelThread *it, Flow *f, const Packet *p, AppProto proto, void *state,
                    void *tx);
void intel_match_file(IntelThread *it, Flow *f, IntelType hash_type, const char *hex_digest);
/* Frees what intel kept on the flow. */
void intel_flow_end(Flow *f);

/* Attribution of a non-intel alert (a rule's): when its metadata values or msg name a known
 * actor, adds actor and mitre_group_id to *metadata. */
void intel_attribute_metadata(const IntelActors *kb, json_t **metadata, const char *msg);

#endif
