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

#include "applayer/app-layer-ftp.h"
#include "config/config.h"

#include "fuzz-applayer-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FuzzAppEnv env;
static char store_dir[64];

static void remove_store(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz-ftp: could not remove %s\n", store_dir);
}

static FuzzAppEnv *env_get(void)
{
    if (fuzz_app_env_ready(&env, ftp_register_counters))
        return &env;
    snprintf(store_dir, sizeof(store_dir), "/tmp/fuzz-ftp-XXXXXX");
    if (mkdtemp(store_dir)) {
        char yaml[256], err[256];
        snprintf(yaml, sizeof(yaml),
                 "outputs:\n  - file-store:\n      version: 2\n      enabled: yes\n"
                 "      force-filestore: yes\n      stream-depth: 3000\n      dir: %s\n",
                 store_dir);
        ConfNode *conf = conf_new_empty();
        conf_load_string(conf, yaml, "fuzz", err, sizeof(err));
        file_configure(conf);
        conf_free(conf);
        atexit(remove_store);
    }
    return &env;
}

/* The data connection takes the expectation the control connection left (the last
 * PORT/PASV), whichever port it named: the first data record's length stands for it. */
static void data_flow_start(Flow *dflow, AppLayerFlow *data_app, uint32_t len)
{
    dflow->key.sp = dflow->key.dp = (uint16_t)(len ? len : 20);
    FtpExpectInfo *info = malloc(sizeof(*info));
    if (info && ftp_expect_take(dflow, info))
        data_app->expect = info;
    else
        free(info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzAppEnv *e = env_get();
    ftp_expect_clear();
    AppLayerThread thread = {.counters = &e->counters, .eve = &e->writer};
    Flow ctrl, dflow;
    AppLayerFlow ctrl_app = {.proto = ALPROTO_FTP}, data_app = {.proto = ALPROTO_FTPDATA};
    fuzz_app_flow_init(&ctrl, &ctrl_app, IPPROTO_TCP, 1, 40000, 21);
    fuzz_app_flow_init(&dflow, &data_app, IPPROTO_TCP, 1, 40001, 0);
    Packet packet;
    memset(&packet, 0, sizeof(packet));
    const AppLayerParser *cp = &app_layer_ftp_parser, *dp = &app_layer_ftpdata_parser;
    void *cstate = cp->state_new(), *dstate = dp->state_new();
    uint64_t clogged = 0, dlogged = 0;
    bool data_started = false;
    FuzzRecord r;
    while (fuzz_app_next_record(&data, &size, true, &r)) {
        packet.ts_usec += 1000;
        uint32_t pflags = (r.gap ? APP_FLAG_GAP : 0) | ((r.flags & 8) ? APP_FLAG_EOF : 0);
        if (r.flags & 4) {
            if (!data_started)
                data_flow_start(&dflow, &data_app, r.len);
            data_started = true;
            AppLayerCtx ctx = {&thread, &dflow, &packet, packet.ts_usec};
            dp->parse(dstate, &ctx, r.to_server, r.bytes, r.len, pflags);
            fuzz_app_log(&ctx, dp, dstate, &dlogged, false, FUZZ_TX_BOTH, NULL);
        } else {
            AppLayerCtx ctx = {&thread, &ctrl, &packet, packet.ts_usec};
            if (!r.gap)
                cp->probe(r.bytes, r.len, r.to_server);
            cp->parse(cstate, &ctx, r.to_server, r.bytes, r.len, pflags);
            fuzz_app_log(&ctx, cp, cstate, &clogged, false, FUZZ_TX_BOTH, NULL);
        }
    }
    AppLayerCtx cctx = {&thread, &ctrl, NULL, packet.ts_usec};
    AppLayerCtx dctx = {&thread, &dflow, NULL, packet.ts_usec};
    fuzz_app_log(&cctx, cp, cstate, &clogged, true, FUZZ_TX_BOTH, NULL);
    fuzz_app_log(&dctx, dp, dstate, &dlogged, true, FUZZ_TX_BOTH, NULL);
    cp->state_free(cstate);
    dp->state_free(dstate);
    free(data_app.expect);
    eve_writer_flush(&e->writer);
    return 0;
}
