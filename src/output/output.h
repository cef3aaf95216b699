/*
 * output.h - the loggers that turn pipeline state into EVE events.
 *
 * Each logger checks whether its event type is enabled, builds the event on top of the common
 * header from eve.c, and writes it through the calling thread's EveWriter.
 */
#ifndef BONGSU_OUTPUT_H
#define BONGSU_OUTPUT_H

#include "common/counters.h"
#include "output/eve.h"

void output_flow_log(EveWriter *w, const Flow *f, FlowEndReason reason, uint64_t now_usec);
void output_netflow_log(EveWriter *w, const Flow *f, uint64_t now_usec);
/* TCP flags as Suricata logs them (shared by flow and netflow): two hex digits under key, and
 * "syn": true, "fin": true... for each flag set. */
void output_put_tcp_flags(JsonBuilder *jb, const char *key, uint8_t flags);
void output_put_tcp_flag_names(JsonBuilder *jb, uint8_t flags);
void output_anomaly_log(EveWriter *w, const Packet *p);
/* A stage may add what counters cannot hold (Suricata's detect.engines array of objects) to
 * the `stats` object just before it is written; one hook, NULL to remove it. */
typedef void (*OutputStatsHook)(json_t *stats, void *ud);
void output_stats_set_hook(OutputStatsHook fn, void *ud);
void output_stats_log(EveWriter *w, const CounterSet *totals, uint64_t ts_usec,
                      uint64_t uptime_sec);

#endif
