/*
 * engine.c - the capture loop and the wiring of threads (see engine.h).
 */
#include "runtime/engine.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applayer/app-layer.h"
#include "common/log.h"
#include "ddos/ddos.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "intel/intel-match.h"
#include "decode/packet-pool.h"
#include "output/output.h"
#include "runtime/reload.h"
#include "runtime/worker.h"
#include "yara/yara-scan.h"

#define WORKER_QUEUE_CAPACITY 1024
#define USEC_PER_SEC 1000000ull

volatile sig_atomic_t engine_stop_requested;

typedef struct CaptureCounterIds {
    CounterId kernel_packets, kernel_drops, kernel_ifdrops;
} CaptureCounterIds;

static CaptureCounterIds capture_ids;

int engine_init(const struct ConfNode *conf)
{
    if (applayer_init(conf) != 0)
        return -1;
    capture_ids.kernel_packets = counters_register("capture.kernel_packets");
    capture_ids.kernel_drops = counters_register("capture.kernel_drops");
    capture_ids.kernel_ifdrops = counters_register("capture.kernel_ifdrops");
    decode_register_counters();
    defrag_register_counters();
    flow_register_counters();
    stream_register_counters();
    detect_register_counters();
    intel_register_counters();
    ddos_register_counters();
    return 0;
}

void engine_settings_default(EngineSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->runmode = RUNMODE_WORKERS;
    s->max_pending_packets = 1024;
    flow_config_default(&s->flow);
    stream_config_default(&s->stream);
    defrag_config_default(&s->defrag);
    eve_config_default(&s->eve);
    ddos_config_default(&s->ddos);
    s->decode.teredo_enabled = true;
    s->stats_interval_sec = 8;
}

/* Everything the capture thread owns during a run. */
typedef struct Run {
    const EngineSettings *settings;
    CaptureSource *src;
    EveLog *eve;
    PacketPool pool;
    DecodeThread decode;
    DefragTable *defrag;
    CounterSet capture_counters;
    Worker *workers;
    int worker_count;
    bool threaded;
    uint64_t now_usec;          /* latest packet time */
    uint64_t next_tick_usec;
    time_t started, next_live_stats;
    int status;
    EveWriter stats_writer;
    Reloader reloader;
    YaraScanner *yara;          /* file scanning thread, NULL without YARA rules */
    DdosDetector *ddos;         /* NULL when ddos.enabled is off */
} Run;

static int default_worker_count(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (int)cores : 1;
}

static void dispatch(Run *run, Packet *p)
{
    if (!run->threaded) {
        worker_process_packet(&run->workers[0], p);
        return;
    }
    uint32_t hash = p->ip_version ? flow_hash_packet(p) : 0;
    Worker *w = &run->workers[hash % (uint32_t)run->worker_count];
    worker_post(w, (WorkerMsg){.kind = WORKER_MSG_PACKET, .packet = p});
}

static void broadcast_tick(Run *run)
{
    for (int i = 0; i < run->worker_count; i++) {
        if (run->threaded)
            worker_post(&run->workers[i], (WorkerMsg){.kind = WORKER_MSG_TICK,
                                                      .ts_usec = run->now_usec});
        else
            worker_tick(&run->workers[i], run->now_usec);
    }
    if (run->defrag)
        defrag_expire(run->defrag, &run->capture_counters, run->now_usec);
    if (run->ddos)
        ddos_detector_tick(run->ddos, run->now_usec);
}

/* Packet time moves forward: once per second of it, workers check their timeouts. */
static void advance_time(Run *run, uint64_t ts_usec)
{
    if (ts_usec <= run->now_usec)
        return;
    run->now_usec = ts_usec;
    if (run->next_tick_usec == 0)
        run->next_tick_usec = ts_usec + USEC_PER_SEC;
    if (ts_usec >= run->next_tick_usec) {
        broadcast_tick(run);
        run->next_tick_usec = ts_usec + USEC_PER_SEC;
    }
}

static Packet *get_packet(Run *run)
{
    Packet *p = packet_pool_try_get(&run->pool);
    if (p)
        return p;
    /* Every packet is in flight: make sure none waits in a half-filled batch, then wait. */
    for (int i = 0; run->threaded && i < run->worker_count; i++)
        worker_flush_batch(&run->workers[i]);
    return packet_pool_get(&run->pool);
}

/* EVE pcap_filename (eve-log pcap-file: yes) names the file the packets come from; a
 * directory moves from file to file. */
static void note_current_file(Run *run)
{
    if (!run->eve || !run->eve->cfg.pcap_file || run->src->live)
        return;
    const char *name = run->src->current_name;
    if (atomic_load_explicit(&run->eve->current_pcap, memory_order_relaxed) != name)
        atomic_store_explicit(&run->eve->current_pcap, name, memory_order_relaxed);
}

static void handle_captured(Run *run, const CapturePacket *cp, uint64_t pcap_cnt)
{
    Packet *p = get_packet(run);
    if (packet_set_data(p, cp->data, cp->caplen, cp->wire_len, cp->ts_usec, pcap_cnt,
                        cp->datalink) != 0) {
        packet_pool_put(&run->pool, p);
        return;
    }
    advance_time(run, cp->ts_usec);
    decode_packet(&run->decode, p);
    /* Here every packet passes once, flow or not, before workers split victims' traffic. */
    if (run->ddos)
        ddos_detector_packet(run->ddos, p);
    dispatch(run, p);
    Packet *pseudo;
    while ((pseudo = decode_take_pseudo(&run->decode)) != NULL) {
        /* Suricata drops a tunnel or reassembled packet whose own headers do not decode. */
        if (decode_pseudo_packet(&run->decode, pseudo) != DECODE_OK) {
            packet_pool_put(&run->pool, pseudo);
            continue;
        }
        dispatch(run, pseudo);
    }
}

static int setup_workers(Run *run)
{
    const EngineSettings *s = run->settings;
    run->threaded = s->runmode == RUNMODE_WORKERS;
    run->worker_count = run->threaded ? (s->workers > 0 ? s->workers : default_worker_count()) : 1;
    run->workers = calloc((size_t)run->worker_count, sizeof(Worker));
    if (!run->workers)
        return -1;
    uint64_t share = s->flow.memcap / (uint64_t)run->worker_count;
    flow_hash_set_vlan_tracking(s->flow.vlan_tracking);
    if (s->intel && *s->intel)
        worker_register_file_hooks();
    for (int i = 0; i < run->worker_count; i++) {
        if (worker_init(&run->workers[i], i, &s->flow, share, &s->stream,
                        (uint32_t)run->worker_count, run->eve, &run->pool,
                        run->threaded ? WORKER_QUEUE_CAPACITY : 0) != 0)
            return -1;
        if (s->detect && worker_attach_detect(&run->workers[i], s->detect) != 0)
            return -1;
        if (s->intel && *s->intel && worker_attach_intel(&run->workers[i], *s->intel) != 0)
            return -1;
        if (run->threaded && worker_start(&run->workers[i]) != 0)
            return -1;
    }
    return 0;
}

static int setup_run(Run *run)
{
    const EngineSettings *s = run->settings;
    run->eve = eve_log_open(&s->eve);
    if (!run->eve) {
        log_error("cannot open EVE log %s: %m", s->eve.path);
        return -1;
    }
    /* Enough packets that batches in flight to every worker can never starve capture. */
    size_t pool_size = s->max_pending_packets;
    size_t min_pool = (size_t)(default_worker_count() + 1) * WORKER_BATCH * 2;
    if (pool_size < min_pool)
        pool_size = min_pool;
    if (packet_pool_init(&run->pool, pool_size) != 0 || counter_set_init(&run->capture_counters))
        return -1;
    run->defrag = defrag_table_new(&s->defrag);
    decode_thread_init(&run->decode, &run->capture_counters, run->defrag, &run->pool);
    run->decode.options.teredo_enabled = s->decode.teredo_enabled;
    memcpy(run->decode.options.teredo_ports, s->decode.teredo_ports,
           sizeof(s->decode.teredo_ports));
    run->decode.options.teredo_port_count = s->decode.teredo_port_count;
    eve_writer_init(&run->stats_writer, run->eve);
    if (s->yara && *s->yara &&
        !(run->yara = yara_scanner_new(s->yara, s->yara_scan, run->eve, s->yara_reload,
                                       s->yara_reload_ud)))
        return -1;
    if (s->ddos.enabled && !(run->ddos = ddos_detector_new(&s->ddos, run->eve, &run->capture_counters)))
        return -1;
    return setup_workers(run);
}

static void collect_totals(Run *run, CounterSet *totals)
{
    counter_set_merge(totals, &run->capture_counters);
    for (int i = 0; i < run->worker_count; i++)
        counter_set_merge(totals, &run->workers[i].counters);
    if (run->yara)
        counter_set_merge(totals, yara_scanner_counters(run->yara));
}

static void record_capture_stats(Run *run)
{
    uint64_t received, dropped, ifdropped;
    if (!capture_stats(run->src, &received, &dropped, &ifdropped))
        return;
    CounterSet *c = &run->capture_counters;
    c->values[capture_ids.kernel_packets] = received;
    c->values[capture_ids.kernel_drops] = dropped;
    c->values[capture_ids.kernel_ifdrops] = ifdropped;
}

static void write_stats(Run *run, CounterSet *totals)
{
    output_stats_log(&run->stats_writer, totals, run->now_usec,
                     (uint64_t)(time(NULL) - run->started));
    eve_writer_flush(&run->stats_writer);
}

/* Live mode: a stats event every interval; worker counters are read as they are, which may
 * be a moment stale but never torn on x86-64's aligned 64-bit loads. */
static void maybe_live_stats(Run *run)
{
    if (!run->src->live || !run->settings->stats_interval_sec)
        return;
    time_t now = time(NULL);
    if (now < run->next_live_stats)
        return;
    run->next_live_stats = now + run->settings->stats_interval_sec;
    record_capture_stats(run);
    CounterSet totals;
    if (counter_set_init(&totals) != 0)
        return;
    collect_totals(run, &totals);
    write_stats(run, &totals);
    counter_set_free(&totals);
}

static void capture_loop(Run *run)
{
    CapturePacket cp;
    char err[1024];
    uint64_t pcap_cnt = 0;
    while (!engine_stop_requested) {
        CaptureResult r = capture_next(run->src, &cp, err, sizeof(err));
        if (r == CAPTURE_END)
            break;
        if (r == CAPTURE_ERROR) {
            log_error("%s", err);
            /* A bad record ends its file: reported, and the run goes on and exits 0 as
             * Suricata's does (bug-1450, bug-6875). A file that cannot be read fails it. */
            if (!run->src->error_in_file)
                run->status = 1;
            if (run->src->live)
                break;
            continue;
        }
        if (r == CAPTURE_PACKET) {
            note_current_file(run);
            handle_captured(run, &cp, ++pcap_cnt);
        } else if (r == CAPTURE_TIMEOUT) {
            /* Live and idle: the clock stands in for packet time so flows still expire. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            advance_time(run, (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000);
        }
        maybe_live_stats(run);
        if (engine_reload_requested && run->yara)
            yara_scanner_reload(run->yara);
        reloader_poll(&run->reloader, run->workers, run->worker_count, run->threaded);
    }
}

static void summarise(Run *run, const CounterSet *totals, EngineSummary *summary)
{
    memset(summary, 0, sizeof(*summary));
    summary->packets = counter_get(totals, counters_find("decoder.pkts"));
    summary->bytes = counter_get(totals, counters_find("decoder.bytes"));
    summary->flows = counter_get(totals, counters_find("flow.total"));
    summary->kernel_drops = counter_get(totals, capture_ids.kernel_drops);
    summary->capture_errors = run->src->errors;
    for (int i = 0; i < EVE_TYPE_COUNT; i++) {
        summary->events_by_type[i] = run->eve->lines_written[i];
        summary->events += run->eve->lines_written[i];
    }
    if (run->ddos) /* the only private counters so far; zeros would only be noise without it */
        counters_format_private(totals, summary->private_counters,
                                sizeof(summary->private_counters));
}

static void finish_run(Run *run, EngineSummary *summary)
{
    for (int i = 0; run->threaded && i < run->worker_count; i++)
        worker_stop_and_join(&run->workers[i]);
    reloader_finish(&run->reloader);
    for (int i = 0; i < run->worker_count; i++)
        worker_finish(&run->workers[i], run->now_usec);
    yara_scanner_stop(run->yara);  /* every file is logged: drain the queue */
    ddos_detector_finish(run->ddos, run->now_usec); /* attacks still on end, and count */
    record_capture_stats(run);
    CounterSet totals;
    if (counter_set_init(&totals) == 0) {
        collect_totals(run, &totals);
        write_stats(run, &totals);
        summarise(run, &totals, summary);
        counter_set_free(&totals);
    }
    for (int i = 0; i < run->worker_count; i++)
        counter_set_free(&run->workers[i].counters);
    free(run->workers);
    eve_writer_destroy(&run->stats_writer);
    yara_scanner_free(run->yara);
    ddos_detector_free(run->ddos, run->now_usec);
    defrag_table_free(run->defrag);
    counter_set_free(&run->capture_counters);
    packet_pool_destroy(&run->pool);
    eve_log_close(run->eve);
}

int engine_run(const EngineSettings *s, CaptureSource *src, EngineSummary *summary)
{
    Run run = {.settings = s, .src = src, .started = time(NULL)};
    run.next_live_stats = run.started + s->stats_interval_sec;
    reloader_init(&run.reloader, s->intel_reload, s->intel_reload_ud, s->intel);
    if (setup_run(&run) != 0) {
        log_error("engine setup failed");
        return 2;
    }
    capture_loop(&run);
    finish_run(&run, summary);
    return run.status;
}
