/*
 * redis-sink.h - EVE to Redis (`outputs.N.eve-log.filetype: redis`), configured as
 * Suricata configures it:
 *
 *   redis: {server: 127.0.0.1, port: 6379, key: suricata, mode: list}
 *
 * mode list/lpush (LPUSH key line), rpush (RPUSH), channel/publish (PUBLISH key line) and
 * stream (XADD key * eve line sensor NAME, as Suricata 8 writes streams, plus the sensor's
 * name so that consumers, the hub workers, know where each event came from; optional
 * `stream-maxlen` trims with MAXLEN ~). NAME is the top-level `sensor-name` or the host
 * name.
 *
 * Delivery reuses the hub output's on-disk spool (hub-spool.h): lines are appended to spool
 * segments and the spool's sender thread hands sealed segments to redis_sink_deliver()
 * instead of posting them over HTTP, so Redis being down, restarting or slow costs nothing
 * but disk: events wait in the spool and are sent, in order, when it is back.
 */
#ifndef BONGSU_REDIS_SINK_H
#define BONGSU_REDIS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum RedisMode {
    REDIS_MODE_LPUSH = 0,
    REDIS_MODE_RPUSH,
    REDIS_MODE_PUBLISH,
    REDIS_MODE_STREAM,
} RedisMode;

typedef struct RedisSinkConfig {
    char server[256];
    int port;
    char key[256];
    RedisMode mode;
    char sensor[128];
    uint64_t stream_maxlen; /* 0: no trimming */
} RedisSinkConfig;

typedef struct RedisSink RedisSink;

/* "list", "lpush", "rpush", "channel", "publish", "stream"; false when unknown. */
bool redis_mode_parse(const char *s, RedisMode *out);

/* Sends the NDJSON lines of body[0..len) with one pipelined command each, (re)connecting
 * as needed (*sink starts NULL; the connection is kept between calls). The lines Redis did
 * not acknowledge (refused, or no reply because the connection failed) are copied, in
 * order and newline-terminated, to keep (room for len + 1 bytes); returns their length,
 * 0 when everything was delivered. */
size_t redis_sink_deliver(RedisSink **sink, const RedisSinkConfig *cfg, const char *body,
                          size_t len, char *keep);
void redis_sink_free(RedisSink *sink);

#endif
