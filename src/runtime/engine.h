/*
 * engine.h - one run of the sensor: settings resolved from the configuration, the shared
 * outputs, the capture loop and its worker threads.
 *
 * Threads: in `single` run mode the capture thread does everything. In `workers` mode (the
 * default) the capture thread reads, decodes and reassembles fragments, then hands each packet
 * to one of N workers chosen by the symmetric flow hash, so both directions of a flow always
 * meet on the same worker; each worker owns its flow table, counters and EVE buffer. Packet
 * time travels with the packets (and with one-second "tick" messages), so flow timeouts are
 * the same whatever the thread count or machine speed.
 */
#ifndef BONGSU_ENGINE_H
#define BONGSU_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "common/counters.h"
#include "ddos/ddos-config.h"
#include "decode/defrag.h"
#include "flow/flow.h"
#include "output/eve.h"
#include "stream/stream-tcp.h"

typedef enum RunMode { RUNMODE_SINGLE, RUNMODE_WORKERS } RunMode;

typedef struct EngineSettings {
    RunMode runmode;
    int workers;                 /* 0: one per core */
    uint32_t max_pending_packets;
    FlowConfig flow;
    StreamConfig stream;
    DefragConfig defrag;
    DecodeOptions decode;        /* decoder.* (Teredo) */
    EveConfig eve;
    DdosConfig ddos;             /* volumetric DDoS detection (src/ddos), run by capture */
    uint32_t stats_interval_sec; /* live mode periodic stats; 0 disables */
    bool checksum_checks;        /* -k all */
    const struct DetectEngine *detect; /* loaded rules, shared read-only; NULL: no detection */
    /* Loaded indicators, shared read-only (NULL: none). On SIGHUP the engine rebuilds them
     * with intel_reload and replaces *intel (the caller frees the final one). */
    struct IntelStore **intel;
    struct IntelStore *(*intel_reload)(void *ud);
    void *intel_reload_ud;
    /* Loaded YARA rules (NULL: no scanning); a SIGHUP rebuilds them with yara_reload and
     * replaces *yara (the caller frees the final one). */
    struct YaraRuleSet **yara;
    struct YaraRuleSet *(*yara_reload)(void *ud);
    void *yara_reload_ud;
    struct YaraScanConfig *yara_scan;
} EngineSettings;

typedef struct EngineSummary {
    uint64_t packets, bytes, flows, events, capture_errors;
    uint64_t events_by_type[EVE_TYPE_COUNT];
    uint64_t kernel_drops;
    char private_counters[1024]; /* bongsu's own counters (ddos.*), "name value, ..." */
} EngineSummary;

extern volatile sig_atomic_t engine_stop_requested;

void engine_settings_default(EngineSettings *s);
/* Start-up, once, before engine_run: the application-layer parsers (configured from conf,
 * which may be NULL for the built-in defaults) and every stage's counters. */
struct ConfNode;
int engine_init(const struct ConfNode *conf);
/* Runs the capture to its end (or until a stop is requested) and writes the final stats.
 * Returns 0, or 1 when a capture file could not be read completely (the error was reported
 * and everything before it processed). */
int engine_run(const EngineSettings *s, CaptureSource *src, EngineSummary *summary);

#endif
