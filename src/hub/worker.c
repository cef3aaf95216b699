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
 *   3. XACK only once the commit is durable.
 * A worker killed between 2 and 3 leaves its entries pending: another worker takes them
 * over with XAUTOCLAIM once they have been idle for --claim-idle-ms, and step 2 skips the
 * ones that were committed. A worker restarted under the same name first re-reads its own
 * pending entries (XREADGROUP from 0). A store or Redis failure rolls back, waits and
 * retries the same batch; nothing is acked that is not durably committed. Entries whose
 * `eve` field is not a valid EVE line can never be stored: they are logged and acked.
 *
 * Three threads overlap the steps, each batch passing through them in turn: the reader
 * does step 1 and checks the lines; the storer does step 2, but with an early commit
 * (hub_store_commit_early: PostgreSQL returns before the WAL flush); the acker, with its
 * own store connection, waits until that commit is durable (hub_store_durable; a commit
 * a crash lost is stored again, by the acker) and does step 3. Alone, a worker and its
 * PostgreSQL backend took turns (one waiting while the other worked, both waiting on the
 * flush), which left a tenth to a fifth of two cores idle with two workers
 * (bench/RESULTS.md). The batch slots go round in order, so entries are stored and
 * acked in the order they were read; the reader waits for a free slot, which bounds the
 * memory to SLOTS batches.
 */
#include "worker.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "common/array.h"
#include "ingest.h"
#include "reply_arena.h"
#include "stream.h"

#define RETRY_MAX_MS 5000
#define BLOCK_MS 1000
#define WAIT_TICK_MS 200 /* how often a waiting thread looks at stop_flag */
#define SLOTS 3           /* batches in flight: being read, stored, acked */

static atomic_int stop_flag; /* set by the signal handler, read by every thread */

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* One stream entry of a batch, as the reader found it. */
typedef struct {
    const char *id;     /* NULL: the reply's element was not an entry */
    const char *key;    /* idempotency key: the entry's `key` field, else its id */
    const char *sensor;
    bool ok;            /* a valid EVE line, in `line` */
    hub_line line;
} entry;

/* One batch: an entry list of an XREADGROUP or XAUTOCLAIM reply and what the reader made
 * of each entry. The arrays are kept from batch to batch. */
typedef struct {
    redisReply *reply;   /* owns the entries' strings */
    entry *entries;
    size_t n, entries_cap;
    const char **claims; /* the valid lines' keys, for hub_store_idem_claim */
    bool *fresh;         /* per claim: not stored before */
    size_t claims_cap, fresh_cap;
    bool stored;         /* committed (early): the acker checks it and acks */
    hub_commit_mark mark;
    size_t nstored, nclaims; /* events added and keys claimed by the commit */
} batch;

/* A slot goes FREE -> READ (reader) -> STORED (storer) -> FREE (acker). */
enum slot_state { SLOT_FREE, SLOT_READ, SLOT_STORED };

typedef struct {
    const hub_worker_opts *o;
    redisContext *rc;     /* the reader's connection */
    redisContext *ack_rc; /* the acker's */
    hub_reply_arena rc_arena, ack_arena; /* where their replies are built */
    hub_store *store;     /* the storer's */
    hub_store *ack_store; /* the acker's */
    char scope[300];      /* idempotency scope of this stream's entry ids */
    unsigned long long stored, duplicates; /* the acker's counts */
    unsigned long long rejected;           /* the reader's */
    pthread_mutex_t mu;
    pthread_cond_t changed;
    batch slot[SLOTS];
    enum slot_state state[SLOTS];
    unsigned next[3];     /* each thread's next slot, going round: see enum step */
    bool done[3];         /* the thread has stopped */
} worker;

enum step { READER, STORER, ACKER };

/* ---- Redis ---------------------------------------------------------------------------- */

static bool redis_connect(worker *w, redisContext **rc, hub_reply_arena *arena,
                          bool create_group)
{
    if (*rc && !(*rc)->err)
        return true;
    char host[256];
    int port;
    hub_redis_url_parse(w->o->redis_url, host, sizeof host, &port);
    if (!hub_redis_reconnect(rc, host, port))
        return false;
    hub_reply_arena_use((*rc)->reader, arena);
    if (!create_group)
        return true;
    /* The group starts at the stream's beginning, so nothing written before the first
     * worker started is skipped; BUSYGROUP (it exists) is the normal answer later. */
    redisReply *r = redisCommand(*rc, "XGROUP CREATE %s %s 0 MKSTREAM", w->o->stream,
                                 w->o->group);
    bool ok = r && (r->type != REDIS_REPLY_ERROR || strncmp(r->str, "BUSYGROUP", 9) == 0);
    if (!ok)
        hub_log("worker: XGROUP CREATE: %s", r ? r->str : (*rc)->errstr);
    hub_reply_free(r);
    return ok;
}

static void redis_drop(redisContext **rc)
{
    if (*rc)
        redisFree(*rc);
    *rc = NULL;
}

/* ---- the slots ------------------------------------------------------------------------ */

static void wait_tick(worker *w)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += WAIT_TICK_MS * 1000000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&w->changed, &w->mu, &t);
}

/* Hands thread `by`'s current slot on in state s and moves it to its next slot. */
static void slot_pass(worker *w, enum step by, enum slot_state s)
{
    pthread_mutex_lock(&w->mu);
    w->state[w->next[by]] = s;
    w->next[by] = (w->next[by] + 1) % SLOTS;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->mu);
}

/* Whether what feeds thread `by` has stopped: the thread before it, or for the reader
 * the stop signal. */
static bool upstream_done(const worker *w, enum step by)
{
    return by == READER ? stop_flag != 0 : w->done[by - 1];
}

/* Thread `by`'s next slot once it is in state `want`; NULL after a wait tick without
 * it, with *done set when it will not come (upstream_done). */
static batch *slot_wait(worker *w, enum step by, enum slot_state want, bool *done)
{
    pthread_mutex_lock(&w->mu);
    unsigned i = w->next[by];
    if (w->state[i] != want && !upstream_done(w, by))
        wait_tick(w);
    batch *b = w->state[i] == want ? &w->slot[i] : NULL;
    *done = !b && upstream_done(w, by);
    pthread_mutex_unlock(&w->mu);
    return b;
}

/* The reader's next slot once it is free; NULL when told to stop. */
static batch *slot_to_fill(worker *w)
{
    bool done = false;
    batch *b = NULL;
    while (!b && !done)
        b = slot_wait(w, READER, SLOT_FREE, &done);
    return stop_flag ? NULL : b;
}

static void step_done(worker *w, enum step by)
{
    pthread_mutex_lock(&w->mu);
    w->done[by] = true;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->mu);
}

/* Waits until every batch handed on has been acked (before re-reading this consumer's
 * pending entries, which would otherwise include the batches in flight). */
static bool slots_drained(worker *w)
{
    pthread_mutex_lock(&w->mu);
    for (;;) {
        bool busy = false;
        for (unsigned i = 0; i < SLOTS; i++)
            busy |= w->state[i] != SLOT_FREE;
        if (!busy || stop_flag)
            break;
        wait_tick(w);
    }
    pthread_mutex_unlock(&w->mu);
    return !stop_flag;
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

/* Room for n (>= 1) entries and their claims. */
static bool batch_reserve(batch *b, size_t n)
{
    entry *e = array_reserve(b->entries, sizeof *e, n, &b->entries_cap);
    if (e)
        b->entries = e;
    const char **c = e ? array_reserve(b->claims, sizeof *c, n, &b->claims_cap) : NULL;
    if (c)
        b->claims = c;
    bool *f = c ? array_reserve(b->fresh, sizeof *f, n, &b->fresh_cap) : NULL;
    if (f)
        b->fresh = f;
    return f != NULL;
}

/* Lets go of the batch's entries; the arrays stay for the next one. */
static void batch_clear(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->entries[i].ok)
            hub_line_clear(&b->entries[i].line);
    b->n = 0;
    hub_reply_free(b->reply);
    b->reply = NULL;
}

static void batch_free(batch *b)
{
    batch_clear(b);
    free(b->entries);
    free(b->claims);
    free(b->fresh);
}

/* Takes the entries (owned by reply) into b and checks each entry's line; invalid ones
 * are counted and will just be acked. */
static bool batch_parse(worker *w, batch *b, redisReply *reply, const redisReply *entries)
{
    size_t n = entries->elements;
    if (!batch_reserve(b, n)) {
        hub_reply_free(reply);
        return false;
    }
    b->reply = reply;
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = entries->element[i];
        entry *en = &b->entries[i];
        en->id = NULL;
        en->ok = false;
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
            e->element[0]->type != REDIS_REPLY_STRING)
            continue;
        en->id = e->element[0]->str;
        /* serve --redis gives entries a key that survives a resent request */
        const redisReply *key = entry_field(e->element[1], "key");
        en->key = key ? key->str : en->id;
        const redisReply *eve = entry_field(e->element[1], "eve");
        const redisReply *sensor = entry_field(e->element[1], "sensor");
        en->sensor = sensor && hub_token_name_valid(sensor->str) ? sensor->str : "unknown";
        char reason[160];
        en->ok = eve && hub_ingest_check_line(eve->str, eve->len, &en->line, reason,
                                              sizeof reason);
        if (!en->ok) {
            w->rejected++;
            hub_log("worker: entry %s dropped: %s", en->id, eve ? reason : "no eve field");
        }
    }
    return true;
}

/* One transaction on s: claim the ids, add the new events, commit; early when mark is
 * given (hub_store_commit_early). */
static hub_status batch_store(worker *w, hub_store *s, batch *b, hub_commit_mark *mark)
{
    size_t nk = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->entries[i].ok)
            b->claims[nk++] = b->entries[i].key;
    hub_status st = hub_store_begin(s);
    if (st == HUB_OK)
        st = hub_store_idem_claim(s, w->scope, b->claims, nk, b->fresh);
    int64_t now = hub_now_us();
    size_t stored = 0, k = 0;
    for (size_t i = 0; st == HUB_OK && i < b->n; i++) {
        const entry *en = &b->entries[i];
        if (!en->ok || !b->fresh[k++])
            continue;
        st = hub_store_event_add(s, en->sensor, now, &en->line.f);
        stored++;
    }
    if (st == HUB_OK)
        st = mark ? hub_store_commit_early(s, mark) : hub_store_commit(s);
    else
        hub_store_rollback(s);
    if (st == HUB_OK) {
        b->nstored = stored;
        b->nclaims = nk;
    }
    return st;
}

static bool batch_ack(worker *w, batch *b)
{
    if (!redis_connect(w, &w->ack_rc, &w->ack_arena, false))
        return false;
    const char **argv = calloc(b->n + 3, sizeof *argv);
    if (!argv)
        return false;
    int argc = 0;
    argv[argc++] = "XACK";
    argv[argc++] = w->o->stream;
    argv[argc++] = w->o->group;
    for (size_t i = 0; i < b->n; i++)
        if (b->entries[i].id)
            argv[argc++] = b->entries[i].id;
    redisReply *r = redisCommandArgv(w->ack_rc, argc, argv, NULL);
    bool ok = r && r->type == REDIS_REPLY_INTEGER;
    if (!ok) {
        hub_log("worker: XACK: %s", r ? r->str : w->ack_rc->errstr);
        redis_drop(&w->ack_rc);
    }
    hub_reply_free(r);
    free(argv);
    return ok;
}

/* Retries fn until it works or the worker is told to stop (then the entries stay
 * pending, for this worker's restart or another's XAUTOCLAIM). */
static bool with_retries(worker *w, batch *b, bool (*fn)(worker *, batch *), const char *what)
{
    unsigned wait_ms = 100;
    while (!fn(w, b)) {
        if (stop_flag)
            return false;
        hub_log("worker: %s failed; retrying in %u ms", what, wait_ms);
        usleep(wait_ms * 1000u);
        wait_ms = wait_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : wait_ms * 2;
    }
    return true;
}

static bool store_once(worker *w, batch *b)
{
    hub_status st = batch_store(w, w->store, b, &b->mark);
    if (st != HUB_OK)
        hub_log("worker: store: %s", hub_status_str(st));
    return st == HUB_OK;
}

/* Waits until the batch's early commit is durable; one that a server crash lost is
 * stored again, durably, on the acker's connection. */
static bool durable_once(worker *w, batch *b)
{
    hub_status st = hub_store_durable(w->ack_store, &b->mark);
    if (st == HUB_ERR_NOTFOUND && (st = batch_store(w, w->ack_store, b, NULL)) == HUB_OK)
        b->mark.pending = false;
    if (st != HUB_OK)
        hub_log("worker: durability check: %s", hub_status_str(st));
    return st == HUB_OK;
}

/* ---- the reader ----------------------------------------------------------------------- */

/* Hands `entries` of `reply` (which it takes) to the storer through the reader's slot;
 * false when there was no memory or the worker is stopping. */
static bool hand_over(worker *w, redisReply *reply, const redisReply *entries)
{
    batch *b = slot_to_fill(w);
    if (!b) {
        hub_reply_free(reply);
        return false;
    }
    if (!batch_parse(w, b, reply, entries))
        return false;
    slot_pass(w, READER, SLOT_READ);
    return true;
}

/* XREADGROUP from `from` (">" new entries, "0" this consumer's pending ones). Returns the
 * number of entries handed over, -1 on a Redis error. */
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
        hub_reply_free(r);
        return -1;
    }
    /* [[stream, [entries...]]] or nil when the block timed out */
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 || r->element[0]->elements != 2 ||
        r->element[0]->element[1]->elements == 0) {
        hub_reply_free(r);
        return 0;
    }
    const redisReply *entries = r->element[0]->element[1];
    long n = (long)entries->elements;
    return hand_over(w, r, entries) ? n : -1;
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
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
            hub_log("worker: XAUTOCLAIM: %s", r && r->str ? r->str : w->rc->errstr);
            hub_reply_free(r);
            return false;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        size_t n = r->element[1]->elements;
        if (n)
            hub_log("worker %s: reclaimed %zu entries idle over %u ms", w->o->name, n,
                    w->o->claim_idle_ms);
        bool ok = n ? hand_over(w, r, r->element[1]) : (hub_reply_free(r), true);
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

/* One pass: own pending entries until none, reclaim when due, then new entries. */
static void *reader_main(void *arg)
{
    worker *w = arg;
    bool own_pending = true; /* after a (re)connect: what we were given but did not ack */
    int64_t next_claim = 0;
    while (!stop_flag) {
        if (!redis_connect(w, &w->rc, &w->rc_arena, true)) {
            sleep(1);
            own_pending = true;
            continue;
        }
        long n = 0;
        if (own_pending && slots_drained(w) && (n = read_group(w, "0", 0)) == 0)
            own_pending = false;
        if (!own_pending && mono_ms() >= next_claim) {
            if (!autoclaim(w))
                n = -1;
            next_claim = mono_ms() + w->o->claim_idle_ms / 2;
        }
        if (!own_pending && n >= 0)
            n = read_group(w, ">", BLOCK_MS);
        if (n < 0) {
            redis_drop(&w->rc);
            own_pending = true;
            usleep(200 * 1000);
        }
    }
    step_done(w, READER);
    return NULL;
}

/* ---- the storer ----------------------------------------------------------------------- */

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

/* Stores the reader's batches in order until it is done. After a stop, the batches not
 * yet stored stay pending in Redis. */
static void *storer_main(void *arg)
{
    worker *w = arg;
    int64_t next_retention = 0;
    for (;;) {
        if (mono_ms() >= next_retention) {
            apply_retention(w);
            next_retention = mono_ms() + 3600 * 1000;
        }
        bool done;
        batch *b = slot_wait(w, STORER, SLOT_READ, &done);
        if (done)
            break;
        if (!b)
            continue;
        b->stored = !stop_flag && with_retries(w, b, store_once, "store");
        slot_pass(w, STORER, SLOT_STORED);
    }
    step_done(w, STORER);
    return NULL;
}

/* ---- the acker ------------------------------------------------------------------------ */

/* Acks the stored batches in order, each once its commit is durable, until the storer
 * is done. */
static void ack_batches(worker *w)
{
    for (;;) {
        bool done;
        batch *b = slot_wait(w, ACKER, SLOT_STORED, &done);
        if (done)
            break;
        if (!b)
            continue;
        if (b->stored && with_retries(w, b, durable_once, "durability check") &&
            with_retries(w, b, batch_ack, "XACK")) {
            w->stored += b->nstored;
            w->duplicates += b->nclaims - b->nstored;
        }
        batch_clear(b);
        slot_pass(w, ACKER, SLOT_FREE);
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
    if (hub_store_open(o->db_path, &w.ack_store) != HUB_OK) {
        hub_store_close(w.store);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.changed, NULL);
    hub_log("worker %s: %s group %s -> %s", o->name, o->stream, o->group,
            hub_store_is_pg(o->db_path) ? "PostgreSQL" : o->db_path);
    pthread_t reader, storer;
    int rc = 0;
    if (pthread_create(&reader, NULL, reader_main, &w) != 0) {
        hub_log("worker: cannot start the reader thread");
        rc = 1;
    } else {
        if (pthread_create(&storer, NULL, storer_main, &w) != 0) {
            hub_log("worker: cannot start the storer thread");
            stop_flag = 1;
            step_done(&w, STORER);
            rc = 1;
        }
        ack_batches(&w);
        pthread_join(reader, NULL);
        if (rc == 0)
            pthread_join(storer, NULL);
    }
    hub_log("worker %s: stored %llu, duplicates skipped %llu, rejected %llu", o->name,
            w.stored, w.duplicates, w.rejected);
    for (int i = 0; i < SLOTS; i++)
        batch_free(&w.slot[i]);
    redis_drop(&w.rc);
    redis_drop(&w.ack_rc);
    hub_store_close(w.ack_store);
    hub_store_close(w.store);
    pthread_cond_destroy(&w.changed);
    pthread_mutex_destroy(&w.mu);
    return rc;
}
