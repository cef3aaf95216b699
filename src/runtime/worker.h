/*
 * worker.h - a worker: the per-thread half of the pipeline (flow, and later stream, app-layer,
 * detection) plus the queue that feeds it.
 *
 * The queue carries packets and control messages in order. A TICK says "packet time is now T"
 * and makes the worker expire flows, so timeouts are driven by the traffic, not the clock.
 * The capture side batches messages per worker to take the queue lock once per batch.
 */
#ifndef BONGSU_WORKER_H
#define BONGSU_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

#include "applayer/app-layer.h"
#include "common/counters.h"
#include "decode/packet-pool.h"
#include "flow/flow.h"
#include "output/eve.h"
#include "stream/stream-tcp.h"

typedef enum WorkerMsgKind {
    WORKER_MSG_PACKET,
    WORKER_MSG_TICK,
    WORKER_MSG_STOP,
    WORKER_MSG_INTEL,  /* switch to the indicator store in ptr, then increment *ack */
} WorkerMsgKind;

typedef struct WorkerMsg {
    WorkerMsgKind kind;
    Packet *packet;
    uint64_t ts_usec;
    const void *ptr;
    atomic_int *ack;
} WorkerMsg;

#define WORKER_BATCH 64

typedef struct WorkerQueue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    WorkerMsg *items;
    size_t head, count, capacity;
} WorkerQueue;

typedef struct Worker {
    int id;
    pthread_t thread;
    FlowTable *flows;
    CounterSet counters;
    EveWriter eve;
    AppLayerThread app;
    StreamThread *stream;
    struct DetectThread *detect;  /* NULL when no rules are loaded */
    struct IntelThread *intel;    /* NULL when no indicators are loaded */
    WorkerQueue queue;
    PacketPool *pool;
    uint64_t now_usec;
    /* batch being filled by the capture thread */
    WorkerMsg pending[WORKER_BATCH];
    size_t pending_count;
} Worker;

/* stream_workers: how many workers share the stream memcaps. */
int worker_init(Worker *w, int id, const FlowConfig *flow_cfg, uint64_t flow_memcap_share,
                const StreamConfig *stream_cfg, uint32_t stream_workers, EveLog *eve,
                PacketPool *pool, size_t queue_capacity);
struct DetectEngine;
/* Rules: per-thread detection state, and the hook that inspects app-layer transactions. */
int worker_attach_detect(Worker *w, const struct DetectEngine *de);
struct IntelStore;
int worker_attach_intel(Worker *w, const struct IntelStore *store);
/* Start-up, once, when indicators are loaded: files get hashed and matched against them. */
void worker_register_file_hooks(void);
/* Flushes remaining flows (shutdown), the EVE buffer, and frees the worker. */
void worker_finish(Worker *w, uint64_t now_usec);

/* The pipeline for one packet; returns the packet to the pool. */
void worker_process_packet(Worker *w, Packet *p);
void worker_tick(Worker *w, uint64_t now_usec);

/* Threaded use: start the thread, post messages (batched), stop. */
int worker_start(Worker *w);
void worker_post(Worker *w, WorkerMsg msg);
void worker_flush_batch(Worker *w);
void worker_stop_and_join(Worker *w);

#endif
