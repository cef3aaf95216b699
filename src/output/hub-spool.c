/*
 * hub-spool.c - spool segments on disk: the writer side of the hub output (see hub-spool.h).
 *
 * Segment files are "seg-<12-digit number>.open" while written and renamed to
 * "seg-<number>.ready" when sealed; the sender only ever reads ready ones, and the rename is
 * the commit point. The instance id (spool-dir/instance, made once) keeps idempotency keys
 * unique across sensors and restarts.
 */
#include "output/hub-spool-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void hub_spool_config_default(HubSpoolConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->batch_bytes = 2u << 20;
    cfg->flush_sec = 2;
    cfg->timeout_sec = 30;
}

static int load_instance(HubSpool *sp, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/instance", sp->cfg.dir);
    FILE *f = fopen(path, "r");
    if (f) {
        bool ok = fscanf(f, "%32s", sp->instance) == 1;
        fclose(f);
        if (ok)
            return 0;
    }
    uint64_t r = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
        r = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
    if (fd >= 0)
        close(fd);
    snprintf(sp->instance, sizeof(sp->instance), "%016llx", (unsigned long long)r);
    f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%s\n", sp->instance);
    fclose(f);
    return 0;
}

/* Cuts a segment left open by a crash after its last complete line and seals it. */
static void recover_open_segment(const char *dir, const char *name)
{
    char path[4200], ready[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r+");
    if (!f)
        return;
    long keep = 0, pos = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        pos++;
        if (c == '\n')
            keep = pos;
    }
    fclose(f);
    if (truncate(path, keep) != 0 || keep == 0) {
        unlink(path);
        return;
    }
    snprintf(ready, sizeof(ready), "%s/%.*s.ready", dir, (int)(strlen(name) - 5), name);
    rename(path, ready);
}

/* Seals crash leftovers and finds the next segment number. */
static uint64_t scan_existing(const char *dir)
{
    uint64_t next = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        unsigned long long seq;
        if (sscanf(e->d_name, "seg-%12llu", &seq) != 1)
            continue;
        if (seq + 1 > next)
            next = seq + 1;
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".open") == 0)
            recover_open_segment(dir, e->d_name);
    }
    if (d)
        closedir(d);
    return next;
}

/* Segment numbers are part of the idempotency keys, so they must never repeat, even after
 * every segment was delivered and deleted: the next number is kept in spool-dir/next. */
static uint64_t load_next_seq(const HubSpool *sp)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/next", sp->cfg.dir);
    FILE *f = fopen(path, "r");
    unsigned long long next = 0;
    if (f) {
        if (fscanf(f, "%llu", &next) != 1)
            next = 0;
        fclose(f);
    }
    return next;
}

static void save_next_seq(const HubSpool *sp)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof(path), "%s/next", sp->cfg.dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%llu\n", (unsigned long long)sp->next_seq);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    rename(tmp, path);
}

static int open_segment(HubSpool *sp)
{
    snprintf(sp->open_path, sizeof(sp->open_path), "%s/seg-%012llu.open", sp->cfg.dir,
             (unsigned long long)sp->next_seq);
    sp->file = fopen(sp->open_path, "a");
    if (!sp->file)
        return -1;
    sp->current_seq = sp->next_seq++;
    save_next_seq(sp);
    sp->opened_at = time(NULL);
    return 0;
}

/* The rename makes the segment visible to the sender, complete. */
static void seal_segment(HubSpool *sp)
{
    if (!sp->file)
        return;
    fflush(sp->file);
    fsync(fileno(sp->file));
    long size = ftell(sp->file);
    fclose(sp->file);
    sp->file = NULL;
    if (size <= 0) {
        unlink(sp->open_path);
        return;
    }
    char ready[4200];
    snprintf(ready, sizeof(ready), "%s/seg-%012llu.ready", sp->cfg.dir,
             (unsigned long long)sp->current_seq);
    rename(sp->open_path, ready);
    hub_sender_wake(sp);
}

HubSpool *hub_spool_open(const HubSpoolConfig *cfg, char *err, size_t errlen)
{
    HubSpool *sp = calloc(1, sizeof(*sp));
    if (!sp)
        return NULL;
    sp->cfg = *cfg;
    if (mkdir(cfg->dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "hub spool %s: %s", cfg->dir, strerror(errno));
        free(sp);
        return NULL;
    }
    if (load_instance(sp, err, errlen) != 0) {
        free(sp);
        return NULL;
    }
    uint64_t after_files = scan_existing(cfg->dir), saved = load_next_seq(sp);
    sp->next_seq = after_files > saved ? after_files : saved;
    if (open_segment(sp) != 0 || hub_sender_start(sp) != 0) {
        snprintf(err, errlen, "hub spool %s: cannot start: %s", cfg->dir, strerror(errno));
        if (sp->file)
            fclose(sp->file);
        free(sp);
        return NULL;
    }
    return sp;
}

FILE *hub_spool_file(HubSpool *sp)
{
    return sp->file;
}

void hub_spool_after_write(HubSpool *sp)
{
    if (!sp->file)
        return;
    bool full = (uint64_t)ftell(sp->file) >= sp->cfg.batch_bytes;
    bool old = time(NULL) - sp->opened_at >= (time_t)sp->cfg.flush_sec;
    if (full || old) {
        seal_segment(sp);
        open_segment(sp);
    }
}

void hub_spool_close(HubSpool *sp, uint32_t drain_sec)
{
    if (!sp)
        return;
    seal_segment(sp);
    hub_sender_stop(sp, drain_sec);
    free(sp);
}
