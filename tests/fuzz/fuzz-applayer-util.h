/*
 * fuzz-applayer-util.h - what the record-driven app-layer fuzz targets (fuzz-dns, fuzz-ftp,
 * fuzz-smb, fuzz-smtp) share: EVE to /dev/null with a writer and counters, a fake flow, the
 * input's record format, and logging and freeing transactions the way the framework does.
 *
 * Records are [flags][2-byte big-endian length][bytes]: flags bit 0 is the direction (to the
 * server when set); bit 1 makes the record a gap of `length` bytes that takes no input (where
 * the target allows gaps); the other bits are the target's own. A record longer than what is
 * left is cut there. Kept in one place so the targets' corpora stay readable by all of them.
 */
#ifndef BONGSU_FUZZ_APPLAYER_UTIL_H
#define BONGSU_FUZZ_APPLAYER_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "applayer/app-layer.h"

/* EVE output and counters of a target, set up at its first input. */
typedef struct FuzzAppEnv {
    EveLog *log;
    EveWriter writer;
    CounterSet counters;
} FuzzAppEnv;

/* True when e was set up already; else sets it up (EVE to /dev/null) and returns false, so
 * the caller does its own one-time setup after. register_counters (may be NULL) runs first:
 * a counter set is sized by the counters registered when it is made, and counter_add does
 * not check bounds. */
static bool fuzz_app_env_ready(FuzzAppEnv *e, void (*register_counters)(void))
{
    if (e->log)
        return true;
    if (register_counters)
        register_counters();
    EveConfig cfg;
    eve_config_default(&cfg);
    snprintf(cfg.path, sizeof(cfg.path), "/dev/null");
    e->log = eve_log_open(&cfg);
    eve_writer_init(&e->writer, e->log);
    counter_set_init(&e->counters);
    return false;
}

/* A flow of IP protocol ipproto, 10.0.0.client -> 10.0.0.2, carrying app. */
static void fuzz_app_flow_init(Flow *f, AppLayerFlow *app, uint8_t ipproto, uint8_t client,
                               uint16_t sp, uint16_t dp)
{
    memset(f, 0, sizeof(*f));
    f->key.proto = ipproto;
    f->key.src.family = f->key.dst.family = AF_INET;
    f->key.src.addr[0] = f->key.dst.addr[0] = 10;
    f->key.src.addr[3] = client;
    f->key.dst.addr[3] = 2;
    f->key.sp = sp;
    f->key.dp = dp;
    f->app = app;
}

typedef struct FuzzRecord {
    uint8_t flags;
    bool to_server;
    bool gap;             /* bytes is NULL, len the gap's size */
    const uint8_t *bytes;
    uint32_t len;
} FuzzRecord;

/* Takes the next record off *data / *size; false when fewer than 3 bytes are left. A gap
 * consumes only its header; with gaps_allowed false bit 1 is ignored. */
static bool fuzz_app_next_record(const uint8_t **data, size_t *size, bool gaps_allowed,
                                 FuzzRecord *r)
{
    if (*size < 3)
        return false;
    const uint8_t *d = *data;
    size_t len = (size_t)d[1] << 8 | d[2];
    *data += 3;
    *size -= 3;
    r->flags = d[0];
    r->to_server = d[0] & 1;
    r->gap = gaps_allowed && (d[0] & 2);
    if (!r->gap && len > *size)
        len = *size;
    r->len = (uint32_t)len;
    r->bytes = r->gap ? NULL : *data;
    if (!r->gap) {
        *data += len;
        *size -= len;
    }
    return true;
}

/* Which directions a transaction must have finished before it is logged mid-stream. */
typedef enum { FUZZ_TX_ANY, FUZZ_TX_REQUEST, FUZZ_TX_BOTH } FuzzTxReady;

/* Called on each transaction before it is logged (read its detection buffers, say). */
typedef void (*FuzzTxFn)(void *state, void *tx);

/* Logs and frees p's transactions from *logged on, in id order, building each one's alert
 * object as detection would; stops at the first that is not `ready` unless ending. */
static void fuzz_app_log(AppLayerCtx *ctx, const AppLayerParser *p, void *state,
                         uint64_t *logged, bool ending, FuzzTxReady ready, FuzzTxFn inspect)
{
    while (*logged < p->tx_count(state)) {
        void *tx = p->tx_get(state, *logged);
        if (tx) {
            bool done = ready == FUZZ_TX_ANY ||
                        (p->tx_done(tx, true) && (ready == FUZZ_TX_REQUEST || p->tx_done(tx, false)));
            if (!ending && !done)
                return;
            if (inspect)
                inspect(state, tx);
            if (p->tx_alert_json)
                json_decref(p->tx_alert_json(state, tx));
            p->log_tx(ctx, state, tx, *logged);
            p->tx_free(state, *logged);
        }
        (*logged)++;
    }
}

#endif
