/*
 * yara-match.h - scanning one file with a YaraRuleSet, synchronously.
 *
 * A YaraMatcher holds one libyara scanner per part of a rule set, created once and reused for
 * every file (yr_scanner_create per scan would rebuild the externals and the module tables).
 * It is not thread-safe: each scanner thread has its own. The set's parts apply by the file's
 * first bytes (the prefilter, yara-prefilter.h): a file starting with "MZ" gets the original
 * rules, any other the rewritten ones, of which the gated part (yara-gate.h) only when a
 * Vectorscan pass finds one of its patterns in the bytes (a spooled file always). A file is
 * given as its bytes in memory or, when it was spooled, as a file descriptor (libyara maps
 * the file as one block, so a string crossing any boundary still matches).
 */
#ifndef BONGSU_YARA_MATCH_H
#define BONGSU_YARA_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yara/yara-rules.h"

#define YARA_MAX_MATCHES 64

typedef struct YaraMatch {
    const YaraRuleInfo *hits[YARA_MAX_MATCHES];
    size_t count;
    bool timeout, error;
    bool gate_skipped;   /* the gated part was not scanned: none of its patterns occurs */
} YaraMatch;

typedef struct YaraMatcher YaraMatcher;

/* timeout: seconds per scan (libyara's). NULL on OOM or when no part has a scanner. */
YaraMatcher *yara_matcher_new(const YaraRuleSet *rules, uint32_t timeout);
void yara_matcher_free(YaraMatcher *m);
const YaraRuleSet *yara_matcher_rules(const YaraMatcher *m);

/* Scans head[0..len) (fd < 0), or else the whole file fd (its first bytes read from it).
 * name: the transferred file's name, for the filename/filepath/extension externals. */
void yara_matcher_scan(YaraMatcher *m, const uint8_t *head, size_t len, int fd, const char *name,
                       YaraMatch *out);

struct YaraGateScratch;
/* True when yara_matcher_scan would give libyara nothing of these bytes (a file in memory,
 * fd < 0): every part that applies to them is empty, or gated and its gate finds none of its
 * patterns or extensions. Then the scan's result is no match. *scratch: the calling thread's,
 * made or grown here for each gate (freed with yara_gate_scratch_free). */
bool yara_rules_gated_out(const YaraRuleSet *rules, struct YaraGateScratch **scratch,
                          const uint8_t *data, size_t len, const char *name);

#endif
