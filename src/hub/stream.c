/*
 * stream.c — XADD of accepted events to a Redis stream (see stream.h).
 *
 * One connection, behind a mutex: a request's lines go out as one pipeline and every
 * reply is read before the next request uses the connection, so replies never get mixed
 * up between requests. A failed connection is dropped and re-made on the next request.
 * Durability is Redis's: with appendonly and appendfsync always, an acknowledged XADD
 * survives a Redis crash, which is what lets the HTTP reply say 200.
 */
#include "stream.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


bool hub_redis_url_parse(const char *url, char *host, size_t host_len, int *port)
{
    if (strncmp(url, "redis://", 8) != 0)
        return false;
    const char *h = url + 8, *colon = strchr(h, ':'), *slash = strchr(h, '/');
    const char *end = colon ? colon : slash ? slash : h + strlen(h);
    if (end == h || (size_t)(end - h) >= host_len)
        return false;
    snprintf(host, host_len, "%.*s", (int)(end - h), h);
    *port = 6379;
    if (colon) {
        char *e;
        long p = strtol(colon + 1, &e, 10);
        if (p <= 0 || p > 65535 || (*e && *e != '/'))
            return false;
        *port = (int)p;
    }
    return true;
}

struct hub_stream {
    pthread_mutex_t mu;
    redisContext *rc;
    char host[256];
    int port;
    char key[256];
};

hub_stream *hub_stream_open(const char *redis_url, const char *key)
{
    hub_stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    if (!hub_redis_url_parse(redis_url, st->host, sizeof st->host, &st->port) ||
        strlen(key) >= sizeof st->key) {
        free(st);
        return NULL;
    }
    snprintf(st->key, sizeof st->key, "%s", key);
    pthread_mutex_init(&st->mu, NULL);
    return st;
}

void hub_stream_close(hub_stream *st)
{
    if (!st)
        return;
    if (st->rc)
        redisFree(st->rc);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

bool hub_redis_reconnect(redisContext **rc, const char *host, int port)
{
    if (*rc && !(*rc)->err)
        return true;
    if (*rc)
        redisFree(*rc);
    struct timeval tv = {10, 0};
    *rc = redisConnectWithTimeout(host, port, tv);
    if (!*rc || (*rc)->err) {
        hub_log("redis %s:%d: %s", host, port, *rc ? (*rc)->errstr : "no memory");
        if (*rc)
            redisFree(*rc);
        *rc = NULL;
        return false;
    }
    redisSetTimeout(*rc, tv);
    return true;
}

static hub_status add_locked(hub_stream *st, const char *sensor, const char *const *lines,
                             const size_t *lens, const char *const *keys, size_t n)
{
    if (!hub_redis_reconnect(&st->rc, st->host, st->port))
        return HUB_ERR_IO;
    for (size_t i = 0; i < n; i++) {
        const char *argv[] = {"XADD", st->key, "*", "eve", lines[i], "sensor", sensor,
                              "key", keys ? keys[i] : NULL};
        size_t l[] = {4, strlen(st->key), 1, 3, lens[i], 6, strlen(sensor), 3,
                      keys ? strlen(keys[i]) : 0};
        redisAppendCommandArgv(st->rc, keys ? 9 : 7, argv, l);
    }
    hub_status res = HUB_OK;
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(st->rc, (void **)&r) != REDIS_OK || !r) {
            hub_log("stream: redis %s:%d: %s", st->host, st->port, st->rc->errstr);
            redisFree(st->rc); /* replies still owed: this connection is unusable */
            st->rc = NULL;
            return HUB_ERR_IO;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            hub_log("stream: XADD refused: %s", r->str);
            res = HUB_ERR_IO;
        }
        freeReplyObject(r);
    }
    return res;
}

hub_status hub_stream_add(hub_stream *st, const char *sensor, const char *const *lines,
                          const size_t *lens, const char *const *keys, size_t n)
{
    pthread_mutex_lock(&st->mu);
    hub_status res = add_locked(st, sensor, lines, lens, keys, n);
    pthread_mutex_unlock(&st->mu);
    return res;
}
