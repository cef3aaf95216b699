/*
 * settings.c - configuration tree -> EngineSettings (see settings.h).
 */
#include "runtime/settings.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "config/config-table.h"

/* Reads one table of settings under prefix; a value that does not parse keeps the default. */
static void read_group(const ConfNode *conf, const char *prefix, const ConfField *fields,
                       size_t n, void *out)
{
    char err[300];
    if (conf_read_table(conf, prefix, fields, n, out, err, sizeof(err)) > 0)
        log_warning("config: %s; the default is used", err);
}

static const ConfField timeout_fields[] = {
    {"new", offsetof(FlowTimeouts, new_sec), CONF_FIELD_U32_INT},
    {"established", offsetof(FlowTimeouts, established_sec), CONF_FIELD_U32_INT},
    {"closed", offsetof(FlowTimeouts, closed_sec), CONF_FIELD_U32_INT},
    {"emergency-new", offsetof(FlowTimeouts, emerg_new_sec), CONF_FIELD_U32_INT},
    {"emergency-established", offsetof(FlowTimeouts, emerg_established_sec), CONF_FIELD_U32_INT},
    {"emergency-closed", offsetof(FlowTimeouts, emerg_closed_sec), CONF_FIELD_U32_INT},
};

static void read_timeouts(const ConfNode *conf, const char *proto, FlowTimeouts *to)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "flow-timeouts.%s.", proto);
    read_group(conf, prefix, timeout_fields, sizeof(timeout_fields) / sizeof(timeout_fields[0]),
               to);
}

static void read_flow(const ConfNode *conf, FlowConfig *flow)
{
    flow->memcap = conf_get_size(conf, "flow.memcap", flow->memcap);
    flow->vlan_tracking = conf_get_bool(conf, "vlan.use-for-tracking", true);
    flow->hash_size = (uint32_t)conf_get_int(conf, "flow.hash-size", flow->hash_size);
    flow->emergency_recovery =
        (uint32_t)conf_get_int(conf, "flow.emergency-recovery", flow->emergency_recovery);
    read_timeouts(conf, "default", &flow->timeouts[FLOW_PROTO_DEFAULT]);
    read_timeouts(conf, "tcp", &flow->timeouts[FLOW_PROTO_TCP]);
    read_timeouts(conf, "udp", &flow->timeouts[FLOW_PROTO_UDP]);
    read_timeouts(conf, "icmp", &flow->timeouts[FLOW_PROTO_ICMP]);
}

static const ConfField defrag_fields[] = {
    {"memcap", offsetof(DefragConfig, memcap), CONF_FIELD_U64_SIZE},
    {"timeout", offsetof(DefragConfig, timeout_sec), CONF_FIELD_U32_INT},
    {"max-frags", offsetof(DefragConfig, max_frags), CONF_FIELD_U32_INT},
    {"trackers", offsetof(DefragConfig, trackers), CONF_FIELD_U32_INT},
};

static void read_defrag(const ConfNode *conf, DefragConfig *d)
{
    read_group(conf, "defrag.", defrag_fields, sizeof(defrag_fields) / sizeof(defrag_fields[0]),
               d);
    /* host-os-policy: which overlap policy each destination network's stack uses. */
    const ConfNode *hop = conf_node(conf, "host-os-policy");
    for (size_t i = 0; hop && i < conf_node_count(hop); i++) {
        const ConfNode *os = conf_node_child(hop, i);
        int policy = defrag_policy_from_os(conf_node_name(os));
        for (size_t j = 0; policy >= 0 && j < conf_node_count(os); j++) {
            const char *net = conf_node_value(conf_node_child(os, j));
            if (net)
                defrag_config_add_host(d, net, (DefragPolicy)policy);
        }
    }
}

static const ConfNode *find_eve_output(const ConfNode *conf)
{
    const ConfNode *outputs = conf_node(conf, "outputs");
    const ConfNode *body = NULL;
    if (outputs && conf_seq_has_item(outputs, "eve-log", &body))
        return body;
    return NULL;
}

/* A type listed in eve-log.types is on unless its own `enabled` says no. */
static bool type_enabled(const ConfNode *types, const char *name, const ConfNode **body)
{
    *body = NULL;
    if (!types || !conf_seq_has_item(types, name, body))
        return false;
    return !*body || conf_get_bool(*body, "enabled", true);
}

/* types.alert.xff: enabled, mode (extra-data or overwrite), deployment (forward: the first
 * address of the list, reverse: the last), header (X-Forwarded-For). */
static void read_alert_xff(const ConfNode *alert, EveAlertConfig *a)
{
    a->xff = conf_get_bool(alert, "xff.enabled", false);
    a->xff_overwrite = strcmp(conf_get_str(alert, "xff.mode", "extra-data"), "overwrite") == 0;
    a->xff_reverse = strcmp(conf_get_str(alert, "xff.deployment", "reverse"), "reverse") == 0;
    snprintf(a->xff_header, sizeof(a->xff_header), "%s",
             conf_get_str(alert, "xff.header", "X-Forwarded-For"));
}

static void read_eve_types(const ConfNode *conf, const ConfNode *eve, EveConfig *cfg)
{
    const ConfNode *types = conf_node_lookup(eve, "types");
    const ConfNode *body;
    for (int t = 0; t < EVE_TYPE_COUNT; t++)
        cfg->types[t] = type_enabled(types, eve_type_name((EveType)t), &body);
    if (type_enabled(types, "anomaly", &body) && body) {
        cfg->anomaly_decode = conf_get_bool(body, "types.decode", false);
        cfg->anomaly_stream = conf_get_bool(body, "types.stream", false);
        cfg->anomaly_applayer = conf_get_bool(body, "types.applayer", true);
        cfg->anomaly_packethdr = conf_get_bool(body, "packethdr", false);
    }
    if (type_enabled(types, "alert", &body) && body) {
        EveAlertConfig *a = &cfg->alert;
        a->payload = conf_get_bool(body, "payload", false);
        a->payload_printable = conf_get_bool(body, "payload-printable", false);
        a->packet = conf_get_bool(body, "packet", false);
        a->tagged_packets = conf_get_bool(body, "tagged-packets", false);
        a->http_body = conf_get_bool(body, "http-body", false);
        a->http_body_printable = conf_get_bool(body, "http-body-printable", false);
        a->verdict = conf_get_bool(body, "verdict", false);
        a->payload_buffer_size =
            (uint32_t)conf_get_size(body, "payload-buffer-size", a->payload_buffer_size);
        read_alert_xff(body, a);
    }
    if (type_enabled(types, "stats", &body) && body) {
        cfg->stats_totals = conf_get_bool(body, "totals", true);
        cfg->stats_threads = conf_get_bool(body, "threads", false);
        cfg->stats_deltas = conf_get_bool(body, "deltas", false);
    }
    /* Suricata writes no stats at all when the global stats section is off. */
    if (!conf_get_bool(conf, "stats.enabled", true))
        cfg->types[EVE_STATS] = false;
}

/* The spool options both spooled filetypes (hub, redis) take. */
static void read_spool(const ConfNode *eve, const char *log_dir, const char *def_dir,
                       HubSpoolConfig *hub)
{
    const char *dir = conf_get(eve, "spool-dir");
    if (dir && dir[0] == '/')
        snprintf(hub->dir, sizeof(hub->dir), "%s", dir);
    else
        snprintf(hub->dir, sizeof(hub->dir), "%s/%s", log_dir, dir ? dir : def_dir);
    hub->batch_bytes = conf_get_size(eve, "batch-size", hub->batch_bytes);
    hub->flush_sec = (uint32_t)conf_get_int(eve, "flush-interval", hub->flush_sec);
}

/* filetype: redis - redis.{server, port, key, mode, stream-maxlen} as Suricata reads
 * them, plus the spool options; the sensor's name is the top-level sensor-name. */
static int read_redis(const ConfNode *conf, const ConfNode *eve, const char *log_dir,
                      EveConfig *cfg, char *err, size_t errlen)
{
    HubSpoolConfig *hub = &cfg->hub;
    hub_spool_config_default(hub);
    RedisSinkConfig *r = &hub->redis;
    snprintf(r->server, sizeof(r->server), "%s", conf_get_str(eve, "redis.server", "127.0.0.1"));
    r->port = (int)conf_get_int(eve, "redis.port", 6379);
    snprintf(r->key, sizeof(r->key), "%s", conf_get_str(eve, "redis.key", "suricata"));
    const char *mode = conf_get_str(eve, "redis.mode", "list");
    if (!redis_mode_parse(mode, &r->mode) || r->port <= 0 || r->port > 65535) {
        snprintf(err, errlen, "outputs.eve-log.redis: bad mode \"%s\" or port", mode);
        return -1;
    }
    r->stream_maxlen = (uint64_t)conf_get_int(eve, "redis.stream-maxlen", 0);
    const char *name = conf_get(conf, "sensor-name");
    if (name)
        snprintf(r->sensor, sizeof(r->sensor), "%s", name);
    else if (gethostname(r->sensor, sizeof(r->sensor) - 1) != 0)
        snprintf(r->sensor, sizeof(r->sensor), "bongsu");
    hub->to_redis = true;
    cfg->to_hub = true; /* the spool carries the lines */
    read_spool(eve, log_dir, "redis-spool", hub);
    return 0;
}

/* filetype: hub - url, token, ca, spool-dir, batch-size, flush-interval. */
static int read_hub(const ConfNode *eve, const char *log_dir, EveConfig *cfg, char *err,
                    size_t errlen)
{
    HubSpoolConfig *hub = &cfg->hub;
    hub_spool_config_default(hub);
    const char *url = conf_get(eve, "url");
    const char *token = conf_get(eve, "token");
    if (!url || !token) {
        snprintf(err, errlen, "outputs.eve-log: filetype hub needs url and token");
        return -1;
    }
    cfg->to_hub = true;
    snprintf(hub->url, sizeof(hub->url), "%s", url);
    size_t n = strlen(hub->url);
    while (n && hub->url[n - 1] == '/')
        hub->url[--n] = '\0';
    snprintf(hub->token, sizeof(hub->token), "%s", token);
    snprintf(hub->ca, sizeof(hub->ca), "%s", conf_get_str(eve, "ca", ""));
    read_spool(eve, log_dir, "hub-spool", hub);
    return 0;
}

static int read_eve(const ConfNode *conf, const char *log_dir, EveConfig *cfg, char *err,
                    size_t errlen)
{
    const ConfNode *eve = find_eve_output(conf);
    if (!eve) {
        cfg->enabled = false;
        return 0;
    }
    cfg->enabled = conf_get_bool(eve, "enabled", true);
    const char *filetype = conf_get_str(eve, "filetype", "regular");
    if (strcmp(filetype, "hub") == 0) {
        if (read_hub(eve, log_dir, cfg, err, errlen) != 0)
            return -1;
    } else if (strcmp(filetype, "redis") == 0) {
        if (read_redis(conf, eve, log_dir, cfg, err, errlen) != 0)
            return -1;
    } else if (cfg->enabled && strcmp(filetype, "regular") != 0 && strcmp(filetype, "file") != 0) {
        snprintf(err, errlen, "outputs.eve-log.filetype: \"%s\" is not supported yet", filetype);
        return -1;
    }
    const char *filename = conf_get_str(eve, "filename", "eve.json");
    if (filename[0] == '/')
        snprintf(cfg->path, sizeof(cfg->path), "%s", filename);
    else
        snprintf(cfg->path, sizeof(cfg->path), "%s/%s", log_dir, filename);
    cfg->community_id = conf_get_bool(eve, "community-id", false);
    cfg->metadata = conf_get_bool(eve, "metadata", true);
    cfg->community_id_seed = (uint16_t)conf_get_int(eve, "community-id-seed", 0);
    cfg->ethernet = conf_get_bool(eve, "ethernet", false);
    cfg->pcap_file = conf_get_bool(eve, "pcap-file", false);
    read_eve_types(conf, eve, cfg);
    return 0;
}

/* outputs: - fast: {enabled, filename, append}: fast.log beside eve.json. */
static void read_fast(const ConfNode *conf, const char *log_dir, EveConfig *cfg)
{
    const ConfNode *outputs = conf_node(conf, "outputs");
    const ConfNode *body = NULL;
    if (!outputs || !conf_seq_has_item(outputs, "fast", &body) || !body)
        return;
    cfg->fast_enabled = conf_get_bool(body, "enabled", false);
    cfg->fast_append = conf_get_bool(body, "append", true);
    const char *filename = conf_get_str(body, "filename", "fast.log");
    if (filename[0] == '/')
        snprintf(cfg->fast_path, sizeof(cfg->fast_path), "%s", filename);
    else
        snprintf(cfg->fast_path, sizeof(cfg->fast_path), "%s/%s", log_dir, filename);
}

/* decoder.teredo: on by default; ports "any" unless listed (a $NAME of vars.port-groups,
 * as the stock configuration's $TEREDO_PORTS). */
static int read_decoder(const ConfNode *conf, DecodeOptions *d, char *err, size_t errlen)
{
    d->teredo_enabled = conf_get_bool(conf, "decoder.teredo.enabled", true);
    const char *ports = conf_get_str(conf, "decoder.teredo.ports", "any");
    if (ports[0] == '$') {
        char path[128];
        snprintf(path, sizeof(path), "vars.port-groups.%s", ports + 1);
        ports = conf_get_str(conf, path, "any");
    }
    if (decode_teredo_parse_ports(d, ports) != 0) {
        snprintf(err, errlen, "decoder.teredo.ports: cannot read \"%s\"", ports);
        return -1;
    }
    return 0;
}

int settings_from_conf(const ConfNode *conf, const char *log_dir, EngineSettings *s, char *err,
                       size_t errlen)
{
    engine_settings_default(s);
    const char *runmode = conf_get_str(conf, "runmode", "workers");
    if (strcmp(runmode, "single") == 0) {
        s->runmode = RUNMODE_SINGLE;
    } else if (strcmp(runmode, "workers") == 0 || strcmp(runmode, "autofp") == 0) {
        s->runmode = RUNMODE_WORKERS;
    } else {
        snprintf(err, errlen, "runmode: unknown run mode \"%s\" (single, workers)", runmode);
        return -1;
    }
    s->workers = (int)conf_get_int(conf, "threading.workers", 0);
    s->max_pending_packets =
        (uint32_t)conf_get_int(conf, "max-pending-packets", s->max_pending_packets);
    s->stats_interval_sec = (uint32_t)conf_get_int(conf, "stats.interval", s->stats_interval_sec);
    read_flow(conf, &s->flow);
    read_defrag(conf, &s->defrag);
    stream_config_from_conf(conf, &s->stream);
    s->flow.tcp_synack_starts = s->stream.midstream || s->stream.async_oneside;
    if (ddos_config_from_conf(conf, &s->ddos, err, errlen) != 0 ||
        read_decoder(conf, &s->decode, err, errlen) != 0 ||
        read_eve(conf, log_dir, &s->eve, err, errlen) != 0)
        return -1;
    read_fast(conf, log_dir, &s->eve);
    /* DDoS detection on means its events are logged, whether eve-log.types lists them. */
    s->eve.types[EVE_DDOS] |= s->ddos.enabled;
    return 0;
}
