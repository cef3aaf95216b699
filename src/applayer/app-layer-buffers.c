/*
 * app-layer-buffers.c - the registry of detection buffers ("http.uri", "dns.query", ...).
 *
 * Parsers register the buffers they offer, each with a getter that extracts it from a
 * transaction; the detection engine resolves rule keywords to buffer ids once, at rule load,
 * and calls the getter while inspecting. This keeps detection free of protocol knowledge.
 *
 * The buffers every file has (file.name, file.data) are registered once, with a getter of a
 * File (applayer_buffer_register_files): any parser with a tx_file hook offers them, one
 * instance per file of the transaction, so no parser wraps its hook in its own getter. A
 * parser may still register its own getter under such a name (HTTP's file.data is its
 * body, as Suricata's); that protocol then uses it instead.
 */
#include <string.h>

#include "applayer/app-layer.h"
#include "file/file.h"

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
    AppLayerFileBufferGetter of_file;  /* a buffer of every file (file.name); see above */
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
                                        {APPLAYER_PROGRESS_DONE, APPLAYER_PROGRESS_DONE}, {0},
                                        NULL};
    return buffer_count++;
}

/* A second protocol registering a multi-buffer under the same name shares it. */
static int share_multi(BufferDef *b, AppProto proto, AppLayerMultiBufferGetter getter)
{
    if (b->proto != ALPROTO_UNKNOWN)
        b->by_proto[b->proto] = b->multi;
    if ((unsigned)proto < ALPROTO_MAX)
        b->by_proto[proto] = getter;
    if (!b->multi)
        b->multi = getter; /* what applayer_buffer_get_nth, without a protocol, uses */
    b->proto = ALPROTO_UNKNOWN;
    return (int)(b - buffers);
}

int applayer_buffer_register_multi(const char *name, AppProto proto, bool to_server,
                                   bool to_client, AppLayerMultiBufferGetter getter)
{
    int existing = applayer_buffer_id(name);
    if (existing >= 0 && (buffers[existing].of_file ||
                          (buffers[existing].multi && buffers[existing].proto != proto)))
        return share_multi(&buffers[existing], proto, getter);
    int id = applayer_buffer_register(name, proto, to_server, to_client, NULL);
    if (id >= 0 && !buffers[id].getter)
        buffers[id].multi = getter;
    return id;
}

int applayer_buffer_register_files(const char *name, AppLayerFileBufferGetter of_file)
{
    int id = applayer_buffer_id(name);
    if (id < 0)
        id = applayer_buffer_register(name, ALPROTO_UNKNOWN, true, true, NULL);
    if (id < 0)
        return -1;
    BufferDef *b = &buffers[id];
    if (b->proto != ALPROTO_UNKNOWN && b->multi)
        share_multi(b, b->proto, b->multi);
    b->proto = ALPROTO_UNKNOWN;
    b->to_server = b->to_client = true;
    b->of_file = of_file;
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
    return id >= 0 && id < buffer_count && (buffers[id].multi || buffers[id].of_file);
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
    return idx == 0 && b->getter && b->getter(state, tx, to_server, data, len);
}

bool applayer_buffer_offered(int id, AppProto proto)
{
    if (id < 0 || id >= buffer_count)
        return false;
    const BufferDef *b = &buffers[id];
    if (b->proto == proto || ((unsigned)proto < ALPROTO_MAX && b->by_proto[proto]))
        return true;
    const AppLayerParser *parser = b->of_file ? applayer_parser(proto) : NULL;
    return parser && parser->tx_file;
}

/* The idx-th file of the transaction's side, through its parser's tx_file hook. */
static bool file_instance(const BufferDef *b, AppProto proto, void *tx, bool to_server,
                          uint32_t idx, const uint8_t **data, uint32_t *len)
{
    const AppLayerParser *parser = applayer_parser(proto);
    if (!parser || !parser->tx_file)
        return false;
    return b->of_file(parser->tx_file(tx, to_server, idx), data, len);
}

bool applayer_buffer_get_nth_proto(int id, AppProto proto, void *state, void *tx,
                                   bool to_server, uint32_t idx, const uint8_t **data,
                                   uint32_t *len)
{
    if (id < 0 || id >= buffer_count)
        return false;
    const BufferDef *b = &buffers[id];
    if (b->proto != ALPROTO_UNKNOWN || (!b->multi && !b->of_file))
        return applayer_buffer_get_nth(id, state, tx, to_server, idx, data, len);
    if ((to_server && !b->to_server) || (!to_server && !b->to_client))
        return false;
    AppLayerMultiBufferGetter g = (unsigned)proto < ALPROTO_MAX ? b->by_proto[proto] : NULL;
    if (g)
        return g(state, tx, to_server, idx, data, len);
    return b->of_file && file_instance(b, proto, tx, to_server, idx, data, len);
}
