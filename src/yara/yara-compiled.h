/*
 * yara-compiled.h - compiled rule sets kept on disk between runs, so a start or a reload
 * loads in milliseconds what libyara takes a tenth of a second of CPU to compile.
 *
 * Compiling the DPRK pack twice (the full set and the prefilter's non-MZ set) is about 270 M
 * instructions: a fifth of what bongsu spends on a 100 MB capture, paid again by every run of
 * a short pcap. libyara can save a compiled set (yr_rules_save, what yarac writes) and load it
 * back; the loaded set is the same bytes, so matches are identical by construction.
 *
 * The entry is found by a sha256 key over everything the compiled sets depend on: a format tag
 * (bumped when the loading logic changes), bongsu's version and git revision, libyara's
 * version, the GNU build id of the code (so a change to the prefilter or the gate is a new key
 * even in an uncommitted tree; without a build id nothing is kept), the load options (prefilter,
 * gate), and per source file, in load order, its path (the namespace and the `file` of each
 * rule) and its bytes. Sets with compiled
 * (yarac) inputs or `include` directives (bytes outside the listed files) are not stored.
 *
 * A compiled file is trusted code for libyara's loader, so the directory must be this user's
 * and not writable by others; entries are written to a temporary name and renamed, so two
 * processes never read a half-written file. Anything wrong (missing, stale, unreadable) means
 * compiling as before.
 */
#ifndef BONGSU_YARA_COMPILED_H
#define BONGSU_YARA_COMPILED_H

#include <stdbool.h>
#include <stddef.h>

struct YR_RULES;

typedef struct YaraCompiledKey {
    char hex[65];
} YaraCompiledKey;

/* The default directory: $XDG_CACHE_HOME/bongsu/yara, else $HOME/.cache/bongsu/yara; "" when
 * neither is set. */
void yara_compiled_default_dir(char *out, size_t size);

/* Creates dir (mode 0700) when missing; true when it is a directory owned by this user and
 * not writable by group or others. */
bool yara_compiled_dir_usable(const char *dir);

/* The key of these source texts (paths[i] holding texts[i]) loaded with options (words
 * naming the load options that change the sets); false when the set must not be stored (an
 * include directive, no build id). */
bool yara_compiled_key(char *const *paths, char *const *texts, size_t n, const char *options,
                       YaraCompiledKey *key);

/* Entry part `name` ("full", "nonmz") of key: load (NULL when absent or unusable) or save. */
struct YR_RULES *yara_compiled_load(const char *dir, const YaraCompiledKey *key,
                                    const char *name);
bool yara_compiled_save(const char *dir, const YaraCompiledKey *key, const char *name,
                        struct YR_RULES *rules);

/* The entry's side text (load messages and counts): a new string, or NULL; and saving it. */
char *yara_compiled_load_text(const char *dir, const YaraCompiledKey *key);
bool yara_compiled_save_text(const char *dir, const YaraCompiledKey *key, const char *text);

/* Any other file of the entry (name: "gate", the gated part's Vectorscan database): its
 * bytes (a new buffer, NUL after them; NULL when absent) and saving them. */
char *yara_compiled_load_blob(const char *dir, const YaraCompiledKey *key, const char *name,
                              size_t *len);
bool yara_compiled_save_blob(const char *dir, const YaraCompiledKey *key, const char *name,
                             const void *data, size_t len);

/* Removes the files of entries not used for max_age_days (and temporaries left behind). */
void yara_compiled_prune(const char *dir, unsigned max_age_days);

#endif
