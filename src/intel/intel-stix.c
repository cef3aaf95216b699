/*
 * intel-stix.c - STIX 2.1 bundles.
 *
 * Indicators with equality patterns, alone or joined by OR ("[ipv4-addr:value = '1.2.3.4']
 * OR [domain-name:value = 'evil.example']"), become one indicator per comparison. The actor
 * comes from an `indicates` relationship to an intrusion-set or threat-actor (else from the
 * indicator's labels); techniques from `indicates`/`uses` relationships of the indicator or
 * its actor to attack-patterns with a MITRE external id. Patterns that use anything but
 * equality and OR are reported with the indicator's id and skipped.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel-load.h"

typedef struct StixContext {
    json_t *by_id;         /* id -> object */
    json_t *actor_of;      /* indicator id -> actor object id */
    json_t *techniques_of; /* object id -> "T1;T2" */
} StixContext;

static const char *mitre_id(json_t *obj)
{
    size_t i;
    json_t *ref;
    json_array_foreach(json_object_get(obj, "external_references"), i, ref) {
        const char *src = json_string_value(json_object_get(ref, "source_name"));
        if (src && strcmp(src, "mitre-attack") == 0)
            return json_string_value(json_object_get(ref, "external_id"));
    }
    return NULL;
}

static void append_technique(json_t *map, const char *id, const char *technique)
{
    const char *old = json_string_value(json_object_get(map, id));
    char buf[4096];
    if (old && strstr(old, technique))
        return;
    snprintf(buf, sizeof(buf), "%s%s%s", old ? old : "", old ? ";" : "", technique);
    json_object_set_new(map, id, json_string(buf));
}

static void index_relationships(StixContext *ctx, json_t *objects)
{
    size_t i;
    json_t *obj;
    json_array_foreach(objects, i, obj) {
        const char *type = json_string_value(json_object_get(obj, "type"));
        if (!type || strcmp(type, "relationship") != 0)
            continue;
        const char *rel = json_string_value(json_object_get(obj, "relationship_type"));
        const char *src = json_string_value(json_object_get(obj, "source_ref"));
        const char *dst = json_string_value(json_object_get(obj, "target_ref"));
        json_t *target = dst ? json_object_get(ctx->by_id, dst) : NULL;
        const char *target_type = json_string_value(json_object_get(target, "type"));
        if (!rel || !src || !target_type)
            continue;
        if (strcmp(target_type, "attack-pattern") == 0 && mitre_id(target))
            append_technique(ctx->techniques_of, src, mitre_id(target));
        else if (strcmp(rel, "indicates") == 0 && (strcmp(target_type, "intrusion-set") == 0 ||
                                                   strcmp(target_type, "threat-actor") == 0)) {
            json_object_set_new(ctx->actor_of, src, json_string(dst));
        }
    }
}

static const struct {
    const char *path;
    IntelType type;
} stix_paths[] = {
    {"ipv4-addr:value", INTEL_CIDR},   {"ipv6-addr:value", INTEL_CIDR},
    {"domain-name:value", INTEL_DOMAIN}, {"url:value", INTEL_URL},
    {"email-addr:value", INTEL_EMAIL}, {"file:hashes.'SHA-256'", INTEL_SHA256},
    {"file:hashes.SHA-256", INTEL_SHA256}, {"file:hashes.'MD5'", INTEL_MD5},
    {"file:hashes.MD5", INTEL_MD5},   {"file:hashes.'SHA-1'", INTEL_SHA1},
    {"file:hashes.SHA-1", INTEL_SHA1},
};

static int path_type(const char *path, size_t len)
{
    for (size_t i = 0; i < sizeof(stix_paths) / sizeof(stix_paths[0]); i++)
        if (strlen(stix_paths[i].path) == len && strncmp(stix_paths[i].path, path, len) == 0)
            return stix_paths[i].type;
    return -1;
}

/* Parses "path = 'value'" at *p; returns 0 and fills type/value. */
static int parse_comparison(const char **p, int *type, char *value, size_t valuelen)
{
    const char *c = *p;
    while (isspace((unsigned char)*c) || *c == '[' || *c == '(')
        c++;
    const char *path = c;
    while (*c && !isspace((unsigned char)*c) && *c != '=')
        c++;
    *type = path_type(path, (size_t)(c - path));
    while (isspace((unsigned char)*c))
        c++;
    if (*c != '=' || *type < 0)
        return -1;
    c++;
    while (isspace((unsigned char)*c))
        c++;
    if (*c != '\'')
        return -1;
    c++;
    size_t n = 0;
    while (*c && *c != '\'') {
        if (*c == '\\' && c[1])
            c++;
        if (n + 1 < valuelen)
            value[n++] = *c;
        c++;
    }
    value[n] = '\0';
    if (*c != '\'')
        return -1;
    c++;
    while (isspace((unsigned char)*c) || *c == ']' || *c == ')')
        c++;
    *p = c;
    return 0;
}

static void load_indicator(IntelStore *store, StixContext *ctx, json_t *obj, const char *path,
                           IntelLoadStats *stats, IntelReportFn report, void *ud)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *pattern = json_string_value(json_object_get(obj, "pattern"));
    char where[1024];
    snprintf(where, sizeof(where), "%s: %s", path, id ? id : "(indicator without id)");
    if (!pattern) {
        intel_report_error(stats, report, ud, where, "indicator without pattern");
        return;
    }
    const char *actor_id = id ? json_string_value(json_object_get(ctx->actor_of, id)) : NULL;
    const char *actor = actor_id ? json_string_value(json_object_get(
                                       json_object_get(ctx->by_id, actor_id), "name"))
                                 : NULL;
    if (!actor)
        actor = json_string_value(json_array_get(json_object_get(obj, "labels"), 0));
    const char *techniques = id ? json_string_value(json_object_get(ctx->techniques_of, id)) : NULL;
    if (!techniques && actor_id)
        techniques = json_string_value(json_object_get(ctx->techniques_of, actor_id));
    json_t *conf = json_object_get(obj, "confidence");
    /* The whole pattern is checked before anything is added: an unsupported pattern adds
     * nothing rather than part of itself. */
    enum { MAX_COMPARISONS = 64 };
    int types[MAX_COMPARISONS];
    char values[MAX_COMPARISONS][512];
    int n = 0;
    const char *p = pattern;
    while (*p) {
        if (n == MAX_COMPARISONS ||
            parse_comparison(&p, &types[n], values[n], sizeof(values[n])) != 0) {
            intel_report_error(stats, report, ud, where,
                               "pattern is not an equality comparison (or OR of them) on a "
                               "supported object path");
            return;
        }
        n++;
        if (strncmp(p, "OR", 2) == 0) {
            p += 2;
        } else if (*p) {
            intel_report_error(stats, report, ud, where, "only OR may join comparisons");
            return;
        }
    }
    for (int i = 0; i < n; i++) {
        IntelRecord rec = {.type = (IntelType)types[i], .value = values[i], .actor = actor,
                           .confidence = json_is_integer(conf) ? (int)json_integer_value(conf) : -1,
                           .source = path, .reference = id, .techniques = techniques};
        intel_add_record(store, &rec, where, stats, report, ud);
    }
}

int intel_load_stix(IntelStore *store, const char *path, const char *text, size_t len,
                    IntelLoadStats *stats, IntelReportFn report, void *ud)
{
    json_t *root = intel_parse_json(path, text, len, stats, report, ud);
    if (!root)
        return -1;
    json_t *objects = json_object_get(root, "objects");
    StixContext ctx = {json_object(), json_object(), json_object()};
    size_t i;
    json_t *obj;
    json_array_foreach(objects, i, obj) {
        const char *id = json_string_value(json_object_get(obj, "id"));
        if (id)
            json_object_set(ctx.by_id, id, obj);
    }
    index_relationships(&ctx, objects);
    json_array_foreach(objects, i, obj) {
        const char *type = json_string_value(json_object_get(obj, "type"));
        if (type && strcmp(type, "indicator") == 0)
            load_indicator(store, &ctx, obj, path, stats, report, ud);
    }
    json_decref(ctx.by_id);
    json_decref(ctx.actor_of);
    json_decref(ctx.techniques_of);
    json_decref(root);
    return 0;
}
