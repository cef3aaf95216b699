/*
 * yara-gate.h - skipping libyara for files in which no rule's strings can occur.
 *
 * libyara 4.2 costs about 23 us per scan whatever the file (every rule's condition bytecode
 * runs, the match tables of every string are cleared), which on HTTP traffic of many small
 * text files is most of YARA's cost. Most rules cannot be true unless one of their strings
 * occurs in the file: `$a`, `any of them`, `2 of ($x*)`, `#a > 3`, `$a at 10`, and and/or
 * trees of those. For each such rule this module proves that from the condition's source
 * text and writes a pattern for each of its strings that matches wherever libyara could
 * find the string (text strings as bytes, with nocase and wide; hex strings and regexes in
 * Vectorscan's prefilter mode, which only ever adds matches). Those rules go into a "gated"
 * source that is scanned only when one Vectorscan pass over the file finds some pattern; all
 * other rules (conditions not proven, strings with xor/base64/wide regexes, files whose rules
 * reference each other) go into the "rest" source, scanned as before. A skipped gated set
 * could not have matched, so the results are libyara's.
 *
 * What is proven (the condition read as its and/or tree, yara-source.h): an `and` needs what
 * any one of its operands needs; an `or` needs what all its operands need, together; leaves:
 * `$a` (found), `$a at <e>`, `$a in (<range>)` (false without a match), `#a > n` (n >= 0),
 * `#a >= n` / `#a == n` (n >= 1), `<n>|any|all of them|(<$list>)` (n >= 1: some member
 * found), and `extension == "<text>"` (the external bongsu sets from the file's name: the
 * gated part is then also scanned for files with that extension). Everything else (not,
 * for, filesize, modules, other externals, rule names) proves nothing.
 */
#ifndef BONGSU_YARA_GATE_H
#define BONGSU_YARA_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Vectorscan expressions, gathered over source files, compiled once. */
typedef struct YaraGatePatterns {
    char **expr;
    unsigned *flags;
    size_t count, cap;
    char **exts;             /* extensions the gated part is also scanned for */
    size_t nexts, exts_cap;
    bool oom;
    /* set by the caller: patterns are not checked with Vectorscan's parser (80% of a split's
     * time), for a split whose result is only hashed (a key, yara-compiled.h) */
    bool unchecked;
} YaraGatePatterns;

typedef struct YaraGateStats {
    uint32_t rules;          /* rules seen */
    uint32_t gated;          /* rules that need one of their strings' patterns */
} YaraGateStats;

/* Splits one source (the prefilter's rewrite, or a file as it is) into the rules that need a
 * pattern (*gated) and the others (*rest), each a new NUL-terminated source with the imports
 * its rules use, or NULL when it has no rule. Patterns are appended to pats. False on OOM. */
bool yara_gate_split(const char *src, size_t len, YaraGatePatterns *pats, char **gated,
                     char **rest, YaraGateStats *st);
void yara_gate_patterns_free(YaraGatePatterns *pats);

typedef struct YaraGate YaraGate;
typedef struct YaraGateScratch YaraGateScratch;

/* NULL when there is no pattern or Vectorscan cannot compile them (then the gated set must be
 * scanned for every file: yara_gate_hit(NULL, ...) is true). */
YaraGate *yara_gate_compile(const YaraGatePatterns *pats);
void yara_gate_free(YaraGate *g);
/* The database as bytes to keep (yara-compiled.h; *bytes freed with free()), and back: NULL
 * when they are not a database this Vectorscan can use (another version or CPU). */
bool yara_gate_serialize(const YaraGate *g, char **bytes, size_t *len);
YaraGate *yara_gate_deserialize(const char *bytes, size_t len);
/* One per scanning thread. */
YaraGateScratch *yara_gate_scratch_new(const YaraGate *g);
/* s (made when NULL) grown to also serve g, for a thread that scans with several gates (a
 * no-op when g was the last one fitted); on failure it holds no Vectorscan scratch, and
 * yara_gate_hit with it answers true. */
YaraGateScratch *yara_gate_scratch_fit(const YaraGate *g, YaraGateScratch *s);
void yara_gate_scratch_free(YaraGateScratch *s);

/* True when the file's extension (the `extension` external: from the last dot of the name's
 * last part, "" without one) is one of the gate's or some pattern occurs in data[0..len)
 * (and when g is NULL, or on error). */
bool yara_gate_hit(const YaraGate *g, YaraGateScratch *s, const uint8_t *data, size_t len,
                   const char *ext);

#endif
