/*
 * sqlite_ckpt.c — WAL checkpoints of the hub's SQLite database on a thread of their own.
 *
 * SQLite's autocheckpoint runs inside the COMMIT of whichever connection crossed the WAL
 * limit: the batch that happens to do so waits for 32 MiB of WAL to be copied into the
 * database and for the database's fsync before its reply, and the server's single
 * writer connection (server.c) could not even run it after releasing the write lock, as
 * the pooled handles did, because the next batch's thread already owns that connection.
 * So the committing thread only notes the WAL's length and wakes this thread, which
 * checkpoints through its own connection while the writer goes on committing (WAL lets
 * a checkpoint and a writer run at once).
 *
 * A checkpoint is two PASSIVE passes (they never wait for readers or the writer). The
 * first copies the WAL while the writer goes on. The writer only starts the WAL file over
 * from its beginning when everything in it has been copied, which the first pass never
 * achieves while batches keep coming: the file then grew past its limit, was truncated
 * and grew again, and writing into fresh file pages cost more kernel time per event than
 * the checkpoint saved (perf: pwrite, page allocation, ftruncate). So the second pass
 * runs under the process's write lock, between two batches, and copies the few frames
 * the first could not: the next commit then writes over the start of the same, cached,
 * file. It holds the writer for one batch's pages, not for the whole WAL.
 * Readers can still keep frames from being copied; a long query arriving at the wrong
 * moment, again and again, could keep the WAL growing. Past HUB_CKPT_BOUND times the
 * checkpoint length the second pass is a RESTART (waits for readers up to the busy
 * timeout, holding new writers back), so the WAL stays bounded.
 *
 * Durability is unchanged: commits are fsync'd to the WAL (synchronous=FULL) before any
 * 2xx; a checkpoint only moves already-durable pages, and fsyncs the database before it
 * lets the WAL be reused (this connection is synchronous=FULL too).
 */
#include "sqlite_ckpt.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"

#define HUB_CKPT_BOUND 8 /* RESTART once the WAL is this many checkpoint lengths long */

struct sq_ckpt {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool due, stop, failed;
    int wal_pages; /* the WAL's length at the last commit that asked for a checkpoint */
    int ckpt_pages;
    char *path;
    pthread_mutex_t *write_mu; /* the process's write lock, or NULL */
};

static sqlite3 *ckpt_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
        hub_log("store: checkpoint connection: %s", db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* Waits for a request; false once asked to stop. */
static bool ckpt_wait(sq_ckpt *c, int *wal_pages)
{
    pthread_mutex_lock(&c->mu);
    while (!c->due && !c->stop)
        pthread_cond_wait(&c->cv, &c->mu);
    bool go = !c->stop;
    c->due = false;
    *wal_pages = c->wal_pages;
    pthread_mutex_unlock(&c->mu);
    return go;
}

static void checkpoint(sqlite3 *db, int mode)
{
    int rc = sqlite3_wal_checkpoint_v2(db, NULL, mode, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        hub_log("store: checkpoint: %s", sqlite3_errmsg(db));
}

static void *ckpt_main(void *arg)
{
    sq_ckpt *c = arg;
    sqlite3 *db = ckpt_open(c->path);
    if (!db) {
        pthread_mutex_lock(&c->mu);
        c->failed = true; /* sq_ckpt_kick tells the writer to checkpoint itself */
        pthread_mutex_unlock(&c->mu);
        return NULL;
    }
    int wal_pages;
    while (ckpt_wait(c, &wal_pages)) {
        checkpoint(db, SQLITE_CHECKPOINT_PASSIVE);
        if (c->write_mu)
            pthread_mutex_lock(c->write_mu);
        checkpoint(db, wal_pages >= HUB_CKPT_BOUND * c->ckpt_pages ? SQLITE_CHECKPOINT_RESTART
                                                                  : SQLITE_CHECKPOINT_PASSIVE);
        if (c->write_mu)
            pthread_mutex_unlock(c->write_mu);
    }
    sqlite3_close(db);
    return NULL;
}

sq_ckpt *sq_ckpt_start(const char *path, int ckpt_pages, pthread_mutex_t *write_mu)
{
    if (!path || !*path) /* an in-memory or temporary database: nothing to share */
        return NULL;
    sq_ckpt *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path))) {
        free(c);
        return NULL;
    }
    c->ckpt_pages = ckpt_pages;
    c->write_mu = write_mu;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->th, NULL, ckpt_main, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        free(c->path);
        free(c);
        return NULL;
    }
    return c;
}

bool sq_ckpt_kick(sq_ckpt *c, int wal_pages)
{
    pthread_mutex_lock(&c->mu);
    bool ok = !c->failed;
    c->due = true;
    c->wal_pages = wal_pages;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return ok;
}

void sq_ckpt_stop(sq_ckpt *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->path);
    free(c);
}
