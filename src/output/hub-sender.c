/*
 * hub-sender.c - the thread that posts sealed spool segments to the hub (see hub-spool.h).
 *
 * libcurl does the HTTPS client work (certificate verification against the configured CA,
 * timeouts, HTTP/1.1), which libmicrohttpd, a server library, does not. One request at a
 * time, oldest segment first, so the hub receives events in order. What each reply means is
 * the hub's contract (docs/hub.md): 200 delivered (also when replayed); 413 split in two
 * with new keys; 400 never deliverable (logged, dropped); 429 wait Retry-After; 401/403 keep
 * everything and retry slowly; anything else retried with exponential backoff and jitter.
 * With filetype redis the segment goes to redis_sink_deliver() instead (redis-sink.h).
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/log.h"
#include "output/hub-spool-internal.h"

#define BACKOFF_MIN_SEC 1
#define BACKOFF_MAX_SEC 60
#define AUTH_BACKOFF_SEC 300

typedef enum SendResult { SEND_DONE, SEND_RETRY, SEND_SPLIT } SendResult;

typedef struct Reply {
    long status;
    long retry_after;
} Reply;

/* The oldest ready segment's stem ("seg-000000000012" or a split "seg-000000000012a"). */
static bool oldest_ready(const char *dir, char *stem, size_t len)
{
    DIR *d = opendir(dir);
    bool found = false;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "seg-", 4) != 0 || n < 7 || strcmp(e->d_name + n - 6, ".ready"))
            continue;
        if (!found || strncmp(e->d_name, stem, n - 6) < 0) {
            snprintf(stem, len, "%.*s", (int)(n - 6), e->d_name);
            found = true;
        }
    }
    if (d)
        closedir(d);
    return found;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
    *len = buf ? fread(buf, 1, (size_t)size, f) : 0;
    fclose(f);
    return buf;
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    Reply *r = ud;
    size_t len = size * n;
    if (len > 12 && strncasecmp(line, "Retry-After:", 12) == 0)
        r->retry_after = strtol(line + 12, NULL, 10);
    return len;
}

static size_t discard_body(char *data, size_t size, size_t n, void *ud)
{
    (void)data;
    (void)ud;
    return size * n;
}

static bool post(const HubSpool *sp, const char *key, const char *body, size_t len, Reply *reply)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return false;
    char url[1200], auth[600], idem[200];
    snprintf(url, sizeof(url), "%s/api/v1/events", sp->cfg.url);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", sp->cfg.token);
    snprintf(idem, sizeof(idem), "Idempotency-Key: %s", key);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    headers = curl_slist_append(headers, idem);
    headers = curl_slist_append(headers, "Content-Type: application/x-ndjson");
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)sp->cfg.timeout_sec);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, reply);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
    if (sp->cfg.ca[0])
        curl_easy_setopt(curl, CURLOPT_CAINFO, sp->cfg.ca);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply->status);
    else
        log_warning("hub %s: %s", sp->cfg.url, curl_easy_strerror(rc));
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK;
}

/* Writes the two halves (split at a line end) as new segments with their own keys. */
static bool split_segment(const HubSpool *sp, const char *stem, const char *body, size_t len)
{
    size_t mid = len / 2;
    while (mid < len && body[mid - 1] != '\n')
        mid++;
    if (mid == 0 || mid >= len)
        return false;
    const char *parts[2] = {body, body + mid};
    size_t sizes[2] = {mid, len - mid};
    for (int i = 0; i < 2; i++) {
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s%c.ready", sp->cfg.dir, stem, 'a' + i);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(parts[i], 1, sizes[i], f) != sizes[i]) {
            if (f)
                fclose(f);
            return false;
        }
        fclose(f);
    }
    return true;
}

static SendResult classify(const HubSpool *sp, const char *stem, const Reply *r)
{
    switch (r->status) {
    case 200:
        return SEND_DONE;
    case 413:
        return SEND_SPLIT;
    case 400:
        log_error("hub refused batch %s as malformed (HTTP 400); dropping it", stem);
        return SEND_DONE;
    case 401:
    case 403:
        log_error("hub %s refused the sensor token (HTTP %ld); keeping events spooled",
                  sp->cfg.url, r->status);
        return SEND_RETRY;
    default:
        return SEND_RETRY;
    }
}

/* Replaces a segment's content by what is still to send; the rename is atomic, so a
 * crash leaves either the old content (resent whole) or the new. */
static bool rewrite_segment(const char *path, const char *data, size_t len)
{
    char tmp[4500];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f)
        fclose(f);
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    return ok;
}

/* filetype redis: what Redis acknowledged leaves the segment, the rest is retried. */
static SendResult send_to_redis(HubSpool *sp, const char *path, const char *body, size_t len)
{
    char *keep = malloc(len + 1);
    if (!keep)
        return SEND_RETRY;
    size_t left = redis_sink_deliver(&sp->redis, &sp->cfg.redis, body, len, keep);
    SendResult r = left == 0 ? SEND_DONE : SEND_RETRY;
    if (left && left < len)
        rewrite_segment(path, keep, left);
    free(keep);
    return r;
}

static SendResult send_segment(HubSpool *sp, const char *stem, long *wait_sec)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/%s.ready", sp->cfg.dir, stem);
    size_t len;
    char *body = read_file(path, &len);
    if (!body)
        return SEND_RETRY;
    char key[128];
    snprintf(key, sizeof(key), "%s-%s", sp->instance, stem + 4);
    Reply reply = {0};
    SendResult result = SEND_RETRY;
    if (sp->cfg.to_redis && len)
        result = send_to_redis(sp, path, body, len);
    else if (len == 0 || post(sp, key, body, len, &reply))
        result = len == 0 ? SEND_DONE : classify(sp, stem, &reply);
    if (result == SEND_SPLIT && !split_segment(sp, stem, body, len))
        result = SEND_RETRY;
    if (result != SEND_RETRY)
        unlink(path);
    *wait_sec = reply.status == 429 && reply.retry_after > 0 ? reply.retry_after
                : reply.status == 401 || reply.status == 403 ? AUTH_BACKOFF_SEC
                                                              : 0;
    free(body);
    return result;
}

/* Sleeps up to sec seconds, or until woken (new segment, stop). */
static void wait_for(HubSpool *sp, long sec)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += sec;
    pthread_mutex_lock(&sp->lock);
    if (!sp->stop)
        pthread_cond_timedwait(&sp->wake, &sp->lock, &until);
    pthread_mutex_unlock(&sp->lock);
}

static bool should_exit(HubSpool *sp, bool have_work)
{
    pthread_mutex_lock(&sp->lock);
    bool stopping = sp->stop;
    time_t deadline = sp->drain_deadline;
    pthread_mutex_unlock(&sp->lock);
    return stopping && (!have_work || time(NULL) >= deadline);
}

static void *sender_main(void *arg)
{
    HubSpool *sp = arg;
    long backoff = BACKOFF_MIN_SEC;
    for (;;) {
        char stem[256];
        bool have_work = oldest_ready(sp->cfg.dir, stem, sizeof(stem));
        if (should_exit(sp, have_work))
            break;
        if (!have_work) {
            wait_for(sp, 1);
            continue;
        }
        long wait_sec = 0;
        if (send_segment(sp, stem, &wait_sec) != SEND_RETRY) {
            backoff = BACKOFF_MIN_SEC;
            continue;
        }
        /* exponential backoff with jitter, so many sensors do not retry in step */
        long delay = wait_sec ? wait_sec : backoff + rand() % (backoff + 1);
        backoff = backoff * 2 > BACKOFF_MAX_SEC ? BACKOFF_MAX_SEC : backoff * 2;
        pthread_mutex_lock(&sp->lock);
        bool stopping = sp->stop;
        pthread_mutex_unlock(&sp->lock);
        if (stopping && time(NULL) + delay > sp->drain_deadline)
            break;
        wait_for(sp, delay);
    }
    return NULL;
}

static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int hub_sender_start(HubSpool *sp)
{
    static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
    pthread_once(&curl_once, init_curl);
    pthread_mutex_init(&sp->lock, NULL);
    pthread_cond_init(&sp->wake, NULL);
    return pthread_create(&sp->thread, NULL, sender_main, sp) == 0 ? 0 : -1;
}

void hub_sender_wake(HubSpool *sp)
{
    pthread_mutex_lock(&sp->lock);
    pthread_cond_signal(&sp->wake);
    pthread_mutex_unlock(&sp->lock);
}

void hub_sender_stop(HubSpool *sp, uint32_t drain_sec)
{
    pthread_mutex_lock(&sp->lock);
    sp->stop = true;
    sp->drain_deadline = time(NULL) + drain_sec;
    pthread_cond_signal(&sp->wake);
    pthread_mutex_unlock(&sp->lock);
    pthread_join(sp->thread, NULL);
    redis_sink_free(sp->redis);
    sp->redis = NULL;
    pthread_mutex_destroy(&sp->lock);
    pthread_cond_destroy(&sp->wake);
}
