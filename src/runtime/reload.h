/*
 * reload.h - replacing the indicator store while capture goes on (SIGHUP).
 *
 * The new store is built in a background thread, so capture never waits for a feed to
 * load. When it is ready, the capture thread sends every worker a message in its packet
 * queue; each worker switches between two packets and acknowledges. Once every worker has
 * switched, the old store is freed: two stores exist only while the new one loads and for
 * the moment the workers take to switch, never longer.
 */
#ifndef BONGSU_RELOAD_H
#define BONGSU_RELOAD_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

struct IntelStore;
struct Worker;

/* Builds a new store from the same feeds (NULL when loading failed: the old one stays). */
typedef struct IntelStore *(*IntelReloadFn)(void *ud);

extern volatile sig_atomic_t engine_reload_requested;

typedef struct Reloader {
    IntelReloadFn build;
    void *ud;
    struct IntelStore **slot;     /* the store in use; its owner frees it at the end */
    pthread_t thread;
    bool building;
    atomic_bool built;
    struct IntelStore *fresh;     /* built, not yet handed out */
    struct IntelStore *retiring;  /* replaced, freed once every worker acknowledged */
    atomic_int acks;
    int ack_target;
} Reloader;

void reloader_init(Reloader *r, IntelReloadFn build, void *ud, struct IntelStore **slot);
/* From the capture loop, between packets. */
void reloader_poll(Reloader *r, struct Worker *workers, int worker_count, bool threaded);
/* At the end of the run, after the workers stopped. */
void reloader_finish(Reloader *r);

#endif
