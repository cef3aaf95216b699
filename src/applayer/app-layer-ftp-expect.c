/*
 * app-layer-ftp-expect.c - the table of FTP data connections the control parser announced.
 *
 * The control and data connections are different flows, so in workers mode they usually
 * live on different workers: the table is shared, behind one mutex. It is small and fixed
 * (FTP_EXPECT_MAX entries, no allocation), entries expire after FTP_EXPECT_TIMEOUT_USEC of
 * packet time, and when it is full the oldest entry is replaced and ftp.memcap counted by
 * the caller. An entry is met once: the data flow takes it. Every new TCP flow asks the
 * table before protocol detection, so an empty table is answered without the lock.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-ftp.h"
#include "applayer/app-layer-internal.h"

typedef struct FtpExpectation {
    bool used;
    Address client, server;       /* the data connection's ends */
    uint16_t port;                /* the server end's port */
    uint64_t added_usec;
    FtpExpectInfo info;
} FtpExpectation;

static FtpExpectation table[FTP_EXPECT_MAX];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint table_used;

static bool addr_eq(const Address *a, const Address *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static void entry_drop(FtpExpectation *e)
{
    e->used = false;
    atomic_fetch_sub(&table_used, 1);
}

/* A free slot (expired entries are freed on the way), else the oldest entry. */
static FtpExpectation *slot_for(uint64_t now_usec, bool *evicted)
{
    FtpExpectation *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < FTP_EXPECT_MAX; i++) {
        FtpExpectation *e = &table[i];
        if (e->used && now_usec > e->added_usec + FTP_EXPECT_TIMEOUT_USEC)
            entry_drop(e);
        if (!e->used) {
            free_slot = free_slot ? free_slot : e;
            continue;
        }
        if (!oldest || e->added_usec < oldest->added_usec)
            oldest = e;
    }
    *evicted = !free_slot;
    if (free_slot)
        return free_slot;
    entry_drop(oldest);
    return oldest;
}

bool ftp_expect_add(const Address *client, const Address *server, uint16_t port,
                    const FtpExpectInfo *info, uint64_t now_usec)
{
    bool evicted;
    pthread_mutex_lock(&table_lock);
    FtpExpectation *e = slot_for(now_usec, &evicted);
    e->client = *client;
    e->server = *server;
    e->port = port;
    e->added_usec = now_usec;
    e->info = *info;
    e->used = true;
    atomic_fetch_add(&table_used, 1);
    pthread_mutex_unlock(&table_lock);
    return !evicted;
}

/* The flow as keyed (client first), or turned round (picked up from the server's side). */
static bool entry_matches(const FtpExpectation *e, const FlowKey *k)
{
    if (addr_eq(&e->client, &k->src) && addr_eq(&e->server, &k->dst) && e->port == k->dp)
        return true;
    return addr_eq(&e->client, &k->dst) && addr_eq(&e->server, &k->src) && e->port == k->sp;
}

static bool take_locked(const Flow *f, FtpExpectInfo *out)
{
    for (size_t i = 0; i < FTP_EXPECT_MAX; i++) {
        FtpExpectation *e = &table[i];
        if (!e->used || !entry_matches(e, &f->key))
            continue;
        if (out)
            *out = e->info;
        entry_drop(e);
        return true;
    }
    return false;
}

bool ftp_expect_take(const Flow *f, FtpExpectInfo *out)
{
    if (atomic_load(&table_used) == 0)
        return false;
    pthread_mutex_lock(&table_lock);
    bool found = take_locked(f, out);
    pthread_mutex_unlock(&table_lock);
    return found;
}

void ftp_expect_clear(void)
{
    pthread_mutex_lock(&table_lock);
    memset(table, 0, sizeof(table));
    atomic_store(&table_used, 0);
    pthread_mutex_unlock(&table_lock);
}

/* Protocol detection's question (app-layer-internal.h): a TCP flow an FTP control
 * connection announced is ftp-data. The entry is taken here and handed to the parser
 * through the flow's app-layer state (AppLayerFlow.expect), so the two cannot disagree. */
AppProto applayer_expectation(Flow *f)
{
    if (f->key.proto != IPPROTO_TCP || atomic_load(&table_used) == 0)
        return ALPROTO_UNKNOWN;
    FtpExpectInfo *info = malloc(sizeof(*info));
    if (!info)
        return ALPROTO_UNKNOWN;
    if (!ftp_expect_take(f, info)) {
        free(info);
        return ALPROTO_UNKNOWN;
    }
    free(f->app->expect);
    f->app->expect = info;
    return ALPROTO_FTPDATA;
}
