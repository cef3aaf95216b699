/*
 * detect-dataset.c - the dataset keyword and the sets behind it.
 *
 *   dataset:<set|isset|isnotset|unset>,<name>[, type <string|md5|sha256|ipv4|ip>]
 *       [, load <file>][, save <file>][, state <file>][, memcap <size>][, hashsize <n>]
 *
 * follows a sticky buffer and tests the whole buffer (after its transforms): isset holds when
 * the value is in the set, isnotset when it is not, set adds it and holds only when it was
 * new, unset removes it and holds when it was there, as in Suricata 7. A name is declared by its first use (or by the
 * `datasets:` section of the configuration, whose options win); later uses must agree on the
 * type. `load` reads a file at start (relative: beside the rule file, then in
 * default-rule-path); `save` writes the set at exit; `state` does both (relative save/state
 * paths go in default-data-dir).
 *
 * Each set is a chained hash under a reader/writer lock, shared by all workers. Its memcap
 * counts a fixed cost per entry, not the value's length, as Suricata 7.0 does, plus the
 * buckets; an add past it fails and is counted.
 */
#include "detect/detect-dataset.h"
#include "common/textutil.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "config/config.h"
#include "detect/detect-keywords.h"

#define DATASET_DEFAULT_MEMCAP (16u * 1024 * 1024)
#define DATASET_DEFAULT_HASHSIZE 2048

typedef struct DsEntry {
    struct DsEntry *next;
    uint32_t len;
    uint16_t rep;            /* reputation from a datarep file (0 when none) */
    uint8_t data[];
} DsEntry;

struct Dataset {
    char *name;
    DatasetType type;
    char *save;              /* written at exit, NULL when none */
    pthread_rwlock_t lock;
    DsEntry **buckets;
    uint32_t mask;
    uint64_t memcap, memuse, memcap_drops, count;
    Dataset *next;
};

struct DatasetRegistry {
    Dataset *sets;
    const ConfNode *conf;
    char data_dir[2048];
};

static DatasetRegistry *loading_registry;
static const char *loading_rule_file;

static const char *const type_names[] = {"string", "md5", "sha256", "ipv4", "ip"};
static const uint32_t type_sizes[] = {0, 16, 32, 4, 16}; /* 0: any length */

DatasetRegistry *dataset_registry_new(const ConfNode *conf)
{
    DatasetRegistry *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->conf = conf;
    snprintf(r->data_dir, sizeof(r->data_dir), "%s",
             conf ? conf_get_str(conf, "default-data-dir", ".") : ".");
    return r;
}

void dataset_loading(DatasetRegistry *r, const char *rule_file)
{
    loading_registry = r;
    loading_rule_file = rule_file;
}

const char *dataset_loading_rule_file(void)
{
    return loading_rule_file;
}

DatasetType dataset_type(const Dataset *d)
{
    return d->type;
}

uint64_t dataset_memcap_drops(const Dataset *d)
{
    return d->memcap_drops;
}

static uint32_t hash_value(const uint8_t *v, uint32_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ v[i]) * 1099511628211ull;
    return (uint32_t)(h ^ (h >> 32));
}

static DsEntry **find_slot(Dataset *d, const uint8_t *v, uint32_t len)
{
    DsEntry **pp = &d->buckets[hash_value(v, len) & d->mask];
    while (*pp && ((*pp)->len != len || memcmp((*pp)->data, v, len) != 0))
        pp = &(*pp)->next;
    return pp;
}

/* A value of the set's type: md5/sha256 buffers are the raw digests (to_md5...); an ip set
 * takes 4- or 16-byte addresses, an IPv4 one padded to 16 bytes as files give it. */
static bool normalize(const Dataset *d, const uint8_t **v, uint32_t *len, uint8_t buf[16])
{
    uint32_t want = type_sizes[d->type];
    if (d->type == DS_IP && *len == 4) {
        memset(buf, 0, 16);
        memcpy(buf, *v, 4);
        *v = buf;
        *len = 16;
    }
    return !want || *len == want;
}

int dataset_add(Dataset *d, const uint8_t *value, uint32_t len)
{
    return dataset_add_rep(d, value, len, 0);
}

int dataset_add_rep(Dataset *d, const uint8_t *value, uint32_t len, uint16_t rep)
{
    uint8_t buf[16];
    if (!normalize(d, &value, &len, buf) || len > DATASET_VALUE_MAX)
        return -1;
    pthread_rwlock_wrlock(&d->lock);
    DsEntry **slot = find_slot(d, value, len);
    int rc = 0;
    if (!*slot) {
        DsEntry *e = NULL;
        if (d->memuse + sizeof(DsEntry) > d->memcap || !(e = malloc(sizeof(*e) + len))) {
            d->memcap_drops++;
            rc = -1;
        } else {
            e->next = NULL;
            e->len = len;
            e->rep = rep;
            memcpy(e->data, value, len);
            *slot = e;
            d->memuse += sizeof(DsEntry);
            d->count++;
            rc = 1;
        }
    }
    pthread_rwlock_unlock(&d->lock);
    return rc;
}

static bool dataset_remove(Dataset *d, const uint8_t *value, uint32_t len)
{
    uint8_t buf[16];
    if (!normalize(d, &value, &len, buf))
        return false;
    pthread_rwlock_wrlock(&d->lock);
    DsEntry **slot = find_slot(d, value, len);
    DsEntry *e = *slot;
    if (e) {
        *slot = e->next;
        free(e);
        d->memuse -= sizeof(DsEntry);
        d->count--;
    }
    pthread_rwlock_unlock(&d->lock);
    return e != NULL;
}

bool dataset_contains(Dataset *d, const uint8_t *value, uint32_t len)
{
    uint8_t buf[16];
    if (!normalize(d, &value, &len, buf))
        return false;
    pthread_rwlock_rdlock(&d->lock);
    bool found = *find_slot(d, value, len) != NULL;
    pthread_rwlock_unlock(&d->lock);
    return found;
}

bool dataset_lookup_rep(Dataset *d, const uint8_t *value, uint32_t len, uint16_t *rep)
{
    uint8_t buf[16];
    if (!normalize(d, &value, &len, buf))
        return false;
    pthread_rwlock_rdlock(&d->lock);
    const DsEntry *e = *find_slot(d, value, len);
    if (e)
        *rep = e->rep;
    pthread_rwlock_unlock(&d->lock);
    return e != NULL;
}

void dataset_for_each(Dataset *d, void (*fn)(void *ud, const uint8_t *v, uint32_t len),
                      void *ud)
{
    pthread_rwlock_rdlock(&d->lock);
    for (uint32_t b = 0; b <= d->mask; b++)
        for (const DsEntry *e = d->buckets[b]; e; e = e->next)
            fn(ud, e->data, e->len);
    pthread_rwlock_unlock(&d->lock);
}

uint64_t dataset_count(const Dataset *d)
{
    return d->count;
}

typedef struct SaveCtx {
    FILE *f;
    DatasetType type;
} SaveCtx;

static void save_value(void *ud, const uint8_t *v, uint32_t len)
{
    SaveCtx *c = ud;
    dataset_write_value(c->f, c->type, v, len);
}

/* Written to a temporary file renamed over the old one, so a crash never leaves half a set. */
static void save(Dataset *d)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", d->save);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        log_warning("dataset %s: cannot write %s", d->name, tmp);
        return;
    }
    SaveCtx c = {f, d->type};
    dataset_for_each(d, save_value, &c);
    if (fclose(f) != 0 || rename(tmp, d->save) != 0)
        log_warning("dataset %s: cannot write %s", d->name, d->save);
}

static void dataset_free(Dataset *d)
{
    if (d->save)
        save(d);
    for (uint32_t b = 0; b <= d->mask; b++) {
        for (DsEntry *e = d->buckets[b], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    }
    if (d->memcap_drops)
        log_warning("dataset %s: memcap reached, %llu values not added", d->name,
                    (unsigned long long)d->memcap_drops);
    free(d->buckets);
    free(d->save);
    free(d->name);
    pthread_rwlock_destroy(&d->lock);
    free(d);
}

void dataset_registry_free(DatasetRegistry *r)
{
    if (!r)
        return;
    if (loading_registry == r)
        dataset_loading(NULL, NULL);
    for (Dataset *d = r->sets, *next; d; d = next) {
        next = d->next;
        dataset_free(d);
    }
    free(r);
}

/* --- declaring a set ----------------------------------------------------------------- */

typedef struct DatasetOptions {
    int type;                /* -1 when not given */
    char load[2048], save[2048], state[2048];
    uint64_t memcap;
    uint32_t hashsize;
} DatasetOptions;

/* Options of the `datasets.<name>` section, under the rule's own. */
static void options_from_conf(const ConfNode *conf, const char *name, DatasetOptions *o)
{
    char key[600];
    const char *v;
    snprintf(key, sizeof(key), "datasets.%s.type", name);
    for (int i = 0; (v = conf_get(conf, key)) && i < 5; i++)
        if (o->type < 0 && strcmp(v, type_names[i]) == 0)
            o->type = i;
    const struct { const char *opt; char *dst; } files[] = {
        {"load", o->load}, {"save", o->save}, {"state", o->state}};
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof(key), "datasets.%s.%s", name, files[i].opt);
        if (!files[i].dst[0] && (v = conf_get(conf, key)))
            snprintf(files[i].dst, sizeof(o->load), "%s", v);
    }
    snprintf(key, sizeof(key), "datasets.%s.memcap", name);
    if (!o->memcap)
        o->memcap = conf_get_size(conf, key, conf_get_size(conf, "datasets.defaults.memcap", 0));
    snprintf(key, sizeof(key), "datasets.%s.hashsize", name);
    if (!o->hashsize)
        o->hashsize = (uint32_t)conf_get_int(
            conf, key, conf_get_int(conf, "datasets.defaults.hashsize", 0));
}

/* A relative `load`: beside the rule file when it is there, else under default-rule-path. */
static void load_path(const DatasetRegistry *r, const char *file, char *out, size_t size)
{
    if (file[0] == '/') {
        snprintf(out, size, "%s", file);
        return;
    }
    const char *slash = loading_rule_file ? strrchr(loading_rule_file, '/') : NULL;
    if (slash) {
        snprintf(out, size, "%.*s/%s", (int)(slash - loading_rule_file), loading_rule_file, file);
        if (access(out, R_OK) == 0)
            return;
    } else if (loading_rule_file && access(file, R_OK) == 0) {
        snprintf(out, size, "%s", file);
        return;
    }
    snprintf(out, size, "%s/%s", r->conf ? conf_get_str(r->conf, "default-rule-path", ".") : ".",
             file);
}

static void data_path(const DatasetRegistry *r, const char *file, char *out, size_t size)
{
    if (file[0] == '/')
        snprintf(out, size, "%s", file);
    else
        snprintf(out, size, "%s/%s", r->data_dir, file);
}

static Dataset *dataset_new(const char *name, const DatasetOptions *o)
{
    Dataset *d = calloc(1, sizeof(*d));
    uint32_t n = 1;
    uint32_t want = o->hashsize ? o->hashsize : DATASET_DEFAULT_HASHSIZE;
    while (n < want && n < (1u << 24))
        n <<= 1;
    if (!d || !(d->buckets = calloc(n, sizeof(DsEntry *))) || !(d->name = strdup(name))) {
        if (d)
            free(d->buckets);
        free(d);
        return NULL;
    }
    d->mask = n - 1;
    d->type = (DatasetType)o->type;
    d->memcap = o->memcap ? o->memcap : DATASET_DEFAULT_MEMCAP;
    pthread_rwlock_init(&d->lock, NULL);
    return d;
}

Dataset *dataset_create(DatasetType type, uint64_t memcap, uint32_t hashsize)
{
    DatasetOptions o = {.type = (int)type, .memcap = memcap, .hashsize = hashsize};
    return dataset_new("standalone", &o);
}

void dataset_destroy(Dataset *d)
{
    if (!d)
        return;
    free(d->save);
    d->save = NULL;
    dataset_free(d);
}

/* Fills the new set from its load/state file; a missing state file is a fresh start. */
static int dataset_fill(DatasetRegistry *r, Dataset *d, const DatasetOptions *o, char *err,
                        size_t errlen)
{
    char path[4200];
    if (o->state[0] || o->save[0]) {
        data_path(r, o->state[0] ? o->state : o->save, path, sizeof(path));
        d->save = strdup(path);
    }
    if (o->state[0]) {
        if (access(path, R_OK) == 0 && dataset_load_file(d, path, err, errlen) < 0)
            return -1;
    }
    if (o->load[0]) {
        load_path(r, o->load, path, sizeof(path));
        if (dataset_load_file(d, path, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static Dataset *dataset_get(DatasetRegistry *r, const char *name, DatasetOptions *o, char *err,
                            size_t errlen)
{
    for (Dataset *d = r->sets; d; d = d->next) {
        if (strcmp(d->name, name) != 0)
            continue;
        if (o->type >= 0 && o->type != (int)d->type) {
            snprintf(err, errlen, "dataset %s is %s, not %s", name, type_names[d->type],
                     type_names[o->type]);
            return NULL;
        }
        return d;
    }
    if (r->conf)
        options_from_conf(r->conf, name, o);
    if (o->type < 0) {
        snprintf(err, errlen, "dataset %s needs a type", name);
        return NULL;
    }
    Dataset *d = dataset_new(name, o);
    if (!d)
        return NULL;
    if (dataset_fill(r, d, o, err, errlen) != 0) {
        dataset_destroy(d);
        return NULL;
    }
    d->next = r->sets;
    r->sets = d;
    return d;
}

Dataset *dataset_for_rule(const char *name, int type, const char *load, uint64_t memcap,
                          uint32_t hashsize, char *err, size_t errlen)
{
    if (!loading_registry) {
        snprintf(err, errlen, "datasets are only available while an engine loads");
        return NULL;
    }
    DatasetOptions o = {.type = type, .memcap = memcap, .hashsize = hashsize};
    snprintf(o.load, sizeof(o.load), "%s", load ? load : "");
    return dataset_get(loading_registry, name, &o, err, errlen);
}

int dataset_type_parse(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(name, type_names[i]) == 0)
            return i;
    return strcmp(name, "ipv6") == 0 ? DS_IP : -1;
}

/* --- the keyword --------------------------------------------------------------------- */

typedef enum DatasetCmd { DC_SET, DC_ISSET, DC_ISNOTSET, DC_UNSET } DatasetCmd;

typedef struct DatasetCtx {
    DatasetCmd cmd;
    Dataset *set;
} DatasetCtx;

/* "type X", "load F"... into o. */
static int parse_option(char *item, DatasetOptions *o, char *err, size_t errlen)
{
    char *val = item + strcspn(item, " \t");
    if (*val)
        *val++ = '\0';
    val += strspn(val, " \t");
    char *files[] = {o->load, o->save, o->state};
    const char *file_opts[] = {"load", "save", "state"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(item, file_opts[i]) == 0 && *val) {
            snprintf(files[i], sizeof(o->load), "%s", val);
            return 0;
        }
    }
    char *end = NULL;
    if (strcmp(item, "type") == 0) {
        for (int i = 0; i < 5; i++)
            if (strcmp(val, type_names[i]) == 0)
                o->type = i;
        if (o->type >= 0)
            return 0;
    } else if (strcmp(item, "memcap") == 0 && conf_parse_size(val, &o->memcap) == 0) {
        return 0;
    } else if (strcmp(item, "hashsize") == 0 && (o->hashsize = (uint32_t)strtoul(val, &end, 10)) &&
               !*end) {
        return 0;
    }
    snprintf(err, errlen, "invalid dataset option \"%s %s\"", item, val);
    return -1;
}

static int dataset_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                         size_t errlen)
{
    static const char *const cmds[] = {"set", "isset", "isnotset", "unset"};
    if (!sig_in_sticky_buffer(sig)) {
        snprintf(err, errlen, "needs a sticky buffer before it");
        return -1;
    }
    if (!loading_registry) {
        snprintf(err, errlen, "datasets are only available while an engine loads");
        return -1;
    }
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    char *save = NULL, *cmd = strtok_r(buf, ",", &save), *name = strtok_r(NULL, ",", &save);
    DatasetOptions o = {.type = -1};
    int c = -1;
    for (int i = 0; cmd && i < 4; i++)
        if (strcmp(text_trim(cmd), cmds[i]) == 0)
            c = i;
    if (c < 0 || !name || !*(name = text_trim(name))) {
        snprintf(err, errlen, "expected <set|isset|isnotset|unset>,<name>[,options]");
        return -1;
    }
    for (char *item = strtok_r(NULL, ",", &save); item; item = strtok_r(NULL, ",", &save))
        if (parse_option(text_trim(item), &o, err, errlen) != 0)
            return -1;
    Dataset *set = dataset_get(loading_registry, name, &o, err, errlen);
    DatasetCtx *ctx = set ? malloc(sizeof(*ctx)) : NULL;
    if (!ctx)
        return -1;
    *ctx = (DatasetCtx){(DatasetCmd)c, set};
    return sig_append(sig, SIG_LIST_PAYLOAD, kw, ctx) ? 0 : -1;
}

static bool dataset_inspect(InspectState *st, const SigMatch *sm)
{
    const DatasetCtx *ctx = sm->ctx;
    bool ok;
    switch (ctx->cmd) {
    case DC_SET: ok = dataset_add(ctx->set, st->buf, st->len) == 1; break;
    case DC_ISSET: ok = dataset_contains(ctx->set, st->buf, st->len); break;
    case DC_ISNOTSET: ok = !dataset_contains(ctx->set, st->buf, st->len); break;
    default: ok = dataset_remove(ctx->set, st->buf, st->len); break;
    }
    return ok && detect_inspect_list(st, sm->next);
}

const DetectKeyword detect_dataset_keywords[] = {
    {.name = "dataset", .setup = dataset_setup, .inspect = dataset_inspect},
    {.name = NULL},
};
