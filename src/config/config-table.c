/*
 * config-table.c - table-driven reading of a group of settings (see config-table.h).
 */
#include "config/config-table.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
    [CONF_FIELD_BOOL] = "boolean",
    [CONF_FIELD_U32_INT] = "number",
    [CONF_FIELD_U32_SIZE] = "size",
    [CONF_FIELD_U64_SIZE] = "size",
    [CONF_FIELD_STRING] = "string",
};

static int store_u32(uint32_t v, char *field)
{
    memcpy(field, &v, sizeof(v));
    return 0;
}

/* Stores the parsed value in the field; -1 (field untouched) if it does not parse. */
static int store_value(const char *value, ConfFieldKind kind, char *field)
{
    bool b;
    int64_t i;
    uint64_t size;
    switch (kind) {
    case CONF_FIELD_BOOL:
        if (conf_parse_bool(value, &b) != 0)
            return -1;
        memcpy(field, &b, sizeof(b));
        return 0;
    case CONF_FIELD_U32_INT:
        if (conf_parse_int(value, &i) != 0)
            return -1;
        return store_u32((uint32_t)i, field);
    case CONF_FIELD_U32_SIZE:
    case CONF_FIELD_U64_SIZE:
        if (conf_parse_size(value, &size) != 0)
            return -1;
        if (kind == CONF_FIELD_U32_SIZE)
            return store_u32((uint32_t)size, field);
        memcpy(field, &size, sizeof(size));
        return 0;
    case CONF_FIELD_STRING:
        memcpy(field, &value, sizeof(value));
        return 0;
    }
    return -1;
}

int conf_read_table(const ConfNode *root, const char *prefix, const ConfField *fields, size_t n,
                    void *out, char *err, size_t errlen)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char key[256];
        snprintf(key, sizeof(key), "%s%s", prefix, fields[i].leaf);
        const char *value = root ? conf_get(root, key) : NULL;
        if (!value || store_value(value, fields[i].kind, (char *)out + fields[i].offset) == 0)
            continue;
        if (bad++ == 0 && err && errlen)
            snprintf(err, errlen, "%s: '%s' is not a %s", key, value, kind_names[fields[i].kind]);
    }
    return bad;
}
