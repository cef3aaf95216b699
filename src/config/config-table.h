/*
 * config-table.h - read a group of settings under one key prefix into a struct, from a table.
 *
 * Stages used to read each setting with its own snprintf(prefix + leaf) and conf_get_* call,
 * one pair of lines per key, repeated in every configure(). A table row says where the value
 * lives (offsetof), what kind it is and which leaf key holds it; conf_read_table walks the rows.
 *
 * Defaults are whatever the struct already holds (the stage's own defaults initialiser), so a
 * default is written in one place only. An absent key leaves the field as it is; a value that
 * does not parse also leaves it (the getters' rule, unchanged) and is reported by key, so the
 * caller can say which setting was ignored.
 */
#ifndef BONGSU_CONFIG_CONFIG_TABLE_H
#define BONGSU_CONFIG_CONFIG_TABLE_H

#include <stddef.h>

#include "config/config.h"

typedef enum ConfFieldKind {
    CONF_FIELD_BOOL,     /* bool: yes/no, true/false, on/off, 1/0 */
    CONF_FIELD_U32_INT,  /* uint32_t from an integer (wraps as the old casts did) */
    CONF_FIELD_U32_SIZE, /* uint32_t from a size with units ("32mb") */
    CONF_FIELD_U64_SIZE, /* uint64_t from a size with units */
    CONF_FIELD_STRING,   /* const char *: points into the tree, which outlives the stages */
} ConfFieldKind;

typedef struct ConfField {
    const char *leaf;    /* key below the prefix, e.g. "request-body-limit" */
    size_t offset;       /* offsetof(the struct, field) */
    ConfFieldKind kind;
} ConfField;

/* Reads every row of fields (n rows) from "prefix" + leaf into the struct at out. Returns the
 * number of values that did not parse; the first is described in err as
 * "KEY: 'VALUE' is not a KIND" (err may be NULL). */
int conf_read_table(const ConfNode *root, const char *prefix, const ConfField *fields, size_t n,
                    void *out, char *err, size_t errlen);

#endif /* BONGSU_CONFIG_CONFIG_TABLE_H */
