/*
 * detect-dataset.h - datasets: named sets of strings, MD5s, SHA-256s or IP addresses that
 * rules test a sticky buffer against, or add it to (the dataset keyword, detect-dataset.c),
 * loaded from and saved to Suricata's dataset files (detect-dataset-file.c).
 */
#ifndef BONGSU_DETECT_DATASET_H
#define BONGSU_DETECT_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ConfNode;

typedef enum DatasetType { DS_STRING, DS_MD5, DS_SHA256, DS_IPV4, DS_IP } DatasetType;

typedef struct Dataset Dataset;
typedef struct DatasetRegistry DatasetRegistry;

/* The registry of one engine: the `datasets:` section of conf (names declared there, their
 * defaults and limits) and where relative save/state files go (default-data-dir). */
DatasetRegistry *dataset_registry_new(const struct ConfNode *conf);
/* Writes every dataset that has a save or state file, then frees. */
void dataset_registry_free(DatasetRegistry *r);
/* While rules load: the registry the dataset keyword uses and the rule file being read (a
 * relative `load` is looked up beside it first). NULL: no dataset can be set up. */
void dataset_loading(DatasetRegistry *r, const char *rule_file);
/* The rule file being loaded (set by dataset_loading), NULL outside a load: other keywords
 * with files of their own (filemd5 lists) look beside it too. */
const char *dataset_loading_rule_file(void);

/* A set outside any registry (tests, fuzzing); dataset_destroy frees it without saving. */
Dataset *dataset_create(DatasetType type, uint64_t memcap, uint32_t hashsize);
void dataset_destroy(Dataset *d);
/* Calls fn for every value. */
void dataset_for_each(Dataset *d, void (*fn)(void *ud, const uint8_t *v, uint32_t len),
                      void *ud);
uint64_t dataset_count(const Dataset *d);

/* 1 when value was added, 0 when it was there, -1 when it cannot be (size, memcap). */
int dataset_add(Dataset *d, const uint8_t *value, uint32_t len);
bool dataset_contains(Dataset *d, const uint8_t *value, uint32_t len);
/* dataset_add with a reputation value (datarep files: "value,rep"). */
int dataset_add_rep(Dataset *d, const uint8_t *value, uint32_t len, uint16_t rep);
/* True with *rep when value is in the set. */
bool dataset_lookup_rep(Dataset *d, const uint8_t *value, uint32_t len, uint16_t *rep);
/* The registry's set `name` for a rule being loaded (declared, and loaded, on first use):
 * type a DatasetType or -1 (the set's own), load a file or NULL; memcap/hashsize 0 for the
 * defaults. NULL with err when it cannot be. */
Dataset *dataset_for_rule(const char *name, int type, const char *load, uint64_t memcap,
                          uint32_t hashsize, char *err, size_t errlen);
/* A DatasetType from its rule name (string, md5, sha256, ipv4, ip or ipv6), -1 if none. */
int dataset_type_parse(const char *name);
DatasetType dataset_type(const Dataset *d);
uint64_t dataset_memcap_drops(const Dataset *d);

/* File formats (detect-dataset-file.c). One line to a value: base64 for strings, hex for
 * md5/sha256, dotted or colon notation for addresses; a number after a comma is the value's
 * reputation (datarep files), kept with it. 1 for a line to skip, 0 with the value, -1 when malformed. */
int dataset_parse_line(DatasetType type, const char *line, uint8_t *out, uint32_t *len);
/* Adds each line of f; returns the number of values or -1 with err naming name:line. */
int dataset_read(Dataset *d, FILE *f, const char *name, char *err, size_t errlen);
int dataset_load_file(Dataset *d, const char *path, char *err, size_t errlen);
/* Writes one value per line in the format dataset_parse_line reads. */
void dataset_write_value(FILE *f, DatasetType type, const uint8_t *value, uint32_t len);
/* Longest value of any type (a string line decodes to at most this much). */
#define DATASET_VALUE_MAX 65536

#endif
