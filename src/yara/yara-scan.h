/*
 * yara-scan.h - scanning transferred files with YARA, off the packet path.
 *
 * The scanner is a file observer (file.h). While a file travels, the worker thread that
 * parses it copies its bytes into a per-file buffer; past buffer-size bytes the file goes on
 * in a spool file instead (unlinked, in spool-dir), up to max-file-size, so a large download
 * is scanned whole from disk (libyara maps it as one block) without holding it in memory.
 * When the file is logged, a file in memory that no part of the rule set would give to
 * libyara (the gate's one Vectorscan pass, yara-gate.h, finds nothing; made on the worker,
 * bounded by buffer-size) is done: the worker writes its fileinfo event. Otherwise the job
 * (buffer or spool, a snapshot of the flow, the fileinfo event) goes into a bounded queue to the scanner threads (yara.threads), which scan with
 * every rule that applies (yara-match.h), write one EVE alert per matching rule (gid 10,
 * "BONGSU YARA <rule>", metadata yara_rule, malware_family, actor, mitre_group_id, the fileinfo
 * object) and then the fileinfo event with the matching rules' signature ids (fileinfo.sid,
 * Suricata's field for the rules that matched a file, the only place Suricata's closed
 * fileinfo schema leaves; yara.fileinfo-rules: yes adds the names as fileinfo.yara_rules, a
 * bongsu extension declared in schema/bongsu-eve.schema.json) through their own EveWriters.
 * Nothing the scanner does can stall capture:
 *
 *   - a file larger than max-file-size is scanned on its first max-file-size bytes
 *     (counted as truncated);
 *   - all memory buffers together (open and queued files) stay under memcap; a file that
 *     would pass it stops buffering and is scanned on what it has (counted); a spool file
 *     that cannot be written stops there too (counted);
 *   - when queue-size files already wait, the next one is skipped and counted, and its
 *     fileinfo is written by the worker as usual;
 *   - one scan stops after scan-timeout seconds (libyara's timeout, counted).
 *
 * Results do not depend on the run mode: a file's bytes, flow and fileinfo are the same
 * whichever thread parsed it, and the scan sees exactly those. At the end of the run the
 * queue is drained before the EVE log closes, so every alert is written.
 *
 * A file whose sha256, scanned length and visible name part were scanned before with the same
 * rules gets the remembered result instead of a scan (yara-cache.h), counted as a cache hit.
 *
 * Reload (SIGHUP): a background thread compiles the rules again; the new set goes through
 * the queue; the scanner thread that takes it swaps it in under a write lock, and each thread
 * makes its scanners for it before its next file. Retired sets are freed at the end, when no
 * thread can hold a scanner made for them.
 */
#ifndef BONGSU_YARA_SCAN_H
#define BONGSU_YARA_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/counters.h"
#include "output/eve.h"
#include "yara/yara-rules.h"

typedef struct YaraScanConfig {
    uint64_t max_file_size;   /* yara.max-file-size: bytes of one file scanned */
    uint64_t buffer_size;     /* yara.buffer-size: bytes of one file held in memory */
    char spool_dir[256];      /* yara.spool-dir: where larger files are spooled */
    uint32_t threads;         /* yara.threads: scanner threads */
    bool fileinfo_rules;      /* yara.fileinfo-rules: names in fileinfo.yara_rules */
    uint32_t cache_size;      /* yara.cache-size: results remembered by sha256 (0: off) */
    uint64_t memcap;          /* yara.memcap: bytes buffered over all files */
    uint32_t queue_size;      /* yara.queue-size: files waiting for the scanner */
    uint32_t scan_timeout;    /* yara.scan-timeout: seconds per file */
} YaraScanConfig;

/* What the scanner did; read once it has stopped (tests, the end-of-run summary). */
typedef struct YaraScanStats {
    uint64_t files_scanned, files_matched, matches, bytes_scanned;
    uint64_t scan_usec;            /* scanner thread CPU time spent in libyara */
    uint64_t thread_usec;          /* scanner threads' whole CPU time (libyara, alerts, EVE) */
    uint64_t queued_at_stop;       /* files still queued when the input ended */
    uint64_t drain_usec;           /* wall time from the end of input to the threads' exit */
    uint64_t truncated, memcap_hit, queue_full, timeouts, errors, unscanned, reloads;
    uint64_t spooled, spool_errors;  /* files scanned from a spool file; spools that failed */
    uint64_t cache_hits, cache_misses, cache_evictions;  /* yara-cache.h */
    uint64_t gate_skipped;         /* files the gated rules were not run on (yara-gate.h) */
    uint64_t worker_gated;         /* of files_scanned and gate_skipped: decided on the worker */
    uint64_t worker_gated_bytes;   /* their bytes (not in bytes_scanned) */
} YaraScanStats;

typedef struct YaraScanner YaraScanner;
typedef YaraRuleSet *(*YaraReloadFn)(void *ud);

void yara_scan_config_default(YaraScanConfig *cfg);

/* Starts the scanner thread and registers the file observer. *rules is the set in use; a
 * reload replaces it (the caller frees the one left at the end). eve: where alerts and
 * fileinfo go. reload may be NULL. */
YaraScanner *yara_scanner_new(YaraRuleSet **rules, const YaraScanConfig *cfg, EveLog *eve,
                              YaraReloadFn reload, void *reload_ud);
/* SIGHUP: build the rules again in the background (ignored while a build runs). */
void yara_scanner_reload(YaraScanner *s);
/* After the last file was logged: scans what is queued, writes it, stops the thread. */
void yara_scanner_stop(YaraScanner *s);
/* The scanner thread's counters (detect.alert), to merge into the run's totals. */
const CounterSet *yara_scanner_counters(const YaraScanner *s);
void yara_scanner_stats(const YaraScanner *s, YaraScanStats *out);
/* Stops if needed, unregisters the observer and frees. */
void yara_scanner_free(YaraScanner *s);

#endif
