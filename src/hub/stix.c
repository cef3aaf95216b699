/*
 * stix.c — STIX 2.1 export of what the sensors saw, for partners.
 *
 * Mapping (one stored event at a time, objects shared between events de-duplicated):
 *   - the hub                -> identity (organization), creator of everything;
 *   - each sensor            -> identity (system), the where_sighted_ref of sightings;
 *   - alert.metadata.actor   -> intrusion-set, with the MITRE group id as external ref;
 *   - mitre_technique_id     -> attack-pattern, and intrusion-set "uses" attack-pattern;
 *   - an alert's remote peer -> indicator "[ipv4-addr:value = '...']" that "indicates"
 *                               the intrusion-set when the alert is attributed;
 *   - every alert / ddos     -> observed-data (with ipv4/ipv6-addr and network-traffic
 *                               SCOs) and, for alerts, a sighting of the indicator.
 * The TLP marking chosen with --tlp is applied to every SDO.
 *
 * Ids are UUIDv5 of what the object stands for (the sensor's name, the actor's name, the
 * event's hub id), so exporting the same events twice yields the same ids and partners
 * can de-duplicate. SCO ids follow the STIX 2.1 rule (UUIDv5 in the STIX namespace over
 * the id-contributing properties). Timestamps of shared objects are the earliest event
 * time in the export that produced them.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

/* Our namespace for SDO ids, and the one STIX 2.1 section 2.9 fixes for SCO ids. */
static const uint8_t NS_BONGSU[16] = {0x8e, 0x2b, 0x51, 0x0c, 0x53, 0x1e, 0x4f, 0x0d,
                                      0x9a, 0x61, 0x62, 0x6f, 0x6e, 0x67, 0x73, 0x75};
static const uint8_t NS_STIX[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                    0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};

/* STIX 2.1 predefined TLP 1.0 marking definitions (spec section 7.2.1.4). */
static const struct {
    const char *name, *id;
} TLP[] = {
    {"white", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"},
    {"green", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
    {"amber", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
    {"red", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"},
};

struct hub_stix_builder {
    json_t *objects; /* id -> object, so shared objects are emitted once */
    json_t *order;   /* ids in first-seen order, for a stable output */
    const char *tlp_name, *tlp_id;
    char hub_id[64];
};

static void make_id(char *out, size_t len, const char *type, const uint8_t ns[16],
                    const char *name)
{
    char uuid[37];
    hub_uuid5(ns, name, strlen(name), uuid);
    snprintf(out, len, "%s--%s", type, uuid);
}

static bool have(hub_stix_builder *b, const char *id)
{
    return json_object_get(b->objects, id) != NULL;
}

static void put(hub_stix_builder *b, const char *id, json_t *obj)
{
    json_object_set_new(b->objects, id, obj);
    json_array_append_new(b->order, json_string(id));
}

/* Common properties of every SDO/SRO we create. */
static json_t *sdo(hub_stix_builder *b, const char *type, const char *id, const char *when)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s]}", "type", type, "spec_version", "2.1",
                          "id", id, "created", when, "modified", when, "object_marking_refs",
                          b->tlp_id);
    if (strcmp(type, "identity") != 0 || strcmp(id, b->hub_id) != 0)
        json_object_set_new(o, "created_by_ref", json_string(b->hub_id));
    return o;
}

hub_stix_builder *hub_stix_builder_new(const hub_export_opts *o)
{
    hub_stix_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->objects = json_object();
    b->order = json_array();
    const char *want = strcmp(o->tlp, "clear") == 0 ? "white" : o->tlp;
    for (size_t i = 0; i < sizeof TLP / sizeof TLP[0]; i++)
        if (strcmp(TLP[i].name, want) == 0)
            b->tlp_name = TLP[i].name, b->tlp_id = TLP[i].id;
    if (!b->tlp_id)
        b->tlp_name = TLP[2].name, b->tlp_id = TLP[2].id; /* amber unless told */
    put(b, b->tlp_id,
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s}}", "type", "marking-definition",
                  "spec_version", "2.1", "id", b->tlp_id, "created",
                  "2017-01-20T00:00:00.000Z", "name", strcmp(b->tlp_name, "white") == 0
                      ? "TLP:WHITE" : strcmp(b->tlp_name, "green") == 0 ? "TLP:GREEN"
                      : strcmp(b->tlp_name, "amber") == 0 ? "TLP:AMBER" : "TLP:RED",
                  "definition_type", "tlp", "definition", "tlp", b->tlp_name));
    char name[300];
    snprintf(name, sizeof name, "hub:%s", o->org_name);
    make_id(b->hub_id, sizeof b->hub_id, "identity", NS_BONGSU, name);
    json_t *hub = sdo(b, "identity", b->hub_id, "2024-01-01T00:00:00.000Z");
    json_object_set_new(hub, "name", json_string(o->org_name));
    json_object_set_new(hub, "identity_class", json_string("organization"));
    put(b, b->hub_id, hub);
    return b;
}

/* ---- SCOs --------------------------------------------------------------------------- */

/* ipv4-addr or ipv6-addr SCO for an address; returns its id (valid while b lives). */
static const char *address_sco(hub_stix_builder *b, const char *ip)
{
    const char *type = strchr(ip, ':') ? "ipv6-addr" : "ipv4-addr";
    json_t *contrib = json_pack("{s:s}", "value", ip);
    char *canon = json_dumps(contrib, JSON_COMPACT | JSON_SORT_KEYS);
    char id[80];
    make_id(id, sizeof id, type, NS_STIX, canon ? canon : ip);
    free(canon);
    json_decref(contrib);
    if (!have(b, id))
        put(b, id, json_pack("{s:s,s:s,s:s,s:s}", "type", type, "spec_version", "2.1", "id", id,
                             "value", ip));
    return json_string_value(json_object_get(json_object_get(b->objects, id), "id"));
}

static const char *traffic_sco(hub_stix_builder *b, json_t *ev, const char *src_ref,
                               const char *dst_ref)
{
    json_t *nt = json_pack("{s:s,s:s}", "src_ref", src_ref, "dst_ref", dst_ref);
    json_t *sp = json_object_get(ev, "src_port"), *dp = json_object_get(ev, "dest_port");
    const char *proto = json_string_value(json_object_get(ev, "proto"));
    if (json_is_integer(sp))
        json_object_set(nt, "src_port", sp);
    if (json_is_integer(dp))
        json_object_set(nt, "dst_port", dp);
    char lower[16] = "ipv4";
    if (proto && strlen(proto) < sizeof lower) {
        for (size_t i = 0; i <= strlen(proto); i++)
            lower[i] = (char)(proto[i] >= 'A' && proto[i] <= 'Z' ? proto[i] + 32 : proto[i]);
    }
    json_object_set_new(nt, "protocols", json_pack("[s]", lower));
    char *canon = json_dumps(nt, JSON_COMPACT | JSON_SORT_KEYS);
    char id[80];
    make_id(id, sizeof id, "network-traffic", NS_STIX, canon ? canon : "");
    free(canon);
    if (!have(b, id)) {
        json_object_set_new(nt, "type", json_string("network-traffic"));
        json_object_set_new(nt, "spec_version", json_string("2.1"));
        json_object_set_new(nt, "id", json_string(id));
        put(b, id, nt);
    } else {
        json_decref(nt);
    }
    return json_string_value(json_object_get(json_object_get(b->objects, id), "id"));
}

/* ---- SDOs --------------------------------------------------------------------------- */

static const char *sensor_identity(hub_stix_builder *b, const char *sensor, const char *when)
{
    char name[128], id[80];
    snprintf(name, sizeof name, "sensor:%s", sensor);
    make_id(id, sizeof id, "identity", NS_BONGSU, name);
    if (!have(b, id)) {
        json_t *o = sdo(b, "identity", id, when);
        json_object_set_new(o, "name", json_string(sensor));
        json_object_set_new(o, "identity_class", json_string("system"));
        json_object_set_new(o, "description", json_string("bongsu sensor"));
        put(b, id, o);
    }
    return json_string_value(json_object_get(json_object_get(b->objects, id), "id"));
}

static void relationship(hub_stix_builder *b, const char *type, const char *src,
                         const char *dst, const char *when)
{
    char name[200], id[80];
    snprintf(name, sizeof name, "%s|%s|%s", src, type, dst);
    make_id(id, sizeof id, "relationship", NS_BONGSU, name);
    if (have(b, id))
        return;
    json_t *o = sdo(b, "relationship", id, when);
    json_object_set_new(o, "relationship_type", json_string(type));
    json_object_set_new(o, "source_ref", json_string(src));
    json_object_set_new(o, "target_ref", json_string(dst));
    put(b, id, o);
}

static json_t *mitre_ref(const char *ext_id)
{
    return json_pack("[{s:s,s:s}]", "source_name", "mitre-attack", "external_id", ext_id);
}

static void techniques(hub_stix_builder *b, json_t *meta, const char *set_id,
                       const char *when)
{
    json_t *arr = json_object_get(meta, "mitre_technique_id"), *t;
    size_t i;
    json_array_foreach(arr, i, t)
    {
        const char *tid = json_string_value(t);
        if (!tid || !*tid || strlen(tid) > 32)
            continue;
        char name[64], id[80];
        snprintf(name, sizeof name, "technique:%s", tid);
        make_id(id, sizeof id, "attack-pattern", NS_BONGSU, name);
        if (!have(b, id)) {
            json_t *o = sdo(b, "attack-pattern", id, when);
            json_object_set_new(o, "name", json_string(tid));
            json_object_set_new(o, "external_references", mitre_ref(tid));
            put(b, id, o);
        }
        relationship(b, "uses", set_id, id, when);
    }
}

static const char *intrusion_set(hub_stix_builder *b, const char *actor, json_t *meta,
                                 const char *when)
{
    char name[300], id[80];
    snprintf(name, sizeof name, "actor:%s", actor);
    make_id(id, sizeof id, "intrusion-set", NS_BONGSU, name);
    if (!have(b, id)) {
        json_t *o = sdo(b, "intrusion-set", id, when);
        json_object_set_new(o, "name", json_string(actor));
        json_t *gid = json_object_get(meta, "mitre_group_id");
        if (json_is_array(gid))
            gid = json_array_get(gid, 0);
        if (json_is_string(gid))
            json_object_set_new(o, "external_references", mitre_ref(json_string_value(gid)));
        put(b, id, o);
    }
    const char *ref = json_string_value(json_object_get(json_object_get(b->objects, id), "id"));
    techniques(b, meta, ref, when);
    return ref;
}

static const char *indicator(hub_stix_builder *b, const char *ip, const char *signature,
                             const char *when)
{
    char name[128], id[80], pattern[128];
    snprintf(name, sizeof name, "ip:%s", ip);
    make_id(id, sizeof id, "indicator", NS_BONGSU, name);
    if (!have(b, id)) {
        json_t *o = sdo(b, "indicator", id, when);
        snprintf(pattern, sizeof pattern, "[%s:value = '%s']",
                 strchr(ip, ':') ? "ipv6-addr" : "ipv4-addr", ip);
        json_object_set_new(o, "name", json_string(signature ? signature : ip));
        json_object_set_new(o, "indicator_types", json_pack("[s]", "malicious-activity"));
        json_object_set_new(o, "pattern", json_string(pattern));
        json_object_set_new(o, "pattern_type", json_string("stix"));
        json_object_set_new(o, "valid_from", json_string(when));
        put(b, id, o);
    }
    return json_string_value(json_object_get(json_object_get(b->objects, id), "id"));
}

/* observed-data for one event: its addresses and, when both ends are known, the flow. */
static const char *observed(hub_stix_builder *b, const hub_event_row *row, json_t *ev,
                            const char *when)
{
    char name[64], id[80];
    snprintf(name, sizeof name, "event:%lld", (long long)row->id);
    make_id(id, sizeof id, "observed-data", NS_BONGSU, name);
    json_t *refs = json_array();
    const char *src = row->f.src_ip ? address_sco(b, row->f.src_ip) : NULL;
    const char *dst = row->f.dest_ip ? address_sco(b, row->f.dest_ip) : NULL;
    if (!src && !dst && row->f.victim)
        dst = address_sco(b, row->f.victim);
    if (src)
        json_array_append_new(refs, json_string(src));
    if (dst)
        json_array_append_new(refs, json_string(dst));
    if (src && dst)
        json_array_append_new(refs, json_string(traffic_sco(b, ev, src, dst)));
    json_t *o = sdo(b, "observed-data", id, when);
    json_object_set_new(o, "first_observed", json_string(when));
    json_object_set_new(o, "last_observed", json_string(when));
    json_object_set_new(o, "number_observed", json_integer(1));
    json_object_set_new(o, "object_refs", refs);
    put(b, id, o);
    return json_string_value(json_object_get(o, "id"));
}

static void sighting(hub_stix_builder *b, const hub_event_row *row, const char *ind,
                     const char *od, const char *where, const char *when)
{
    char name[64], id[80];
    snprintf(name, sizeof name, "sighting:%lld", (long long)row->id);
    make_id(id, sizeof id, "sighting", NS_BONGSU, name);
    json_t *o = sdo(b, "sighting", id, when);
    json_object_set_new(o, "first_seen", json_string(when));
    json_object_set_new(o, "last_seen", json_string(when));
    json_object_set_new(o, "count", json_integer(1));
    json_object_set_new(o, "sighting_of_ref", json_string(ind));
    json_object_set_new(o, "observed_data_refs", json_pack("[s]", od));
    json_object_set_new(o, "where_sighted_refs", json_pack("[s]", where));
    if (row->f.signature)
        json_object_set_new(o, "description", json_string(row->f.signature));
    put(b, id, o);
}

void hub_stix_builder_add(hub_stix_builder *b, const hub_event_row *row)
{
    bool alert = strcmp(row->f.event_type, "alert") == 0;
    if (!b || (!alert && strcmp(row->f.event_type, "ddos") != 0))
        return;
    json_t *ev = json_loadb(row->f.raw, row->f.raw_len, 0, NULL);
    if (!ev)
        return;
    char when[40];
    hub_time_format_ms(row->f.ts_us, when, sizeof when);
    json_t *alert_obj = json_object_get(ev, "alert");
    json_t *meta = json_object_get(json_is_object(alert_obj) ? alert_obj
                                                             : json_object_get(ev, "ddos"),
                                   "metadata");
    const char *where = sensor_identity(b, row->sensor, when);
    const char *set = row->f.actor ? intrusion_set(b, row->f.actor, meta, when) : NULL;
    const char *od = observed(b, row, ev, when);
    /* The remote peer is whichever end is not the victim. */
    const char *peer = row->f.victim && row->f.src_ip && strcmp(row->f.victim, row->f.src_ip) == 0
                           ? row->f.dest_ip : row->f.src_ip;
    if (alert && peer) {
        const char *ind = indicator(b, peer, row->f.signature, when);
        if (set)
            relationship(b, "indicates", ind, set, when);
        sighting(b, row, ind, od, where, when);
    }
    json_decref(ev);
}

json_t *hub_stix_builder_finish(hub_stix_builder *b)
{
    json_t *arr = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(b->order, i, id)
        json_array_append(arr, json_object_get(b->objects, json_string_value(id)));
    json_decref(b->objects);
    json_decref(b->order);
    free(b);
    return arr;
}

/* ---- GET /api/v1/stix -------------------------------------------------------------- */

typedef struct {
    hub_stix_builder *b;
    unsigned n, limit;
    int64_t last_id;
    bool more;
} stix_ctx;

static int stix_row(const hub_event_row *row, void *ud)
{
    stix_ctx *c = ud;
    if (c->n == c->limit) {
        c->more = true;
        return 1;
    }
    c->n++;
    c->last_id = row->id;
    hub_stix_builder_add(c->b, row);
    return 0;
}

void hub_api_stix(hub_store *s, const hub_export_opts *o, const hub_params *p, hub_reply *r)
{
    hub_event_filter f;
    stix_ctx c = {0};
    if (!hub_filter_parse(p, &f, r) || !hub_limit_parse(p, 1000, 10000, &c.limit, r))
        return;
    const char *cur = p->get(p->ctx, "cursor");
    char *end = NULL;
    if (cur && ((f.after_id = strtoll(cur, &end, 10)) <= 0 || *end)) {
        hub_reply_error(r, 400, "bad_request", "parameter 'cursor': not a cursor");
        return;
    }
    f.exportable = true;
    f.order = HUB_ORDER_OLDEST;
    f.limit = c.limit + 1;
    c.b = hub_stix_builder_new(o);
    hub_status st = hub_store_events(s, &f, stix_row, &c);
    json_t *objects = hub_stix_builder_finish(c.b);
    if (st != HUB_OK) {
        json_decref(objects);
        hub_reply_storage_error(r, st);
        return;
    }
    char bundle_id[80], name[64];
    snprintf(name, sizeof name, "%lld", (long long)hub_now_us());
    make_id(bundle_id, sizeof bundle_id, "bundle", NS_BONGSU, name);
    if (c.more)
        snprintf(r->next_cursor, sizeof r->next_cursor, "%lld", (long long)c.last_id);
    hub_reply_json(r, 200, json_pack("{s:s,s:s,s:o}", "type", "bundle", "id", bundle_id,
                                     "objects", objects));
    r->content_type = "application/stix+json;version=2.1";
}
