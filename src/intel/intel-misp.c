/*
 * intel-misp.c - MISP event JSON and MISP feed manifests.
 *
 * An event ({"Event": {...}}, a list of them, or the REST API's {"response": [...]}) gives
 * its attributes, including those inside
 * MISP objects; the actor comes from a misp-galaxy:threat-actor (or mitre-intrusion-set) tag
 * or galaxy cluster on the attribute or the event, techniques from its mitre-attack-pattern
 * tags. A feed manifest (manifest.json: event uuid
 * -> summary) names the event files that sit beside it, each loaded in turn. Attribute types
 * map to indicator types; composite values ("ip|port", "filename|hash") keep the indicator
 * part.
 */
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel-load.h"

static const struct {
    const char *misp;
    IntelType type;
    int part; /* which side of "a|b" holds the indicator */
} attribute_types[] = {
    {"ip-src", INTEL_CIDR, 0},       {"ip-dst", INTEL_CIDR, 0},
    {"ip-src|port", INTEL_CIDR, 0},  {"ip-dst|port", INTEL_CIDR, 0},
    {"domain", INTEL_DOMAIN, 0},     {"hostname", INTEL_DOMAIN, 0},
    {"domain|ip", INTEL_DOMAIN, 0},  {"url", INTEL_URL, 0},
    {"md5", INTEL_MD5, 0},           {"sha1", INTEL_SHA1, 0},
    {"sha256", INTEL_SHA256, 0},     {"filename|md5", INTEL_MD5, 1},
    {"filename|sha1", INTEL_SHA1, 1}, {"filename|sha256", INTEL_SHA256, 1},
    {"ja3-fingerprint-md5", INTEL_JA3, 0}, {"email-src", INTEL_EMAIL, 0},
    {"email-dst", INTEL_EMAIL, 0},
};

/* The actor named by tags ("misp-galaxy:threat-actor=\"Lazarus Group\"") or galaxies. */
static const char *actor_from(json_t *obj, char *buf, size_t buflen)
{
    size_t i;
    json_t *tag;
    json_array_foreach(json_object_get(obj, "Tag"), i, tag) {
        const char *name = json_string_value(json_object_get(tag, "name"));
        const char *eq = name ? strchr(name, '=') : NULL;
        if (!eq || (strncmp(name, "misp-galaxy:threat-actor", 24) != 0 &&
                    strncmp(name, "misp-galaxy:mitre-intrusion-set", 31) != 0))
            continue;
        snprintf(buf, buflen, "%s", eq + 1 + (eq[1] == '"'));
        size_t n = strlen(buf);
        if (n && buf[n - 1] == '"')
            buf[n - 1] = '\0';
        char *dash = strstr(buf, " - G"); /* "Lazarus Group - G0032" */
        if (dash)
            *dash = '\0';
        return buf;
    }
    json_t *galaxy;
    json_array_foreach(json_object_get(obj, "Galaxy"), i, galaxy) {
        const char *type = json_string_value(json_object_get(galaxy, "type"));
        if (!type || (strcmp(type, "threat-actor") && strcmp(type, "mitre-intrusion-set")))
            continue;
        const char *value = json_string_value(
            json_object_get(json_array_get(json_object_get(galaxy, "GalaxyCluster"), 0), "value"));
        if (value) {
            snprintf(buf, buflen, "%s", value);
            char *dash = strstr(buf, " - G");
            if (dash)
                *dash = '\0';
            return buf;
        }
    }
    return NULL;
}

/* ATT&CK technique ids from misp-galaxy:mitre-attack-pattern tags ("Web Protocols - T1071.001"),
 * ';'-separated. */
static void techniques_from(json_t *obj, char *buf, size_t buflen)
{
    buf[0] = '\0';
    size_t n = 0, i;
    json_t *tag;
    json_array_foreach(json_object_get(obj, "Tag"), i, tag) {
        const char *name = json_string_value(json_object_get(tag, "name"));
        if (!name || strncmp(name, "misp-galaxy:mitre-attack-pattern=", 33) != 0)
            continue;
        const char *id = strstr(name, " - T");
        if (!id)
            continue;
        id += 3;
        size_t len = strcspn(id, "\"");
        if (n + len + 2 < buflen) {
            n += (size_t)snprintf(buf + n, buflen - n, "%s%.*s", n ? ";" : "", (int)len, id);
        }
    }
}

static void load_attribute(IntelStore *store, json_t *attr, const char *event_actor,
                           const char *techniques, const char *where, IntelLoadStats *stats,
                           IntelReportFn report, void *ud)
{
    const char *type = json_string_value(json_object_get(attr, "type"));
    const char *value = json_string_value(json_object_get(attr, "value"));
    if (!type || !value)
        return;
    for (size_t i = 0; i < sizeof(attribute_types) / sizeof(attribute_types[0]); i++) {
        if (strcmp(type, attribute_types[i].misp) != 0)
            continue;
        char part[2048];
        snprintf(part, sizeof(part), "%s", value);
        char *bar = strchr(part, '|');
        const char *indicator = part;
        if (bar) {
            *bar = '\0';
            indicator = attribute_types[i].part ? bar + 1 : part;
        }
        char actor_buf[256];
        const char *actor = actor_from(attr, actor_buf, sizeof(actor_buf));
        char attr_where[1200];
        const char *uuid = json_string_value(json_object_get(attr, "uuid"));
        snprintf(attr_where, sizeof(attr_where), "%s: attribute %s", where, uuid ? uuid : type);
        IntelRecord rec = {.type = attribute_types[i].type, .value = indicator,
                           .actor = actor ? actor : event_actor, .confidence = -1,
                           .source = where, .reference = uuid,
                           .techniques = techniques && *techniques ? techniques : NULL};
        intel_add_record(store, &rec, attr_where, stats, report, ud);
        return;
    }
}

static void load_event(IntelStore *store, json_t *event, const char *path, IntelLoadStats *stats,
                       IntelReportFn report, void *ud)
{
    if (json_object_get(event, "Event"))
        event = json_object_get(event, "Event");
    char actor_buf[256], where[1100];
    const char *actor = actor_from(event, actor_buf, sizeof(actor_buf));
    char techniques[2048];
    techniques_from(event, techniques, sizeof(techniques));
    const char *uuid = json_string_value(json_object_get(event, "uuid"));
    snprintf(where, sizeof(where), "%s: event %s", path, uuid ? uuid : "(no uuid)");
    size_t i, j;
    json_t *attr, *object;
    json_array_foreach(json_object_get(event, "Attribute"), i, attr)
        load_attribute(store, attr, actor, techniques, where, stats, report, ud);
    json_array_foreach(json_object_get(event, "Object"), i, object)
        json_array_foreach(json_object_get(object, "Attribute"), j, attr)
            load_attribute(store, attr, actor, techniques, where, stats, report, ud);
}

/* manifest.json: {"<uuid>": {...}, ...}; each event is <dir>/<uuid>.json. */
static void load_manifest(IntelStore *store, json_t *manifest, const char *path,
                          IntelLoadStats *stats, IntelReportFn report, void *ud)
{
    char dir_buf[4096];
    snprintf(dir_buf, sizeof(dir_buf), "%s", path);
    const char *dir = dirname(dir_buf);
    const char *uuid;
    json_t *summary;
    json_object_foreach(manifest, uuid, summary) {
        char event_path[8192];
        snprintf(event_path, sizeof(event_path), "%s/%s.json", dir, uuid);
        intel_load_file(store, event_path, stats, report, ud);
    }
}

int intel_load_misp(IntelStore *store, const char *path, const char *text, size_t len,
                    IntelLoadStats *stats, IntelReportFn report, void *ud)
{
    json_t *root = intel_parse_json(path, text, len, stats, report, ud);
    if (!root)
        return -1;
    /* A list of events, or the MISP REST API's {"response": [...]} around one. */
    json_t *events = json_is_array(root) ? root : json_object_get(root, "response");
    if (json_is_array(events)) {
        size_t i;
        json_t *event;
        json_array_foreach(events, i, event)
            load_event(store, event, path, stats, report, ud);
    } else if (json_object_get(root, "Event") || json_object_get(root, "Attribute")) {
        load_event(store, root, path, stats, report, ud);
    } else {
        load_manifest(store, root, path, stats, report, ud);
    }
    json_decref(root);
    return 0;
}
