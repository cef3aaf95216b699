/*
 * detect-load.c - reading rule files into a DetectEngine.
 *
 * Rule files come from -S (only those), or from the configuration's default-rule-path and
 * rule-files plus -s. A rule may continue over lines ending in a backslash; '#' lines are
 * comments. A rule that cannot be parsed is skipped with a warning "file:line: sid N: reason"
 * and counted; the rest load. Duplicate gid:sid pairs keep the first and warn, as Suricata
 * does. classification.config comes from classification-file, else the copy bongsu ships.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build-info.h"
#include "common/log.h"
#include "common/textutil.h"
#include "common/timefmt.h"
#include "config/config.h"
#include "detect/detect-classification.h"
#include "detect/detect-engine.h"
#include "detect/detect-flowvars.h"
#include "detect/detect-geoip.h"
#include "detect/detect-keywords.h"
#include "detect/detect-parse.h"
#include "detect/detect-requires.h"
#include "detect/detect-threshold.h"
#include "detect/detect-dataset.h"
#include "detect/detect-iprep.h"
#include "detect/detect-xbits.h"
#include "output/output.h"

#define RULE_MAX_LEN (1024 * 1024)
/* Suricata's detect.thresholds defaults. */
#define THRESHOLD_DEFAULT_MEMCAP (16u * 1024 * 1024)
#define THRESHOLD_DEFAULT_HASH_SIZE 16384
/* Suricata's host.memcap default, which bounds its hostbits/xbits. */
#define XBITS_DEFAULT_MEMCAP (32u * 1024 * 1024)

static uint32_t sid_slot(const DetectEngine *de, uint32_t gid, uint32_t sid)
{
    uint32_t mask = de->sid_slot_count - 1;
    uint32_t s = (uint32_t)(((uint64_t)gid << 32 | sid) * 0x9e3779b97f4a7c15ull >> 40) & mask;
    while (de->sid_slots[s]) {
        const Signature *o = de->sigs[de->sid_slots[s] - 1];
        if (o->gid == gid && o->sid == sid)
            break;
        s = (s + 1) & mask;
    }
    return s;
}

/* Keeps the signature array and its gid:sid index (open addressing, half full at most). */
static int grow(DetectEngine *de)
{
    if (de->count + 1 > de->cap) {
        uint32_t cap = de->cap ? de->cap * 2 : 1024;
        Signature **sigs = realloc(de->sigs, cap * sizeof(Signature *));
        uint32_t *slots = calloc((size_t)cap * 2, sizeof(uint32_t));
        if (!sigs || !slots) {
            if (sigs)
                de->sigs = sigs;
            free(slots);
            return -1;
        }
        de->sigs = sigs;
        de->cap = cap;
        free(de->sid_slots);
        de->sid_slots = slots;
        de->sid_slot_count = cap * 2;
        for (uint32_t i = 0; i < de->count; i++)
            de->sid_slots[sid_slot(de, de->sigs[i]->gid, de->sigs[i]->sid)] = i + 1;
    }
    return 0;
}

/* A gid:sid seen before: as in Suricata the higher rev stays and the other one counts as a
 * failed rule. Returns -1 when sig is the one dropped, 1 when it replaced the old one. */
static int add_signature(DetectEngine *de, Signature *sig)
{
    if (grow(de) != 0)
        return -1;
    uint32_t s = sid_slot(de, sig->gid, sig->sid);
    if (de->sid_slots[s]) {
        uint32_t i = de->sid_slots[s] - 1;
        Signature *old = de->sigs[i];
        log_warning("%s:%d: sid %u: duplicate signature (also at %s:%d); keeping rev %u",
                    sig->file, sig->line, sig->sid, old->file, old->line,
                    sig->rev > old->rev ? sig->rev : old->rev);
        if (sig->rev <= old->rev)
            return -1;
        sig->num = old->num;
        de->sigs[i] = sig;
        signature_free(old);
        return 1;
    }
    sig->num = de->count;
    de->sigs[de->count++] = sig;
    de->sid_slots[s] = de->count;
    return 0;
}

static void load_rule(DetectEngine *de, const ConfNode *conf, const char *rule, const char *path,
                      int line, DetectLoadStats *stats)
{
    char err[1024];
    /* Unmet requirements skip the rule before anything else in it is judged. */
    int req = detect_requires_check(rule, conf_get_bool(conf, "ignore-unknown-requirements",
                                                         false), err, sizeof(err));
    if (req > 0) {
        log_info("%s:%d: sid %u: skipped, the engine does not meet its requires", path, line,
                 rule_text_sid(rule));
        stats->skipped++;
        return;
    }
    Signature *sig = req < 0 ? NULL : signature_parse(rule, conf, err, sizeof(err));
    if (!sig) {
        log_warning("%s:%d: sid %u: %s", path, line, rule_text_sid(rule), err);
        stats->failed++;
        return;
    }
    sig->file = strdup(path);
    sig->line = line;
    signature_seal_metadata(sig); /* before the next rule, so its heap holes are reused */
    int rc = add_signature(de, sig);
    if (rc < 0)
        signature_free(sig);
    if (rc != 0) {
        stats->failed++;
        return;
    }
    stats->loaded++;
}

typedef struct RuleFileCtx {
    DetectEngine *de;
    const ConfNode *conf;
    const char *path;
    DetectLoadStats *stats;
} RuleFileCtx;

static void on_rule_line(void *ud, const char *rule, int lineno)
{
    RuleFileCtx *c = ud;
    load_rule(c->de, c->conf, rule, c->path, lineno, c->stats);
}

/* Reads logical rules (joining backslash continuations) from one file. */
static int load_file(DetectEngine *de, const ConfNode *conf, const char *path,
                     DetectLoadStats *stats)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        log_warning("rule file %s: cannot open", path);
        return -1;
    }
    stats->files++;
    dataset_loading(de->datasets, path);
    RuleFileCtx c = {de, conf, path, stats};
    int rc = text_read_joined_lines(f, RULE_MAX_LEN, on_rule_line, &c);
    fclose(f);
    dataset_loading(NULL, NULL);
    return rc;
}

static void load_classification(const ConfNode *conf)
{
    classification_reset();
    const char *path = conf ? conf_get(conf, "classification-file") : NULL;
    if (path && classification_load(path) == 0)
        return;
    char shipped[4096];
    snprintf(shipped, sizeof(shipped), "%s/classification.config", BONGSU_DATA_DIR);
    if (classification_load(shipped) != 0)
        log_warning("no classification.config (tried %s and %s): classtypes will not resolve",
                    path ? path : "(classification-file unset)", shipped);
}

static void load_configured_files(DetectEngine *de, const ConfNode *conf, DetectLoadStats *stats)
{
    const ConfNode *files = conf ? conf_node(conf, "rule-files") : NULL;
    const char *dir = conf ? conf_get_str(conf, "default-rule-path", ".") : ".";
    for (size_t i = 0; files && i < conf_node_count(files); i++) {
        const char *name = conf_node_value(conf_node_child(files, i));
        if (!name)
            continue;
        char path[4096];
        if (name[0] == '/')
            snprintf(path, sizeof(path), "%s", name);
        else
            snprintf(path, sizeof(path), "%s/%s", dir, name);
        load_file(de, conf, path, stats);
    }
}

/* The rules' own thresholds, then threshold.config's entries over them. A threshold-file
 * that is the default and absent is normal (info); a configured one that is absent warns. */
static int install_thresholds(DetectEngine *de, const ConfNode *conf, DetectLoadStats *stats)
{
    for (uint32_t i = 0; i < de->count; i++)
        if (threshold_sig_init(de->sigs[i]) != 0)
            return -1;
    const char *path = conf ? conf_get(conf, "threshold-file") : NULL;
    if (!path || !*path)
        return 0;
    int errors = threshold_config_load(de, conf, path);
    if (errors < 0) {
        if (strcmp(path, "threshold.config") == 0)
            log_info("no threshold-file %s", path);
        else
            log_warning("threshold-file %s: cannot open", path);
        return 0;
    }
    stats->threshold_errors = (uint32_t)errors;
    return 0;
}

/* stats.detect.engines: [{id, last_reload, rules_loaded, rules_failed, rules_skipped}], as
 * Suricata 7 writes it (an array, which counters cannot express). */
static void stats_engines(json_t *stats, void *ud)
{
    const DetectEngine *de = ud;
    json_t *detect = json_object_get(stats, "detect");
    if (!detect) {
        detect = json_object();
        json_object_set_new(stats, "detect", detect);
    }
    json_t *engine = json_object();
    json_object_set_new(engine, "id", json_integer(0));
    json_object_set_new(engine, "last_reload", json_string(de->loaded_at));
    json_object_set_new(engine, "rules_loaded", json_integer(de->stats.loaded));
    json_object_set_new(engine, "rules_failed", json_integer(de->stats.failed));
    json_object_set_new(engine, "rules_skipped", json_integer(de->stats.skipped));
    json_t *engines = json_array();
    json_array_append_new(engines, engine);
    json_object_set_new(detect, "engines", engines);
}

/* action-order: the order in which rules of each action are evaluated (pass first by
 * default, so a pass rule silences the alerts of its packet; "alert" first lets them out
 * before the pass). Actions it does not list keep their default order after the listed. */
static void load_action_order(DetectEngine *de, const ConfNode *conf)
{
    static const struct {
        const char *name;
        SigAction action;
    } names[] = {{"pass", SIG_ACTION_PASS}, {"drop", SIG_ACTION_DROP},
                 {"reject", SIG_ACTION_REJECT}, {"alert", SIG_ACTION_ALERT}};
    for (size_t i = 0; i < 4; i++)
        de->action_rank[names[i].action] = (uint8_t)(4 + i);
    const ConfNode *order = conf_node(conf, "action-order");
    size_t n = order ? conf_node_count(order) : 0;
    for (size_t i = 0; i < n && i < 4; i++) {
        const char *v = conf_node_value(conf_node_child(order, i));
        for (size_t k = 0; v && k < 4; k++)
            if (strcmp(v, names[k].name) == 0)
                de->action_rank[names[k].action] = (uint8_t)i;
    }
}

DetectEngine *detect_engine_load(const ConfNode *conf, const char *const *rule_files,
                                 int rule_file_count, bool exclusive, DetectLoadStats *stats)
{
    memset(stats, 0, sizeof(*stats));
    DetectEngine *de = calloc(1, sizeof(*de));
    if (!de)
        return NULL;
    load_classification(conf);
    detect_buffer_keywords_init();
    detect_requires_configure(conf_get_bool(conf, "ignore-unknown-requirements", false));
    detect_geoip_configure(conf_get(conf, "geoip-database"));
    flowvar_names_reset();
    de->thresholds = threshold_store_new(
        conf_get_size(conf, "detect.thresholds.memcap", THRESHOLD_DEFAULT_MEMCAP),
        (uint32_t)conf_get_int(conf, "detect.thresholds.hash-size", THRESHOLD_DEFAULT_HASH_SIZE));
    int64_t alert_max = conf_get_int(conf, "packet-alert-max", DETECT_ALERT_MAX);
    de->alert_max = alert_max < 1 ? DETECT_ALERT_MAX
                                  : (uint32_t)(alert_max > DETECT_ALERT_CAP ? DETECT_ALERT_CAP
                                                                             : alert_max);
    load_action_order(de, conf);
    de->xbits = xbits_store_new(conf_get_size(conf, "host.memcap", XBITS_DEFAULT_MEMCAP),
                                (uint32_t)conf_get_int(conf, "host.hash-size", 4096));
    de->datasets = dataset_registry_new(conf);
    de->iprep = iprep_store_new();
    if (!de->thresholds || !de->xbits || !de->datasets || !de->iprep) {
        threshold_store_free(de->thresholds);
        xbits_store_free(de->xbits);
        dataset_registry_free(de->datasets);
        iprep_store_free(de->iprep);
        free(de);
        return NULL;
    }
    int iprep_errors = iprep_store_load(de->iprep, conf);
    if (iprep_errors)
        stats->iprep_errors = iprep_errors < 0 ? 1 : (uint32_t)iprep_errors;
    iprep_loading(de->iprep);
    if (!exclusive)
        load_configured_files(de, conf, stats);
    for (int i = 0; i < rule_file_count; i++)
        load_file(de, conf, rule_files[i], stats);
    iprep_loading(NULL);
    if (install_thresholds(de, conf, stats) != 0 || detect_engine_build_groups(de) != 0) {
        detect_engine_free(de);
        return NULL;
    }
    /* Suricata 7's words, its unlabelled skipped count included. */
    log_info("%u rule files processed. %u rules successfully loaded, %u rules failed, %u",
             stats->files, stats->loaded, stats->failed, stats->skipped);
    uint32_t inert = 0;
    for (uint32_t i = 0; i < de->count; i++)
        inert += (de->sigs[i]->flags & SIG_FLAG_INERT) != 0;
    if (inert)
        log_info("%u rules need an app-layer protocol, app-layer event or config action bongsu "
                 "does not have; they load but never match", inert);
    log_info("prefilter databases built in %.0f ms", de->prefilter_build_ms);
    de->stats = *stats;
    char ts[TIMEFMT_BUF_SIZE];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    timefmt_iso((uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u, ts);
    snprintf(de->loaded_at, sizeof(de->loaded_at), "%s", ts);
    output_stats_set_hook(stats_engines, de);
    return de;
}

void detect_engine_free(DetectEngine *de)
{
    if (!de)
        return;
    output_stats_set_hook(NULL, NULL);
    for (uint32_t i = 0; i < de->count; i++)
        signature_free(de->sigs[i]);
    free(de->sigs);
    free(de->sid_slots);
    detect_engine_free_groups(de);
    if (threshold_store_memcap_drops(de->thresholds))
        log_warning("detect.thresholds.memcap reached: %llu matches found no threshold state "
                    "and did not alert",
                    (unsigned long long)threshold_store_memcap_drops(de->thresholds));
    threshold_store_free(de->thresholds);
    if (xbits_store_memcap_drops(de->xbits))
        log_warning("host.memcap reached: %llu xbits could not be set",
                    (unsigned long long)xbits_store_memcap_drops(de->xbits));
    xbits_store_free(de->xbits);
    dataset_registry_free(de->datasets);
    iprep_store_free(de->iprep);
    free(de);
}
