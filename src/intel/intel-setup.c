/*
 * intel-setup.c - which actor knowledge base and which feeds a run uses.
 *
 * Feeds come from --intel (repeatable), else the configuration's intel.files, else the DPRK
 * pack shipped in data/intel. The knowledge base is intel.actors, else data/actors.json.
 * intel.enabled: no turns intel off.
 */
#include "intel/intel-setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-info.h"
#include "common/log.h"
#include "config/config.h"

IntelActors *intel_setup_actors(const ConfNode *conf)
{
    char shipped[4096];
    snprintf(shipped, sizeof(shipped), "%s/actors.json", BONGSU_DATA_DIR);
    const char *path = conf ? conf_get_str(conf, "intel.actors", shipped) : shipped;
    char err[512];
    IntelActors *kb = intel_actors_load(path, err, sizeof(err));
    if (!kb)
        log_warning("actor knowledge base: %s (alerts will not be attributed)", err);
    return kb;
}

static void report_to_log(void *ud, const char *where, const char *reason)
{
    (void)ud;
    log_warning("%s: %s", where, reason);
}

static void log_counts(const IntelStore *store, const char *path, const IntelLoadStats *st)
{
    char by_type[512] = "";
    size_t n = 0;
    for (int t = 0; t < INTEL_TYPE_COUNT; t++) {
        uint32_t c = intel_store_count_type(store, (IntelType)t);
        if (c && n < sizeof(by_type))
            n += (size_t)snprintf(by_type + n, sizeof(by_type) - n, "%s%s %u", n ? ", " : "",
                                  intel_type_name((IntelType)t), c);
    }
    log_info("intel %s: %u added, %u duplicates, %u bad; store now %s", path, st->added,
             st->duplicates, st->errors, by_type);
}

static int load_one(IntelStore *store, const char *path, IntelLoadStats *total)
{
    IntelLoadStats st = {0};
    int rc = intel_load_file(store, path, &st, report_to_log, NULL);
    log_counts(store, path, &st);
    total->added += st.added;
    total->duplicates += st.duplicates;
    total->errors += st.errors;
    return rc;
}

IntelStore *intel_setup_store(const ConfNode *conf, const IntelActors *kb,
                              const char *const *files, int file_count, IntelLoadStats *stats)
{
    memset(stats, 0, sizeof(*stats));
    if (conf && !conf_get_bool(conf, "intel.enabled", true))
        return NULL;
    IntelStore *store = intel_store_new(kb);
    if (!store)
        return NULL;
    const ConfNode *configured = conf ? conf_node(conf, "intel.files") : NULL;
    if (file_count) {
        for (int i = 0; i < file_count; i++)
            load_one(store, files[i], stats);
    } else if (configured && conf_node_count(configured)) {
        for (size_t i = 0; i < conf_node_count(configured); i++) {
            const char *path = conf_node_value(conf_node_child(configured, i));
            if (path)
                load_one(store, path, stats);
        }
    } else {
        char shipped[4096];
        snprintf(shipped, sizeof(shipped), "%s/intel/dprk-indicators.csv", BONGSU_DATA_DIR);
        load_one(store, shipped, stats);
    }
    log_info("intel: %u indicators loaded (%zu KiB)", intel_store_count(store),
             intel_store_memory(store) / 1024);
    return store;
}
