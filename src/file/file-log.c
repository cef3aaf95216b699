/*
 * file-log.c - EVE `fileinfo` events, in Suricata 7's layout.
 *
 * A fileinfo event is written when a file closes. Its endpoints follow the file's direction
 * (a download is logged from the server to the client), it carries the protocol's own object
 * ("http": {...}) supplied by the parser, then "app_proto" and "fileinfo" with the name, gaps,
 * state, the hashes that were computed, stored, size and tx_id. It has no top-level tx_id.
 */
#include <stdio.h>
#include <stdlib.h>

#include "applayer/app-layer.h"
#include "file/file.h"

bool file_name_get(const File *f, const uint8_t **data, uint32_t *len)
{
    if (!f)
        return false;
    *data = f->name;
    *len = f->name_len;
    return true;
}

FileThread file_thread_of(AppLayerCtx *ctx)
{
    FileThread th = {.ctx = ctx};
    if (ctx->thread) {
        th.counters = ctx->thread->counters;
        if (ctx->thread->eve && ctx->thread->eve->log)
            th.eve_path = ctx->thread->eve->log->cfg.path;
    }
    return th;
}

json_t *file_json_bytes(const uint8_t *d, size_t n)
{
    /* Suricata's string_from_bytes: ASCII as is (JSON escapes control characters), every
     * other byte as the four characters \xNN. Bounded by the callers' own caps. */
    if (!n)
        return json_string("");
    char stack[512];
    size_t need = n * 4 + 1;
    char *buf = need <= sizeof(stack) ? stack : malloc(need);
    if (!buf)
        return json_string("");
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] < 0x80)
            buf[o++] = (char)d[i];
        else
            o += (size_t)snprintf(buf + o, 5, "\\x%02x", d[i]);
    }
    json_t *s = json_stringn(buf, o);
    if (buf != stack)
        free(buf);
    return s ? s : json_string("");
}

static json_t *hex_string(const uint8_t *d, size_t n)
{
    char buf[65];
    for (size_t i = 0; i < n && i < 32; i++)
        snprintf(buf + 2 * i, 3, "%02x", d[i]);
    buf[2 * (n < 32 ? n : 32)] = '\0';
    return json_string(buf);
}

static const char *state_name(FileState s)
{
    switch (s) {
    case FILE_STATE_CLOSED: return "CLOSED";
    case FILE_STATE_TRUNCATED: return "TRUNCATED";
    default: return "UNKNOWN";
    }
}

json_t *file_info_json(const File *f)
{
    json_t *o = json_object();
    if (f->name_len) /* Suricata's jb_set_string_from_bytes sets nothing for no bytes */
        json_object_set_new(o, "filename", file_json_bytes(f->name, f->name_len));
    json_object_set_new(o, "gaps", json_boolean(f->gaps));
    json_object_set_new(o, "state", json_string(state_name(f->state)));
    if (f->state == FILE_STATE_CLOSED) {
        if (f->have_md5 && file_hash_logged(FILE_HASH_MD5))
            json_object_set_new(o, "md5", hex_string(f->md5, sizeof(f->md5)));
        if (f->have_sha1 && file_hash_logged(FILE_HASH_SHA1))
            json_object_set_new(o, "sha1", hex_string(f->sha1, sizeof(f->sha1)));
    }
    if (f->have_sha256 && file_hash_logged(FILE_HASH_SHA256))
        json_object_set_new(o, "sha256", hex_string(f->sha256, sizeof(f->sha256)));
    json_object_set_new(o, "stored", json_boolean(f->stored));
    if (f->stored)
        json_object_set_new(o, "file_id", json_integer(f->file_id));
    json_object_set_new(o, "size", json_integer((json_int_t)f->size));
    json_object_set_new(o, "tx_id", json_integer((json_int_t)f->tx_id));
    return o;
}

/* The header names the flow's client as src; a file sent to the client swaps the ends. */
static void swap_endpoints(json_t *obj)
{
    json_t *sip = json_incref(json_object_get(obj, "src_ip"));
    json_t *dip = json_incref(json_object_get(obj, "dest_ip"));
    json_t *sp = json_incref(json_object_get(obj, "src_port"));
    json_t *dp = json_incref(json_object_get(obj, "dest_port"));
    if (sip && dip) {
        json_object_set(obj, "src_ip", dip);
        json_object_set(obj, "dest_ip", sip);
    }
    if (sp && dp) {
        json_object_set(obj, "src_port", dp);
        json_object_set(obj, "dest_port", sp);
    }
    json_decref(sip);
    json_decref(dip);
    json_decref(sp);
    json_decref(dp);
}

void file_log(AppLayerCtx *ctx, const File *f, const char *proto_key, FileProtoJson proto_json,
              const void *proto_tx)
{
    EveWriter *w = ctx->thread ? ctx->thread->eve : NULL;
    if (!w || !eve_enabled(w->log, EVE_FILES)) {
        file_observers_log((File *)f, ctx, NULL);
        return;
    }
    json_t *obj = applayer_eve_header(ctx, "fileinfo", f->tx_id);
    json_object_del(obj, "tx_id");
    if (!f->to_server)
        swap_endpoints(obj);
    if (proto_json && proto_key) {
        json_object_set_new(obj, proto_key, proto_json(proto_tx));
    } else if (proto_json) {
        /* no key: the object's members go to the top (SMTP's "smtp" and "email") */
        json_t *members = proto_json(proto_tx);
        json_object_update(obj, members);
        json_decref(members);
    }
    AppProto proto = ctx->flow && ctx->flow->app ? ctx->flow->app->proto : ALPROTO_UNKNOWN;
    json_object_set_new(obj, "app_proto", json_string(app_proto_name(proto)));
    json_object_set_new(obj, "fileinfo", file_info_json(f));
    if (!file_observers_log((File *)f, ctx, obj))
        eve_write(w, EVE_FILES, obj);
}
