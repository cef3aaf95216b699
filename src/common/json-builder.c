/*
 * json-builder.c - one interface, two outputs: JSON text appended to a buffer, or a jansson
 * tree (see json-builder.h for why).
 *
 * Text mode keeps, per open container, whether a member was already written (for the comma)
 * and whether it is an array (for the closing bracket). A field whose value cannot be written
 * (a string that is not valid UTF-8) is cut back off the buffer, comma included, so the line
 * reads as if the field had never been set - which is what jansson does with such a string.
 */
#include "common/json-builder.h"

#include <string.h>

void jb_begin_text(JsonBuilder *jb, JsonBuffer *out)
{
    memset(jb, 0, sizeof(*jb));
    jb->text = out;
    jb->text_start = out->len;
    jb->depth = 1;
    jb->failed = !json_buffer_append(out, "{", 1);
}

void jb_begin_tree(JsonBuilder *jb, json_t *object)
{
    memset(jb, 0, sizeof(*jb));
    jb->open[0] = object;
    jb->depth = 1;
}

bool jb_end_line(JsonBuilder *jb)
{
    while (!jb->failed && jb->depth > 0)
        jb_close(jb);
    if (!jb->failed && json_buffer_append(jb->text, "\n", 1))
        return true;
    jb->text->len = jb->text_start;
    return false;
}

/* Text mode: writes the separator and "key": of the next member; returns where the member
 * starts so a failed value can be cut off again. */
static size_t text_member(JsonBuilder *jb, const char *key)
{
    JsonBuffer *out = jb->text;
    size_t mark = out->len;
    bool ok = !jb->has_member[jb->depth - 1] || json_buffer_append(out, ",", 1);
    if (ok && key) {
        /* Keys are plain ASCII literals (see json-builder.h): no escaping to look for. */
        size_t n = strlen(key);
        ok = json_buffer_reserve(out, n + 3);
        if (ok) {
            char *at = out->data + out->len;
            at[0] = '"';
            memcpy(at + 1, key, n);
            at[n + 1] = '"';
            at[n + 2] = ':';
            out->len += n + 3;
        }
    }
    if (!ok)
        out->len = mark;
    return ok ? mark : SIZE_MAX;
}

/* Text mode: ends a member whose value was (ok) or was not written. */
static void text_member_done(JsonBuilder *jb, size_t mark, bool ok)
{
    if (ok)
        jb->has_member[jb->depth - 1] = true;
    else
        jb->text->len = mark;
}

/* Tree mode: adds value (reference stolen; NULL adds nothing, as jansson does). */
static bool tree_put(JsonBuilder *jb, const char *key, json_t *value)
{
    json_t *parent = jb->open[jb->depth - 1];
    if (jb->in_array[jb->depth - 1])
        return json_array_append_new(parent, value) == 0;
    return json_object_set_new(parent, key, value) == 0;
}

void jb_set_string(JsonBuilder *jb, const char *key, const char *value)
{
    if (jb->failed)
        return;
    if (!jb->text) {
        tree_put(jb, key, json_string(value));
        return;
    }
    size_t mark = text_member(jb, key);
    if (mark != SIZE_MAX)
        text_member_done(jb, mark, json_compact_append_string(jb->text, value, strlen(value)));
}

void jb_set_int(JsonBuilder *jb, const char *key, json_int_t value)
{
    if (jb->failed)
        return;
    if (!jb->text) {
        tree_put(jb, key, json_integer(value));
        return;
    }
    size_t mark = text_member(jb, key);
    if (mark != SIZE_MAX)
        text_member_done(jb, mark, json_compact_append_integer(jb->text, value));
}

void jb_set_bool(JsonBuilder *jb, const char *key, bool value)
{
    if (jb->failed)
        return;
    if (!jb->text) {
        tree_put(jb, key, json_boolean(value));
        return;
    }
    size_t mark = text_member(jb, key);
    if (mark != SIZE_MAX)
        text_member_done(jb, mark, value ? json_buffer_append(jb->text, "true", 4)
                                         : json_buffer_append(jb->text, "false", 5));
}

void jb_set_json(JsonBuilder *jb, const char *key, json_t *value)
{
    if (jb->failed) {
        json_decref(value);
        return;
    }
    if (!jb->text) {
        tree_put(jb, key, value);
        return;
    }
    size_t mark = text_member(jb, key);
    if (mark != SIZE_MAX)
        text_member_done(jb, mark, json_compact_append_value(jb->text, value));
    json_decref(value);
}

static void open_container(JsonBuilder *jb, const char *key, bool array)
{
    if (jb->failed)
        return;
    if (jb->depth == JSON_BUILDER_MAX_DEPTH) {
        jb->failed = true;
        return;
    }
    if (jb->text) {
        size_t mark = text_member(jb, key);
        if (mark == SIZE_MAX || !json_buffer_append(jb->text, array ? "[" : "{", 1)) {
            jb->failed = true;
            return;
        }
    } else {
        /* Our own reference keeps the container alive if the parent refused it. */
        json_t *container = array ? json_array() : json_object();
        bool added = container && tree_put(jb, key, json_incref(container));
        json_decref(container);
        if (!added) {
            jb->failed = true;
            return;
        }
        jb->open[jb->depth] = container;
    }
    jb->in_array[jb->depth] = array;
    jb->has_member[jb->depth] = false;
    jb->depth++;
}

void jb_open_object(JsonBuilder *jb, const char *key)
{
    open_container(jb, key, false);
}

void jb_open_array(JsonBuilder *jb, const char *key)
{
    open_container(jb, key, true);
}

void jb_close(JsonBuilder *jb)
{
    if (jb->failed || jb->depth == 0)
        return;
    jb->depth--;
    if (!jb->text)
        return;
    if (!json_buffer_append(jb->text, jb->in_array[jb->depth] ? "]" : "}", 1))
        jb->failed = true;
    else if (jb->depth > 0)
        jb->has_member[jb->depth - 1] = true;
}
