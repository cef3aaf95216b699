/*
 * intel-cli.c - `bongsu intel ...`: check, lookup, actors, convert.
 *
 *   bongsu intel check FILE...           parse feeds, report every bad line/object, counts by
 *                                        type and actor; exit 1 when anything was bad
 *   bongsu intel lookup [FILE...] VALUE   look a value up (in FILEs, else the default feeds)
 *   bongsu intel actors [NAME]           list the knowledge base, or resolve one alias
 *   bongsu intel convert --to csv|stix FILE...   write the loaded indicators in that format
 */
#include "intel/intel-cli.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "intel/intel-setup.h"

static void report_to_stderr(void *ud, const char *where, const char *reason)
{
    (void)ud;
    fprintf(stderr, "%s: %s\n", where, reason);
}

static void print_counts(const IntelStore *store)
{
    printf("indicators: %u\n", intel_store_count(store));
    for (int t = 0; t < INTEL_TYPE_COUNT; t++)
        if (intel_store_count_type(store, (IntelType)t))
            printf("  %-7s %u\n", intel_type_name((IntelType)t),
                   intel_store_count_type(store, (IntelType)t));
    const IntelActors *kb = intel_store_actors(store);
    size_t actors = intel_actor_count(kb);
    uint32_t *per_actor = calloc(actors + 1, sizeof(uint32_t));
    for (uint32_t i = 0; per_actor && i < intel_store_count(store); i++) {
        int16_t a = intel_store_get(store, i)->actor;
        per_actor[a >= 0 ? (size_t)a : actors]++;
    }
    printf("by actor:\n");
    for (size_t a = 0; per_actor && a <= actors; a++)
        if (per_actor[a])
            printf("  %-24s %u\n", a < actors ? intel_actor(kb, (int)a)->name : "(unattributed)",
                   per_actor[a]);
    free(per_actor);
}

static int cmd_check(const IntelActors *kb, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: bongsu intel check FILE...\n");
        return 2;
    }
    IntelStore *store = intel_store_new(kb);
    IntelLoadStats total = {0};
    for (int i = 0; i < argc; i++) {
        IntelLoadStats st = {0};
        intel_load_file(store, argv[i], &st, report_to_stderr, NULL);
        printf("%s: %u added, %u duplicates, %u bad\n", argv[i], st.added, st.duplicates,
               st.errors);
        total.errors += st.errors;
    }
    print_counts(store);
    intel_store_free(store);
    return total.errors ? 1 : 0;
}

static int64_t lookup_any(const IntelStore *store, const char *value)
{
    Address addr = {0};
    if (inet_pton(AF_INET, value, addr.addr) == 1) {
        addr.family = AF_INET;
        return intel_lookup_ip(store, &addr);
    }
    if (inet_pton(AF_INET6, value, addr.addr) == 1) {
        addr.family = AF_INET6;
        return intel_lookup_ip(store, &addr);
    }
    size_t len = strlen(value);
    static const IntelType by_value[] = {INTEL_MD5, INTEL_SHA1, INTEL_SHA256, INTEL_JA3,
                                         INTEL_JA4, INTEL_EMAIL, INTEL_URL};
    for (size_t i = 0; i < sizeof(by_value) / sizeof(by_value[0]); i++) {
        int64_t hit = intel_lookup_value(store, by_value[i], value, len);
        if (hit >= 0)
            return hit;
    }
    return intel_lookup_domain(store, value, len);
}

static void print_indicator(const IntelStore *store, const IntelIndicator *ind)
{
    const IntelActor *actor = intel_actor(intel_store_actors(store), ind->actor);
    const char *source = intel_store_string(store, ind->source);
    const char *reference = intel_store_string(store, ind->reference);
    const char *techniques = intel_store_string(store, ind->techniques);
    printf("%s %s\n  actor: %s%s%s%s\n", intel_type_name((IntelType)ind->type),
           intel_store_string(store, ind->value), actor ? actor->name : "(unattributed)",
           actor && actor->mitre_group_id ? " (" : "",
           actor && actor->mitre_group_id ? actor->mitre_group_id : "",
           actor && actor->mitre_group_id ? ")" : "");
    if (source)
        printf("  source: %s\n", source);
    if (reference)
        printf("  reference: %s\n", reference);
    if (techniques)
        printf("  techniques: %s\n", techniques);
}

static int cmd_lookup(const IntelActors *kb, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: bongsu intel lookup [FILE...] VALUE\n");
        return 2;
    }
    IntelLoadStats st;
    IntelStore *store = intel_setup_store(NULL, kb, (const char *const *)argv, argc - 1, &st);
    int64_t hit = store ? lookup_any(store, argv[argc - 1]) : -1;
    if (hit >= 0)
        print_indicator(store, intel_store_get(store, (uint32_t)hit));
    else
        printf("%s: not a known indicator\n", argv[argc - 1]);
    intel_store_free(store);
    return hit >= 0 ? 0 : 1;
}

static void print_actor(const IntelActor *a)
{
    printf("%s%s%s%s (%zu techniques)\n", a->name, a->mitre_group_id ? " [" : "",
           a->mitre_group_id ? a->mitre_group_id : "", a->mitre_group_id ? "]" : "",
           a->technique_count);
}

static int cmd_actors(const IntelActors *kb, int argc, char **argv)
{
    if (argc >= 1) {
        int id = intel_actors_resolve(kb, argv[0]);
        if (id < 0) {
            printf("%s: not a known actor or alias\n", argv[0]);
            return 1;
        }
        print_actor(intel_actor(kb, id));
        return 0;
    }
    for (size_t i = 0; i < intel_actor_count(kb); i++)
        print_actor(intel_actor(kb, (int)i));
    return 0;
}

static void write_csv(const IntelStore *store)
{
    printf("type,value,actor,confidence,source,reference,techniques\n");
    for (uint32_t i = 0; i < intel_store_count(store); i++) {
        const IntelIndicator *ind = intel_store_get(store, i);
        const IntelActor *a = intel_actor(intel_store_actors(store), ind->actor);
        const char *fields[] = {intel_store_string(store, ind->source),
                                intel_store_string(store, ind->reference),
                                intel_store_string(store, ind->techniques)};
        printf("%s,\"%s\",\"%s\",", intel_type_name((IntelType)ind->type),
               intel_store_string(store, ind->value), a ? a->name : "");
        if (ind->confidence)
            printf("%u", ind->confidence);
        for (int f = 0; f < 3; f++) {
            printf(",\"");
            for (const char *c = fields[f] ? fields[f] : ""; *c; c++)
                printf(*c == '"' ? "\"\"" : "%c", *c);
            printf("\"");
        }
        printf("\n");
    }
}

static const char *stix_path(IntelType type, const char *value)
{
    switch (type) {
    case INTEL_IPV4: return "ipv4-addr:value";
    case INTEL_IPV6: return "ipv6-addr:value";
    case INTEL_CIDR: return strchr(value, ':') ? "ipv6-addr:value" : "ipv4-addr:value";
    case INTEL_DOMAIN: return "domain-name:value";
    case INTEL_URL: return "url:value";
    case INTEL_MD5: return "file:hashes.MD5";
    case INTEL_SHA1: return "file:hashes.'SHA-1'";
    case INTEL_SHA256: return "file:hashes.'SHA-256'";
    case INTEL_EMAIL: return "email-addr:value";
    default: return NULL; /* JA3/JA4 have no STIX object path */
    }
}

static void write_stix(const IntelStore *store)
{
    json_t *objects = json_array();
    for (uint32_t i = 0; i < intel_store_count(store); i++) {
        const IntelIndicator *ind = intel_store_get(store, i);
        const char *value = intel_store_string(store, ind->value);
        const char *path = stix_path((IntelType)ind->type, value);
        if (!path)
            continue;
        char pattern[4400], id[64];
        snprintf(pattern, sizeof(pattern), "[%s = '%s']", path, value);
        snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-%012x", i);
        json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator",
                                "spec_version", "2.1", "id", id, "pattern", pattern,
                                "pattern_type", "stix", "created", "1970-01-01T00:00:00Z",
                                "modified", "1970-01-01T00:00:00Z");
        json_object_set_new(obj, "valid_from", json_string("1970-01-01T00:00:00Z"));
        const IntelActor *a = intel_actor(intel_store_actors(store), ind->actor);
        if (a)
            json_object_set_new(obj, "labels", json_pack("[s]", a->name));
        json_array_append_new(objects, obj);
    }
    json_t *bundle = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id",
                               "bundle--00000000-0000-4000-8000-000000000000", "objects", objects);
    json_dumpf(bundle, stdout, JSON_INDENT(1));
    printf("\n");
    json_decref(bundle);
}

static int cmd_convert(const IntelActors *kb, int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[0], "--to") != 0 ||
        (strcmp(argv[1], "csv") != 0 && strcmp(argv[1], "stix") != 0)) {
        fprintf(stderr, "usage: bongsu intel convert --to csv|stix FILE...\n");
        return 2;
    }
    IntelStore *store = intel_store_new(kb);
    IntelLoadStats st = {0};
    for (int i = 2; i < argc; i++)
        intel_load_file(store, argv[i], &st, report_to_stderr, NULL);
    if (strcmp(argv[1], "csv") == 0)
        write_csv(store);
    else
        write_stix(store);
    intel_store_free(store);
    return st.errors ? 1 : 0;
}

int intel_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bongsu intel check|lookup|actors|convert ...\n");
        return 2;
    }
    IntelActors *kb = intel_setup_actors(NULL);
    const char *cmd = argv[1];
    int rc;
    if (strcmp(cmd, "check") == 0)
        rc = cmd_check(kb, argc - 2, argv + 2);
    else if (strcmp(cmd, "lookup") == 0)
        rc = cmd_lookup(kb, argc - 2, argv + 2);
    else if (strcmp(cmd, "actors") == 0)
        rc = cmd_actors(kb, argc - 2, argv + 2);
    else if (strcmp(cmd, "convert") == 0)
        rc = cmd_convert(kb, argc - 2, argv + 2);
    else {
        fprintf(stderr, "bongsu intel: unknown command \"%s\"\n", cmd);
        rc = 2;
    }
    intel_actors_free(kb);
    return rc;
}
