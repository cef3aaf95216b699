/*
 * yara-scan.c - the scanner threads, their queue and the file observer (see yara-scan.h).
 *
 * Scanner threads are not tied to workers: libyara scanning is CPU-bound and files are a
 * small part of traffic, so a few threads (yara.threads, default a quarter of the cores)
 * keep the workers free for packets, and one queue and one memcap bound the memory. The
 * per-file state is the job itself: it is created when the file opens, filled by the worker,
 * and handed to a scanner whole when the file is logged, so worker and scanner never share
 * a job at the same time.
 *
 * The flow is copied into the job (its pointers cleared): the worker may end and free the
 * flow before the scan runs, and the alert only needs the flow's tuple, id and counters as
 * they were when the file ended - which is also what makes single and workers runs agree.
 */
#include "yara/yara-scan.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applayer/app-layer.h"
#include "common/log.h"
#include "file/file.h"
#include "output/output-alert.h"
#include "yara/yara-cache.h"
#include "yara/yara-gate.h"
#include "yara/yara-match.h"

#define YARA_MAX_THREADS 16
/* Waking an idle scanner for every file cost a futex wake, a context switch each way and an
 * EVE flush per file (2,000 voluntary context switches on the 100 MB trafficgen capture, the
 * scanner being faster than capture): workers wake it once this many files wait, and an idle
 * scanner looks at the queue every YARA_IDLE_POLL_MS, which bounds how late a lone file is
 * scanned. Control messages (reload, stop) wake it at once. */
#define YARA_WAKE_BATCH 32
#define YARA_IDLE_POLL_MS 20

typedef enum JobKind { JOB_FILE, JOB_RULES, JOB_STOP } JobKind;

typedef struct YaraJob {
    struct YaraJob *next;
    JobKind kind;
    YaraRuleSet *rules;            /* JOB_RULES: the set to switch to */
    uint8_t *data;                 /* the first buffer-size bytes */
    size_t len, cap;               /* len: bytes of the file taken, in memory or spooled */
    int spool_fd;                  /* the whole file once past buffer-size, else -1 */
    bool truncated, memcap_hit, spool_error;
    bool have_sha256;
    uint8_t sha256[32];            /* the whole file's, for the result cache */
    Flow flow;                     /* snapshot, pointers cleared */
    uint64_t ts_usec;
    char app_proto[16];
    char name[FILE_NAME_MAX + 1];
    json_t *fileinfo;              /* the fileinfo object */
    json_t *proto_obj;             /* the protocol's object ("http"), for the alert */
    json_t *event;                 /* the fileinfo event to write after the scan, or NULL */
} YaraJob;

typedef struct ScanThread {
    struct YaraScanner *s;
    pthread_t thread;
    bool started;
    EveWriter writer;
    YaraMatcher *matcher;          /* for the rule set of generation gen */
    uint64_t gen;
    YaraScanStats st;
} ScanThread;

struct YaraScanner {
    YaraScanConfig cfg;
    YaraRuleSet **rules;
    pthread_rwlock_t rules_lock;   /* write: swapping *rules; read: scanning with it */
    atomic_uint_fast64_t gen;      /* bumped at each swap */
    YaraRuleSet **retired;         /* sets swapped out, freed when the threads have stopped */
    size_t retired_count;
    EveLog *eve;
    YaraCache *cache;              /* NULL when yara.cache-size is 0 */
    CounterSet counters;
    CounterId alert_counter;
    pthread_mutex_t counters_lock;
    ScanThread threads[YARA_MAX_THREADS];
    uint32_t thread_count;
    pthread_mutex_t lock;
    pthread_cond_t not_empty;
    YaraJob *head, *tail;
    uint32_t queued;               /* files in the queue (control messages not counted) */
    atomic_uint_fast64_t buffered; /* bytes held by open and queued files */
    /* counters written by workers (atomics) and by the scanner threads (their own) */
    atomic_uint_fast64_t truncated, memcap_hit, queue_full, unscanned, spool_errors;
    atomic_uint_fast64_t worker_gated, worker_gated_bytes;  /* gated_out() files, bytes */
    YaraScanStats st;
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
    cfg->buffer_size = 1u << 20;
    const char *tmp = getenv("TMPDIR");
    snprintf(cfg->spool_dir, sizeof(cfg->spool_dir), "%s", tmp && *tmp ? tmp : "/tmp");
    cfg->threads = 1;
    cfg->fileinfo_rules = false;
    cfg->cache_size = 4096;
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
    if (j->spool_fd >= 0)
        close(j->spool_fd);
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
    YaraJob *j = atomic_load(&active) ? calloc(1, sizeof(YaraJob)) : NULL;
    if (j)
        j->spool_fd = -1;
    *state = j;
}

/* Grows the buffer in doublings, within max-file-size and the memcap. */
static bool reserve(YaraScanner *s, YaraJob *j, size_t need)
{
    if (need <= j->cap)
        return true;
    size_t cap = j->cap ? j->cap : 4096;
    while (cap < need)
        cap *= 2;
    if (cap > s->cfg.buffer_size)
        cap = (size_t)s->cfg.buffer_size;
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

/* An unlinked file in spool-dir holding the file from its first byte. */
static int spool_open(const YaraScanner *s)
{
    int fd = open(s->cfg.spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    char path[300];
    snprintf(path, sizeof(path), "%s/bongsu-yara-XXXXXX", s->cfg.spool_dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

static bool write_all(int fd, const uint8_t *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Past buffer-size: the buffer, then every further byte, goes to the spool file, and the
 * buffer is given back to the memcap. */
static void spool(YaraScanner *s, YaraJob *j, const uint8_t *data, size_t take)
{
    if (j->spool_fd < 0) {
        j->spool_fd = spool_open(s);
        if (j->spool_fd >= 0 && !write_all(j->spool_fd, j->data, j->len)) {
            close(j->spool_fd);
            j->spool_fd = -1;
        }
        if (j->spool_fd < 0) {
            j->spool_error = true;  /* scanned on the buffer */
            atomic_fetch_add(&s->spool_errors, 1);
            return;
        }
        atomic_fetch_sub(&s->buffered, j->cap);
        free(j->data);
        j->data = NULL;
        j->cap = 0;
    }
    if (!write_all(j->spool_fd, data, take)) {
        j->spool_error = true;  /* scanned on what was written */
        atomic_fetch_add(&s->spool_errors, 1);
        return;
    }
    j->len += take;
}

static void on_data(const FileThread *th, File *f, const uint8_t *data, uint32_t len,
                    void **state, void *user)
{
    (void)th;
    (void)f;
    (void)user;
    YaraJob *j = *state;
    YaraScanner *s = atomic_load(&active);
    if (!j || !s || j->truncated || j->memcap_hit || j->spool_error)
        return;
    size_t room = s->cfg.max_file_size > j->len ? (size_t)s->cfg.max_file_size - j->len : 0;
    size_t take = len < room ? len : room;
    if (take < len)
        j->truncated = true;
    if (!take)
        return;
    if (j->spool_fd >= 0 || j->len + take > s->cfg.buffer_size) {
        spool(s, j, data, take);
        return;
    }
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

/* The alert's fileinfo and protocol objects are the event's own (the job owns the event, and
 * alerts are written before the event gets its sids), so a file costs no copies of them; a
 * fileinfo is made only when no event is logged. */
static void fill_job(YaraJob *j, const AppLayerCtx *ctx, const File *f, json_t *event)
{
    snapshot_flow(j, ctx);
    j->have_sha256 = f->have_sha256;
    memcpy(j->sha256, f->sha256, sizeof(j->sha256));
    json_t *fi = event ? json_object_get(event, "fileinfo") : NULL;
    j->fileinfo = fi ? json_incref(fi) : file_info_json(f);
    const char *key = event ? json_string_value(json_object_get(event, "app_proto")) : NULL;
    json_t *proto = key ? json_object_get(event, key) : NULL;
    j->proto_obj = proto ? json_incref(proto) : NULL;
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
        if (control || s->queued >= YARA_WAKE_BATCH)
            pthread_cond_signal(&s->not_empty);
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* ---- the gate on the worker ---- */

/* Each worker's Vectorscan scratch for the gates (a scratch serves one thread at a time),
 * made on its first file, freed when the thread ends. */
static pthread_key_t worker_scratch_key;
static pthread_once_t worker_scratch_once = PTHREAD_ONCE_INIT;
static bool worker_scratch_ok;

static void worker_scratch_free(void *p)
{
    yara_gate_scratch_free(p);
}

static void worker_scratch_init(void)
{
    worker_scratch_ok = pthread_key_create(&worker_scratch_key, worker_scratch_free) == 0;
}

/* Most files in traffic hold none of the gated rules' strings and are not "MZ" files: the
 * scanner thread would only run the gate's Vectorscan pass on them and find nothing. That
 * pass is linear in the bytes (which are at most buffer-size: a spooled file is always
 * queued), so the worker makes it itself, and such a file never crosses to a scanner thread:
 * its fileinfo event is written by the worker as with YARA off, and the job is freed by the
 * thread that allocated it (handing each small file's allocations to another thread to free
 * cost more than the gate). Only files some rule could match are queued; libyara never runs
 * here. The result is the scanner's: no part would have been given to libyara. */
static bool gated_out(YaraScanner *s, const YaraJob *j)
{
    if (j->spool_fd >= 0)
        return false;
    pthread_once(&worker_scratch_once, worker_scratch_init);
    if (!worker_scratch_ok)
        return false;
    YaraGateScratch *scratch = pthread_getspecific(worker_scratch_key);
    pthread_rwlock_rdlock(&s->rules_lock);
    bool out = yara_rules_gated_out(*s->rules, &scratch, j->data, j->len, j->name);
    pthread_rwlock_unlock(&s->rules_lock);
    if (pthread_setspecific(worker_scratch_key, scratch) != 0) {
        yara_gate_scratch_free(scratch);
        return false;
    }
    return out;
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
    memcpy(j->name, f->name, f->name_len);
    j->name[f->name_len] = '\0';
    if (gated_out(s, j)) {
        atomic_fetch_add(&s->worker_gated, 1);
        atomic_fetch_add(&s->worker_gated_bytes, j->len);
        job_free(s, j);
        return false;  /* the worker writes the event */
    }
    fill_job(j, ctx, f, event);
    if (enqueue(s, j, false))
        return event != NULL;
    atomic_fetch_add(&s->queue_full, 1);
    j->event = NULL;  /* the worker writes it */
    job_free(s, j);
    return false;
}

/* ---- the scanner threads ---- */

/* The thread's CPU time: what scanning costs, whatever else runs on the machine. */
static uint64_t cpu_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Makes the thread's scanners again when the set changed since it last scanned. Called with
 * the read lock held, so the set cannot change under it. */
static void matcher_refresh(ScanThread *t)
{
    uint64_t gen = atomic_load(&t->s->gen);
    if (t->matcher && t->gen == gen)
        return;
    yara_matcher_free(t->matcher);
    t->matcher = yara_matcher_new(*t->s->rules, t->s->cfg.scan_timeout);
    t->gen = gen;
}

/* The remembered result for this file, or a scan (remembered for the next copy). */
static void match(ScanThread *t, YaraJob *j, YaraMatch *r)
{
    YaraCache *cache = t->s->cache;
    YaraCacheKey key = {.len = j->len, .gen = t->gen};
    if (cache && j->have_sha256) {
        memcpy(key.sha256, j->sha256, sizeof(key.sha256));
        key.name_part = yara_cache_name_part(yara_rules_externals(yara_matcher_rules(t->matcher)),
                                             j->name);
        if (yara_cache_get(cache, &key, r))
            return;
    }
    uint64_t start = cpu_usec();
    yara_matcher_scan(t->matcher, j->data, j->len, j->spool_fd, j->name, r);
    t->st.scan_usec += cpu_usec() - start;
    t->st.bytes_scanned += j->len;
    t->st.spooled += j->spool_fd >= 0;
    if (cache && j->have_sha256)
        yara_cache_put(cache, &key, r);
}

static void scan(ScanThread *t, YaraJob *j, YaraMatch *r)
{
    YaraScanStats *st = &t->st;
    r->count = 0;
    matcher_refresh(t);
    if (!t->matcher) {
        st->errors++;
        return;
    }
    match(t, j, r);
    st->timeouts += r->timeout;
    st->errors += r->error;
    st->files_scanned++;
    st->gate_skipped += r->gate_skipped;
    if (r->count) {
        st->files_matched++;
        st->matches += r->count;
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

static void alert_one(ScanThread *t, YaraJob *j, const YaraRuleInfo *info, json_t *app)
{
    YaraScanner *s = t->s;
    char signature[512];
    snprintf(signature, sizeof(signature), "BONGSU YARA %s", info->name);
    json_t *md = rule_metadata(yara_matcher_rules(t->matcher), info);
    AlertInfo a = {.gid = 10, .sid = info->sid, .rev = 1, .signature = signature,
                   .category = "Malicious file (YARA)", .severity = info->actor >= 0 ? 1 : 2,
                   .metadata = md, .app_object = app, .ts_usec = j->ts_usec};
    output_alert(&t->writer, NULL, &j->flow, &a);
    pthread_mutex_lock(&s->counters_lock);
    counter_incr(&s->counters, s->alert_counter);
    pthread_mutex_unlock(&s->counters_lock);
    json_decref(md);
}

/* The fileinfo event after the scan: the matching rules' sids (and names when asked). */
static void write_fileinfo(ScanThread *t, YaraJob *j, const YaraMatch *r)
{
    json_t *fi = json_object_get(j->event, "fileinfo");
    if (r->count && fi) {
        json_t *sids = json_array(), *names = json_array();
        for (size_t i = 0; i < r->count; i++) {
            json_array_append_new(sids, json_integer(r->hits[i]->sid));
            json_array_append_new(names, json_string(r->hits[i]->name));
        }
        json_object_set_new(fi, "sid", sids);
        if (t->s->cfg.fileinfo_rules)
            json_object_set(fi, "yara_rules", names);
        json_decref(names);
    }
    eve_write(&t->writer, EVE_FILES, j->event);
    j->event = NULL;
}

/* One alert per matching rule, all with the same app object. */
static void alert_all(ScanThread *t, YaraJob *j, const YaraMatch *r)
{
    json_t *app = json_object();
    if (j->app_proto[0])
        json_object_set_new(app, "app_proto", json_string(j->app_proto));
    if (j->proto_obj && j->app_proto[0])
        json_object_set(app, j->app_proto, j->proto_obj);
    json_object_set(app, "fileinfo", j->fileinfo);
    for (size_t i = 0; i < r->count; i++)
        alert_one(t, j, r->hits[i], app);
    json_decref(app);
}

static void emit(ScanThread *t, YaraJob *j, const YaraMatch *r)
{
    if (r->count)
        alert_all(t, j, r);
    if (j->event)
        write_fileinfo(t, j, r);
}

static void switch_rules(ScanThread *t, YaraRuleSet *fresh)
{
    YaraScanner *s = t->s;
    YaraRuleSet **retired = realloc(s->retired, (s->retired_count + 1) * sizeof(*retired));
    pthread_rwlock_wrlock(&s->rules_lock);
    if (retired) {
        s->retired = retired;
        s->retired[s->retired_count++] = *s->rules;
        *s->rules = fresh;
        atomic_fetch_add(&s->gen, 1);
    }
    pthread_rwlock_unlock(&s->rules_lock);
    if (!retired) {
        yara_rules_free(fresh);
        return;
    }
    t->st.reloads++;
    log_notice("yara rules reloaded: %zu rules", yara_rules_count(fresh));
}

/* Waits on the queue for at most YARA_IDLE_POLL_MS (see YARA_WAKE_BATCH). Lock held. */
static void wait_for_work(YaraScanner *s)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += YARA_IDLE_POLL_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&s->not_empty, &s->lock, &until);
}

static YaraJob *dequeue(ScanThread *t)
{
    YaraScanner *s = t->s;
    pthread_mutex_lock(&s->lock);
    if (!s->head) {
        pthread_mutex_unlock(&s->lock);
        eve_writer_flush(&t->writer);  /* idle: show what was found without delay */
        pthread_mutex_lock(&s->lock);
    }
    while (!s->head)
        wait_for_work(s);
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
    ScanThread *t = arg;
    YaraMatch *r = malloc(sizeof(*r));
    for (;;) {
        YaraJob *j = dequeue(t);
        if (j->kind == JOB_STOP) {
            free(j);
            break;
        }
        if (j->kind == JOB_RULES) {
            switch_rules(t, j->rules);
        } else if (r) {
            pthread_rwlock_rdlock(&t->s->rules_lock);
            scan(t, j, r);
            emit(t, j, r);
            pthread_rwlock_unlock(&t->s->rules_lock);
        }
        job_free(t->s, j);
    }
    free(r);
    yara_matcher_free(t->matcher);
    t->matcher = NULL;
    eve_writer_flush(&t->writer);
    t->st.thread_usec = cpu_usec();
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

static bool threads_start(YaraScanner *s)
{
    uint32_t n = s->cfg.threads ? s->cfg.threads : 1;
    if (n > YARA_MAX_THREADS)
        n = YARA_MAX_THREADS;
    for (uint32_t i = 0; i < n; i++) {
        ScanThread *t = &s->threads[i];
        t->s = s;
        eve_writer_init(&t->writer, s->eve);
        t->started = pthread_create(&t->thread, NULL, scanner_main, t) == 0;
        if (!t->started) {
            eve_writer_destroy(&t->writer);
            break;
        }
        s->thread_count++;
    }
    return s->thread_count > 0;
}

static void scanner_destroy(YaraScanner *s)
{
    yara_cache_free(s->cache);
    for (size_t i = 0; i < s->retired_count; i++)
        yara_rules_free(s->retired[i]);
    free(s->retired);
    counter_set_free(&s->counters);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->counters_lock);
    pthread_cond_destroy(&s->not_empty);
    pthread_rwlock_destroy(&s->rules_lock);
    free(s);
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
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->counters_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);  /* wait_for_work's deadline */
    pthread_cond_init(&s->not_empty, &attr);
    pthread_condattr_destroy(&attr);
    pthread_rwlock_init(&s->rules_lock, NULL);
    s->cache = yara_cache_new(s->cfg.cache_size);
    if (s->cache)
        file_request_hashes();  /* the key; intel usually asks for them already */
    if (!threads_start(s)) {
        scanner_destroy(s);
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
        j->spool_fd = -1;
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
             "(%llu alerts), %llu from a spool file, %llu without the gated rules (none of "
             "their strings)",
             (unsigned long long)st->files_scanned, (unsigned long long)st->bytes_scanned, sec,
             sec > 0 ? (double)st->bytes_scanned / 1e6 / sec : 0.0,
             (unsigned long long)st->files_matched, (unsigned long long)st->matches,
             (unsigned long long)st->spooled, (unsigned long long)st->gate_skipped);
    log_info("yara: of those, %llu files (%llu bytes) gated out on the capture threads "
             "(not queued; not in the bytes and CPU above)",
             (unsigned long long)st->worker_gated, (unsigned long long)st->worker_gated_bytes);
    log_info("yara: scanner threads %.3f s CPU in all; at the end of input %llu files were "
             "queued, drained in %.3f s", (double)st->thread_usec / 1e6,
             (unsigned long long)st->queued_at_stop, (double)st->drain_usec / 1e6);
    log_info("yara: result cache: %llu hits, %llu misses, %llu evictions",
             (unsigned long long)st->cache_hits, (unsigned long long)st->cache_misses,
             (unsigned long long)st->cache_evictions);
    if (st->truncated || st->memcap_hit || st->queue_full || st->timeouts || st->errors ||
        st->unscanned || st->spool_errors)
        log_notice("yara: limits hit: %llu truncated at max-file-size, %llu at memcap, %llu "
                   "skipped (queue full), %llu timed out, %llu scan errors, %llu unscanned, "
                   "%llu spool write errors",
                   (unsigned long long)st->truncated, (unsigned long long)st->memcap_hit,
                   (unsigned long long)st->queue_full, (unsigned long long)st->timeouts,
                   (unsigned long long)st->errors, (unsigned long long)st->unscanned,
                   (unsigned long long)st->spool_errors);
}

static void stats_add(YaraScanStats *to, const YaraScanStats *from)
{
    to->files_scanned += from->files_scanned;
    to->files_matched += from->files_matched;
    to->matches += from->matches;
    to->bytes_scanned += from->bytes_scanned;
    to->scan_usec += from->scan_usec;
    to->thread_usec += from->thread_usec;
    to->timeouts += from->timeouts;
    to->errors += from->errors;
    to->reloads += from->reloads;
    to->spooled += from->spooled;
    to->gate_skipped += from->gate_skipped;
}

static uint64_t wall_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The stop messages queue behind the files not yet scanned: joining is the end-of-run drain,
 * which is measured (wall time past the end of capture that YARA adds). */
static void threads_stop(YaraScanner *s)
{
    uint64_t start = wall_usec();
    pthread_mutex_lock(&s->lock);
    s->st.queued_at_stop = s->queued;
    pthread_mutex_unlock(&s->lock);
    for (uint32_t i = 0; i < s->thread_count; i++) {
        YaraJob *stop = calloc(1, sizeof(*stop));
        if (!stop)
            continue;  /* that thread is left running; the process is out of memory anyway */
        stop->kind = JOB_STOP;
        enqueue(s, stop, true);
    }
    for (uint32_t i = 0; i < s->thread_count; i++) {
        ScanThread *t = &s->threads[i];
        if (!t->started)
            continue;
        pthread_join(t->thread, NULL);
        t->started = false;
        stats_add(&s->st, &t->st);
        eve_writer_destroy(&t->writer);
    }
    s->st.drain_usec = wall_usec() - start;
}

void yara_scanner_stop(YaraScanner *s)
{
    if (!s || !atomic_load(&active))
        return;
    atomic_store(&active, NULL);
    if (s->reload_started)
        pthread_join(s->reload_thread, NULL);  /* its new set is queued before the stop */
    s->reload_started = false;
    threads_stop(s);
    s->st.truncated = atomic_load(&s->truncated);
    s->st.memcap_hit = atomic_load(&s->memcap_hit);
    s->st.queue_full = atomic_load(&s->queue_full);
    s->st.unscanned = atomic_load(&s->unscanned);
    s->st.spool_errors = atomic_load(&s->spool_errors);
    s->st.worker_gated = atomic_load(&s->worker_gated);
    s->st.worker_gated_bytes = atomic_load(&s->worker_gated_bytes);
    s->st.files_scanned += s->st.worker_gated;
    s->st.gate_skipped += s->st.worker_gated;
    if (s->cache) {
        YaraCacheStats cs;
        yara_cache_stats(s->cache, &cs);
        s->st.cache_hits = cs.hits;
        s->st.cache_misses = cs.misses;
        s->st.cache_evictions = cs.evictions;
    }
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
    if (worker_scratch_ok) {  /* this thread's; other workers' go when they end */
        yara_gate_scratch_free(pthread_getspecific(worker_scratch_key));
        pthread_setspecific(worker_scratch_key, NULL);
    }
    scanner_destroy(s);
}
