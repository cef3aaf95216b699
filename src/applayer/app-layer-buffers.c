/*
 * app-layer-buffers.c - the registry of detection buffers ("http.uri", "dns.query", ...).
 *
 * Parsers register the buffers they offer, each with a getter that extracts it from a
 * transaction; the detection engine resolves rule keywords to buffer ids once, at rule load,
 * and calls the getter while inspecting. This keeps detection free of protocol knowledge.
 */
#include <string.h>

#include "applayer/app-layer.h"

#define MAX_BUFFERS 128

typedef struct BufferDef {
    const char *name;
    AppProto proto;
    bool to_server, to_client;
    AppLayerBufferGetter getter;
    AppLayerMultiBufferGetter multi;   /* set for multi-buffers (getter is NULL) */
    void (*on_rule_use)(void);         /* optional, see applayer_buffer_on_rule_use */
    int progress[2];                   /* [0] request side; applayer_buffer_set_progress */
    /* A multi-buffer several protocols offer (file.name): each one's getter; proto is then
     * ALPROTO_UNKNOWN, so a rule using it is not tied to one protocol. */
    AppLayerMultiBufferGetter by_proto[ALPROTO_MAX];
} BufferDef;

static BufferDef buffers[MAX_BUFFERS];
static int buffer_count;

int applayer_buffer_register(const char *name, AppProto proto, bool to_server, bool to_client,
                             AppLayerBufferGetter getter)
{
    int existing = applayer_buffer_id(name);
    if (existing >= 0)
        return existing;
    if (buffer_count >= MAX_BUFFERS)
        return -1;
    buffers[buffer_count] = (BufferDef){name, proto, to_server, to_client, getter, NULL, NULL,
                                        {APPLAYER_PROGRESS_DONE, APPLAYER_PROGRESS_DONE}, {0}};
    return buffer_count++;
}

/* A second protocol registering a multi-buffer under the same name shares it. */
static int share_multi(BufferDef *b, AppProto proto, AppLayerMultiBufferGetter getter)
{
    if (b->proto != ALPROTO_UNKNOWN)
        b->by_proto[b->proto] = b->multi;
    if ((unsigned)proto < ALPROTO_MAX)
        b->by_proto[proto] = getter;
    b->proto = ALPROTO_UNKNOWN;
    return (int)(b - buffers);
}

int applayer_buffer_register_multi(const char *name, AppProto proto, bool to_server,
                                   bool to_client, AppLayerMultiBufferGetter getter)
{
    int existing = applayer_buffer_id(name);
    if (existing >= 0 && buffers[existing].multi && buffers[existing].proto != proto)
        return share_multi(&buffers[existing], proto, getter);
    int id = applayer_buffer_register(name, proto, to_server, to_client, NULL);
    if (id >= 0 && !buffers[id].getter)
        buffers[id].multi = getter;
    return id;
}

void applayer_buffer_on_rule_use(int id, void (*fn)(void))
{
    if (id >= 0 && id < buffer_count)
        buffers[id].on_rule_use = fn;
}

void applayer_buffer_used_by_rule(int id)
{
    if (id >= 0 && id < buffer_count && buffers[id].on_rule_use)
        buffers[id].on_rule_use();
}

bool applayer_buffer_is_multi(int id)
{
    return id >= 0 && id < buffer_count && buffers[id].multi;
}

int applayer_buffer_id(const char *name)
{
    for (int i = 0; i < buffer_count; i++)
        if (strcmp(buffers[i].name, name) == 0)
            return i;
    return -1;
}

const char *applayer_buffer_name(int id)
{
    return id >= 0 && id < buffer_count ? buffers[id].name : NULL;
}

AppProto applayer_buffer_proto(int id)
{
    return id >= 0 && id < buffer_count ? buffers[id].proto : ALPROTO_UNKNOWN;
}

bool applayer_buffer_is_to_server(int id)
{
    return id >= 0 && id < buffer_count && buffers[id].to_server;
}

void applayer_buffer_set_progress(int id, int to_server, int to_client)
{
    if (id >= 0 && id < buffer_count) {
        buffers[id].progress[0] = to_server;
        buffers[id].progress[1] = to_client;
    }
}

int applayer_buffer_progress(int id, bool to_server)
{
    return id >= 0 && id < buffer_count ? buffers[id].progress[to_server ? 0 : 1]
                                        : APPLAYER_PROGRESS_DONE;
}

bool applayer_buffer_is_to_client(int id)
{
    return id >= 0 && id < buffer_count && buffers[id].to_client;
}

bool applayer_buffer_get(int id, void *state, void *tx, bool to_server, const uint8_t **data,
                         uint32_t *len)
{
    if (id < 0 || id >= buffer_count)
        return false;
    return applayer_buffer_get_nth(id, state, tx, to_server, 0, data, len);
}

bool applayer_buffer_get_nth(int id, void *state, void *tx, bool to_server, uint32_t idx,
                             const uint8_t **data, uint32_t *len)
{
    if (id < 0 || id >= buffer_count)
        return false;
    const BufferDef *b = &buffers[id];
    if ((to_server && !b->to_server) || (!to_server && !b->to_client))
        return false;
    if (b->multi)
        return b->multi(state, tx, to_server, idx, data, len);
    return idx == 0 && b->getter(state, tx, to_server, data, len);
}

bool applayer_buffer_offered(int id, AppProto proto)
{
    if (id < 0 || id >= buffer_count)
        return false;
    const BufferDef *b = &buffers[id];
    return b->proto == proto || ((unsigned)proto < ALPROTO_MAX && b->by_proto[proto]);
}

bool applayer_buffer_get_nth_proto(int id, AppProto proto, void *state, void *tx,
                                   bool to_server, uint32_t idx, const uint8_t **data,
                                   uint32_t *len)
{
    if (id < 0 || id >= buffer_count)
        return false;
    const BufferDef *b = &buffers[id];
    if (b->proto != ALPROTO_UNKNOWN || !b->multi)
        return applayer_buffer_get_nth(id, state, tx, to_server, idx, data, len);
    AppLayerMultiBufferGetter g = (unsigned)proto < ALPROTO_MAX ? b->by_proto[proto] : NULL;
    if (!g || (to_server && !b->to_server) || (!to_server && !b->to_client))
        return false;
    return g(state, tx, to_server, idx, data, len);
}
