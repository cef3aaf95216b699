/*
 * file-store.c - file-store v2: files written to <dir>/<xx>/<sha256>, as Suricata 7 does.
 *
 * While a file is open its bytes go to a temporary file in <dir>/tmp; on close it is renamed
 * to <dir>/<first two hex digits of the sha256>/<sha256>. A file already stored under that
 * name is not written twice (its temporary copy is removed and the existing one kept), which
 * is what makes the store content-addressed. The 256 sub-directories are created lazily.
 *
 * Limits: at most max-open-files temporary files exist at once across all threads; a file
 * that finds no slot is not stored (file_store.open_files_max_hit). Any I/O error abandons
 * that one file and counts file_store.fs_errors; the sensor never stops for the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file/file.h"

struct FileStoreHandle {
    int fd;
    uint32_t id;
    bool failed;
    char tmp_path[4200];
};

static FileStoreConfig store_cfg;
/* The store directory resolved against the log directory, on first use. */
static char store_dir[4200];
static pthread_mutex_t resolve_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint open_files;
static atomic_uint next_id;
static CounterId ctr_fs_errors, ctr_max_hit;

void file_store_register_counters(void)
{
    ctr_fs_errors = counters_register("file_store.fs_errors");
    ctr_max_hit = counters_register("file_store.open_files_max_hit");
}

void file_store_configure(const FileStoreConfig *cfg)
{
    store_cfg = *cfg;
    store_dir[0] = '\0';
    atomic_store(&open_files, 0);
    atomic_store(&next_id, 0);
}

bool file_store_wanted(void)
{
    return store_cfg.enabled && store_cfg.force_store;
}

uint32_t file_store_id(const struct FileStoreHandle *h)
{
    return h->id;
}

static int ensure_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

static bool take_slot(void)
{
    if (!store_cfg.max_open_files) {
        atomic_fetch_add(&open_files, 1);
        return true;
    }
    unsigned cur = atomic_load(&open_files);
    while (cur < store_cfg.max_open_files)
        if (atomic_compare_exchange_weak(&open_files, &cur, cur + 1))
            return true;
    return false;
}

static const char *resolved_dir(const FileThread *th)
{
    pthread_mutex_lock(&resolve_lock);
    if (!store_dir[0]) {
        const char *eve = th ? th->eve_path : NULL;
        const char *slash = eve ? strrchr(eve, '/') : NULL;
        if (store_cfg.dir[0] == '/')
            snprintf(store_dir, sizeof(store_dir), "%s", store_cfg.dir);
        else if (slash)
            snprintf(store_dir, sizeof(store_dir), "%.*s/%s", (int)(slash - eve), eve,
                     store_cfg.dir);
        else
            snprintf(store_dir, sizeof(store_dir), "./%s", store_cfg.dir);
    }
    pthread_mutex_unlock(&resolve_lock);
    return store_dir;
}

struct FileStoreHandle *file_store_open(FileThread *th)
{
    const char *base = resolved_dir(th);
    if (!take_slot()) {
        if (th && th->counters)
            counter_incr(th->counters, ctr_max_hit);
        return NULL;
    }
    struct FileStoreHandle *h = calloc(1, sizeof(*h));
    if (!h) {
        atomic_fetch_sub(&open_files, 1);
        return NULL;
    }
    h->id = atomic_fetch_add(&next_id, 1) + 1;
    char tmp_dir[4200];
    h->fd = -1;
    int n1 = snprintf(tmp_dir, sizeof(tmp_dir), "%s/tmp", base);
    int n2 = snprintf(h->tmp_path, sizeof(h->tmp_path), "%s/file.%d.%u", tmp_dir, (int)getpid(),
                      h->id);
    bool fits = n1 > 0 && (size_t)n1 < sizeof(tmp_dir) && n2 > 0 &&
                (size_t)n2 < sizeof(h->tmp_path);
    if (fits && ensure_dir(base) == 0 && ensure_dir(tmp_dir) == 0)
        h->fd = open(h->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (h->fd < 0) {
        h->failed = true;
        if (th && th->counters)
            counter_incr(th->counters, ctr_fs_errors);
    }
    return h;
}

void file_store_write(FileThread *th, struct FileStoreHandle *h, const uint8_t *data,
                      uint32_t len)
{
    if (h->failed)
        return;
    while (len) {
        ssize_t n = write(h->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            h->failed = true;
            if (th && th->counters)
                counter_incr(th->counters, ctr_fs_errors);
            return;
        }
        data += n;
        len -= (uint32_t)n;
    }
}

static void release(struct FileStoreHandle *h)
{
    if (h->fd >= 0)
        close(h->fd);
    atomic_fetch_sub(&open_files, 1);
    free(h);
}

void file_store_abort(struct FileStoreHandle *h)
{
    if (!h)
        return;
    if (h->fd >= 0)
        unlink(h->tmp_path);
    release(h);
}

bool file_store_finish(FileThread *th, struct FileStoreHandle *h, const File *f)
{
    if (h->failed) {
        file_store_abort(h);
        return false;
    }
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", f->sha256[i]);
    char dir[4200], path[4300];
    int n1 = snprintf(dir, sizeof(dir), "%s/%.2s", store_dir, hex);
    int n2 = snprintf(path, sizeof(path), "%s/%s", dir, hex);
    bool ok = n1 > 0 && (size_t)n1 < sizeof(dir) && n2 > 0 && (size_t)n2 < sizeof(path) &&
              ensure_dir(dir) == 0;
    struct stat st;
    if (ok && stat(path, &st) == 0)
        unlink(h->tmp_path);               /* already stored: keep the existing copy */
    else if (!ok || rename(h->tmp_path, path) != 0)
        ok = false;
    if (!ok) {
        unlink(h->tmp_path);
        if (th && th->counters)
            counter_incr(th->counters, ctr_fs_errors);
    }
    release(h);
    return ok;
}
