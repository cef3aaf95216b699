/*
 * yara-scan.c - the scanner thread, its queue and its file observer (see yara-scan.h).
 *
 * One scanner thread, not one per worker: libyara scanning is CPU-bound and files are a
 * small part of traffic, so one thread keeps the workers free for packets and makes the
 * memory bound simple (one queue, one memcap). The per-file state is the job itself: it is
 * created when the file opens, filled by the worker, and handed to the scanner whole when
 * the file is logged, so worker and scanner never share a job at the same time.
 *
 * The flow is copied into the job (its pointers cleared): the worker may end and free the
 * flow before the scan runs, and the alert only needs the flow's tuple, id and counters as
 * they were when the file ended - which is also what makes single and workers runs agree.
 */
#include "yara/yara-scan.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yara.h>

#include "applayer/app-layer.h"
#include "common/log.h"
#include "file/file.h"
#include "output/output-alert.h"
#include "yara/yara-prefilter.h"

#define YARA_MAX_MATCHES 64

typedef enum JobKind { JOB_FILE, JOB_RULES, JOB_STOP } JobKind;

typedef struct YaraJob {
    struct YaraJob *next;
    JobKind kind;
    YaraRuleSet *rules;            /* JOB_RULES: the set to switch to */
    uint8_t *data;
    size_t len, cap;
    bool truncated, memcap_hit;
    Flow flow;                     /* snapshot, pointers cleared */
    uint64_t ts_usec;
    char app_proto[16];
    char name[FILE_NAME_MAX + 1];
    json_t *fileinfo;              /* the fileinfo object */
    json_t *proto_obj;             /* the protocol's object ("http"), for the alert */
    json_t *event;                 /* the fileinfo event to write after the scan, or NULL */
} YaraJob;

struct YaraScanner {
    YaraScanConfig cfg;
    YaraRuleSet **rules;
    EveLog *eve;
    EveWriter writer;
    CounterSet counters;
    CounterId alert_counter;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t not_empty;
    YaraJob *head, *tail;
    uint32_t queued;               /* files in the queue (control messages not counted) */
    atomic_uint_fast64_t buffered; /* bytes held by open and queued files */
    /* counters written by workers (atomics) and by the scanner thread (plain) */
    atomic_uint_fast64_t truncated, memcap_hit, queue_full, unscanned;
    YaraScanStats st;
    YR_SCANNER **scanners;         /* one per part of the current rule set */
    size_t scanner_count;
    YaraReloadFn reload;
    void *reload_ud;
    pthread_t reload_thread;
    bool reload_started;
    atomic_bool reload_busy;
};

/* The one scanner of this process; the observer is registered once and looks it up. */
static _Atomic(YaraScanner *) active;

void yara_scan_config_default(YaraScanConfig *cfg)
{
    cfg->max_file_size = 16u << 20;
    cfg->memcap = 256u << 20;
    cfg->queue_size = 512;
    cfg->scan_timeout = 10;
}

static void job_free(YaraScanner *s, YaraJob *j)
{
    if (!j)
        return;
    if (s)
        atomic_fetch_sub(&s->buffered, j->cap);
    free(j->data);
    json_decref(j->fileinfo);
    json_decref(j->proto_obj);
    json_decref(j->event);
    free(j);
}

/* ---- the worker side: the file observer ---- */

static void on_open(const FileThread *th, File *f, void **state, void *user)
{
    (void)th;
    (void)f;
    (void)user;
    if (atomic_load(&active))
        *state = calloc(1, sizeof(YaraJob));
}

/* Grows the buffer in doublings, within max-file-size and the memcap. */
static bool reserve(YaraScanner *s, YaraJob *j, size_t need)
{
    if (need <= j->cap)
        return true;
    size_t cap = j->cap ? j->cap : 4096;
    while (cap < need)
        cap *= 2;
    if (cap > s->cfg.max_file_size)
        cap = (size_t)s->cfg.max_file_size;
    if (cap < need)
        return false;
    uint64_t grow = cap - j->cap;
    if (atomic_fetch_add(&s->buffered, grow) + grow > s->cfg.memcap) {
        atomic_fetch_sub(&s->buffered, grow);
        j->memcap_hit = true;
        return false;
    }
    uint8_t *d = realloc(j->data, cap);
    if (!d) {
        atomic_fetch_sub(&s->buffered, grow);
        j->memcap_hit = true;
        return false;
    }
    j->data = d;
    j->cap = cap;
    return true;
}

static void on_data(const FileThread *th, File *f, const uint8_t *data, uint32_t len,
                    void **state, void *user)
{
    (void)th;
    (void)f;
    (void)user;
    YaraJob *j = *state;
    YaraScanner *s = atomic_load(&active);
    if (!j || !s || j->truncated || j->memcap_hit)
        return;
    size_t room = s->cfg.max_file_size > j->len ? (size_t)s->cfg.max_file_size - j->len : 0;
    size_t take = len < room ? len : room;
    if (take < len)
        j->truncated = true;
    while (take && !reserve(s, j, j->len + take))
        take = j->cap - j->len;  /* memcap: keep what fits, stop buffering */
    if (!take)
        return;
    memcpy(j->data + j->len, data, take);
    j->len += take;
}

/* Only a file freed unclosed (th NULL) ends here without being logged. */
static void on_close(const FileThread *th, File *f, void **state, void *user)
{
    (void)f;
    (void)user;
    if (th || !*state)
        return;
    YaraScanner *s = atomic_load(&active);
    if (s)
        atomic_fetch_add(&s->unscanned, 1);
    job_free(s, *state);
    *state = NULL;
}

static void snapshot_flow(YaraJob *j, const AppLayerCtx *ctx)
{
    j->flow = *ctx->flow;
    j->flow.hash_next = j->flow.lru_prev = j->flow.lru_next = NULL;
    j->flow.tcp_session = NULL;
    j->flow.app = NULL;
    j->flow.intel = NULL;
    if (ctx->flow->app)
        snprintf(j->app_proto, sizeof(j->app_proto), "%s", app_proto_name(ctx->flow->app->proto));
    j->ts_usec = ctx->packet ? ctx->packet->ts_usec : ctx->now_usec;
    if (!j->ts_usec)
        j->ts_usec = ctx->flow->last_usec;
}

static void fill_job(YaraJob *j, const AppLayerCtx *ctx, const File *f, json_t *event)
{
    snapshot_flow(j, ctx);
    memcpy(j->name, f->name, f->name_len);
    j->name[f->name_len] = '\0';
    j->fileinfo = file_info_json(f);
    const char *key = event ? json_string_value(json_object_get(event, "app_proto")) : NULL;
    json_t *proto = key ? json_object_get(event, key) : NULL;
    j->proto_obj = proto ? json_deep_copy(proto) : NULL;
    j->event = event;
}

static bool enqueue(YaraScanner *s, YaraJob *j, bool control)
{
    pthread_mutex_lock(&s->lock);
    bool ok = control || s->queued < s->cfg.queue_size;
    if (ok) {
        if (s->tail)
            s->tail->next = j;
        else
            s->head = j;
        s->tail = j;
        if (!control)
            s->queued++;
        pthread_cond_signal(&s->not_empty);
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

static bool on_log(AppLayerCtx *ctx, const File *f, json_t *event, void **state, void *user)
{
    (void)user;
    YaraJob *j = *state;
    *state = NULL;
    YaraScanner *s = atomic_load(&active);
    if (!j)
        return false;
    if (!s || !ctx || !ctx->flow) {
        if (s)
            atomic_fetch_add(&s->unscanned, 1);
        job_free(s, j);
        return false;
    }
    if (j->truncated)
        atomic_fetch_add(&s->truncated, 1);
    if (j->memcap_hit)
        atomic_fetch_add(&s->memcap_hit, 1);
    fill_job(j, ctx, f, event);
    if (enqueue(s, j, false))
        return event != NULL;
    atomic_fetch_add(&s->queue_full, 1);
    j->event = NULL;  /* the worker writes it */
    job_free(s, j);
    return false;
}

/* ---- the scanner thread ---- */

typedef struct ScanResult {
    const YaraRuleInfo *hits[YARA_MAX_MATCHES];
    size_t count;
    size_t part;
    const YaraRuleSet *rules;
} ScanResult;

static int on_scan_message(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
    (void)ctx;
    ScanResult *r = user;
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    const YaraRuleInfo *info = yara_rules_info(r->rules, r->part, data);
    if (info && r->count < YARA_MAX_MATCHES)
        r->hits[r->count++] = info;
    return r->count < YARA_MAX_MATCHES ? CALLBACK_CONTINUE : CALLBACK_ABORT;
}

static void scanners_free(YaraScanner *s)
{
    for (size_t i = 0; i < s->scanner_count; i++)
        if (s->scanners[i])
            yr_scanner_destroy(s->scanners[i]);
    free(s->scanners);
    s->scanners = NULL;
    s->scanner_count = 0;
}

static void scanners_build(YaraScanner *s)
{
    size_t n = yara_rules_parts(*s->rules);
    s->scanners = calloc(n ? n : 1, sizeof(*s->scanners));
    if (!s->scanners)
        return;
    s->scanner_count = n;
    for (size_t i = 0; i < n; i++) {
        if (yr_scanner_create(yara_rules_part(*s->rules, i), &s->scanners[i]) != ERROR_SUCCESS) {
            s->scanners[i] = NULL;
            continue;
        }
        yr_scanner_set_timeout(s->scanners[i], (int)s->cfg.scan_timeout);
        yr_scanner_set_flags(s->scanners[i], SCAN_FLAGS_FAST_MODE);
    }
}

/* The THOR/LOKI externals some rules test (see yara-rules.c). */
static void define_externals(YR_SCANNER *sc, const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    yr_scanner_define_string_variable(sc, "filename", base);
    yr_scanner_define_string_variable(sc, "filepath", name);
    yr_scanner_define_string_variable(sc, "extension", dot ? dot : "");
}

/* The scanner thread's CPU time: what scanning costs, whatever else runs on the machine. */
static uint64_t cpu_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void scan(YaraScanner *s, YaraJob *j, ScanResult *r)
{
    r->count = 0;
    r->rules = *s->rules;
    uint64_t start = cpu_usec();
    static const uint8_t empty[1];
    bool mz = yara_prefilter_is_mz(j->data, j->len);
    for (size_t i = 0; i < s->scanner_count; i++) {
        if (!s->scanners[i] || !yara_rules_part_applies(r->rules, i, mz))
            continue;
        r->part = i;
        yr_scanner_set_callback(s->scanners[i], on_scan_message, r);
        define_externals(s->scanners[i], j->name);
        int rc = yr_scanner_scan_mem(s->scanners[i], j->data ? j->data : empty, j->len);
        if (rc == ERROR_SCAN_TIMEOUT)
            s->st.timeouts++;
        else if (rc != ERROR_SUCCESS && rc != ERROR_CALLBACK_ERROR)
            s->st.errors++;
    }
    s->st.scan_usec += cpu_usec() - start;
    s->st.files_scanned++;
    s->st.bytes_scanned += j->len;
    if (r->count) {
        s->st.files_matched++;
        s->st.matches += r->count;
    }
}

static json_t *rule_metadata(const YaraRuleSet *rules, const YaraRuleInfo *info)
{
    json_t *md = alert_metadata_add(NULL, "yara_rule", info->name);
    if (info->family)
        md = alert_metadata_add(md, "malware_family", info->family);
    const IntelActor *actor = intel_actor(yara_rules_actors(rules), info->actor);
    if (actor) {
        md = alert_metadata_add(md, "actor", actor->name);
        if (actor->mitre_group_id)
            md = alert_metadata_add(md, "mitre_group_id", actor->mitre_group_id);
    }
    return md;
}

static void emit(YaraScanner *s, YaraJob *j, const ScanResult *r)
{
    json_t *app = json_object();
    if (j->app_proto[0])
        json_object_set_new(app, "app_proto", json_string(j->app_proto));
    if (j->proto_obj && j->app_proto[0])
        json_object_set(app, j->app_proto, j->proto_obj);
    json_object_set(app, "fileinfo", j->fileinfo);
    json_t *sids = json_array();
    for (size_t i = 0; i < r->count; i++) {
        const YaraRuleInfo *info = r->hits[i];
        char signature[512];
        snprintf(signature, sizeof(signature), "BONGSU YARA %s", info->name);
        json_t *md = rule_metadata(r->rules, info);
        AlertInfo a = {.gid = 10, .sid = info->sid, .rev = 1, .signature = signature,
                       .category = "Malicious file (YARA)", .severity = info->actor >= 0 ? 1 : 2,
                       .metadata = md, .app_object = app, .ts_usec = j->ts_usec};
        output_alert(&s->writer, NULL, &j->flow, &a);
        counter_incr(&s->counters, s->alert_counter);
        json_decref(md);
        json_array_append_new(sids, json_integer(info->sid));
    }
    json_decref(app);
    if (j->event) {
        json_t *fi = json_object_get(j->event, "fileinfo");
        if (r->count && fi)
            json_object_set(fi, "sid", sids);
        eve_write(&s->writer, EVE_FILES, j->event);
        j->event = NULL;
    }
    json_decref(sids);
}

static void switch_rules(YaraScanner *s, YaraRuleSet *fresh)
{
    scanners_free(s);
    YaraRuleSet *old = *s->rules;
    *s->rules = fresh;
    scanners_build(s);
    yara_rules_free(old);
    s->st.reloads++;
    log_notice("yara rules reloaded: %zu rules", yara_rules_count(fresh));
}

static YaraJob *dequeue(YaraScanner *s)
{
    pthread_mutex_lock(&s->lock);
    if (!s->head) {
        pthread_mutex_unlock(&s->lock);
        eve_writer_flush(&s->writer);  /* idle: show what was found without delay */
        pthread_mutex_lock(&s->lock);
    }
    while (!s->head)
        pthread_cond_wait(&s->not_empty, &s->lock);
    YaraJob *j = s->head;
    s->head = j->next;
    if (!s->head)
        s->tail = NULL;
    if (j->kind == JOB_FILE)
        s->queued--;
    pthread_mutex_unlock(&s->lock);
    return j;
}

static void *scanner_main(void *arg)
{
    YaraScanner *s = arg;
    ScanResult *r = malloc(sizeof(*r));
    for (;;) {
        YaraJob *j = dequeue(s);
        if (j->kind == JOB_STOP) {
            free(j);
            break;
        }
        if (j->kind == JOB_RULES) {
            switch_rules(s, j->rules);
        } else if (r) {
            scan(s, j, r);
            emit(s, j, r);
        }
        job_free(s, j);
    }
    free(r);
    eve_writer_flush(&s->writer);
    return NULL;
}

/* ---- life cycle ---- */

static void register_observer_once(void)
{
    static bool registered;
    if (registered)
        return;
    static const FileObserver observer = {.on_open = on_open, .on_data = on_data,
                                          .on_close = on_close, .on_log = on_log};
    registered = file_observer_register(&observer) == 0;
}

YaraScanner *yara_scanner_new(YaraRuleSet **rules, const YaraScanConfig *cfg, EveLog *eve,
                              YaraReloadFn reload, void *reload_ud)
{
    CounterId alert_counter = counters_register("detect.alert");
    YaraScanner *s = calloc(1, sizeof(*s));
    if (!s || counter_set_init(&s->counters) != 0) {
        free(s);
        return NULL;
    }
    s->cfg = *cfg;
    if (!s->cfg.queue_size)
        s->cfg.queue_size = 1;
    s->rules = rules;
    s->eve = eve;
    s->reload = reload;
    s->reload_ud = reload_ud;
    s->alert_counter = alert_counter;
    eve_writer_init(&s->writer, eve);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->not_empty, NULL);
    scanners_build(s);
    if (pthread_create(&s->thread, NULL, scanner_main, s) != 0) {
        scanners_free(s);
        eve_writer_destroy(&s->writer);
        counter_set_free(&s->counters);
        free(s);
        return NULL;
    }
    register_observer_once();
    atomic_store(&active, s);
    return s;
}

static void *reload_main(void *arg)
{
    YaraScanner *s = arg;
    YaraRuleSet *fresh = s->reload(s->reload_ud);
    YaraJob *j = fresh ? calloc(1, sizeof(*j)) : NULL;
    if (j) {
        j->kind = JOB_RULES;
        j->rules = fresh;
        enqueue(s, j, true);
    } else {
        yara_rules_free(fresh);
        log_warning("yara reload failed; keeping the loaded rules");
    }
    atomic_store(&s->reload_busy, false);
    return NULL;
}

void yara_scanner_reload(YaraScanner *s)
{
    if (!s || !s->reload || atomic_exchange(&s->reload_busy, true))
        return;
    if (s->reload_started)
        pthread_join(s->reload_thread, NULL);
    s->reload_started = pthread_create(&s->reload_thread, NULL, reload_main, s) == 0;
    if (!s->reload_started)
        atomic_store(&s->reload_busy, false);
    else
        log_notice("reloading yara rules");
}

/* Limits hit are worth a notice: they mean files went (partly) unscanned. */
static void log_summary(const YaraScanStats *st)
{
    double sec = (double)st->scan_usec / 1e6;
    log_info("yara: %llu files scanned, %llu bytes in %.3f s CPU (%.1f MB/s), %llu matched "
             "(%llu alerts)",
             (unsigned long long)st->files_scanned, (unsigned long long)st->bytes_scanned, sec,
             sec > 0 ? (double)st->bytes_scanned / 1e6 / sec : 0.0,
             (unsigned long long)st->files_matched, (unsigned long long)st->matches);
    if (st->truncated || st->memcap_hit || st->queue_full || st->timeouts || st->errors ||
        st->unscanned)
        log_notice("yara: limits hit: %llu truncated at max-file-size, %llu at memcap, %llu "
                   "skipped (queue full), %llu timed out, %llu scan errors, %llu unscanned",
                   (unsigned long long)st->truncated, (unsigned long long)st->memcap_hit,
                   (unsigned long long)st->queue_full, (unsigned long long)st->timeouts,
                   (unsigned long long)st->errors, (unsigned long long)st->unscanned);
}

void yara_scanner_stop(YaraScanner *s)
{
    if (!s || !atomic_load(&active))
        return;
    atomic_store(&active, NULL);
    if (s->reload_started)
        pthread_join(s->reload_thread, NULL);  /* its new set is queued before the stop */
    s->reload_started = false;
    YaraJob *stop = calloc(1, sizeof(*stop));
    if (stop) {
        stop->kind = JOB_STOP;
        enqueue(s, stop, true);
        pthread_join(s->thread, NULL);
    }
    s->st.truncated = atomic_load(&s->truncated);
    s->st.memcap_hit = atomic_load(&s->memcap_hit);
    s->st.queue_full = atomic_load(&s->queue_full);
    s->st.unscanned = atomic_load(&s->unscanned);
    log_summary(&s->st);
}

const CounterSet *yara_scanner_counters(const YaraScanner *s)
{
    return &s->counters;
}

void yara_scanner_stats(const YaraScanner *s, YaraScanStats *out)
{
    *out = s->st;
}

void yara_scanner_free(YaraScanner *s)
{
    if (!s)
        return;
    yara_scanner_stop(s);
    scanners_free(s);
    eve_writer_destroy(&s->writer);
    counter_set_free(&s->counters);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->not_empty);
    free(s);
}
