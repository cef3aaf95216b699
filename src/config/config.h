/*
 * config.h — bongsu's configuration tree: built-in defaults, Suricata-style YAML, --set.
 *
 * The configuration is one tree of ConfNode, the same model Suricata uses, so that a Suricata
 * user's suricata.yaml, their --set options and their habits all carry over unchanged:
 *
 *   - a node has a name, an optional scalar value and an ordered list of children;
 *   - a YAML mapping gives one child per key, in file order;
 *   - a YAML sequence gives children named "0", "1", ...; an item that is a one-key mapping
 *     (`- eve-log: {...}`) is a node "1" whose only child is "eve-log", so the dotted key
 *     "outputs.1.eve-log.filename" reaches it; a scalar item (`- flow`) is a node "N" whose
 *     value is "flow" (use conf_seq_has_item to treat both forms alike).
 *
 * Life cycle: main builds the tree from conf_new_default() (the built-in defaults, so no file is
 * needed), merges the -c file over it with conf_load_file(), applies each --set with
 * conf_set(), reports unknown keys with conf_for_each_unknown_key() and then hands the tree,
 * read-only, to the stages. Getters never fail: they return the caller's default when a key is
 * absent or its value does not parse, so every stage states its own fallback at the call site.
 * The conf_parse_* helpers exist for `-T`, which wants to know that a value did not parse.
 *
 * Errors are "FILE:LINE: reason" strings written into a caller-supplied buffer (curl style: one
 * error convention everywhere, always with a location).
 */
#ifndef BONGSU_CONFIG_CONFIG_H
#define BONGSU_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ConfNode ConfNode; /* opaque tree node: name, optional scalar value, children */

/* Limits that keep a hostile or broken file from taking the sensor down (see config-yaml.c). */
#define CONF_MAX_FILE_SIZE (16u * 1024u * 1024u) /* bytes per file */
#define CONF_MAX_DEPTH 64                         /* nested mappings/sequences */
#define CONF_MAX_INCLUDE_DEPTH 8                  /* include inside include inside ... */
#define CONF_MAX_NODES 1000000u                   /* nodes created by one load */

/* ---- construction ------------------------------------------------------------------------ */

ConfNode *conf_new_default(void); /* the built-in defaults; never NULL (aborts on OOM) */
ConfNode *conf_new_empty(void);   /* an empty root; never NULL */
ConfNode *conf_clone(const ConfNode *root); /* deep copy; never NULL */
void conf_free(ConfNode *root);

/* The built-in default configuration as YAML text (config-defaults.c). */
extern const char conf_default_yaml[];

/* ---- loading ----------------------------------------------------------------------------- */

/* Merge a Suricata-style YAML file into root. Values in the file replace existing ones; a
 * mapping merges key by key; a sequence in the file replaces the whole sequence. Handles the
 * "%YAML 1.1" + "---" header, `include:` (a file name or a list of them, relative to the
 * including file's directory) and `key: !include file`. Anchors are accepted, aliases rejected.
 * The load is all-or-nothing: on error root is left as it was.
 * Returns 0, or -1 with "FILE:LINE: reason" in err. */
int conf_load_file(ConfNode *root, const char *path, char *err, size_t errlen);

/* Same, from text; name_for_errors labels messages; relative includes resolve against ".". */
int conf_load_string(ConfNode *root, const char *yaml_text, const char *name_for_errors,
                     char *err, size_t errlen);

#define CONF_LOAD_NO_INCLUDE 0x1u /* treat include/!include as errors (fuzzing, untrusted text) */

/* conf_load_string with flags (CONF_LOAD_*) and an explicit length (text need not end in NUL). */
int conf_load_buffer(ConfNode *root, const char *text, size_t len, const char *name_for_errors,
                     unsigned flags, char *err, size_t errlen);

/* "--set" as in Suricata: "a.b.c=value" (whitespace around key and value trimmed). Numeric
 * components index into sequences ("outputs.1.eve-log.types.2.anomaly.types.stream=yes");
 * missing nodes are created. Setting below a scalar sequence item named like the next component
 * (`- flow` then "types.N.flow.x=y") turns the item into the one-key mapping `- flow: {x: y}`.
 * Returns 0 or -1 (err filled). */
int conf_set(ConfNode *root, const char *key_equals_value, char *err, size_t errlen);

/* ---- lookup ------------------------------------------------------------------------------ */

const ConfNode *conf_node(const ConfNode *root, const char *dotted); /* NULL if absent */
const char *conf_get(const ConfNode *root, const char *dotted);       /* scalar value or NULL */
const char *conf_get_str(const ConfNode *root, const char *dotted, const char *dflt);
/* yes/no, true/false, on/off, 1/0, enabled/disabled (case-insensitive); else dflt */
bool conf_get_bool(const ConfNode *root, const char *dotted, bool dflt);
int64_t conf_get_int(const ConfNode *root, const char *dotted, int64_t dflt);
/* "32mb", "1gb", "64kb", "4096", "1.5gb"; case-insensitive; kb = 1024 (Suricata units) */
uint64_t conf_get_size(const ConfNode *root, const char *dotted, uint64_t dflt);

/* Value parsers behind the getters: 0 on success, -1 if s does not parse (out untouched). */
int conf_parse_bool(const char *s, bool *out);
int conf_parse_int(const char *s, int64_t *out);
int conf_parse_size(const char *s, uint64_t *out);

const char *conf_node_name(const ConfNode *n);  /* "" for a root */
const char *conf_node_value(const ConfNode *n); /* NULL for a mapping or sequence */
size_t conf_node_count(const ConfNode *n);      /* number of children */
const ConfNode *conf_node_child(const ConfNode *n, size_t i); /* i-th child in file order */
const ConfNode *conf_node_lookup(const ConfNode *n, const char *dotted); /* relative lookup */
bool conf_node_is_sequence(const ConfNode *n);

/* True if the sequence has a scalar item equal to name (`- flow`) or a mapping item with that
 * key (`- flow: {...}`); *item_body (if not NULL) gets the mapping body, or NULL for a scalar
 * item. Also accepts a mapping (`types: {flow: ...}`) so callers need not care. */
bool conf_seq_has_item(const ConfNode *seq, const char *name, const ConfNode **item_body);

/* ---- checking and display ---------------------------------------------------------------- */

/* Report each key in loaded that is not in known's key set, once each (sequence indices are
 * wildcards: "outputs.7.eve-log.filename" is known if any item of known's outputs has
 * eve-log.filename). Only the outermost unknown key of a subtree is reported. Subtrees listed
 * in conf_open_sections (config-defaults.c) are accepted whatever they hold. */
void conf_for_each_unknown_key(const ConfNode *loaded, const ConfNode *known,
                               void (*cb)(const char *dotted_key, void *ud), void *ud);

/* Key patterns ("a.*.b", * = any sequence index) whose whole subtree is accepted by the
 * unknown-key check: stock Suricata sections bongsu embeds partially or not at all. */
extern const char *const conf_open_sections[];

/* Print every scalar as "dotted.key = value", one per line (like suricata --dump-config). */
void conf_dump(const ConfNode *root, FILE *out);

#endif /* BONGSU_CONFIG_CONFIG_H */
