/*
 * worker.c — a hub worker: one consumer of a Redis Streams consumer group that stores
 * what sensors (filetype: redis, mode: stream) or `serve --redis` put on the stream.
 *
 * Any number of workers share a stream; Redis hands each entry to one of them. The
 * guarantees come from the order of three steps per batch:
 *   1. XREADGROUP delivers entries; they stay in the group's pending list (PEL) until acked;
 *   2. the batch is written to the store in one transaction, each entry claimed by its
 *      stream id (hub_store_idem_claim), so an entry delivered twice is stored once
 *      (entries from `serve --redis` carry a `key` field, claimed instead: it also covers
 *      a sensor's request that was retried and reached the stream twice);
 *   3. XACK only after the commit returned.
 * A worker killed between 2 and 3 leaves its entries pending: another worker takes them
 * over with XAUTOCLAIM once they have been idle for --claim-idle-ms, and step 2 skips the
 * ones that were committed. A worker restarted under the same name first re-reads its own
 * pending entries (XREADGROUP from 0). A store or Redis failure rolls back, waits and
 * retries the same batch; nothing is acked that is not committed. Entries whose `eve`
 * field is not a valid EVE line can never be stored: they are logged and acked.
 */
#include "worker.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "ingest.h"
#include "stream.h"

#define RETRY_MAX_MS 5000
#define BLOCK_MS 1000

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct {
    const hub_worker_opts *o;
    redisContext *rc;
    hub_store *store;
    char scope[300];         /* idempotency scope of this stream's entry ids */
    unsigned long long stored, duplicates, rejected;
} worker;

/* ---- Redis ---------------------------------------------------------------------------- */

static bool redis_connect(worker *w)
{
    if (w->rc && !w->rc->err)
        return true;
    char host[256];
    int port;
    hub_redis_url_parse(w->o->redis_url, host, sizeof host, &port);
    if (!hub_redis_reconnect(&w->rc, host, port))
        return false;
    /* The group starts at the stream's beginning, so nothing written before the first
     * worker started is skipped; BUSYGROUP (it exists) is the normal answer later. */
    redisReply *r = redisCommand(w->rc, "XGROUP CREATE %s %s 0 MKSTREAM", w->o->stream,
                                 w->o->group);
    bool ok = r && (r->type != REDIS_REPLY_ERROR || strncmp(r->str, "BUSYGROUP", 9) == 0);
    if (!ok)
        hub_log("worker: XGROUP CREATE: %s", r ? r->str : w->rc->errstr);
    freeReplyObject(r);
    return ok;
}

static void redis_drop(worker *w)
{
    if (w->rc)
        redisFree(w->rc);
    w->rc = NULL;
}

/* ---- one batch ------------------------------------------------------------------------ */

/* A field of an entry's flat [name, value, ...] array, or NULL. */
static const redisReply *entry_field(const redisReply *fields, const char *name)
{
    if (!fields || fields->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (fields->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(fields->element[i]->str, name) == 0 &&
            fields->element[i + 1]->type == REDIS_REPLY_STRING)
            return fields->element[i + 1];
    return NULL;
}

typedef struct {
    size_t n;
    const char **ids;
    const char **keys; /* idempotency key: the entry's `key` field, else its id */
    hub_line *lines;
    const char **sensors;
    bool *ok;    /* a valid EVE line */
    bool *fresh; /* not stored before */
} batch;

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->ok[i])
            hub_line_clear(&b->lines[i]);
    free(b->ids);
    free(b->keys);
    free(b->lines);
    free(b->sensors);
    free(b->ok);
    free(b->fresh);
}

/* Checks each entry's line; invalid ones are counted and will just be acked. */
static bool batch_parse(worker *w, const redisReply *entries, batch *b)
{
    size_t n = entries->elements;
    b->n = n;
    b->ids = calloc(n, sizeof *b->ids);
    b->keys = calloc(n, sizeof *b->keys);
    b->lines = calloc(n, sizeof *b->lines);
    b->sensors = calloc(n, sizeof *b->sensors);
    b->ok = calloc(n, sizeof *b->ok);
    b->fresh = calloc(n, sizeof *b->fresh);
    if (!b->ids || !b->keys || !b->lines || !b->sensors || !b->ok || !b->fresh)
        return false;
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
            e->element[0]->type != REDIS_REPLY_STRING)
            continue;
        b->ids[i] = e->element[0]->str;
        /* serve --redis gives entries a key that survives a resent request */
        const redisReply *key = entry_field(e->element[1], "key");
        b->keys[i] = key ? key->str : b->ids[i];
        const redisReply *eve = entry_field(e->element[1], "eve");
        const redisReply *sensor = entry_field(e->element[1], "sensor");
        b->sensors[i] = sensor && hub_token_name_valid(sensor->str) ? sensor->str : "unknown";
        char reason[160];
        b->ok[i] = eve && hub_ingest_check_line(eve->str, eve->len, &b->lines[i], reason,
                                                sizeof reason);
        if (!b->ok[i]) {
            w->rejected++;
            hub_log("worker: entry %s dropped: %s", b->ids[i], eve ? reason : "no eve field");
        }
    }
    return true;
}

/* One transaction: claim the ids, add the new events, commit. */
static hub_status batch_store(worker *w, batch *b)
{
    const char **keys = calloc(b->n ? b->n : 1, sizeof *keys);
    if (!keys)
        return HUB_ERR_NOMEM;
    size_t nk = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->ok[i])
            keys[nk++] = b->keys[i];
    bool *fresh = calloc(nk ? nk : 1, sizeof *fresh);
    hub_status st = fresh ? hub_store_begin(w->store) : HUB_ERR_NOMEM;
    if (st == HUB_OK)
        st = hub_store_idem_claim(w->store, w->scope, keys, nk, fresh);
    int64_t now = hub_now_us();
    size_t stored = 0, k = 0;
    for (size_t i = 0; st == HUB_OK && i < b->n; i++) {
        if (!b->ok[i] || !fresh[k++])
            continue;
        st = hub_store_event_add(w->store, b->sensors[i], now, &b->lines[i].f);
        stored++;
    }
    if (st == HUB_OK)
        st = hub_store_commit(w->store);
    else if (fresh)
        hub_store_rollback(w->store);
    if (st == HUB_OK) {
        w->stored += stored;
        w->duplicates += nk - stored;
    }
    free(keys);
    free(fresh);
    return st;
}

static bool batch_ack(worker *w, const batch *b)
{
    const char **argv = calloc(b->n + 3, sizeof *argv);
    if (!argv)
        return false;
    int argc = 0;
    argv[argc++] = "XACK";
    argv[argc++] = w->o->stream;
    argv[argc++] = w->o->group;
    for (size_t i = 0; i < b->n; i++)
        if (b->ids[i])
            argv[argc++] = b->ids[i];
    redisReply *r = redisCommandArgv(w->rc, argc, argv, NULL);
    bool ok = r && r->type == REDIS_REPLY_INTEGER;
    if (!ok)
        hub_log("worker: XACK: %s", r ? r->str : w->rc->errstr);
    freeReplyObject(r);
    free(argv);
    return ok;
}

/* Stores and acks entries (an XREADGROUP or XAUTOCLAIM entry list); retries the store
 * until it works or the worker is told to stop (then the entries stay pending). */
static bool handle_entries(worker *w, const redisReply *entries)
{
    if (!entries || entries->type != REDIS_REPLY_ARRAY || entries->elements == 0)
        return true;
    batch b = {0};
    bool ok = batch_parse(w, entries, &b);
    unsigned wait_ms = 100;
    hub_status st = HUB_ERR_NOMEM;
    while (ok && (st = batch_store(w, &b)) != HUB_OK && !stop_flag) {
        hub_log("worker: store failed (%s); retrying in %u ms", hub_status_str(st), wait_ms);
        usleep(wait_ms * 1000u);
        wait_ms = wait_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : wait_ms * 2;
    }
    ok = ok && st == HUB_OK && batch_ack(w, &b);
    batch_free(&b);
    return ok;
}

/* ---- the loop ------------------------------------------------------------------------- */

/* XREADGROUP from `from` (">" new entries, "0" this consumer's pending ones). Returns the
 * number of entries handled, -1 on a Redis error. */
static long read_group(worker *w, const char *from, unsigned block_ms)
{
    char count[16], block[16];
    snprintf(count, sizeof count, "%u", w->o->batch);
    snprintf(block, sizeof block, "%u", block_ms);
    const char *argv[] = {"XREADGROUP", "GROUP", w->o->group, w->o->name, "COUNT", count,
                          "STREAMS", w->o->stream, from, NULL, NULL};
    int argc = 9;
    if (block_ms) { /* BLOCK 0 would wait forever */
        memmove(argv + 8, argv + 6, 3 * sizeof *argv);
        argv[6] = "BLOCK";
        argv[7] = block;
        argc = 11;
    }
    redisReply *r = redisCommandArgv(w->rc, argc, argv, NULL);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        hub_log("worker: XREADGROUP: %s", r ? r->str : w->rc->errstr);
        freeReplyObject(r);
        return -1;
    }
    long n = 0;
    /* [[stream, [entries...]]] or nil when the block timed out */
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 2) {
        const redisReply *entries = r->element[0]->element[1];
        n = (long)entries->elements;
        if (!handle_entries(w, entries))
            n = -1;
    }
    freeReplyObject(r);
    return n;
}

/* Takes over entries other consumers left pending longer than claim_idle_ms. */
static bool autoclaim(worker *w)
{
    char idle[16], count[16], cursor[64] = "0-0";
    snprintf(idle, sizeof idle, "%u", w->o->claim_idle_ms);
    snprintf(count, sizeof count, "%u", w->o->batch);
    do {
        const char *argv[] = {"XAUTOCLAIM", w->o->stream, w->o->group, w->o->name, idle,
                              cursor, "COUNT", count};
        redisReply *r = redisCommandArgv(w->rc, 8, argv, NULL);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 2) {
            hub_log("worker: XAUTOCLAIM: %s", r && r->str ? r->str : w->rc->errstr);
            freeReplyObject(r);
            return false;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        if (r->element[1]->elements)
            hub_log("worker %s: reclaimed %zu entries idle over %u ms", w->o->name,
                    r->element[1]->elements, w->o->claim_idle_ms);
        bool ok = handle_entries(w, r->element[1]);
        freeReplyObject(r);
        if (!ok)
            return false;
    } while (strcmp(cursor, "0-0") != 0 && !stop_flag);
    return true;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void apply_retention(worker *w)
{
    if (!w->o->retention_days)
        return;
    int64_t dropped = 0;
    int64_t cutoff = hub_now_us() - (int64_t)w->o->retention_days * 86400 * INT64_C(1000000);
    if (hub_store_retain(w->store, cutoff, &dropped) == HUB_OK && dropped)
        hub_log("worker: retention removed %lld (days older than %u)", (long long)dropped,
                w->o->retention_days);
}

/* One pass: own pending entries until none, reclaim when due, then new entries. */
static void work(worker *w)
{
    bool own_pending = true; /* after a (re)connect: what we were given but did not ack */
    int64_t next_claim = 0, next_retention = 0;
    while (!stop_flag) {
        if (!redis_connect(w)) {
            sleep(1);
            own_pending = true;
            continue;
        }
        long n = 0;
        if (own_pending && (n = read_group(w, "0", 0)) == 0)
            own_pending = false;
        if (!own_pending && mono_ms() >= next_claim) {
            if (!autoclaim(w))
                n = -1;
            next_claim = mono_ms() + w->o->claim_idle_ms / 2;
        }
        if (!own_pending && n >= 0)
            n = read_group(w, ">", BLOCK_MS);
        if (mono_ms() >= next_retention) {
            apply_retention(w);
            next_retention = mono_ms() + 3600 * 1000;
        }
        if (n < 0) {
            redis_drop(w);
            own_pending = true;
            usleep(200 * 1000);
        }
    }
}

int hub_worker_run(const hub_worker_opts *o)
{
    char host[256];
    int port;
    if (!hub_redis_url_parse(o->redis_url, host, sizeof host, &port)) {
        fprintf(stderr, "bongsu-hub worker: --redis wants redis://HOST:PORT\n");
        return 2;
    }
    worker w = {.o = o};
    snprintf(w.scope, sizeof w.scope, "stream:%s", o->stream);
    if (hub_store_open(o->db_path, &w.store) != HUB_OK)
        return 1;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    hub_log("worker %s: %s group %s -> %s", o->name, o->stream, o->group,
            hub_store_is_pg(o->db_path) ? "PostgreSQL" : o->db_path);
    work(&w);
    hub_log("worker %s: stored %llu, duplicates skipped %llu, rejected %llu", o->name,
            w.stored, w.duplicates, w.rejected);
    redis_drop(&w);
    hub_store_close(w.store);
    return 0;
}
