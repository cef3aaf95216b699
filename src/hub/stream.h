/*
 * stream.h — the hub's producer side of a Redis stream: `serve --redis URL --stream KEY`
 * hands accepted events to the stream for the workers (worker.h) instead of writing them
 * to the store itself.
 */
#ifndef BONGSU_HUB_STREAM_H
#define BONGSU_HUB_STREAM_H

#include "hub.h"

typedef struct hub_stream hub_stream;

/* "redis://host:port[/db]" -> host (NUL-terminated, host_len bytes) and port. */
bool hub_redis_url_parse(const char *url, char *host, size_t host_len, int *port);

/* Keeps *rc a working connection to host:port: a context in error is freed and replaced
 * (10 s connect and command timeouts). false, logged and *rc NULL when Redis cannot be
 * reached. Shared by the stream producer and the workers. */
struct redisContext;
bool hub_redis_reconnect(struct redisContext **rc, const char *host, int port);

/* Connects lazily; NULL only on a malformed URL or no memory. */
hub_stream *hub_stream_open(const char *redis_url, const char *key);
void hub_stream_close(hub_stream *st);

/* XADD <key> * eve <line> sensor <sensor> [key <keys[i]>] for each of n lines, pipelined;
 * HUB_OK only when Redis acknowledged every one (HUB_ERR_IO otherwise: the caller answers
 * 503 and the sensor retries). keys may be NULL; a key lets the workers store a line once
 * even when a retried request puts it on the stream twice. Safe from several threads. */
hub_status hub_stream_add(hub_stream *st, const char *sensor, const char *const *lines,
                          const size_t *lens, const char *const *keys, size_t n);

#endif
