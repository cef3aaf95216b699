/*
 * ddos.h - volumetric DDoS detection: the interface the engine calls.
 *
 * One DdosDetector runs in the capture thread, right after decode, so it sees every packet
 * exactly once, with or without a flow, before dispatch spreads packets over workers by flow
 * hash. A flood's packets come from spoofed, ever-changing sources, so they land on every
 * worker: per-worker detectors would each see 1/N of a victim's rate and need thresholds
 * scaled by a guess of the hash's balance. In the capture thread the accounting is exact and
 * the thresholds are the configured ones; the price is a few hundred nanoseconds per packet
 * to a protected address on the thread every packet already waits for (measured in
 * bench/RESULTS.md).
 *
 * Time is packet time: the engine feeds every packet and a tick once per second of packet
 * time, so results do not depend on machine speed and a pcap replays to the same events.
 * Memory is fixed at creation (ddos_detector_new): the sketch, max-victims entries and the
 * mitigation queue; nothing is allocated per packet or per source.
 */
#ifndef BONGSU_DDOS_H
#define BONGSU_DDOS_H

#include <stdint.h>

#include "common/counters.h"
#include "ddos/ddos-config.h"
#include "decode/packet.h"
#include "output/eve.h"

typedef struct DdosDetector DdosDetector;

/* The ddos.* stats counters; call before the CounterSets are created. */
void ddos_register_counters(void);
/* cfg must outlive the detector. Events go to eve (type "ddos", and "alert" on start);
 * counters (the capture thread's set; NULL in tests that do not look) get ddos.*.
 * Returns NULL when memory for the fixed structures cannot be had. */
DdosDetector *ddos_detector_new(const DdosConfig *cfg, EveLog *eve, CounterSet *counters);
/* Accounts one decoded packet (the original, not defrag's reassembled pseudo packet). */
void ddos_detector_packet(DdosDetector *d, const Packet *p);
/* Once per second of packet time: rolls quiet victims' rates, emits updates and ends. */
void ddos_detector_tick(DdosDetector *d, uint64_t now_usec);
/* Ends the attacks still running at now_usec (the capture is over) and flushes the events,
 * so the final stats count them. NULL is fine; so is calling it twice. */
void ddos_detector_finish(DdosDetector *d, uint64_t now_usec);
/* ddos_detector_finish, then waits for the mitigation commands already queued and frees
 * everything. NULL is fine. */
void ddos_detector_free(DdosDetector *d, uint64_t now_usec);

#endif
