/*
 * yara-rules.h - a compiled YARA rule set and what bongsu knows about each rule.
 *
 * A YaraRuleSet is built once (start-up, or a SIGHUP reload in a background thread) and then
 * only read, by the scanner threads. It holds one libyara YR_RULES compiled from every
 * source file (each file in its own namespace, so two vendors' rules of the same name do not
 * collide) plus one YR_RULES per precompiled (yarac) file, which libyara cannot merge. With
 * the prefilter on, the sources' set is for files that start with "MZ" and a second one,
 * rewritten by yara-prefilter.c, is for all other files (same namespaces and rule names). For
 * every rule it keeps the alert's fields: a stable signature id, the malware family and the
 * actor resolved through the knowledge base from the rule's meta, name, tags or file name.
 */
#ifndef BONGSU_YARA_RULES_H
#define BONGSU_YARA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intel/intel.h"

typedef struct YaraRuleInfo {
    char *name;          /* the rule's identifier */
    char *file;          /* the file it came from, as given */
    uint32_t sid;        /* stable: FNV-1a of "<file name>:<rule>" (signature_id, fileinfo sid) */
    char *family;        /* meta malware_family / family / malware, or NULL */
    int actor;           /* knowledge-base id, -1 when no actor is named */
} YaraRuleInfo;

typedef struct YaraRuleSet YaraRuleSet;
struct YR_RULES;
struct YR_RULE;

typedef struct YaraLoadStats {
    uint32_t files, files_failed, rules;
    /* the prefilter (yara-prefilter.h): rules a non-MZ file cannot match, rules trimmed for
     * it, source files used unchanged for it, source files whose non-MZ rules still use pe */
    uint32_t mz_only, trimmed, unchanged_files, pe_files;
    /* the gate (yara-gate.h): non-MZ rules scanned only when one of their patterns occurs,
     * and the patterns */
    uint32_t gated, gate_patterns;
    bool kept;           /* the sets were loaded from yara.compiled-dir, not compiled */
} YaraLoadStats;

/* Which files a libyara rule set is scanned for. */
typedef enum YaraScope { YARA_SCOPE_ALL, YARA_SCOPE_MZ, YARA_SCOPE_NOT_MZ } YaraScope;

typedef struct YaraLoadOptions {
    bool prefilter;      /* yara.prefilter: a second set for non-MZ files (default on) */
    bool gate;           /* yara.gate: of that set, the rules that need a string, scanned only
                          * when a Vectorscan pass finds one (yara-gate.h; default on) */
    const char *compiled_dir; /* yara.compiled-dir: compiled sets kept there (yara-compiled.h);
                               * NULL or "": compile every time */
} YaraLoadOptions;

/* Reports a problem in a rule file: where is "file:line" (or the file alone), error or not. */
typedef void (*YaraReportFn)(void *ud, const char *where, const char *message, bool error);

/* Loads rule files (.yar/.yara sources or yarac output, told apart by content) and
 * directories (every .yar, .yara and .yarc file below, in name order). A file that does not
 * compile is reported at file:line and left out; the others still load. Returns NULL only
 * when nothing usable was loaded (no rule at all) or on OOM. kb may be NULL. */
YaraRuleSet *yara_rules_load(const char *const *paths, size_t count, const IntelActors *kb,
                             YaraLoadStats *stats, YaraReportFn report, void *ud);
/* The same with options (yara_rules_load uses the defaults: prefilter on). */
YaraRuleSet *yara_rules_load_opts(const char *const *paths, size_t count, const IntelActors *kb,
                                  const YaraLoadOptions *opts, YaraLoadStats *stats,
                                  YaraReportFn report, void *ud);
void yara_rules_free(YaraRuleSet *set);

size_t yara_rules_count(const YaraRuleSet *set);
const IntelActors *yara_rules_actors(const YaraRuleSet *set);

/* The libyara rule sets to scan with, in order, and the info of a matching rule. */
size_t yara_rules_parts(const YaraRuleSet *set);
struct YR_RULES *yara_rules_part(const YaraRuleSet *set, size_t i);
/* The externals that some rule may read from the file's name (a source mentioning the word;
 * all of them for a compiled file), so that a cached result can be keyed on just those. */
#define YARA_EXTERNAL_FILENAME 1u
#define YARA_EXTERNAL_FILEPATH 2u
#define YARA_EXTERNAL_EXTENSION 4u
unsigned yara_rules_externals(const YaraRuleSet *set);

/* Whether part i is scanned for a file that does (mz) or does not start with "MZ". */
bool yara_rules_part_applies(const YaraRuleSet *set, size_t i, bool mz);
/* Part i's gate: NULL for a part scanned for every file it applies to (or, for the gated
 * part, when the gate could not be built: yara_gate_hit(NULL) is true). */
struct YaraGate;
const struct YaraGate *yara_rules_part_gate(const YaraRuleSet *set, size_t i);
/* Part i has no rule: nothing to scan. */
bool yara_rules_part_empty(const YaraRuleSet *set, size_t i);
const YaraRuleInfo *yara_rules_info(const YaraRuleSet *set, size_t part,
                                    const struct YR_RULE *rule);

/* libyara's process-wide set-up, reference counted (yr_initialize / yr_finalize). */
int yara_library_init(void);
void yara_library_fini(void);

#endif
