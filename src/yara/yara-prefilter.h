/*
 * yara-prefilter.h - the rules a file without an "MZ" header can match, rewritten without pe.
 *
 * libyara builds the whole `pe` module object (hundreds of constants) for every scan when any
 * loaded rule imports pe: about 0.44 ms per file, which makes HTTP traffic of many small files
 * cost far more than its bytes. Most pe rules cannot match a file that does not start with
 * "MZ": pe_get_header() in libyara 4.2 wants the DOS signature at offset 0, so for such a file
 * is_pe is 0 and every other non-constant pe field and function is undefined. This module
 * proves that per condition and writes, for each rule source, a second source for those
 * files: rules whose condition is false there are left out, and sub-conditions that are false
 * there are cut from their `or`s, so a pe import nobody needs any more goes too. A file that
 * starts with "MZ" is scanned with the original rules, so its result is the original's.
 *
 * Why a cut is exact (libyara 4.2.3, exec.c and grammar.y): `and` and `or` compile to
 * JFALSE/JTRUE plus OP_AND/OP_OR, which read undefined as 0, so along a path of and/or from the
 * root a sub-condition only matters through its truth; a sub-condition that is false or
 * undefined on every non-MZ file can be replaced by false. Proven false or undefined there:
 *   - `pe.is_pe` alone (0);
 *   - uint16(0) == 0x5a4d, uint16be(0) == 0x4d5a (false, undefined under 2 bytes);
 *   - a term joined only by arithmetic/bitwise operators (all ensure_defined) with an operand
 *     that is a non-constant pe field (lower-case, not is_pe, reached through fields, indexes,
 *     dictionary keys) or a pe function that returns undefined when pe is NULL; such a term
 *     alone, or compared (==, <, contains, matches, ...: ensure_defined) with anything;
 *   - `$s at <undefined term>` (OP_FOUND_AT pushes 0);
 *   - `for ... in (<a> .. <b>) : (...)` with an undefined bound: the range iterator yields no
 *     item and a loop of no iteration is false.
 * `not`, rule references and anything not recognised are left as they are (the rule stays,
 * possibly with pe). Files with `include` or `global` rules, or whose rules reference each
 * other, are used unchanged.
 */
#ifndef BONGSU_YARA_PREFILTER_H
#define BONGSU_YARA_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct YaraPrefilterStats {
    uint32_t rules;          /* rules seen */
    uint32_t dropped;        /* rules that cannot match a non-MZ file */
    uint32_t trimmed;        /* rules kept with a sub-condition cut */
    uint32_t unchanged_files;/* files used as they are (include, global, rule references) */
} YaraPrefilterStats;

/* The source for files that do not start with "MZ", as a new NUL-terminated string, or NULL
 * when the file must be used unchanged (or on OOM). st is added to. */
char *yara_prefilter_rewrite(const char *src, size_t len, YaraPrefilterStats *st);

/* True when the bytes start with the DOS signature: such files get the original rules. */
bool yara_prefilter_is_mz(const uint8_t *data, size_t len);

#endif
