/*
 * taxii.c — a read-only TAXII 2.1 server over the STIX export, for partners.
 *
 *   /taxii2/                                   discovery
 *   /taxii2/bongsu/                            the one API root
 *   /taxii2/bongsu/collections/                one collection, "bongsu sightings"
 *   /taxii2/bongsu/collections/{id}/           its description
 *   /taxii2/bongsu/collections/{id}/objects/   STIX objects, paged (added_after, limit, next)
 *   /taxii2/bongsu/collections/{id}/manifest/  the same page as a manifest
 *
 * "Added" is the time the hub received the event an object came from, so a partner that
 * polls with added_after = the X-TAXII-Date-Added-Last of its previous poll sees every
 * new sighting once. `next` is an opaque event-id cursor, which stays correct even when
 * many events share one receive time (a whole batch does). limit counts source events,
 * so a page holds somewhat more STIX objects than `limit`.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#define API_ROOT "bongsu/"
#define COLLECTION_ID "2a8e4b0c-6f0e-5a1c-9b1e-626f6e677375"
#define TAXII_TYPE "application/taxii+json;version=2.1"

static json_t *collection(void)
{
    return json_pack("{s:s,s:s,s:s,s:b,s:b,s:[s]}", "id", COLLECTION_ID, "title",
                     "bongsu sightings", "description",
                     "Sightings, observed data and intrusion sets seen by bongsu sensors",
                     "can_read", 1, "can_write", 0, "media_types",
                     "application/stix+json;version=2.1");
}

typedef struct {
    hub_stix_builder *b;
    unsigned n, limit;
    int64_t last_id, first_added, last_added;
    bool more;
} page_ctx;

static int page_row(const hub_event_row *row, void *ud)
{
    page_ctx *c = ud;
    if (c->n == c->limit) {
        c->more = true;
        return 1;
    }
    if (c->n++ == 0)
        c->first_added = row->received_us;
    c->last_added = row->received_us;
    c->last_id = row->id;
    hub_stix_builder_add(c->b, row);
    return 0;
}

static bool page_params(const hub_params *p, hub_event_filter *f, page_ctx *c, hub_reply *r)
{
    memset(f, 0, sizeof *f);
    if (!hub_limit_parse(p, 100, 1000, &c->limit, r))
        return false;
    const char *aa = p->get(p->ctx, "added_after"), *next = p->get(p->ctx, "next");
    if (aa && (strlen(aa) > 64 || !hub_time_parse(aa, &f->added_after_us))) {
        hub_reply_error(r, 400, "bad_request", "parameter 'added_after': not a timestamp");
        return false;
    }
    char *end = NULL;
    if (next && (strlen(next) > 20 || (f->after_id = strtoll(next, &end, 10)) <= 0 || *end)) {
        hub_reply_error(r, 400, "bad_request", "parameter 'next': not a value from 'next'");
        return false;
    }
    f->exportable = true;
    f->order = HUB_ORDER_OLDEST;
    f->limit = c->limit + 1;
    return true;
}

static json_t *manifest_of(json_t *objects, const char *added)
{
    json_t *arr = json_array(), *o;
    size_t i;
    json_array_foreach(objects, i, o)
    {
        json_t *ver = json_object_get(o, "modified");
        if (!ver)
            ver = json_object_get(o, "created");
        json_t *m = json_pack("{s:O,s:s,s:s}", "id", json_object_get(o, "id"), "date_added",
                              added, "media_type", "application/stix+json;version=2.1");
        if (ver)
            json_object_set(m, "version", ver);
        json_array_append_new(arr, m);
    }
    json_decref(objects);
    return arr;
}

static void objects_page(hub_store *s, const hub_export_opts *o, const hub_params *p,
                         hub_reply *r, bool manifest)
{
    hub_event_filter f;
    page_ctx c = {0};
    if (!page_params(p, &f, &c, r))
        return;
    c.b = hub_stix_builder_new(o);
    hub_status st = hub_store_events(s, &f, page_row, &c);
    json_t *objects = hub_stix_builder_finish(c.b);
    if (st != HUB_OK) {
        json_decref(objects);
        hub_reply_storage_error(r, st);
        return;
    }
    if (c.n == 0) { /* TAXII: an empty envelope has no objects member */
        json_decref(objects);
        hub_reply_json(r, 200, json_pack("{s:b}", "more", 0));
        return;
    }
    hub_time_format(c.first_added, r->taxii_first, sizeof r->taxii_first);
    hub_time_format(c.last_added, r->taxii_last, sizeof r->taxii_last);
    json_t *env = json_pack("{s:b,s:o}", "more", c.more, "objects",
                            manifest ? manifest_of(objects, r->taxii_last) : objects);
    if (c.more) {
        char next[32];
        snprintf(next, sizeof next, "%lld", (long long)c.last_id);
        json_object_set_new(env, "next", json_string(next));
    }
    hub_reply_json(r, 200, env);
}

void hub_api_taxii(hub_store *s, const hub_export_opts *o, const char *path,
                   const hub_params *p, hub_reply *r)
{
    static const char coll_prefix[] = API_ROOT "collections/" COLLECTION_ID "/";
    size_t cl = strlen(coll_prefix);
    if (strcmp(path, "") == 0)
        hub_reply_json(r, 200, json_pack("{s:s,s:s,s:s,s:[s]}", "title", "bongsu hub",
                                         "description", "bongsu national hub TAXII 2.1 server",
                                         "default", "/taxii2/" API_ROOT, "api_roots",
                                         "/taxii2/" API_ROOT));
    else if (strcmp(path, API_ROOT) == 0)
        hub_reply_json(r, 200, json_pack("{s:s,s:[s],s:i}", "title", "bongsu", "versions",
                                         TAXII_TYPE, "max_content_length", 0));
    else if (strcmp(path, API_ROOT "collections/") == 0)
        hub_reply_json(r, 200, json_pack("{s:[o]}", "collections", collection()));
    else if (strcmp(path, coll_prefix) == 0)
        hub_reply_json(r, 200, collection());
    else if (strncmp(path, coll_prefix, cl) == 0 && strcmp(path + cl, "objects/") == 0)
        objects_page(s, o, p, r, false);
    else if (strncmp(path, coll_prefix, cl) == 0 && strcmp(path + cl, "manifest/") == 0)
        objects_page(s, o, p, r, true);
    else
        hub_reply_json(r, 404, json_pack("{s:s,s:s}", "title", "not found", "http_status",
                                         "404"));
    /* Parameter errors come back in the hub's own error shape; give them TAXII's. */
    if (r->status == 400) {
        json_t *e = json_loads(r->body, 0, NULL);
        const char *msg = json_string_value(
            json_object_get(json_object_get(e, "error"), "message"));
        hub_reply_json(r, 400, json_pack("{s:s,s:s,s:s}", "title", "bad request",
                                         "description", msg ? msg : "bad request",
                                         "http_status", "400"));
        json_decref(e);
    }
    r->content_type = TAXII_TYPE;
}
