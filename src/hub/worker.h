/*
 * worker.h — `bongsu-hub worker`: moves events from a Redis stream into the store.
 */
#ifndef BONGSU_HUB_WORKER_H
#define BONGSU_HUB_WORKER_H

#include "hub.h"

typedef struct {
    const char *redis_url;  /* redis://127.0.0.1:6379 */
    const char *stream;     /* bongsu:events */
    const char *group;      /* hub */
    const char *name;       /* this consumer, unique per worker: w1 */
    const char *db_path;    /* SQLite file or PostgreSQL URL */
    unsigned batch;         /* entries per XREADGROUP / transaction */
    unsigned claim_idle_ms; /* reclaim other consumers' entries pending this long */
    unsigned retention_days; /* 0: keep everything */
} hub_worker_opts;

/* Runs until SIGINT or SIGTERM. Returns a process exit status. */
int hub_worker_run(const hub_worker_opts *o);

#endif
