/*
 * reload.c - background rebuild and hand-over of the indicator store (see reload.h).
 */
#include "runtime/reload.h"

#include "common/log.h"
#include "intel/intel-match.h"
#include "runtime/worker.h"

volatile sig_atomic_t engine_reload_requested;

void reloader_init(Reloader *r, IntelReloadFn build, void *ud, struct IntelStore **slot)
{
    *r = (Reloader){.build = build, .ud = ud, .slot = slot};
    atomic_init(&r->built, false);
    atomic_init(&r->acks, 0);
}

static void *build_main(void *arg)
{
    Reloader *r = arg;
    r->fresh = r->build(r->ud);
    atomic_store(&r->built, true);
    return NULL;
}

static void start_build(Reloader *r)
{
    engine_reload_requested = 0;
    if (r->building || r->retiring || !r->build || !r->slot || !*r->slot)
        return;
    log_notice("reloading threat intelligence");
    atomic_store(&r->built, false);
    r->building = pthread_create(&r->thread, NULL, build_main, r) == 0;
}

static void hand_over(Reloader *r, Worker *workers, int count, bool threaded)
{
    pthread_join(r->thread, NULL);
    r->building = false;
    if (!r->fresh) {
        log_warning("threat intelligence reload failed; keeping the loaded indicators");
        return;
    }
    r->retiring = *r->slot;
    *r->slot = r->fresh;
    r->fresh = NULL;
    atomic_store(&r->acks, 0);
    r->ack_target = count;
    for (int i = 0; i < count; i++) {
        if (threaded) {
            worker_post(&workers[i], (WorkerMsg){.kind = WORKER_MSG_INTEL, .ptr = *r->slot,
                                                 .ack = &r->acks});
        } else {
            intel_thread_set_store(workers[i].intel, *r->slot);
            atomic_fetch_add(&r->acks, 1);
        }
    }
    log_notice("threat intelligence reloaded: %u indicators", intel_store_count(*r->slot));
}

void reloader_poll(Reloader *r, Worker *workers, int worker_count, bool threaded)
{
    if (engine_reload_requested)
        start_build(r);
    if (r->building && atomic_load(&r->built))
        hand_over(r, workers, worker_count, threaded);
    if (r->retiring && atomic_load(&r->acks) >= r->ack_target) {
        intel_store_free(r->retiring);
        r->retiring = NULL;
    }
}

void reloader_finish(Reloader *r)
{
    if (r->building) {
        pthread_join(r->thread, NULL);
        intel_store_free(r->fresh);
        r->building = false;
    }
    intel_store_free(r->retiring);
    r->retiring = NULL;
}
