/*
 * ingest.h — checking EVE NDJSON lines and storing batches of them.
 */
#ifndef BONGSU_HUB_INGEST_H
#define BONGSU_HUB_INGEST_H

#include <jansson.h>
#include <stdio.h>

#include "eve_scan.h"
#include "hub.h"
#include "store.h"
#include "stream.h"

#define HUB_INGEST_MAX_LINE (1u << 20) /* longest accepted EVE line, bytes */
#define HUB_INGEST_MAX_ERRORS 100      /* rejected lines listed per reply */
#define HUB_IDEM_KEY_MAX 128

/* One checked line. Field strings point into `arena` (decoded copies), the capture or
 * the victim buffer, so they live until hub_line_clear(). */
typedef struct {
    hub_event_fields f;
    hub_eve_capture cap;
    char *arena; /* `small`, or a malloc'd buffer for lines longer than it */
    char small[2048];
    char victim[64];
} hub_line;

/* Checks one line (no trailing newline needed). On success fills *out (caller must
 * hub_line_clear it) and returns true; on failure writes a client-safe reason. */
bool hub_ingest_check_line(const char *line, size_t len, hub_line *out, char *reason,
                           size_t reason_len);
void hub_line_clear(hub_line *l);

/* true when an Idempotency-Key value is acceptable: 1..128 printable ASCII chars. */
bool hub_idem_key_valid(const char *key);

typedef struct {
    size_t accepted, rejected;
    bool replayed;   /* the reply is the stored one for this idempotency key */
    char *reply;     /* JSON reply body, malloc'd */
} hub_ingest_result;

/* Checks and stores an NDJSON body from `sensor` in one transaction, together with the
 * idempotency record when idem_key is given. HUB_OK means durable. */
hub_status hub_ingest_body(hub_store *s, const char *sensor, const char *idem_key,
                           const char *body, size_t len, hub_ingest_result *res);

/* The same, but the transaction runs on w, a handle that other threads share under the
 * process's write lock (w may be s): the server's single SQLite writer, whose page cache
 * stays warm from batch to batch (server.c); s, this thread's own, answers a retried
 * batch before any parsing. With fwd the accepted events go to a Redis stream (serve
 * --redis) instead of the store's events table; the idempotency record is still kept in
 * the store, written after Redis acknowledged every line. */
hub_status hub_ingest_body_to(hub_store *s, hub_store *w, hub_stream *fwd,
                              const char *sensor, const char *idem_key, const char *body,
                              size_t len, hub_ingest_result *res);

/* Offline import of an EVE file; commits every `batch` lines. Rejected lines are
 * reported on `errs` (may be NULL). */
hub_status hub_ingest_file(hub_store *s, const char *sensor, FILE *in, size_t batch,
                           FILE *errs, size_t *accepted, size_t *rejected);

#endif
