/*
 * eve.c - EVE JSON log file, per-thread writers and the common event header (see eve.h).
 */
#include "output/eve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "applayer/app-layer.h"
#include "common/log.h"
#include "common/timefmt.h"


static const char *const eve_type_names[EVE_TYPE_COUNT] = {
    [EVE_ALERT] = "alert", [EVE_ANOMALY] = "anomaly", [EVE_HTTP] = "http",
    [EVE_DNS] = "dns",     [EVE_TLS] = "tls",         [EVE_FILES] = "files",
    [EVE_FLOW] = "flow",   [EVE_NETFLOW] = "netflow", [EVE_STATS] = "stats",
    [EVE_DDOS] = "ddos",
};

const char *eve_type_name(EveType type)
{
    return eve_type_names[type];
}

void eve_config_default(EveConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->enabled = true;
    snprintf(cfg->path, sizeof(cfg->path), "eve.json");
    for (int i = 0; i < EVE_TYPE_COUNT; i++)
        cfg->types[i] = true;
    cfg->anomaly_applayer = true;
    cfg->stats_totals = true;
    cfg->alert.payload_buffer_size = 4096;
    cfg->fast_append = true;
    snprintf(cfg->fast_path, sizeof(cfg->fast_path), "fast.log");
}

EveLog *eve_log_open(const EveConfig *cfg)
{
    EveLog *log = calloc(1, sizeof(*log));
    if (!log)
        return NULL;
    log->cfg = *cfg;
    if (cfg->enabled && cfg->to_hub) {
        char err[512];
        log->hub = hub_spool_open(&cfg->hub, err, sizeof(err));
        if (!log->hub) {
            log_error("%s", err);
            free(log);
            errno = EIO;
            return NULL;
        }
    } else if (cfg->enabled) {
        log->file = fopen(cfg->path, "a");
        if (!log->file) {
            int saved = errno;
            free(log);
            errno = saved;
            return NULL;
        }
    }
    if (cfg->fast_enabled) {
        log->fast = fopen(cfg->fast_path, cfg->fast_append ? "a" : "w");
        if (!log->fast) {
            int saved = errno;
            log_error("cannot open fast.log %s: %s", cfg->fast_path, strerror(saved));
            if (log->file)
                fclose(log->file);
            hub_spool_close(log->hub, 0);
            free(log);
            errno = saved;
            return NULL;
        }
    }
    pthread_mutex_init(&log->lock, NULL);
    return log;
}

void eve_log_close(EveLog *log)
{
    if (!log)
        return;
    if (log->file)
        fclose(log->file);
    if (log->fast)
        fclose(log->fast);
    /* Give the hub a few seconds to take what is spooled; the rest waits for the next run. */
    hub_spool_close(log->hub, 5);
    pthread_mutex_destroy(&log->lock);
    free(log);
}

void eve_writer_init(EveWriter *w, EveLog *log)
{
    memset(w, 0, sizeof(*w));
    w->log = log;
}

void eve_writer_flush(EveWriter *w)
{
    if (!w->log || (!w->log->file && !w->log->hub && !w->log->fast)) {
        w->out.len = w->fast.len = 0;
        return;
    }
    pthread_mutex_lock(&w->log->lock);
    if (w->fast.len && w->log->fast) {
        fwrite(w->fast.data, 1, w->fast.len, w->log->fast);
        fflush(w->log->fast);
    }
    w->fast.len = 0;
    FILE *out = w->log->hub ? hub_spool_file(w->log->hub) : w->log->file;
    if (w->out.len && out) {
        fwrite(w->out.data, 1, w->out.len, out);
        fflush(out);
        if (w->log->hub)
            hub_spool_after_write(w->log->hub);
    }
    for (int i = 0; i < EVE_TYPE_COUNT; i++) {
        w->log->lines_written[i] += w->lines[i];
        w->lines[i] = 0;
    }
    pthread_mutex_unlock(&w->log->lock);
    w->out.len = 0;
}

void eve_writer_destroy(EveWriter *w)
{
    eve_writer_flush(w);
    free(w->out.data);
    free(w->fast.data);
    memset(w, 0, sizeof(*w));
}

void eve_write(EveWriter *w, EveType type, json_t *obj)
{
    if (json_compact_append_line(&w->out, obj))
        w->lines[type]++;
    json_decref(obj);
    if (w->out.len >= EVE_WRITER_FLUSH_AT)
        eve_writer_flush(w);
}

void eve_add_app_proto(json_t *obj, const Flow *f)
{
    if (f->app && f->app->proto != ALPROTO_UNKNOWN)
        json_object_set_new(obj, "app_proto", json_string(app_proto_name(f->app->proto)));
}

/* Suricata writes IPv6 addresses in full, uncompressed form. */
void eve_format_address(const Address *a, char *buf, size_t len)
{
    if (a->family == AF_INET6) {
        const uint8_t *b = a->addr;
        snprintf(buf, len,
                 "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x", b[0],
                 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                 b[14], b[15]);
    } else {
        inet_ntop(AF_INET, a->addr, buf, (socklen_t)len);
    }
}

const char *eve_proto_name(uint8_t proto, char buf[8])
{
    switch (proto) {
    case IPPROTO_TCP:
        return "TCP";
    case IPPROTO_UDP:
        return "UDP";
    case IPPROTO_ICMP:
        return "ICMP";
    case IPPROTO_ICMPV6:
        return "IPv6-ICMP";
    case IPPROTO_SCTP:
        return "SCTP";
    case IPPROTO_GRE:
        return "GRE";
    case IPPROTO_ESP:
        return "ESP";
    case IPPROTO_FRAGMENT:
        return "IPv6-Frag";
    default:
        snprintf(buf, 8, "%03u", proto);
        return buf;
    }
}

static bool proto_has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

static void add_endpoints(json_t *obj, const Address *src, uint16_t sp, const Address *dst,
                          uint16_t dp, uint8_t proto)
{
    char addr[64], pbuf[8];
    eve_format_address(src, addr, sizeof(addr));
    json_object_set_new(obj, "src_ip", json_string(addr));
    if (proto_has_ports(proto))
        json_object_set_new(obj, "src_port", json_integer(sp));
    eve_format_address(dst, addr, sizeof(addr));
    json_object_set_new(obj, "dest_ip", json_string(addr));
    if (proto_has_ports(proto))
        json_object_set_new(obj, "dest_port", json_integer(dp));
    json_object_set_new(obj, "proto", json_string(eve_proto_name(proto, pbuf)));
}

void eve_add_flow_tuple(json_t *obj, const FlowKey *key)
{
    add_endpoints(obj, &key->src, key->sp, &key->dst, key->dp, key->proto);
}

void eve_add_flow_tuple_to_client(json_t *obj, const FlowKey *key)
{
    add_endpoints(obj, &key->dst, key->dp, &key->src, key->sp, key->proto);
}

static void add_vlan(json_t *obj, const uint16_t *vlan_id, uint8_t vlan_count)
{
    if (!vlan_count)
        return;
    json_t *arr = json_array();
    for (int i = 0; i < vlan_count; i++)
        json_array_append_new(arr, json_integer(vlan_id[i]));
    json_object_set_new(obj, "vlan", arr);
}

static json_t *mac_string(const uint8_t mac[6])
{
    char buf[18];
    snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
    return json_string(buf);
}

static json_t *mac_array(const uint8_t macs[][6], uint8_t count)
{
    json_t *arr = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(arr, mac_string(macs[i]));
    return arr;
}

static void add_timestamp(json_t *obj, uint64_t ts_usec)
{
    char ts[TIMEFMT_BUF_SIZE];
    timefmt_iso(ts_usec, ts);
    json_object_set_new(obj, "timestamp", json_string(ts));
}

/* Suricata's pkt_src strings for where a packet came from. */
static const char *packet_source_name(const Packet *p)
{
    if (p->stream_pseudo)
        return "stream (flow timeout)";
    if (p->is_reassembled)
        return "defrag";
    if (p->is_tunneled)
        return "tunnel";
    return "wire/pcap";
}

json_t *eve_header_packet(const EveLog *log, const Packet *p, const char *event_type)
{
    json_t *obj = json_object();
    add_timestamp(obj, p->ts_usec);
    if (p->flow)
        json_object_set_new(obj, "flow_id", json_integer((json_int_t)p->flow->flow_id));
    if (log->cfg.pcap_file && log->current_pcap)
        json_object_set_new(obj, "pcap_filename", json_string(log->current_pcap));
    /* Packets made by decoding (tunnel inner, reassembled) have no place in the capture. */
    if (p->pcap_cnt && !p->is_tunneled && !p->is_reassembled)
        json_object_set_new(obj, "pcap_cnt", json_integer((json_int_t)p->pcap_cnt));
    json_object_set_new(obj, "event_type", json_string(event_type));
    add_vlan(obj, p->vlan_id, p->vlan_count);
    if (p->ip_version) {
        add_endpoints(obj, &p->src, p->sp, &p->dst, p->dp, p->proto);
        if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
            json_object_set_new(obj, "icmp_type", json_integer(p->icmp_type));
            json_object_set_new(obj, "icmp_code", json_integer(p->icmp_code));
        }
    }
    json_object_set_new(obj, "pkt_src", json_string(packet_source_name(p)));
    if (log->cfg.ethernet && p->has_mac) {
        json_t *ether = json_object();
        json_object_set_new(ether, "src_mac", mac_string(p->src_mac));
        json_object_set_new(ether, "dest_mac", mac_string(p->dst_mac));
        json_object_set_new(obj, "ether", ether);
    }
    return obj;
}

json_t *eve_header_flow(const EveLog *log, const Flow *f, uint64_t ts_usec,
                        const char *event_type)
{
    json_t *obj = json_object();
    add_timestamp(obj, ts_usec);
    json_object_set_new(obj, "flow_id", json_integer((json_int_t)f->flow_id));
    json_object_set_new(obj, "event_type", json_string(event_type));
    add_vlan(obj, f->key.vlan_id, f->key.vlan_count);
    eve_add_flow_tuple(obj, &f->key);
    if (f->key.proto == IPPROTO_ICMP || f->key.proto == IPPROTO_ICMPV6) {
        json_object_set_new(obj, "icmp_type", json_integer(f->icmp_type));
        json_object_set_new(obj, "icmp_code", json_integer(f->icmp_code));
        if (f->resp_icmp_seen) {
            json_object_set_new(obj, "response_icmp_type", json_integer(f->resp_icmp_type));
            json_object_set_new(obj, "response_icmp_code", json_integer(f->resp_icmp_code));
        }
    }
    if (f->key.proto == IPPROTO_ESP)
        json_object_set_new(obj, "spi", json_integer(f->esp_spi));
    if (log->cfg.ethernet && f->macs.client_count) {
        json_t *ether = json_object();
        json_object_set_new(ether, "dest_macs", mac_array(f->macs.server, f->macs.server_count));
        json_object_set_new(ether, "src_macs", mac_array(f->macs.client, f->macs.client_count));
        json_object_set_new(obj, "ether", ether);
    }
    if (log->cfg.community_id) {
        char cid[64];
        flow_community_id(f, log->cfg.community_id_seed, cid);
        json_object_set_new(obj, "community_id", json_string(cid));
    }
    return obj;
}
