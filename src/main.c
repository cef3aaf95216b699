/*
 * main.c - the `bongsu` command line: Suricata's flags, configuration, then one engine run.
 *
 * Flags are the ones a Suricata user already types (-r, -i, -l, -c, -S, -s, -k, -T, -V,
 * --set, --runmode, --build-info, --disable-detection, --init-errors-fatal); anything after
 * the options is a BPF filter, as with Suricata. The configuration starts from the built-in
 * defaults (stock suricata.yaml), then the -c file, then each --set in order.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-info.h"
#include "common/log.h"
#include "applayer/app-layer-tls.h"
#include "config/config.h"
#include "detect/detect.h"
#include "intel/intel-cli.h"
#include "intel/intel-match.h"
#include "intel/intel-setup.h"
#include "runtime/engine.h"
#include "runtime/reload.h"
#include "runtime/settings.h"
#include "yara/yara-setup.h"

#define MAX_SETS 256
#define MAX_RULE_FILES 64

typedef struct Options {
    const char *pcap_path;
    const char *iface;
    const char *log_dir;
    const char *config_file;
    const char *runmode;
    const char *checksum_mode;
    const char *bpf_file;
    const char *data_dir;      /* where datasets and state files live (detection) */
    const char *sets[MAX_SETS];
    int set_count;
    const char *rule_files[MAX_RULE_FILES];
    const char *intel_files[MAX_RULE_FILES];
    int intel_file_count;
    const char *yara_paths[MAX_RULE_FILES];
    int yara_path_count;
    int rule_file_count;
    bool rules_exclusive;   /* -S: only these rule files */
    bool test_config;
    bool disable_detection;
    bool init_errors_fatal;
    char *bpf;
} Options;

enum {
    OPT_SET = 1000,
    OPT_RUNMODE,
    OPT_BUILD_INFO,
    OPT_DISABLE_DETECTION,
    OPT_INIT_ERRORS_FATAL,
    OPT_PCAP,
    OPT_NO_RANDOM,
    OPT_DATA_DIR,
    OPT_INTEL,
    OPT_YARA,
};

static void usage(FILE *out)
{
    fprintf(out,
            "bongsu %s - network threat detection (Suricata-compatible)\n"
            "\n"
            "usage: bongsu [options] [BPF filter]\n"
            "  -r PATH                 read a pcap/pcapng file, or every file of a directory\n"
            "  -i IFACE                capture live from an interface (libpcap)\n"
            "  -l DIR                  log directory (default: default-log-dir, else .)\n"
            "  -c FILE                 Suricata-style YAML configuration\n"
            "  --set KEY=VALUE         override a configuration value (repeatable)\n"
            "  -S FILE                 load only these rule files (repeatable)\n"
            "  -s FILE                 load rule files in addition to the configured ones\n"
            "  -k none|all|auto        checksum checks\n"
            "  -F FILE                 read the BPF filter from FILE\n"
            "  --intel FILE            indicator feed: CSV, STIX 2.1 or MISP (repeatable)\n"
            "  --yara FILE|DIR         YARA rules for transferred files, source or compiled\n"
            "                          (repeatable; default: yara.rules, else data/yara)\n"
            "  --runmode single|workers\n"
            "  --disable-detection     run without detection (rules, intel, YARA)\n"
            "  -T                      test the configuration and rules, then exit\n"
            "  -v                      more verbose diagnostics\n"
            "  -V                      version\n"
            "  --build-info            version and build details\n"
            "  -h                      this help\n"
            "\n"
            "       bongsu intel check|lookup|actors|convert ...   (threat intelligence tools)\n",
            BONGSU_VERSION);
}

static void print_build_info(void)
{
    printf("This is bongsu version %s (%s)\n", BONGSU_VERSION, BONGSU_GIT_REV);
    printf("Build type: %s\nCompiler: %s\n", BONGSU_BUILD_TYPE, BONGSU_C_COMPILER);
    printf("Capture: libpcap (%s)\n", pcap_lib_version());
    printf("Run modes: single, workers\nEVE output: regular file\n");
}

/* Joins the remaining arguments into one BPF expression. */
static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *out = calloc(1, len);
    for (int i = 0; out && i < argc; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, argv[i]);
    }
    return out;
}

static char *read_bpf_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        log_error("%s: %s", path, strerror(errno));
        return NULL;
    }
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (char *c = buf; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    return strdup(buf);
}

/* Returns 0 to continue, 1 to exit successfully, 2 on a usage error. */
static int parse_options(int argc, char **argv, Options *o)
{
    static const struct option long_opts[] = {
        {"set", required_argument, NULL, OPT_SET},
        {"runmode", required_argument, NULL, OPT_RUNMODE},
        {"build-info", no_argument, NULL, OPT_BUILD_INFO},
        {"disable-detection", no_argument, NULL, OPT_DISABLE_DETECTION},
        {"init-errors-fatal", no_argument, NULL, OPT_INIT_ERRORS_FATAL},
        {"pcap", optional_argument, NULL, OPT_PCAP},
        {"no-random", no_argument, NULL, OPT_NO_RANDOM},
        {"data-dir", required_argument, NULL, OPT_DATA_DIR},
        {"intel", required_argument, NULL, OPT_INTEL},
        {"yara", required_argument, NULL, OPT_YARA},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "r:i:l:c:S:s:k:F:TvVh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'r': o->pcap_path = optarg; break;
        case 'i': o->iface = optarg; break;
        case 'l': o->log_dir = optarg; break;
        case 'c': o->config_file = optarg; break;
        case 'k': o->checksum_mode = optarg; break;
        case 'F': o->bpf_file = optarg; break;
        case 'T': o->test_config = true; break;
        case 'v': log_set_level(LOG_INFO); break;
        case OPT_RUNMODE: o->runmode = optarg; break;
        case OPT_DISABLE_DETECTION: o->disable_detection = true; break;
        case OPT_INIT_ERRORS_FATAL: o->init_errors_fatal = true; break;
        case OPT_PCAP: break;              /* pcap is the only capture method */
        case OPT_NO_RANDOM: break;         /* nothing in bongsu is randomised */
        case OPT_DATA_DIR: o->data_dir = optarg; break;
        case OPT_INTEL:
            if (o->intel_file_count < MAX_RULE_FILES)
                o->intel_files[o->intel_file_count++] = optarg;
            break;
        case OPT_YARA:
            if (o->yara_path_count < MAX_RULE_FILES)
                o->yara_paths[o->yara_path_count++] = optarg;
            break;
        case 'S':
        case 's':
            if (c == 'S')
                o->rules_exclusive = true;
            if (o->rule_file_count < MAX_RULE_FILES)
                o->rule_files[o->rule_file_count++] = optarg;
            break;
        case OPT_SET:
            if (o->set_count < MAX_SETS)
                o->sets[o->set_count++] = optarg;
            break;
        case 'V': printf("This is bongsu version %s\n", BONGSU_VERSION); return 1;
        case OPT_BUILD_INFO: print_build_info(); return 1;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc)
        o->bpf = join_args(argc - optind, argv + optind);
    else if (o->bpf_file)
        o->bpf = read_bpf_file(o->bpf_file);
    if (o->checksum_mode && strcmp(o->checksum_mode, "none") != 0 &&
        strcmp(o->checksum_mode, "all") != 0 && strcmp(o->checksum_mode, "auto") != 0) {
        log_error("-k takes none, all or auto, not \"%s\"", o->checksum_mode);
        return 2;
    }
    return 0;
}

static void warn_unknown_key(const char *key, void *ud)
{
    log_warning("%s: unknown configuration key \"%s\" (ignored)", (const char *)ud, key);
}

/* --data-dir: where datasets' save and state files go (default-data-dir). */
static int set_data_dir(const char *dir, ConfNode *conf)
{
    char assignment[4200], err[256];
    snprintf(assignment, sizeof(assignment), "default-data-dir=%s", dir);
    if (conf_set(conf, assignment, err, sizeof(err)) != 0) {
        log_error("--data-dir: %s", err);
        return -1;
    }
    return 0;
}

/* A relative threshold-file names a file beside the -c configuration file (the default,
 * threshold.config, is the config directory's). */
static int resolve_threshold_file(const Options *o, ConfNode *conf)
{
    const char *file = conf_get(conf, "threshold-file");
    const char *slash = o->config_file ? strrchr(o->config_file, '/') : NULL;
    if (!file || !*file || file[0] == '/' || !slash)
        return 0;
    char assignment[8192], err[256];
    snprintf(assignment, sizeof(assignment), "threshold-file=%.*s/%s",
             (int)(slash - o->config_file), o->config_file, file);
    if (conf_set(conf, assignment, err, sizeof(err)) != 0) {
        log_error("threshold-file: %s", err);
        return -1;
    }
    return 0;
}

/* Suricata reads only the -c file: a key the file leaves out takes Suricata's built-in
 * value, which for these differs from the stock suricata.yaml that bongsu's defaults
 * follow (decoder.teredo.ports: stock "$TEREDO_PORTS", 3544; built in: any port. TCP flow
 * timeouts: stock 60/600/60 s, emergency 5/10 s; built in 30/300/10 s, emergency 10/5 s, so
 * a closed flow times out after 10 s and a packet after that starts a new flow). */
static int apply_code_defaults(const ConfNode *file_only, ConfNode *conf, char *err,
                               size_t errlen)
{
    static const char *const keys[][2] = {
        {"decoder.teredo.ports", "any"},
        {"flow-timeouts.tcp.new", "30"},
        {"flow-timeouts.tcp.established", "300"},
        {"flow-timeouts.tcp.closed", "10"},
        {"flow-timeouts.tcp.emergency-new", "10"},
        {"flow-timeouts.tcp.emergency-closed", "5"},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char assignment[128];
        snprintf(assignment, sizeof(assignment), "%s=%s", keys[i][0], keys[i][1]);
        if (!conf_node(file_only, keys[i][0]) && conf_set(conf, assignment, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static ConfNode *load_configuration(const Options *o)
{
    char err[1024];
    ConfNode *conf = conf_new_default();
    if (o->config_file) {
        ConfNode *file_only = conf_new_empty();
        if (conf_load_file(file_only, o->config_file, err, sizeof(err)) != 0 ||
            conf_load_file(conf, o->config_file, err, sizeof(err)) != 0 ||
            apply_code_defaults(file_only, conf, err, sizeof(err)) != 0) {
            log_error("%s", err);
            conf_free(file_only);
            conf_free(conf);
            return NULL;
        }
        ConfNode *known = conf_new_default();
        conf_for_each_unknown_key(file_only, known, warn_unknown_key, (void *)o->config_file);
        conf_free(known);
        conf_free(file_only);
    }
    for (int i = 0; i < o->set_count; i++) {
        if (conf_set(conf, o->sets[i], err, sizeof(err)) != 0) {
            log_error("--set %s: %s", o->sets[i], err);
            conf_free(conf);
            return NULL;
        }
    }
    if (o->data_dir && set_data_dir(o->data_dir, conf) != 0) {
        conf_free(conf);
        return NULL;
    }
    if (resolve_threshold_file(o, conf) != 0) {
        conf_free(conf);
        return NULL;
    }
    if (o->runmode) {
        char assignment[128];
        snprintf(assignment, sizeof(assignment), "runmode=%s", o->runmode);
        if (conf_set(conf, assignment, err, sizeof(err)) != 0) {
            log_error("--runmode %s: %s", o->runmode, err);
            conf_free(conf);
            return NULL;
        }
    }
    return conf;
}

static const char *resolve_log_dir(const Options *o, const ConfNode *conf)
{
    if (o->log_dir)
        return o->log_dir;
    return conf_get_str(conf, "default-log-dir", ".");
}

static int check_log_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        log_error("log directory %s: %s", dir, stat(dir, &st) != 0 ? strerror(errno)
                                                                    : "not a directory");
        return -1;
    }
    if (access(dir, W_OK) != 0) {
        log_error("log directory %s is not writable", dir);
        return -1;
    }
    return 0;
}

/* Loads the rules unless detection is off. With -T or --init-errors-fatal a rule that does
 * not load is an error, as in Suricata; otherwise it is skipped with a warning. */
static int load_rules(const Options *o, const ConfNode *conf, DetectEngine **out)
{
    *out = NULL;
    if (o->disable_detection)
        return 0;
    bool configured = conf_node(conf, "rule-files") != NULL && !o->rules_exclusive;
    if (!o->rule_file_count && !configured)
        return 0;
    DetectLoadStats stats;
    *out = detect_engine_load(conf, o->rule_files, o->rule_file_count, o->rules_exclusive, &stats);
    if (!*out) {
        log_error("loading rules failed");
        return -1;
    }
    for (int i = 0; i < o->rule_file_count; i++) {
        if (access(o->rule_files[i], R_OK) != 0) {
            log_error("rule file %s: %s", o->rule_files[i], strerror(errno));
            return -1;
        }
    }
    if (stats.failed && (o->test_config || o->init_errors_fatal)) {
        log_error("%u of %u rules failed to load", stats.failed, stats.failed + stats.loaded);
        return -1;
    }
    if ((stats.threshold_errors || stats.iprep_errors) &&
        (o->test_config || o->init_errors_fatal)) {
        log_error("%u threshold-file entries and %u reputation lines failed to load",
                  stats.threshold_errors, stats.iprep_errors);
        return -1;
    }
    return 0;
}

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        engine_reload_requested = 1;
    else
        engine_stop_requested = 1;
}

static void print_summary(const EngineSummary *s, const EngineSettings *settings)
{
    fprintf(stderr,
            "bongsu: %llu packets, %llu bytes, %llu flows, %llu events (flow %llu, anomaly %llu, "
            "alert %llu, stats %llu), %llu kernel drops, %llu capture errors; EVE: %s\n",
            (unsigned long long)s->packets, (unsigned long long)s->bytes,
            (unsigned long long)s->flows, (unsigned long long)s->events,
            (unsigned long long)s->events_by_type[EVE_FLOW],
            (unsigned long long)s->events_by_type[EVE_ANOMALY],
            (unsigned long long)s->events_by_type[EVE_ALERT],
            (unsigned long long)s->events_by_type[EVE_STATS],
            (unsigned long long)s->kernel_drops, (unsigned long long)s->capture_errors,
            !settings->eve.enabled ? "(disabled)"
            : settings->eve.hub.to_redis ? settings->eve.hub.redis.key
            : settings->eve.to_hub       ? settings->eve.hub.url
                                         : settings->eve.path);
    if (s->private_counters[0])
        fprintf(stderr, "bongsu: %s\n", s->private_counters);
}

static int open_capture(const Options *o, CaptureSource *src)
{
    char err[1024];
    int rc = o->iface ? capture_open_live(src, o->iface, o->bpf, 65535, err, sizeof(err))
                      : capture_open_path(src, o->pcap_path, o->bpf, err, sizeof(err));
    if (rc != 0)
        log_error("%s", err);
    return rc;
}

static int run_capture(const Options *o, const EngineSettings *settings, const char *log_dir)
{
    if (!o->pcap_path && !o->iface) {
        log_error("nothing to read: give -r FILE|DIR or -i IFACE");
        return 1;
    }
    if (check_log_dir(log_dir) != 0)
        return 1;
    CaptureSource src;
    if (open_capture(o, &src) != 0)
        return 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    EngineSummary summary;
    int status = engine_run(settings, &src, &summary);
    capture_close(&src);
    print_summary(&summary, settings);
    return status;
}

/* What a SIGHUP reload needs to read the same feeds again. */
typedef struct IntelReloadCtx {
    const Options *o;
    const ConfNode *conf;
    const IntelActors *actors;
} IntelReloadCtx;

static IntelStore *reload_intel(void *ud)
{
    const IntelReloadCtx *ctx = ud;
    IntelLoadStats stats;
    if (ctx->o->disable_detection)
        return NULL;
    return intel_setup_store(ctx->conf, ctx->actors, ctx->o->intel_files,
                             ctx->o->intel_file_count, &stats);
}

/* What a SIGHUP reload needs to compile the same YARA rules again. */
typedef struct YaraReloadCtx {
    const Options *o;
    const ConfNode *conf;
    const IntelActors *actors;
} YaraReloadCtx;

static YaraRuleSet *reload_yara(void *ud)
{
    const YaraReloadCtx *ctx = ud;
    uint32_t failed;
    if (ctx->o->disable_detection)
        return NULL;
    return yara_setup_rules(ctx->conf, ctx->actors, ctx->o->yara_paths, ctx->o->yara_path_count,
                            &failed);
}

static void attribute_rule(void *ud, json_t **metadata, const char *msg)
{
    intel_attribute_metadata(ud, metadata, msg);
}

static int run(const Options *o, ConfNode *conf)
{
    const char *log_dir = resolve_log_dir(o, conf);
    EngineSettings settings;
    char err[1024];
    if (settings_from_conf(conf, log_dir, &settings, err, sizeof(err)) != 0) {
        log_error("%s", err);
        return 1;
    }
    settings.checksum_checks = o->checksum_mode && strcmp(o->checksum_mode, "all") == 0;
    if (o->checksum_mode) { /* -k overrides stream.checksum-validation and auto mode */
        settings.stream.checksum_validation = strcmp(o->checksum_mode, "none") != 0;
        settings.stream.checksum_auto = strcmp(o->checksum_mode, "auto") == 0;
    }
    detect_set_checksums_ignored(
        o->checksum_mode ? strcmp(o->checksum_mode, "none") == 0
                         : !conf_get_bool(conf, "pcap-file.checksum-checks", true));
    if (engine_init(conf) != 0)
        return 1;
    DetectEngine *detect;
    if (load_rules(o, conf, &detect) != 0) {
        detect_engine_free(detect);
        return 1;
    }
    settings.detect = detect;
    IntelActors *actors = intel_setup_actors(conf);
    /* --disable-detection means no detector at all: no intel and no YARA either (also on
     * SIGHUP), so the no-rules figures of bench/run stay comparable with Suricata's. */
    IntelReloadCtx reload_ctx = {o, conf, actors};
    IntelStore *intel = reload_intel(&reload_ctx);
    settings.intel = &intel;
    /* JA3/JA4 are computed only on demand (as in Suricata): indicators of those kinds ask. */
    if ((intel && intel_store_count_type(intel, INTEL_JA3)) ||
        detect_engine_uses_buffer(detect, "ja3"))
        tls_enable_ja3();
    if ((intel && intel_store_count_type(intel, INTEL_JA4)) ||
        detect_engine_uses_buffer(detect, "ja4"))
        tls_enable_ja4();
    settings.intel_reload = reload_intel;
    settings.intel_reload_ud = &reload_ctx;
    detect_engine_attribute(detect, attribute_rule, actors);
    uint32_t yara_failed = 0;
    YaraRuleSet *yara = o->disable_detection ? NULL
                        : yara_setup_rules(conf, actors, o->yara_paths, o->yara_path_count,
                                           &yara_failed);
    YaraScanConfig yara_scan;
    yara_setup_scan_config(conf, &yara_scan);
    YaraReloadCtx yara_reload_ctx = {o, conf, actors};
    settings.yara = &yara;
    settings.yara_scan = &yara_scan;
    settings.yara_reload = reload_yara;
    settings.yara_reload_ud = &yara_reload_ctx;
    int status = 0;
    if (yara_failed && (o->test_config || o->init_errors_fatal)) {
        log_error("%u YARA rule files failed to load", yara_failed);
        status = 1;
    } else if (o->test_config)
        log_notice("configuration OK");
    else
        status = run_capture(o, &settings, log_dir);
    detect_engine_free(detect);
    intel_store_free(intel);
    yara_rules_free(yara);
    intel_actors_free(actors);
    return status;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "intel") == 0)
        return intel_cli_main(argc - 1, argv + 1);
    Options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    ConfNode *conf = load_configuration(&o);
    if (!conf) {
        free(o.bpf);
        return 1;
    }
    int status = run(&o, conf);
    conf_free(conf);
    free(o.bpf);
    return status;
}
