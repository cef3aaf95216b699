/*
 * worker.c - the per-thread pipeline and its message queue (see worker.h).
 */
#include "runtime/worker.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "file/file.h"
#include "intel/intel-match.h"
#include "output/output.h"

static void on_flow_end(Flow *f, FlowEndReason reason, uint64_t now_usec, void *ud)
{
    Worker *w = ud;
    /* As Suricata's flow-end pseudo packets: the stream hands the rest to the app layer
     * (a one-sided flow is recognised only now), then the raw stream is inspected while the
     * stream still holds the segments. */
    bool pseudo[2];
    detect_flow_end_directions(w->stream, f, pseudo);
    stream_flow_flush(w->stream, f);
    detect_stream_flow_end(w->detect, f, pseudo);
    /* the transactions left are inspected while the stream still holds what they carried
     * (a rule's payload contents beside its buffers are matched there) */
    applayer_flow_end(&w->app, f, now_usec);
    stream_flow_end(w->stream, f, now_usec);
    detect_flow_end(w->detect, f);   /* after the last transactions were inspected */
    output_flow_log(&w->eve, f, reason, now_usec);
    output_netflow_log(&w->eve, f, now_usec);
    detect_flow_release(w->detect, f);   /* its variables were logged with the flow */
    applayer_flow_free(f);
    stream_flow_free(w->stream, f);
    intel_flow_end(f);
}

int worker_init(Worker *w, int id, const FlowConfig *flow_cfg, uint64_t flow_memcap_share,
                const StreamConfig *stream_cfg, uint32_t stream_workers, EveLog *eve,
                PacketPool *pool, size_t queue_capacity)
{
    memset(w, 0, sizeof(*w));
    w->id = id;
    w->pool = pool;
    if (counter_set_init(&w->counters) != 0)
        return -1;
    eve_writer_init(&w->eve, eve);
    w->app.counters = &w->counters;
    w->app.eve = &w->eve;
    w->stream = stream_thread_new(stream_cfg, stream_workers, &w->counters, &w->app);
    if (!w->stream)
        return -1;
    w->flows = flow_table_new(flow_cfg, flow_memcap_share, &w->counters, on_flow_end, w);
    if (!w->flows)
        return -1;
    if (queue_capacity) {
        w->queue.items = calloc(queue_capacity, sizeof(WorkerMsg));
        if (!w->queue.items)
            return -1;
        w->queue.capacity = queue_capacity;
        pthread_mutex_init(&w->queue.lock, NULL);
        pthread_cond_init(&w->queue.not_empty, NULL);
        pthread_cond_init(&w->queue.not_full, NULL);
    }
    return 0;
}

/* Every transaction, just before it is logged: rules first, then indicators. */
static void on_transaction(void *ud, Flow *f, const Packet *p, AppProto proto, void *state,
                           void *tx, uint64_t tx_id)
{
    Worker *w = ud;
    if (w->detect)
        detect_tx(w->detect, f, p, proto, state, tx, tx_id);
    if (w->intel)
        intel_match_tx(w->intel, f, p, proto, state, tx);
}

int worker_attach_detect(Worker *w, const struct DetectEngine *de)
{
    w->detect = detect_thread_new(de, &w->counters, &w->eve);
    if (w->detect) {
        detect_stream_attach(w->detect, w->stream);
        detect_thread_inspect_tx_by_packet(w->detect);
        w->eve.flow_metadata = detect_flow_metadata;
        w->eve.flow_metadata_ud = w->detect;
    }
    w->app.tx_hook = on_transaction;
    w->app.tx_hook_ud = w;
    w->app.inspect_per_packet = w->detect != NULL;
    return w->detect ? 0 : -1;
}

/* File hashes against the indicators: a file observer (files close inside a parser call, whose
 * context leads back to the worker through the transaction hook's user data, which is always
 * the worker itself). */
static void intel_on_file_close(const FileThread *th, File *file, void **state, void *user)
{
    (void)state;
    (void)user;
    if (!th || !th->ctx || !th->ctx->thread || th->ctx->thread->tx_hook != on_transaction)
        return;
    Worker *w = th->ctx->thread->tx_hook_ud;
    if (!w->intel || file->state != FILE_STATE_CLOSED)
        return;
    static const struct {
        IntelType type;
        size_t offset, len;
    } digests[] = {{INTEL_MD5, offsetof(File, md5), 16},
                   {INTEL_SHA1, offsetof(File, sha1), 20},
                   {INTEL_SHA256, offsetof(File, sha256), 32}};
    const bool have[] = {file->have_md5, file->have_sha1, file->have_sha256};
    for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
        if (!have[i])
            continue;
        const uint8_t *d = (const uint8_t *)file + digests[i].offset;
        char hex[65];
        for (size_t b = 0; b < digests[i].len; b++)
            snprintf(hex + 2 * b, 3, "%02x", d[b]);
        intel_match_file(w->intel, th->ctx->flow, digests[i].type, hex);
    }
}

void worker_register_file_hooks(void)
{
    static const FileObserver intel_observer = {.on_close = intel_on_file_close};
    file_request_hashes();
    file_observer_register(&intel_observer);
}

int worker_attach_intel(Worker *w, const struct IntelStore *store)
{
    w->intel = intel_thread_new(store, &w->counters, &w->eve);
    w->app.tx_hook = on_transaction;
    w->app.tx_hook_ud = w;
    return w->intel ? 0 : -1;
}

void worker_process_packet(Worker *w, Packet *p)
{
    if (p->ts_usec > w->now_usec)
        w->now_usec = p->ts_usec;
    Flow *f = flow_handle_packet(w->flows, p);
    if (f && p->proto == IPPROTO_TCP)
        stream_handle_packet(w->stream, f, p);
    if (f && p->proto == IPPROTO_UDP)
        applayer_handle_udp(&w->app, f, p);
    if (w->intel && f && f->pkts_toserver + f->pkts_toclient == 1)
        intel_match_flow_start(w->intel, f, p);
    if (w->detect) {
        detect_packet(w->detect, p, f);
        detect_tx_packet(w->detect, p, f);
        if (f)
            applayer_log_ready(&w->app, f, p);
    }
    output_anomaly_log(&w->eve, p);
    if (f) /* the stream may have changed the flow's state, hence its timeout */
        flow_table_reschedule(w->flows, f);
    packet_pool_put(w->pool, p);
}

void worker_tick(Worker *w, uint64_t now_usec)
{
    if (now_usec > w->now_usec)
        w->now_usec = now_usec;
    flow_table_expire(w->flows, w->now_usec);
}

void worker_finish(Worker *w, uint64_t now_usec)
{
    if (now_usec > w->now_usec)
        w->now_usec = now_usec;
    flow_table_free(w->flows, w->now_usec);
    w->flows = NULL;
    stream_thread_free(w->stream);
    w->stream = NULL;
    detect_thread_free(w->detect);
    w->detect = NULL;
    intel_thread_free(w->intel);
    w->intel = NULL;
    eve_writer_destroy(&w->eve);
    if (w->queue.items) {
        free(w->queue.items);
        pthread_mutex_destroy(&w->queue.lock);
        pthread_cond_destroy(&w->queue.not_empty);
        pthread_cond_destroy(&w->queue.not_full);
    }
}

/* Takes every queued message at once so the lock is held briefly. Returns false on STOP. */
static bool handle_messages(Worker *w, WorkerMsg *local, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (local[i].kind) {
        case WORKER_MSG_PACKET:
            worker_process_packet(w, local[i].packet);
            break;
        case WORKER_MSG_TICK:
            worker_tick(w, local[i].ts_usec);
            break;
        case WORKER_MSG_INTEL:
            intel_thread_set_store(w->intel, local[i].ptr);
            atomic_fetch_add(local[i].ack, 1);
            break;
        case WORKER_MSG_STOP:
            return false;
        }
    }
    return true;
}

static void *worker_main(void *arg)
{
    Worker *w = arg;
    WorkerQueue *q = &w->queue;
    WorkerMsg *local = malloc(q->capacity * sizeof(WorkerMsg));
    bool running = local != NULL;
    while (running) {
        pthread_mutex_lock(&q->lock);
        while (q->count == 0)
            pthread_cond_wait(&q->not_empty, &q->lock);
        size_t n = 0;
        while (q->count) {
            local[n++] = q->items[q->head];
            q->head = (q->head + 1) % q->capacity;
            q->count--;
        }
        pthread_cond_signal(&q->not_full);
        pthread_mutex_unlock(&q->lock);
        running = handle_messages(w, local, n);
    }
    free(local);
    return NULL;
}

int worker_start(Worker *w)
{
    return pthread_create(&w->thread, NULL, worker_main, w) == 0 ? 0 : -1;
}

void worker_flush_batch(Worker *w)
{
    WorkerQueue *q = &w->queue;
    size_t sent = 0;
    while (sent < w->pending_count) {
        pthread_mutex_lock(&q->lock);
        while (q->count == q->capacity)
            pthread_cond_wait(&q->not_full, &q->lock);
        while (sent < w->pending_count && q->count < q->capacity) {
            q->items[(q->head + q->count) % q->capacity] = w->pending[sent++];
            q->count++;
        }
        pthread_cond_signal(&q->not_empty);
        pthread_mutex_unlock(&q->lock);
    }
    w->pending_count = 0;
}

void worker_post(Worker *w, WorkerMsg msg)
{
    w->pending[w->pending_count++] = msg;
    if (w->pending_count == WORKER_BATCH || msg.kind != WORKER_MSG_PACKET)
        worker_flush_batch(w);
}

void worker_stop_and_join(Worker *w)
{
    worker_post(w, (WorkerMsg){.kind = WORKER_MSG_STOP});
    pthread_join(w->thread, NULL);
}
