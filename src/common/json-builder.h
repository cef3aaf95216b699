/*
 * json-builder.h - writes a JSON object either as text or as a jansson tree, from one code path.
 *
 * Why: EVE events were built as jansson trees and then serialised. For the events written
 * most often (a flow record per flow) building the tree cost more than everything else the
 * sensor did with the flow: about 30 small allocations, hashing and frees per record. A
 * builder in text mode appends the fields straight into the writer's line buffer instead.
 * Code that fills in fields (the EVE header, the flow record) is written once against this
 * interface; callers that still need a tree to add to (alerts, app-layer records) use tree
 * mode and get exactly the same fields.
 *
 * Both modes give the same result: text mode writes the bytes jansson's JSON_COMPACT dump of
 * the tree would (tests/unit/test-json-builder.c checks this), and a string that is not valid
 * UTF-8 drops its field in both, as json_object_set_new(obj, key, json_string(bad)) does.
 * Text mode cannot replace a field already written, so a key must be set once per object;
 * keys are literals of plain printable ASCII without '"' or '\\' (text mode writes them as
 * they are).
 */
#ifndef BONGSU_JSON_BUILDER_H
#define BONGSU_JSON_BUILDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/json-compact.h"

#define JSON_BUILDER_MAX_DEPTH 8

typedef struct JsonBuilder {
    JsonBuffer *text;                        /* text mode: the line grows here, else NULL */
    size_t text_start;                       /* text mode: where the line began, for rollback */
    json_t *open[JSON_BUILDER_MAX_DEPTH];    /* tree mode: open containers, innermost last */
    bool in_array[JSON_BUILDER_MAX_DEPTH];   /* the container at this depth is an array */
    bool has_member[JSON_BUILDER_MAX_DEPTH]; /* text mode: a member was written (needs a ',') */
    int depth;
    bool failed; /* out of memory or too deep: the text line is dropped at the end */
} JsonBuilder;

/* Text mode: starts an object at the end of out. */
void jb_begin_text(JsonBuilder *jb, JsonBuffer *out);
/* Tree mode: fields are set on object (borrowed; the caller keeps its reference). */
void jb_begin_tree(JsonBuilder *jb, json_t *object);
/* Text mode: closes the object and appends a newline. False (and out back at its length before
 * jb_begin_text) when something failed. */
bool jb_end_line(JsonBuilder *jb);

/* Setters. key is the member name inside an object, NULL for an element of an array. */
void jb_set_string(JsonBuilder *jb, const char *key, const char *value);
void jb_set_int(JsonBuilder *jb, const char *key, json_int_t value);
void jb_set_bool(JsonBuilder *jb, const char *key, bool value);
/* Sets a jansson value and releases the caller's reference to it (like json_object_set_new). */
void jb_set_json(JsonBuilder *jb, const char *key, json_t *value);

/* Opens an object or array as key's value (or as an array element); jb_close ends it. */
void jb_open_object(JsonBuilder *jb, const char *key);
void jb_open_array(JsonBuilder *jb, const char *key);
void jb_close(JsonBuilder *jb);

#endif
