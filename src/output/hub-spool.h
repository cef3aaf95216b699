/*
 * hub-spool.h - EVE to a bongsu hub: an on-disk spool and the sender that drains it.
 *
 * With `outputs.N.eve-log.filetype: hub` the EVE lines are appended to spool segments in
 * `hub.spool-dir` (default <logdir>/hub-spool) instead of eve.json. A segment is closed
 * ("sealed") when it reaches `hub.batch-size` or `hub.flush-interval` seconds have passed,
 * and is never written again. A sender thread posts sealed segments, oldest first, to
 * `{url}/api/v1/events` with the hub's sensor contract (docs/hub.md): bearer token,
 * NDJSON body, and an Idempotency-Key made of this spool's instance id and the segment's
 * number, so a batch whose reply was lost is stored once when resent. A segment is deleted
 * only after the hub said it is durable (200) or it can never be accepted; everything else
 * (hub down, 5xx, 429, timeouts) is retried with exponential backoff and jitter. Segments
 * survive restarts: on start the sender resumes them and the writer continues numbering
 * after them, and a segment left open by a crash is sealed up to its last whole line.
 *
 * The same spool serves `filetype: redis` (redis-sink.h): with cfg.to_redis the sender
 * hands each sealed segment to Redis instead of the hub, and keeps in the segment only
 * the lines Redis did not acknowledge. Sealing, ordering, backoff and restart behave the
 * same for both.
 */
#ifndef BONGSU_HUB_SPOOL_H
#define BONGSU_HUB_SPOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "output/redis-sink.h"

typedef struct HubSpoolConfig {
    char url[1024];          /* https://hub.example:8640 */
    char token[512];
    char ca[4096];           /* CA file to verify the hub's certificate ("" = system CAs) */
    char dir[4096];          /* spool directory */
    uint64_t batch_bytes;    /* seal a segment at this size */
    uint32_t flush_sec;      /* ... or when it is this old */
    uint32_t timeout_sec;    /* per request */
    bool to_redis;           /* deliver to Redis (redis) instead of the hub (url, token) */
    RedisSinkConfig redis;
} HubSpoolConfig;
typedef struct HubSpool HubSpool;

void hub_spool_config_default(HubSpoolConfig *cfg);
/* Opens the spool (creating the directory) and starts the sender. NULL with err filled. */
HubSpool *hub_spool_open(const HubSpoolConfig *cfg, char *err, size_t errlen);
/* The segment the EVE writer appends to right now (under the EVE log's lock). */
FILE *hub_spool_file(HubSpool *spool);
/* After an append: seal and start a new segment when it is full or old enough. */
void hub_spool_after_write(HubSpool *spool);
/* Seals what is written, gives the sender up to drain_sec to deliver, stops it. Whatever
 * was not delivered stays in the spool for the next start. */
void hub_spool_close(HubSpool *spool, uint32_t drain_sec);

#endif
