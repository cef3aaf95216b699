/*
 * intel.h - threat intelligence: indicators from CSV, STIX 2.1 and MISP feeds, matched on
 * the wire, with every hit attributed to an actor from the knowledge base.
 *
 * An IntelStore holds the indicators of all loaded feeds, read-only once built, so every
 * worker can look up without locks and a SIGHUP reload builds a new store and swaps it in.
 * Values are kept normalised in one string arena (lower-case domains and hashes, binary IP
 * prefixes) with open-addressing tables per indicator type; repeated strings such as the
 * source and reference of a feed are stored once. Lookups cost the same whatever the number
 * of indicators: one probe per table (IPs: one per prefix length present, longest first;
 * domains: one per label suffix).
 */
#ifndef BONGSU_INTEL_H
#define BONGSU_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

typedef enum IntelType {
    INTEL_IPV4,
    INTEL_IPV6,
    INTEL_CIDR,
    INTEL_DOMAIN,
    INTEL_URL,
    INTEL_MD5,
    INTEL_SHA1,
    INTEL_SHA256,
    INTEL_JA3,
    INTEL_JA4,
    INTEL_EMAIL,
    INTEL_TYPE_COUNT
} IntelType;

/* "ipv4", "domain", ...; the CSV type names. */
const char *intel_type_name(IntelType type);
int intel_type_by_name(const char *name);  /* -1 when unknown */

/* ---- actor knowledge base (data/actors.json) ---- */
typedef struct IntelActor {
    char *name;            /* canonical name, e.g. "Lazarus Group" */
    char *mitre_group_id;  /* "G0032" or NULL */
    char **techniques;     /* ATT&CK technique ids the group is known to use */
    size_t technique_count;
} IntelActor;

typedef struct IntelActors IntelActors;

IntelActors *intel_actors_load(const char *path, char *err, size_t errlen);
void intel_actors_free(IntelActors *kb);
/* Any alias, case-insensitive, spaces and punctuation ignored; -1 when unknown. */
int intel_actors_resolve(const IntelActors *kb, const char *alias);
/* The first known actor named anywhere in text (a rule's msg or metadata value); -1 if none. */
int intel_actors_find_in_text(const IntelActors *kb, const char *text);
const IntelActor *intel_actor(const IntelActors *kb, int id);
size_t intel_actor_count(const IntelActors *kb);

/* ---- indicator store ---- */
typedef struct IntelIndicator {
    uint32_t value;        /* arena offset: the indicator as shown (normalised text) */
    uint32_t key;          /* arena offset: the lookup key (text, or a binary IP prefix) */
    uint32_t source, reference, techniques;  /* arena offsets, 0 = none */
    uint16_t key_len;
    int16_t actor;         /* knowledge-base id, -1 unattributed */
    uint8_t type;          /* IntelType */
    uint8_t confidence;    /* 0-100, 0 unknown */
    uint8_t prefix_len;    /* CIDR and IPs: bits */
    uint8_t family;        /* AF_INET / AF_INET6 for IP types */
} IntelIndicator;

typedef struct IntelStore IntelStore;

/* One indicator as a feed gives it, before normalisation. */
typedef struct IntelRecord {
    IntelType type;
    const char *value;
    const char *actor;       /* any alias, or NULL */
    int confidence;          /* -1 unknown */
    const char *source, *reference;
    const char *techniques;  /* ';'-separated ATT&CK ids, or NULL */
} IntelRecord;

IntelStore *intel_store_new(const IntelActors *kb);
void intel_store_free(IntelStore *store);
/* Adds a record; returns 0, 1 when it duplicated an existing indicator (merged), or -1 with
 * the reason in err (bad value). */
int intel_store_add(IntelStore *store, const IntelRecord *rec, char *err, size_t errlen);
uint32_t intel_store_count(const IntelStore *store);
uint32_t intel_store_count_type(const IntelStore *store, IntelType type);
size_t intel_store_memory(const IntelStore *store);
const IntelIndicator *intel_store_get(const IntelStore *store, uint32_t index);
const char *intel_store_string(const IntelStore *store, uint32_t offset);
const IntelActors *intel_store_actors(const IntelStore *store);

/* Lookups return an indicator index or -1. */
int64_t intel_lookup_ip(const IntelStore *store, const Address *addr);
int64_t intel_lookup_domain(const IntelStore *store, const char *name, size_t len);
int64_t intel_lookup_value(const IntelStore *store, IntelType type, const char *value, size_t len);

/* ---- feeds ---- */
typedef struct IntelLoadStats {
    uint32_t added, duplicates, errors;
} IntelLoadStats;

/* Loads a CSV, STIX 2.1 bundle, MISP event or MISP feed manifest, chosen by content. Bad
 * lines/objects are reported through report (file:line or object id and the reason) and
 * skipped. Returns 0, or -1 when the file cannot be read at all. */
typedef void (*IntelReportFn)(void *ud, const char *where, const char *reason);
int intel_load_file(IntelStore *store, const char *path, IntelLoadStats *stats,
                    IntelReportFn report, void *ud);
int intel_load_csv(IntelStore *store, const char *path, const char *text, size_t len,
                   IntelLoadStats *stats, IntelReportFn report, void *ud);
int intel_load_stix(IntelStore *store, const char *path, const char *text, size_t len,
                    IntelLoadStats *stats, IntelReportFn report, void *ud);
int intel_load_misp(IntelStore *store, const char *path, const char *text, size_t len,
                    IntelLoadStats *stats, IntelReportFn report, void *ud);

#endif
