/*
 * fuzz-dns.c - libFuzzer target for the DNS parser and logger, over UDP and TCP.
 *
 * Input: one mode byte, then records of [flags][2-byte big-endian length][bytes]. Mode bit 0
 * picks TCP (records are stream chunks, split anywhere) or UDP (records are datagrams); bit 1
 * switches the EVE output to version 3, bit 2 restricts it with dns options (types, formats),
 * which take the filtering paths. Record flags bit 0 is the direction (to the server when
 * set), bit 1 makes the record a gap of that many bytes (TCP). Each record goes through both
 * probes and the parser; finished transactions are logged (to /dev/null), their alert object
 * and detection buffer are built, and they are freed, as the framework does.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include "applayer/app-layer-dns.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char v3_yaml[] = "outputs:\n  - eve-log:\n      types:\n        - dns:\n"
                              "            version: 3\n";
static const char filter_yaml[] = "outputs:\n  - eve-log:\n      types:\n        - dns:\n"
                                  "            types: [a, txt, soa]\n"
                                  "            formats: [grouped]\n";

typedef struct FuzzEnv {
    EveLog *log;
    EveWriter writer;
    CounterSet counters;
    ConfNode *v3, *filtered;
    int query_buffer;
} FuzzEnv;

static ConfNode *load(const char *yaml)
{
    ConfNode *root = conf_new_empty();
    char err[256];
    conf_load_string(root, yaml, "fuzz", err, sizeof(err));
    return root;
}

static FuzzEnv *env_get(void)
{
    static FuzzEnv env;
    if (env.log)
        return &env;
    EveConfig cfg;
    eve_config_default(&cfg);
    snprintf(cfg.path, sizeof(cfg.path), "/dev/null");
    env.log = eve_log_open(&cfg);
    eve_writer_init(&env.writer, env.log);
    counter_set_init(&env.counters);
    env.v3 = load(v3_yaml);
    env.filtered = load(filter_yaml);
    app_layer_dns_parser.configure(NULL);
    env.query_buffer = applayer_buffer_id("dns.query");
    return &env;
}

static void finish_transactions(FuzzEnv *env, AppLayerCtx *ctx, void *state)
{
    const AppLayerParser *p = &app_layer_dns_parser;
    for (uint64_t id = 0; id < p->tx_count(state); id++) {
        void *tx = p->tx_get(state, id);
        if (!tx)
            continue;
        const uint8_t *buf;
        uint32_t len;
        applayer_buffer_get(env->query_buffer, state, tx, true, &buf, &len);
        json_decref(p->tx_alert_json(state, tx));
        p->log_tx(ctx, state, tx, id);
        p->tx_free(state, id);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    FuzzEnv *env = env_get();
    uint8_t mode = data[0];
    bool tcp = mode & 1;
    dns_log_configure((mode & 2) ? env->v3 : (mode & 4) ? env->filtered : NULL);
    AppLayerThread thread = {.counters = &env->counters, .eve = &env->writer};
    Flow flow;
    memset(&flow, 0, sizeof(flow));
    flow.key.proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
    Packet packet;
    memset(&packet, 0, sizeof(packet));
    void *state = app_layer_dns_parser.state_new();
    data++;
    size--;
    bool stopped = false;
    while (size >= 3 && !stopped) {
        uint8_t flags = data[0];
        size_t len = (size_t)data[1] << 8 | data[2];
        data += 3;
        size -= 3;
        bool gap = tcp && (flags & 2);
        if (!gap && len > size)
            len = size;
        bool to_server = flags & 1;
        packet.to_server = to_server;
        packet.ts_usec += 1000;
        AppLayerCtx ctx = {&thread, &flow, &packet, packet.ts_usec};
        if (!gap) {
            app_layer_dns_parser.probe(data, (uint32_t)len, to_server);
            app_layer_dns_parser.probe_tcp(data, (uint32_t)len, to_server);
        }
        uint32_t pflags = gap ? APP_FLAG_GAP : tcp ? 0 : APP_FLAG_DATAGRAM;
        stopped = app_layer_dns_parser.parse(state, &ctx, to_server, gap ? NULL : data,
                                             (uint32_t)len, pflags) != 0;
        finish_transactions(env, &ctx, state);
        if (!gap) {
            data += len;
            size -= len;
        }
    }
    app_layer_dns_parser.state_free(state);
    eve_writer_flush(&env->writer);
    return 0;
}
