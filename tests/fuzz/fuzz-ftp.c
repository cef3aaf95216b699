/*
 * fuzz-ftp.c - libFuzzer target for the FTP control parser, the expectation table and the
 * ftp-data parser.
 *
 * Input: records of [flags][2-byte big-endian length][bytes]. Flags bit 0 is the direction
 * (to the server when set); bit 1 makes the record a gap of that many bytes; bit 2 sends the
 * record to the data connection instead of the control connection (the data flow takes the
 * expectation the control connection left, if any, at its first record); bit 3 ends that
 * direction (EOF) after the record. Control records also go through the probe. Transactions
 * are logged (to /dev/null), their alert object built and freed as the framework does, and
 * the files a stream-depth truncates take that path: the file store is on with a small
 * stream-depth, writing under a temporary directory that is removed at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "applayer/app-layer-ftp.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FuzzEnv {
    EveLog *log;
    EveWriter writer;
    CounterSet counters;
    char store_dir[64];
} FuzzEnv;

static FuzzEnv env;

static void remove_store(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", env.store_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz-ftp: could not remove %s\n", env.store_dir);
}

static FuzzEnv *env_get(void)
{
    if (env.log)
        return &env;
    EveConfig cfg;
    eve_config_default(&cfg);
    snprintf(cfg.path, sizeof(cfg.path), "/dev/null");
    env.log = eve_log_open(&cfg);
    eve_writer_init(&env.writer, env.log);
    ftp_register_counters();
    counter_set_init(&env.counters);
    snprintf(env.store_dir, sizeof(env.store_dir), "/tmp/fuzz-ftp-XXXXXX");
    if (mkdtemp(env.store_dir)) {
        char yaml[256], err[256];
        snprintf(yaml, sizeof(yaml),
                 "outputs:\n  - file-store:\n      version: 2\n      enabled: yes\n"
                 "      force-filestore: yes\n      stream-depth: 3000\n      dir: %s\n",
                 env.store_dir);
        ConfNode *conf = conf_new_empty();
        conf_load_string(conf, yaml, "fuzz", err, sizeof(err));
        file_configure(conf);
        conf_free(conf);
        atexit(remove_store);
    }
    return &env;
}

static void log_all(AppLayerCtx *ctx, const AppLayerParser *p, void *state, uint64_t *logged,
                    bool ending)
{
    while (*logged < p->tx_count(state)) {
        void *tx = p->tx_get(state, *logged);
        if (tx) {
            if (!ending && !(p->tx_done(tx, true) && p->tx_done(tx, false)))
                return;
            json_decref(p->tx_alert_json(state, tx));
            p->log_tx(ctx, state, tx, *logged);
            p->tx_free(state, *logged);
        }
        (*logged)++;
    }
}

static void flow_init(Flow *f, AppLayerFlow *app, uint8_t last_octet, uint16_t sp, uint16_t dp)
{
    memset(f, 0, sizeof(*f));
    f->key.proto = IPPROTO_TCP;
    f->key.src.family = f->key.dst.family = AF_INET;
    f->key.src.addr[0] = 10;
    f->key.src.addr[3] = last_octet;
    f->key.dst.addr[0] = 10;
    f->key.dst.addr[3] = 2;
    f->key.sp = sp;
    f->key.dp = dp;
    f->app = app;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzEnv *e = env_get();
    ftp_expect_clear();
    AppLayerThread thread = {.counters = &e->counters, .eve = &e->writer};
    Flow ctrl, dflow;
    AppLayerFlow ctrl_app = {.proto = ALPROTO_FTP}, data_app = {.proto = ALPROTO_FTPDATA};
    flow_init(&ctrl, &ctrl_app, 1, 40000, 21);
    flow_init(&dflow, &data_app, 1, 40001, 0);
    Packet packet;
    memset(&packet, 0, sizeof(packet));
    const AppLayerParser *cp = &app_layer_ftp_parser, *dp = &app_layer_ftpdata_parser;
    void *cstate = cp->state_new(), *dstate = dp->state_new();
    uint64_t clogged = 0, dlogged = 0;
    bool data_started = false;
    while (size >= 3) {
        uint8_t flags = data[0];
        size_t len = (size_t)data[1] << 8 | data[2];
        data += 3;
        size -= 3;
        bool gap = flags & 2, to_data = flags & 4, to_server = flags & 1;
        if (!gap && len > size)
            len = size;
        packet.ts_usec += 1000;
        uint32_t pflags = (gap ? APP_FLAG_GAP : 0) | ((flags & 8) ? APP_FLAG_EOF : 0);
        const uint8_t *bytes = gap ? NULL : data;
        if (to_data) {
            if (!data_started) {
                /* the data connection is the one the last PORT/PASV named, either way */
                dflow.key.sp = dflow.key.dp = (uint16_t)(len ? len : 20);
                FtpExpectInfo *info = malloc(sizeof(*info));
                if (info && ftp_expect_take(&dflow, info))
                    data_app.expect = info;
                else
                    free(info);
                data_started = true;
            }
            AppLayerCtx ctx = {&thread, &dflow, &packet, packet.ts_usec};
            dp->parse(dstate, &ctx, to_server, bytes, (uint32_t)len, pflags);
            log_all(&ctx, dp, dstate, &dlogged, false);
        } else {
            AppLayerCtx ctx = {&thread, &ctrl, &packet, packet.ts_usec};
            if (!gap)
                cp->probe(data, (uint32_t)len, to_server);
            cp->parse(cstate, &ctx, to_server, bytes, (uint32_t)len, pflags);
            log_all(&ctx, cp, cstate, &clogged, false);
        }
        if (!gap) {
            data += len;
            size -= len;
        }
    }
    AppLayerCtx cctx = {&thread, &ctrl, NULL, packet.ts_usec};
    AppLayerCtx dctx = {&thread, &dflow, NULL, packet.ts_usec};
    log_all(&cctx, cp, cstate, &clogged, true);
    log_all(&dctx, dp, dstate, &dlogged, true);
    cp->state_free(cstate);
    dp->state_free(dstate);
    free(data_app.expect);
    eve_writer_flush(&e->writer);
    return 0;
}
