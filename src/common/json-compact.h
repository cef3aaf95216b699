/*
 * json-compact.h - appends a jansson value to a growable buffer as compact JSON.
 *
 * Why not json_dumpb: EVE lines are jansson trees, and jansson's dumper goes through a
 * callback per token and snprintf per number; on a no-rules run writing flow records that was
 * a sixth of the sensor's time. This walker writes the same bytes (jansson's JSON_COMPACT
 * output: key order as inserted, the same escapes, invalid UTF-8 refused) straight into the
 * caller's buffer, one line per value. Building the trees stays with jansson.
 */
#ifndef BONGSU_JSON_COMPACT_H
#define BONGSU_JSON_COMPACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct JsonBuffer {
    char *data; /* realloc'd as needed; owned by the caller */
    size_t len, cap;
} JsonBuffer;

/* Makes room for extra more bytes after len (capacity doubles); false when out of
 * memory, the buffer unchanged. */
bool json_buffer_reserve(JsonBuffer *out, size_t extra);
/* Appends n bytes; false when out of memory, the buffer unchanged. */
bool json_buffer_append(JsonBuffer *out, const char *bytes, size_t n);

/* Appends value and a newline; on failure (a string that is not valid UTF-8, no memory) the buffer is back
 * at its length before the call and false is returned, as json_dumpb would have failed. */
bool json_compact_append_line(JsonBuffer *out, const json_t *value);

/* The pieces json-builder.c writes with: a value without the newline, a quoted and escaped
 * string (false for invalid UTF-8), an integer. On failure the buffer may hold a partial
 * write; the caller rolls back to its own mark. */
bool json_compact_append_value(JsonBuffer *out, const json_t *value);
bool json_compact_append_string(JsonBuffer *out, const char *str, size_t len);
bool json_compact_append_integer(JsonBuffer *out, json_int_t value);

#endif
