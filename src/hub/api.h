/*
 * api.h — what an API handler sees and produces, independent of libmicrohttpd.
 *
 * Handlers (query, incidents, stix, taxii) read parameters through hub_params and fill
 * a hub_reply; only server.c knows about HTTP connections. That keeps the handlers
 * unit-testable with a fake parameter source and no sockets.
 */
#ifndef BONGSU_HUB_API_H
#define BONGSU_HUB_API_H

#include <jansson.h>

#include "hub.h"
#include "store.h"

#define HUB_PARAM_MAX 256 /* longest accepted query-parameter value */

typedef struct {
    const char *(*get)(void *ctx, const char *name); /* NULL when absent */
    void *ctx;
} hub_params;

typedef struct {
    unsigned status;
    char *body;               /* malloc'd */
    size_t len;
    const char *content_type; /* static string; NULL means application/json */
    char taxii_first[32];     /* X-TAXII-Date-Added-First/Last, when non-empty */
    char taxii_last[32];
    char next_cursor[32];     /* X-Next-Cursor, when non-empty (STIX bundle paging) */
} hub_reply;

/* Options that come from the command line and shape exports. */
typedef struct {
    const char *tlp;       /* "clear"/"white", "green", "amber", "red" */
    const char *org_name;  /* STIX identity of this hub */
} hub_export_opts;

void hub_reply_json(hub_reply *r, unsigned status, json_t *body); /* steals body */
void hub_reply_take(hub_reply *r, unsigned status, char *body);  /* JSON text, steals */
void hub_reply_error(hub_reply *r, unsigned status, const char *code, const char *msg);
void hub_reply_storage_error(hub_reply *r, hub_status st);

/* Parses the event filters shared by events, summary, incidents and exports. Returns
 * false after filling an error reply. */
bool hub_filter_parse(const hub_params *p, hub_event_filter *f, hub_reply *r);
/* limit parameter within [1, max], default def. */
bool hub_limit_parse(const hub_params *p, unsigned def, unsigned max, unsigned *out,
                     hub_reply *r);

/* Reference data about actors (actors.c); every function accepts a NULL db. */
typedef struct hub_actor_db hub_actor_db;
hub_actor_db *hub_actor_db_load(const char *stix_bundle_path);
void hub_actor_db_free(hub_actor_db *db);
json_t *hub_actor_db_find(const hub_actor_db *db, const char *name); /* borrowed */
const char *hub_actor_db_technique(const hub_actor_db *db, const char *technique_id);

void hub_api_events(hub_store *s, const hub_params *p, hub_reply *r);
void hub_api_summary(hub_store *s, const hub_params *p, hub_reply *r);
void hub_api_actors(hub_store *s, const hub_params *p, hub_reply *r);
void hub_api_actor(hub_store *s, const hub_actor_db *db, const char *name,
                   const hub_params *p, hub_reply *r);
void hub_api_incidents(hub_store *s, const hub_params *p, hub_reply *r);

void hub_api_stix(hub_store *s, const hub_export_opts *o, const hub_params *p,
                  hub_reply *r);
/* TAXII 2.1; `path` is what follows "/taxii2/". */
void hub_api_taxii(hub_store *s, const hub_export_opts *o, const char *path,
                   const hub_params *p, hub_reply *r);

/* Builds the STIX objects for a list of events into `objects` (de-duplicated by id).
 * Used by both the bundle export and TAXII. */
typedef struct hub_stix_builder hub_stix_builder;
hub_stix_builder *hub_stix_builder_new(const hub_export_opts *o);
void hub_stix_builder_add(hub_stix_builder *b, const hub_event_row *row);
json_t *hub_stix_builder_finish(hub_stix_builder *b); /* array of objects; frees b */

#endif
