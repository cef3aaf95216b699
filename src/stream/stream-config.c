/*
 * stream-config.c - the stream engine's configuration (stream.*, host-os-policy), the
 * per-host overlap policy lookup, and the tcp.* counters.
 *
 * host-os-policy maps networks to the operating system the hosts in them run, because the
 * target's TCP stack decides which copy of overlapping data it keeps; reassembly must keep
 * the same copy to see what the target sees. Suricata's stock configuration maps 0.0.0.0/0 to
 * "windows"; addresses no entry covers (all IPv6 then) use "bsd". The table is small and
 * read-only after start-up, so a linear longest-prefix scan over it is enough.
 */
#include "stream/stream-tcp-private.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "config/config.h"

StreamCounterIds stream_ids;

void stream_register_counters(void)
{
    stream_ids.sessions = counters_register("tcp.sessions");
    stream_ids.ssn_memcap_drop = counters_register("tcp.ssn_memcap_drop");
    stream_ids.midstream_pickups = counters_register("tcp.midstream_pickups");
    stream_ids.syn = counters_register("tcp.syn");
    stream_ids.synack = counters_register("tcp.synack");
    stream_ids.rst = counters_register("tcp.rst");
    stream_ids.invalid_checksum = counters_register("tcp.invalid_checksum");
    stream_ids.pkt_on_wrong_thread = counters_register("tcp.pkt_on_wrong_thread");
    stream_ids.segment_memcap_drop = counters_register("tcp.segment_memcap_drop");
    stream_ids.stream_depth_reached = counters_register("tcp.stream_depth_reached");
    stream_ids.reassembly_gap = counters_register("tcp.reassembly_gap");
    stream_ids.overlap = counters_register("tcp.overlap");
    stream_ids.overlap_diff_data = counters_register("tcp.overlap_diff_data");
    stream_ids.urgent_oob_data = counters_register("tcp.urgent_oob_data");
    stream_ids.memuse = counters_register_max("tcp.memuse");
    stream_ids.reassembly_memuse = counters_register_max("tcp.reassembly_memuse");
}

void stream_config_default(StreamConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->memcap = 64ull << 20;
    cfg->reassembly_memcap = 256ull << 20;
    cfg->reassembly_depth = 1u << 20;
    cfg->raw_chunk_toserver = 2560;
    cfg->raw_chunk_toclient = 2560;
    cfg->checksum_validation = true;
    cfg->checksum_auto = true;
    cfg->default_policy = STREAM_POLICY_BSD;
}

/* Suricata's names; the aliases (bsd-right, old-solaris, windows2k3) reassemble like the
 * policy they map to, and "none" keeps the first copy. */
static const struct {
    const char *name;
    StreamOverlapPolicy policy;
} policy_names[] = {
    {"bsd", STREAM_POLICY_BSD},         {"bsd-right", STREAM_POLICY_BSD},
    {"old-linux", STREAM_POLICY_OLD_LINUX}, {"linux", STREAM_POLICY_LINUX},
    {"old-solaris", STREAM_POLICY_SOLARIS}, {"solaris", STREAM_POLICY_SOLARIS},
    {"hpux10", STREAM_POLICY_HPUX10},   {"hpux11", STREAM_POLICY_HPUX11},
    {"irix", STREAM_POLICY_IRIX},       {"macos", STREAM_POLICY_MACOS},
    {"windows", STREAM_POLICY_WINDOWS}, {"windows2k3", STREAM_POLICY_WINDOWS},
    {"vista", STREAM_POLICY_VISTA},     {"none", STREAM_POLICY_FIRST},
    {"first", STREAM_POLICY_FIRST},     {"last", STREAM_POLICY_LAST},
};

int stream_policy_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++)
        if (strcmp(policy_names[i].name, name) == 0)
            return (int)policy_names[i].policy;
    return -1;
}

/* A raw-inspection chunk size: at least one byte, at most 4 GiB. */
static uint32_t raw_chunk_size(const struct ConfNode *conf, const char *key, uint32_t dflt)
{
    uint64_t v = conf_get_size(conf, key, dflt);
    return v == 0 ? 1 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* "10.0.0.0/8", "2001:db8::/32" or a bare address (a host). */
static bool parse_network(const char *text, StreamHostPolicy *out)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", text);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    memset(&out->net, 0, sizeof(out->net));
    int max_len;
    if (inet_pton(AF_INET, buf, out->net.addr) == 1) {
        out->net.family = AF_INET;
        max_len = 32;
    } else if (inet_pton(AF_INET6, buf, out->net.addr) == 1) {
        out->net.family = AF_INET6;
        max_len = 128;
    } else {
        return false;
    }
    long len = max_len;
    if (slash) {
        char *end;
        len = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || len < 0 || len > max_len)
            return false;
    }
    out->prefix_len = (uint8_t)len;
    return true;
}

static void add_host_policy(StreamConfig *cfg, const char *network, StreamOverlapPolicy policy)
{
    if (cfg->host_count >= STREAM_MAX_HOST_POLICIES) {
        log_warning("host-os-policy: more than %d networks, %s ignored",
                    STREAM_MAX_HOST_POLICIES, network);
        return;
    }
    StreamHostPolicy *h = &cfg->hosts[cfg->host_count];
    if (!parse_network(network, h)) {
        log_warning("host-os-policy: \"%s\" is not a network, ignored", network);
        return;
    }
    h->policy = policy;
    cfg->host_count++;
}

static void read_host_os_policy(const ConfNode *conf, StreamConfig *cfg)
{
    const ConfNode *hop = conf_node(conf, "host-os-policy");
    if (!hop)
        return;
    for (size_t i = 0; i < conf_node_count(hop); i++) {
        const ConfNode *os = conf_node_child(hop, i);
        int policy = stream_policy_by_name(conf_node_name(os));
        if (policy < 0) {
            log_warning("host-os-policy: unknown policy \"%s\", ignored", conf_node_name(os));
            continue;
        }
        if (conf_node_value(os)) {
            add_host_policy(cfg, conf_node_value(os), (StreamOverlapPolicy)policy);
            continue;
        }
        for (size_t j = 0; j < conf_node_count(os); j++) {
            const char *net = conf_node_value(conf_node_child(os, j));
            if (net)
                add_host_policy(cfg, net, (StreamOverlapPolicy)policy);
        }
    }
}

/* stream.midstream-policy, or when it is absent the exception-policy master switch; "auto"
 * is "ignore" in IDS mode, and so are the IPS-only drop/reject policies. */
static StreamMidstreamPolicy midstream_policy(const ConfNode *conf)
{
    const char *v = conf_get(conf, "stream.midstream-policy");
    if (!v)
        v = conf_get_str(conf, "exception-policy", "ignore");
    if (strcmp(v, "pass-flow") == 0)
        return STREAM_MIDSTREAM_PASS_FLOW;
    if (strcmp(v, "bypass") == 0)
        return STREAM_MIDSTREAM_BYPASS;
    return STREAM_MIDSTREAM_IGNORE;
}

static StreamUrgentPolicy urgent_policy(const char *name)
{
    if (strcmp(name, "oob") == 0)
        return STREAM_URGENT_OOB;
    if (strcmp(name, "gap") == 0)
        return STREAM_URGENT_GAP;
    if (strcmp(name, "inline") != 0 && strcmp(name, "drop") != 0)
        log_warning("stream.reassembly.urgent.policy: unknown \"%s\", using inline", name);
    return STREAM_URGENT_INLINE;
}

void stream_config_from_conf(const ConfNode *conf, StreamConfig *cfg)
{
    stream_config_default(cfg);
    if (!conf)
        return;
    cfg->memcap = conf_get_size(conf, "stream.memcap", cfg->memcap);
    cfg->reassembly_memcap = conf_get_size(conf, "stream.reassembly.memcap", cfg->reassembly_memcap);
    uint64_t depth = conf_get_size(conf, "stream.reassembly.depth", cfg->reassembly_depth);
    cfg->reassembly_depth = depth > UINT32_MAX ? UINT32_MAX : (uint32_t)depth;
    cfg->raw_chunk_toserver = raw_chunk_size(conf, "stream.reassembly.toserver-chunk-size",
                                             cfg->raw_chunk_toserver);
    cfg->raw_chunk_toclient = raw_chunk_size(conf, "stream.reassembly.toclient-chunk-size",
                                             cfg->raw_chunk_toclient);
    cfg->midstream = conf_get_bool(conf, "stream.midstream", false);
    cfg->async_oneside = conf_get_bool(conf, "stream.async-oneside", false);
    cfg->midstream_policy = midstream_policy(conf);
    cfg->checksum_validation = conf_get_bool(conf, "stream.checksum-validation", true);
    const char *pcap_checks = conf_get_str(conf, "pcap-file.checksum-checks", "auto");
    cfg->checksum_auto = strcmp(pcap_checks, "auto") == 0;
    bool checks_on = true;
    if (!cfg->checksum_auto && conf_parse_bool(pcap_checks, &checks_on) == 0 && !checks_on)
        cfg->checksum_validation = false;
    cfg->check_overlap_different_data =
        conf_get_bool(conf, "stream.reassembly.check-overlap-different-data", false);
    cfg->urgent_policy = urgent_policy(conf_get_str(conf, "stream.reassembly.urgent.policy",
                                                    "inline"));
    read_host_os_policy(conf, cfg);
}

static bool prefix_match(const Address *net, uint8_t prefix_len, const Address *a)
{
    uint8_t full = prefix_len / 8, rest = prefix_len % 8;
    if (memcmp(net->addr, a->addr, full) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (a->addr[full] & mask);
}

StreamOverlapPolicy stream_policy_for(const StreamConfig *cfg, const Address *dst)
{
    int best = -1;
    for (uint32_t i = 0; i < cfg->host_count; i++) {
        const StreamHostPolicy *h = &cfg->hosts[i];
        if (h->net.family != dst->family || !prefix_match(&h->net, h->prefix_len, dst))
            continue;
        if (best < 0 || h->prefix_len > cfg->hosts[best].prefix_len)
            best = (int)i;
    }
    return best < 0 ? cfg->default_policy : cfg->hosts[best].policy;
}
