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
    [EVE_DDOS] = "ddos",   [EVE_FTP] = "ftp",         [EVE_SMTP] = "smtp",
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
    cfg->metadata = true;
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

void eve_end_event(EveWriter *w, EveType type, JsonBuilder *jb)
{
    if (jb_end_line(jb))
        w->lines[type]++;
    if (w->out.len >= EVE_WRITER_FLUSH_AT)
        eve_writer_flush(w);
}

void eve_put_app_proto(JsonBuilder *jb, const Flow *f)
{
    if (!f->app)
        return;
    const AppLayerFlow *app = f->app;
    /* a direction's "failed" shows once the flow has an outcome: Suricata records it when
     * the other direction is over too (or found a protocol) */
    if (app->proto == ALPROTO_UNKNOWN)
        return;
    jb_set_string(jb, "app_proto", app_proto_name(app->proto));
    /* a direction that looked otherwise (failed: nothing recognised), as Suricata logs */
    if (app->proto_ts != ALPROTO_UNKNOWN && app->proto_ts != app->proto)
        jb_set_string(jb, "app_proto_ts", app_proto_name(app->proto_ts));
    if (app->proto_tc != ALPROTO_UNKNOWN && app->proto_tc != app->proto)
        jb_set_string(jb, "app_proto_tc", app_proto_name(app->proto_tc));
}

void eve_add_app_proto(json_t *obj, const Flow *f)
{
    JsonBuilder jb;
    jb_begin_tree(&jb, obj);
    eve_put_app_proto(&jb, f);
}

/* Suricata writes IPv6 addresses in full, uncompressed form (eight groups of four lowercase
 * hex digits). Formatted by hand rather than with snprintf/inet_ntop: two addresses per event
 * made the printf machinery a tenth of a no-rules run. */
void eve_format_address(const Address *a, char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char text[40];
    char *p = text;
    if (a->family == AF_INET6) {
        for (int i = 0; i < 16; i++) {
            if (i && i % 2 == 0)
                *p++ = ':';
            *p++ = hex[a->addr[i] >> 4];
            *p++ = hex[a->addr[i] & 0xF];
        }
    } else {
        for (int i = 0; i < 4; i++) {
            unsigned octet = a->addr[i];
            if (i)
                *p++ = '.';
            if (octet >= 100)
                *p++ = (char)('0' + octet / 100);
            if (octet >= 10)
                *p++ = (char)('0' + octet / 10 % 10);
            *p++ = (char)('0' + octet % 10);
        }
    }
    *p = 0;
    size_t n = (size_t)(p - text);
    if (!len)
        return;
    if (n >= len)
        n = len - 1;
    memcpy(buf, text, n);
    buf[n] = 0;
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

static void put_endpoints(JsonBuilder *jb, const Address *src, uint16_t sp, const Address *dst,
                          uint16_t dp, uint8_t proto)
{
    char addr[64], pbuf[8];
    eve_format_address(src, addr, sizeof(addr));
    jb_set_string(jb, "src_ip", addr);
    if (proto_has_ports(proto))
        jb_set_int(jb, "src_port", sp);
    eve_format_address(dst, addr, sizeof(addr));
    jb_set_string(jb, "dest_ip", addr);
    if (proto_has_ports(proto))
        jb_set_int(jb, "dest_port", dp);
    jb_set_string(jb, "proto", eve_proto_name(proto, pbuf));
}

/* Tree mode: a field already set is replaced, which eve_add_flow_tuple_to_client relies on. */
static void add_endpoints(json_t *obj, const Address *src, uint16_t sp, const Address *dst,
                          uint16_t dp, uint8_t proto)
{
    JsonBuilder jb;
    jb_begin_tree(&jb, obj);
    put_endpoints(&jb, src, sp, dst, dp, proto);
}

void eve_add_flow_tuple(json_t *obj, const FlowKey *key)
{
    add_endpoints(obj, &key->src, key->sp, &key->dst, key->dp, key->proto);
}

void eve_add_flow_tuple_to_client(json_t *obj, const FlowKey *key)
{
    add_endpoints(obj, &key->dst, key->dp, &key->src, key->sp, key->proto);
}

static void put_vlan(JsonBuilder *jb, const uint16_t *vlan_id, uint8_t vlan_count)
{
    if (!vlan_count)
        return;
    jb_open_array(jb, "vlan");
    for (int i = 0; i < vlan_count; i++)
        jb_set_int(jb, NULL, vlan_id[i]);
    jb_close(jb);
}

static void put_mac(JsonBuilder *jb, const char *key, const uint8_t mac[6])
{
    char buf[18];
    snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
    jb_set_string(jb, key, buf);
}

static void put_mac_array(JsonBuilder *jb, const char *key, const uint8_t macs[][6],
                          uint8_t count)
{
    jb_open_array(jb, key);
    for (int i = 0; i < count; i++)
        put_mac(jb, NULL, macs[i]);
    jb_close(jb);
}

static void put_timestamp(JsonBuilder *jb, uint64_t ts_usec)
{
    char ts[TIMEFMT_BUF_SIZE];
    timefmt_iso(ts_usec, ts);
    jb_set_string(jb, "timestamp", ts);
}

/* Suricata's pkt_src strings for where a packet came from. */
const char *eve_packet_source_name(const Packet *p)
{
    if (p->stream_pseudo)
        return "stream (flow timeout)";
    if (p->is_reassembled)
        return "defrag";
    if (p->is_tunneled)
        return "tunnel";
    return "wire/pcap";
}

static void put_header_packet(JsonBuilder *jb, const EveLog *log, const Packet *p,
                              const char *event_type)
{
    put_timestamp(jb, p->ts_usec);
    if (p->flow)
        jb_set_int(jb, "flow_id", (json_int_t)p->flow->flow_id);
    const char *pcap = log->cfg.pcap_file
                           ? atomic_load_explicit(&log->current_pcap, memory_order_relaxed)
                           : NULL;
    if (pcap)
        jb_set_string(jb, "pcap_filename", pcap);
    /* Packets made by decoding (tunnel inner, reassembled) have no place in the capture. */
    if (p->pcap_cnt && !p->is_tunneled && !p->is_reassembled)
        jb_set_int(jb, "pcap_cnt", (json_int_t)p->pcap_cnt);
    jb_set_string(jb, "event_type", event_type);
    put_vlan(jb, p->vlan_id, p->vlan_count);
    if (p->ip_version) {
        put_endpoints(jb, &p->src, p->sp, &p->dst, p->dp, p->proto);
        if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
            jb_set_int(jb, "icmp_type", p->icmp_type);
            jb_set_int(jb, "icmp_code", p->icmp_code);
        }
    }
    jb_set_string(jb, "pkt_src", eve_packet_source_name(p));
    if (log->cfg.ethernet && p->has_mac) {
        jb_open_object(jb, "ether");
        put_mac(jb, "src_mac", p->src_mac);
        put_mac(jb, "dest_mac", p->dst_mac);
        jb_close(jb);
    }
}

json_t *eve_header_packet(const EveLog *log, const Packet *p, const char *event_type)
{
    json_t *obj = json_object();
    JsonBuilder jb;
    jb_begin_tree(&jb, obj);
    put_header_packet(&jb, log, p, event_type);
    return obj;
}

static void put_header_flow(JsonBuilder *jb, const EveLog *log, const Flow *f, uint64_t ts_usec,
                            const char *event_type)
{
    put_timestamp(jb, ts_usec);
    jb_set_int(jb, "flow_id", (json_int_t)f->flow_id);
    jb_set_string(jb, "event_type", event_type);
    put_vlan(jb, f->key.vlan_id, f->key.vlan_count);
    put_endpoints(jb, &f->key.src, f->key.sp, &f->key.dst, f->key.dp, f->key.proto);
    if (f->key.proto == IPPROTO_ICMP || f->key.proto == IPPROTO_ICMPV6) {
        jb_set_int(jb, "icmp_type", f->icmp_type);
        jb_set_int(jb, "icmp_code", f->icmp_code);
        if (f->resp_icmp_seen) {
            jb_set_int(jb, "response_icmp_type", f->resp_icmp_type);
            jb_set_int(jb, "response_icmp_code", f->resp_icmp_code);
        }
    }
    if (f->key.proto == IPPROTO_ESP)
        jb_set_int(jb, "spi", f->esp_spi);
    if (log->cfg.ethernet && f->macs.client_count) {
        jb_open_object(jb, "ether");
        put_mac_array(jb, "dest_macs", f->macs.server, f->macs.server_count);
        put_mac_array(jb, "src_macs", f->macs.client, f->macs.client_count);
        jb_close(jb);
    }
    if (log->cfg.community_id) {
        char cid[64];
        flow_community_id(f, log->cfg.community_id_seed, cid);
        jb_set_string(jb, "community_id", cid);
    }
}

json_t *eve_header_flow(const EveLog *log, const Flow *f, uint64_t ts_usec,
                        const char *event_type)
{
    json_t *obj = json_object();
    JsonBuilder jb;
    jb_begin_tree(&jb, obj);
    put_header_flow(&jb, log, f, ts_usec, event_type);
    return obj;
}

void eve_begin_flow_event(EveWriter *w, JsonBuilder *jb, const Flow *f, uint64_t ts_usec,
                          const char *event_type)
{
    jb_begin_text(jb, &w->out);
    put_header_flow(jb, w->log, f, ts_usec, event_type);
}
