/*
 * yara-setup.c - the rules and limits of a run.
 *
 * Rules come from --yara FILE|DIR (repeatable), else the configuration's yara.rules list,
 * else the DPRK pack shipped in data/yara. yara.enabled: no turns scanning off. Limits:
 * yara.max-file-size, yara.buffer-size, yara.spool-dir, yara.memcap, yara.queue-size,
 * yara.scan-timeout, yara.threads, yara.fileinfo-rules, yara.cache-size (see yara-scan.h and
 * yara-cache.h); yara.prefilter (yara-prefilter.h); yara.gate
 * (yara-gate.h); yara.compiled-dir (yara-compiled.h).
 * Problems in rule files are logged as warnings at file:line; the files that compile load.
 */
#include "yara/yara-setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-info.h"
#include "common/log.h"
#include "config/config.h"
#include "yara/yara-compiled.h"

static void report_to_log(void *ud, const char *where, const char *message, bool error)
{
    (void)ud;
    if (error)
        log_warning("yara: %s: %s", where, message);
    else
        log_info("yara: %s: %s", where, message);
}

/* yara.compiled-dir: where compiled sets are kept between runs (yara-compiled.h); "none" or
 * "" turns that off. Default: the user's cache directory. */
static void compiled_dir(const ConfNode *conf, char *out, size_t size)
{
    const char *dir = conf ? conf_get_str(conf, "yara.compiled-dir", NULL) : NULL;
    if (!dir)
        yara_compiled_default_dir(out, size);
    else
        snprintf(out, size, "%s", strcmp(dir, "none") == 0 ? "" : dir);
}

YaraRuleSet *yara_setup_rules(const ConfNode *conf, const IntelActors *kb,
                              const char *const *paths, int path_count, uint32_t *failed_files)
{
    *failed_files = 0;
    if (conf && !conf_get_bool(conf, "yara.enabled", true))
        return NULL;
    const char *list[256];
    size_t n = 0;
    const ConfNode *configured = conf ? conf_node(conf, "yara.rules") : NULL;
    char shipped[4096];
    if (path_count) {
        for (int i = 0; i < path_count && n < 256; i++)
            list[n++] = paths[i];
    } else if (configured && conf_node_count(configured)) {
        for (size_t i = 0; i < conf_node_count(configured) && n < 256; i++) {
            const char *path = conf_node_value(conf_node_child(configured, i));
            if (path)
                list[n++] = path;
        }
    } else {
        snprintf(shipped, sizeof(shipped), "%s/yara", BONGSU_DATA_DIR);
        list[n++] = shipped;
    }
    YaraLoadStats st;
    char kept_dir[4096];
    compiled_dir(conf, kept_dir, sizeof(kept_dir));
    YaraLoadOptions opts = {.prefilter = !conf || conf_get_bool(conf, "yara.prefilter", true),
                            .gate = !conf || conf_get_bool(conf, "yara.gate", true),
                            .compiled_dir = kept_dir};
    YaraRuleSet *set = yara_rules_load_opts(list, n, kb, &opts, &st, report_to_log, NULL);
    *failed_files = st.files_failed;
    if (st.files_failed)
        log_warning("yara: %u of %u rule files failed to load", st.files_failed, st.files);
    log_info("yara: %u rules from %u files%s%s", st.rules, st.files - st.files_failed,
             st.kept ? ", compiled sets loaded from " : "", st.kept ? kept_dir : "");
    if (opts.prefilter)
        log_info("yara: prefilter: %u rules need an MZ header, %u trimmed for other files; %u "
                 "files used unchanged, %u still import pe for non-MZ files",
                 st.mz_only, st.trimmed, st.unchanged_files, st.pe_files);
    if (opts.prefilter && opts.gate)
        log_info("yara: gate: %u non-MZ rules scanned only when one of %u patterns occurs",
                 st.gated, st.gate_patterns);
    return set;
}

/* yara.threads: a number, or auto: a quarter of the online cores, 1 to 4 - scanning is a
 * small share of the work next to the packet workers, but on a machine with cores to spare
 * it should not be the one thread that falls behind. */
static uint32_t yara_threads(const char *value)
{
    char *end;
    long n = strtol(value, &end, 10);
    if (end != value && *end == '\0' && n > 0)
        return (uint32_t)n;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long q = cores / 4;
    return (uint32_t)(q < 1 ? 1 : q > 4 ? 4 : q);
}

void yara_setup_scan_config(const ConfNode *conf, YaraScanConfig *cfg)
{
    yara_scan_config_default(cfg);
    if (!conf)
        return;
    cfg->max_file_size = conf_get_size(conf, "yara.max-file-size", cfg->max_file_size);
    cfg->memcap = conf_get_size(conf, "yara.memcap", cfg->memcap);
    cfg->queue_size = (uint32_t)conf_get_int(conf, "yara.queue-size", cfg->queue_size);
    cfg->scan_timeout = (uint32_t)conf_get_int(conf, "yara.scan-timeout", cfg->scan_timeout);
    cfg->buffer_size = conf_get_size(conf, "yara.buffer-size", cfg->buffer_size);
    cfg->threads = yara_threads(conf_get_str(conf, "yara.threads", "auto"));
    cfg->fileinfo_rules = conf_get_bool(conf, "yara.fileinfo-rules", cfg->fileinfo_rules);
    cfg->cache_size = (uint32_t)conf_get_int(conf, "yara.cache-size", cfg->cache_size);
    const char *spool = conf_get_str(conf, "yara.spool-dir", NULL);
    if (spool && *spool)
        snprintf(cfg->spool_dir, sizeof(cfg->spool_dir), "%s", spool);
}
