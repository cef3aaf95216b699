/*
 * redis-sink.c - writes spooled EVE lines to Redis with hiredis (see redis-sink.h).
 *
 * A segment's lines go out as one pipeline (all commands written, then all replies read),
 * so a 2 MB segment costs one round trip rather than thousands. Replies come back in
 * order, so the acknowledged prefix is exact: the caller drops that much and retries the
 * rest. The one case that can repeat a line is a connection that dies after Redis applied
 * a command but before its reply arrived; the spool makes delivery at-least-once, never
 * lossy. Blocking hiredis with timeouts is enough: this runs on the spool's own thread.
 */
#include "output/redis-sink.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

#define REDIS_TIMEOUT_SEC 10

struct RedisSink {
    redisContext *ctx;
};

bool redis_mode_parse(const char *s, RedisMode *out)
{
    static const struct {
        const char *name;
        RedisMode mode;
    } modes[] = {{"list", REDIS_MODE_LPUSH},      {"lpush", REDIS_MODE_LPUSH},
                 {"rpush", REDIS_MODE_RPUSH},     {"channel", REDIS_MODE_PUBLISH},
                 {"publish", REDIS_MODE_PUBLISH}, {"stream", REDIS_MODE_STREAM}};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcasecmp(s, modes[i].name) == 0) {
            *out = modes[i].mode;
            return true;
        }
    }
    return false;
}

void redis_sink_free(RedisSink *sink)
{
    if (!sink)
        return;
    if (sink->ctx)
        redisFree(sink->ctx);
    free(sink);
}

static bool connect_sink(RedisSink *sink, const RedisSinkConfig *cfg)
{
    if (sink->ctx && !sink->ctx->err)
        return true;
    if (sink->ctx)
        redisFree(sink->ctx);
    struct timeval tv = {REDIS_TIMEOUT_SEC, 0};
    sink->ctx = redisConnectWithTimeout(cfg->server, cfg->port, tv);
    if (!sink->ctx || sink->ctx->err) {
        log_warning("redis %s:%d: %s", cfg->server, cfg->port,
                    sink->ctx ? sink->ctx->errstr : "cannot allocate");
        if (sink->ctx)
            redisFree(sink->ctx);
        sink->ctx = NULL;
        return false;
    }
    redisSetTimeout(sink->ctx, tv);
    return true;
}

/* Queues the command for one line (not sent until replies are read). */
static void append_line(redisContext *c, const RedisSinkConfig *cfg, const char *line,
                        size_t n)
{
    static const char *const verbs[] = {[REDIS_MODE_LPUSH] = "LPUSH",
                                        [REDIS_MODE_RPUSH] = "RPUSH",
                                        [REDIS_MODE_PUBLISH] = "PUBLISH"};
    const char *argv[10];
    size_t lens[10];
    int argc = 0;
    char maxlen[24];
#define ARG(s, l) (argv[argc] = (s), lens[argc++] = (l))
    if (cfg->mode != REDIS_MODE_STREAM) {
        ARG(verbs[cfg->mode], strlen(verbs[cfg->mode]));
        ARG(cfg->key, strlen(cfg->key));
        ARG(line, n);
    } else {
        ARG("XADD", 4);
        ARG(cfg->key, strlen(cfg->key));
        if (cfg->stream_maxlen) {
            snprintf(maxlen, sizeof(maxlen), "%llu", (unsigned long long)cfg->stream_maxlen);
            ARG("MAXLEN", 6);
            ARG("~", 1);
            ARG(maxlen, strlen(maxlen));
        }
        ARG("*", 1);
        ARG("eve", 3);
        ARG(line, n);
        ARG("sensor", 6);
        ARG(cfg->sensor, strlen(cfg->sensor));
    }
#undef ARG
    redisAppendCommandArgv(c, argc, argv, lens);
}

/* The next non-empty line at or after *off: its start and length; false at the end. */
static bool next_line(const char *body, size_t len, size_t *off, const char **line, size_t *n)
{
    while (*off < len && body[*off] == '\n')
        (*off)++;
    if (*off >= len)
        return false;
    const char *nl = memchr(body + *off, '\n', len - *off);
    size_t end = nl ? (size_t)(nl - body) : len;
    *line = body + *off;
    *n = end - *off;
    *off = end;
    return true;
}

/* Reads one reply: 1 acknowledged, 0 refused (logged), -1 connection failed. */
static int read_reply(RedisSink *sink, const RedisSinkConfig *cfg)
{
    redisReply *r = NULL;
    if (redisGetReply(sink->ctx, (void **)&r) != REDIS_OK || !r) {
        log_warning("redis %s:%d: %s", cfg->server, cfg->port, sink->ctx->errstr);
        redisFree(sink->ctx); /* reconnect on the next delivery */
        sink->ctx = NULL;
        return -1;
    }
    int ok = r->type != REDIS_REPLY_ERROR;
    if (!ok)
        log_error("redis %s:%d refused an event: %.*s", cfg->server, cfg->port, (int)r->len,
                  r->str);
    freeReplyObject(r);
    return ok;
}

size_t redis_sink_deliver(RedisSink **sinkp, const RedisSinkConfig *cfg, const char *body,
                          size_t len, char *keep)
{
    if (!*sinkp && !(*sinkp = calloc(1, sizeof(**sinkp))))
        return 0;
    RedisSink *sink = *sinkp;
    if (!connect_sink(sink, cfg)) {
        memcpy(keep, body, len);
        return len;
    }
    const char *line;
    size_t n, off = 0, kept = 0;
    while (next_line(body, len, &off, &line, &n))
        append_line(sink->ctx, cfg, line, n);
    off = 0;
    int state = 1;
    while (next_line(body, len, &off, &line, &n)) {
        if (state >= 0) /* after a failed connection, no more replies: keep the rest */
            state = read_reply(sink, cfg);
        if (state != 1) {
            memcpy(keep + kept, line, n);
            keep[kept + n] = '\n';
            kept += n + 1;
        }
        if (state == 0)
            state = 1;
    }
    return kept;
}
