/*
 * hub.h — shared vocabulary of bongsu-hub: the result type, roles, the small string
 * buffer and the time helpers that every other hub file uses.
 *
 * The hub is split one file per concern (server, auth, ingest, store, query, incidents,
 * stix, taxii, console, CLI). Each concern has its own header; this one only holds what
 * they all need, so that a file includes hub.h plus the one or two headers of the layer
 * directly below it. Following curl, there is a single result type (hub_status) with a
 * documented meaning per code, and messages that reach clients never carry internals.
 */
#ifndef BONGSU_HUB_H
#define BONGSU_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/textbuf.h"

/* One result type for every hub function that can fail. */
typedef enum {
    HUB_OK = 0,
    HUB_ERR_NOMEM,    /* allocation failed */
    HUB_ERR_STORAGE,  /* the database refused or failed (details go to the log only) */
    HUB_ERR_EXISTS,   /* a unique name is already taken */
    HUB_ERR_NOTFOUND, /* no such token, actor, ... */
    HUB_ERR_INVALID,  /* caller input is malformed */
    HUB_ERR_LIMIT,    /* a size or count limit was exceeded */
    HUB_ERR_IO,       /* reading a file or socket failed */
} hub_status;

const char *hub_status_str(hub_status st);

/* Roles are a bitmask so a route can accept several (analyst and admin, say). */
typedef enum {
    HUB_ROLE_NONE = 0,
    HUB_ROLE_SENSOR = 1u << 0,  /* may post events, nothing else */
    HUB_ROLE_ANALYST = 1u << 1, /* may query, export and use the console */
    HUB_ROLE_PARTNER = 1u << 2, /* may read the TAXII collection and STIX export only */
    HUB_ROLE_ADMIN = 1u << 3,   /* everything */
} hub_role;

const char *hub_role_name(hub_role r);
hub_role hub_role_parse(const char *s); /* HUB_ROLE_NONE when unknown */

/* The hub's JSON replies and SQL text are built in bongsu's shared text buffer
 * (src/common/textbuf.h: on allocation failure it latches `failed` and stops growing, so
 * callers check once at the end). These are the hub's names for it, kept so the hub's many
 * call sites read as they did. */
typedef TextBuf hub_buf;
#define hub_buf_append text_buf_put
#define hub_buf_puts text_buf_puts
#define hub_buf_printf text_buf_printf
#define hub_buf_json_string text_buf_json_string /* appends a quoted, escaped string */
#define hub_buf_take text_buf_take               /* NUL-terminated; NULL if failed */
#define hub_buf_free text_buf_free

/* Time is microseconds since the Unix epoch, UTC, everywhere inside the hub. */
int64_t hub_now_us(void);
/* Parses "2023-11-14T22:13:20.123456+0000" (Suricata EVE), "...Z", "...+00:00", and a bare
 * date "2023-11-14". Returns false on anything else, including out-of-range fields. */
bool hub_time_parse(const char *s, int64_t *out_us);
/* Formats as "2023-11-14T22:13:20.123456Z"; buf needs 28 bytes (32 is the habit). */
void hub_time_format(int64_t us, char *buf, size_t len);
/* STIX timestamps: RFC 3339 UTC with millisecond precision. */
void hub_time_format_ms(int64_t us, char *buf, size_t len);

/* Deterministic UUIDv5 (SHA-1 name-based) as text, 37 bytes with NUL. STIX ids built this
 * way make re-exports of the same thing carry the same id. */
void hub_uuid5(const uint8_t ns[16], const char *name, size_t name_len, char out[37]);

/* Logging to stderr with a timestamp; never sent to clients. */
void hub_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
