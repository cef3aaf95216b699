/*
 * config-tree.h — private to src/config: the ConfNode layout and the mutating primitives that
 * the YAML loader (config-yaml.c) and --set (config.c) share. Everything outside src/config sees
 * ConfNode as opaque and read-only (config.h), which is what lets the tree be handed to worker
 * threads without locks.
 *
 * Children are kept in a growable array, in insertion (= file) order, because consumers iterate
 * them by position and Suricata's semantics depend on order (outputs, eve-log types). Lookup by
 * name is linear for small nodes and goes through a small open-addressing index once a node has
 * more than CONF_INDEX_THRESHOLD children, so a file with a million keys in one mapping loads in
 * linear time instead of quadratic (the fuzzer finds such files quickly).
 */
#ifndef BONGSU_CONFIG_CONFIG_TREE_H
#define BONGSU_CONFIG_CONFIG_TREE_H

#include "config/config.h"

#define CONF_INDEX_THRESHOLD 16

struct ConfNode {
    char *name;       /* key, or "0", "1", ... for sequence items; "" for a root */
    char *value;      /* scalar value, or NULL for a mapping/sequence */
    ConfNode **kids;  /* children in insertion order */
    size_t nkids;
    size_t cap;
    uint32_t *index;  /* open-addressing slots holding (position + 1); NULL when small */
    size_t index_cap; /* power of two, > 2 * nkids when index != NULL */
    bool is_seq;      /* children came from a YAML sequence (names are indices) */
};

/* Allocation that aborts on OOM: configuration is built once at start-up, and a sensor that
 * cannot allocate a few kilobytes there has nothing sensible left to do. */
void *conf_xmalloc(size_t n);
void *conf_xrealloc(void *p, size_t n);
char *conf_xstrndup(const char *s, size_t n);

ConfNode *conf_tree_new(const char *name, size_t name_len);
ConfNode *conf_tree_find(const ConfNode *parent, const char *name, size_t name_len);
/* Append a child without checking for duplicates (sequence items). */
ConfNode *conf_tree_append(ConfNode *parent, const char *name, size_t name_len);
/* Find the named child or append it. */
ConfNode *conf_tree_get_or_add(ConfNode *parent, const char *name, size_t name_len);
/* The child named comp, created if missing, as dotted keys walk: a scalar growing a child
 * becomes a mapping (dropping its value); NULL if n is a non-empty sequence and comp is not an
 * index into it. */
ConfNode *conf_tree_step(ConfNode *n, const char *comp, size_t len);
/* Drop all children (value untouched). */
void conf_tree_clear_children(ConfNode *n);
/* Make n a scalar: set its value and drop any children. */
void conf_tree_set_scalar(ConfNode *n, const char *value, size_t len);
/* Make n an empty mapping or sequence (drops value and children). */
void conf_tree_make_container(ConfNode *n, bool is_seq);
/* Move src's value and children into dst (dst's old ones are freed); src is left empty. */
void conf_tree_take(ConfNode *dst, ConfNode *src);

/* Load helpers shared by conf_load_* (config-yaml.c). */
int conf_yaml_load_buffer(ConfNode *root, const char *text, size_t len, const char *name,
                          const char *dir, unsigned flags, char *err, size_t errlen);
int conf_yaml_load_file(ConfNode *root, const char *path, unsigned flags, char *err,
                        size_t errlen);

#endif /* BONGSU_CONFIG_CONFIG_TREE_H */
