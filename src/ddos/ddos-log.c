/*
 * ddos-log.c - what an attack looks like to the outside: the EVE `ddos` event, the `alert`
 * (gid 8) on start, and the environment of the mitigation commands.
 *
 * The event's fields (documented in schema/bongsu-eve.schema.json, `ddos`):
 * state (start/update/end), attack, victim, prefix (the protected prefix it is in), class and
 * trigger (static or adaptive) with threshold_pps and baseline_pps, the rates now (pps, bps,
 * class_pps), the attack so far (start, duration, packets, bytes, peak_pps, peak_bps), the
 * top sources and ports from the space-saving summaries, and the signs the classification
 * used. The timestamp is packet time. The mitigation environment is read back from the same
 * object so the command sees exactly what EVE says.
 */
#include "ddos-internal.h"

#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/timefmt.h"
#include "output/output-alert.h"

#define USEC 1000000ull
#define TOP_REPORTED 5
/* Space-saving keys are reported with the count they are guaranteed to have, and only when
 * that is at least this: in a flood from random spoofed sources every entry is a newcomer
 * that inherited its count, and listing those as "top sources" would be noise. */
#define MIN_REPORTED 2
#define DDOS_ALERT_CATEGORY "Attempted Denial of Service"

static json_t *json_time(uint64_t ts_usec)
{
    char ts[TIMEFMT_BUF_SIZE];
    timefmt_iso(ts_usec, ts);
    return json_string(ts);
}

static json_t *json_rate(double r)
{
    return json_integer((json_int_t)llround(r));
}

static void set_address_key(json_t *o, const DdosTopKEntry *e)
{
    Address a;
    char ip[64];
    ddos_topk_address(e, &a);
    eve_format_address(&a, ip, sizeof(ip));
    json_object_set_new(o, "ip", json_string(ip));
}

static void set_port_key(json_t *o, const DdosTopKEntry *e)
{
    json_object_set_new(o, "port", json_integer(ddos_topk_port(e)));
}

/* The heavy hitters of one top-k table, most packets first, as objects of
 * {<key>, packets}; entries whose guaranteed count is below MIN_REPORTED are noise. */
static json_t *top_list(const DdosTopK *t, void (*set_key)(json_t *, const DdosTopKEntry *))
{
    DdosTopKEntry e[TOP_REPORTED];
    uint32_t n = ddos_topk_sorted(t, e, TOP_REPORTED);
    json_t *arr = json_array();
    for (uint32_t i = 0; i < n; i++) {
        if (e[i].count - e[i].error < MIN_REPORTED)
            continue;
        json_t *o = json_object();
        set_key(o, &e[i]);
        json_object_set_new(o, "packets", json_integer(e[i].count - e[i].error));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *signs_json(const DdosVictim *v)
{
    DdosSigns s;
    ddos_victim_signs(v, &s);
    json_t *o = json_object();
    json_object_set_new(o, "syn_unanswered", json_real(round(s.syn_unanswered * 1000) / 1000));
    json_object_set_new(o, "src_port_share", json_real(round(s.src_port_share * 1000) / 1000));
    json_object_set_new(o, "top_src_port", json_integer(s.top_src_port));
    json_object_set_new(o, "src_spread", json_integer(s.src_spread));
    json_object_set_new(o, "src_spread_saturated", json_boolean(s.src_spread_saturated));
    json_object_set_new(o, "ttl_distinct", json_integer(s.ttl_distinct));
    json_object_set_new(o, "spoofed", json_boolean(ddos_signs_spoofed(&s)));
    return o;
}

static void add_rates(json_t *o, const DdosVictim *v, uint64_t ts_usec)
{
    json_object_set_new(o, "pps", json_rate(ddos_victim_rate(v, v->addr.family == AF_INET6
                                                                     ? DDOS_IPV6 : DDOS_IPV4,
                                                            ts_usec)));
    json_object_set_new(o, "bps", json_rate(ddos_victim_bps(v, ts_usec)));
    json_t *classes = json_object();
    for (int c = 0; c < DDOS_CLASS_COUNT; c++) {
        double r = ddos_victim_rate(v, (DdosClass)c, ts_usec);
        if (r >= 0.5)
            json_object_set_new(classes, ddos_class_name((DdosClass)c), json_rate(r));
    }
    json_object_set_new(o, "class_pps", classes);
}

static json_t *ddos_object(const DdosVictim *v, const char *state, uint64_t ts_usec)
{
    char ip[64], prefix[80];
    eve_format_address(&v->addr, ip, sizeof(ip));
    json_t *o = json_object();
    /* One id for the start, updates and end of an attack: the victim and its start time. */
    uint64_t id = v->start_usec;
    for (int i = 0; i < 16; i++)
        id = id * 1099511628211ull ^ v->addr.addr[i];
    json_object_set_new(o, "id", json_integer((json_int_t)(id & 0x7ffffffffffffull)));
    json_object_set_new(o, "state", json_string(state));
    json_object_set_new(o, "attack", json_string(ddos_attack_name(v->attack)));
    json_object_set_new(o, "victim", json_string(ip));
    if (v->prefix) {
        eve_format_address(&v->prefix->net, prefix, sizeof(prefix) - 8);
        snprintf(prefix + strlen(prefix), 8, "/%u", v->prefix->bits);
        json_object_set_new(o, "prefix", json_string(prefix));
    }
    json_object_set_new(o, "class", json_string(ddos_class_name(v->trigger_class)));
    json_object_set_new(o, "trigger", json_string(v->adaptive_trigger ? "adaptive" : "static"));
    json_object_set_new(o, "threshold_pps", json_rate(v->threshold_pps));
    json_object_set_new(o, "baseline_pps", json_rate(v->baseline_pps));
    add_rates(o, v, ts_usec);
    json_object_set_new(o, "start", json_time(v->start_usec));
    uint64_t until = strcmp(state, "end") == 0 ? v->last_hot_usec : ts_usec;
    if (strcmp(state, "end") == 0)
        json_object_set_new(o, "end", json_time(until));
    json_object_set_new(o, "duration",
                        json_integer((json_int_t)((until - v->start_usec) / USEC)));
    json_object_set_new(o, "packets", json_integer((json_int_t)v->packets));
    json_object_set_new(o, "bytes", json_integer((json_int_t)v->bytes));
    json_object_set_new(o, "peak_pps", json_rate(v->peak_pps));
    json_object_set_new(o, "peak_bps", json_rate(v->peak_bps));
    json_object_set_new(o, "top_sources", top_list(&v->sources, set_address_key));
    json_object_set_new(o, "top_src_ports", top_list(&v->src_ports, set_port_key));
    json_object_set_new(o, "top_dest_ports", top_list(&v->dst_ports, set_port_key));
    /* top_ports: the ports that say what the attack is - the reflectors' source ports for an
     * amplification, the targeted ports otherwise. */
    json_object_set_new(o, "top_ports", top_list(ddos_attack_is_reflection(v->attack)
                                                     ? &v->src_ports
                                                     : &v->dst_ports,
                                                 set_port_key));
    json_t *signs = signs_json(v);
    json_object_set(o, "sources_estimate", json_object_get(signs, "src_spread"));
    json_object_set_new(o, "signs", signs);
    return o;
}

void ddos_log_event(DdosDetector *d, const DdosVictim *v, const char *state, uint64_t ts_usec)
{
    if (!eve_enabled(d->writer.log, EVE_DDOS))
        return;
    json_t *ev = json_object();
    json_object_set_new(ev, "timestamp", json_time(ts_usec));
    json_object_set_new(ev, "event_type", json_string("ddos"));
    json_t *ddos = ddos_object(v, state, ts_usec);
    json_object_set(ev, "dest_ip", json_object_get(ddos, "victim"));
    json_object_set_new(ev, "ddos", ddos);
    eve_write(&d->writer, EVE_DDOS, ev);
    /* Attacks are rare and urgent: do not let the line wait for 64 KiB of company. */
    eve_writer_flush(&d->writer);
}

void ddos_log_alert(DdosDetector *d, const DdosVictim *v, const Packet *p)
{
    char signature[96], ip[64];
    const char *attack = ddos_attack_name(v->attack);
    snprintf(signature, sizeof(signature), "BONGSU DDoS %s", attack);
    eve_format_address(&v->addr, ip, sizeof(ip));
    json_t *meta = alert_metadata_add(NULL, "attack", attack);
    alert_metadata_add(meta, "victim", ip);
    alert_metadata_add(meta, "ddos_class", ddos_class_name(v->trigger_class));
    alert_metadata_add(meta, "ddos_trigger", v->adaptive_trigger ? "adaptive" : "static");
    AlertInfo a = {.gid = 8, .sid = (uint32_t)v->attack + 1, .rev = 1,
                   .signature = signature, .category = DDOS_ALERT_CATEGORY, .severity = 2,
                   .action = "allowed", .metadata = meta, .target = 2,
                   .ts_usec = p->ts_usec};
    output_alert(&d->writer, p, NULL, &a);
    json_decref(meta);
    eve_writer_flush(&d->writer);
}

static const char *class_proto(DdosClass c, int family)
{
    if (c <= DDOS_TCP_OTHER)
        return "tcp";
    if (c <= DDOS_SNMP)
        return "udp";
    if (c == DDOS_ICMP)
        return family == AF_INET6 ? "icmpv6" : "icmp";
    return "";
}

/* "a,b,c" from the key of each object of arr. */
static void join_key(const json_t *arr, const char *key, char *out, size_t len)
{
    size_t i, used = 0;
    json_t *item;
    out[0] = '\0';
    json_array_foreach(arr, i, item) {
        json_t *val = json_object_get(item, key);
        char one[64];
        if (json_is_string(val))
            snprintf(one, sizeof(one), "%s", json_string_value(val));
        else
            snprintf(one, sizeof(one), "%lld", (long long)json_integer_value(val));
        int n = snprintf(out + used, len - used, "%s%s", used ? "," : "", one);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
}

void ddos_log_mitigation(DdosDetector *d, const DdosVictim *v, const char *state,
                         uint64_t ts_usec)
{
    const DdosCommand *cmd = strcmp(state, "start") == 0 ? &d->cfg->on_start : &d->cfg->on_end;
    if (!d->mitigator || !cmd->argc)
        return;
    json_t *o = ddos_object(v, state, ts_usec);
    char env[12][DDOS_ENV_LEN], list[DDOS_ENV_LEN - 32];
    const char *ptrs[12];
    int n = 0;
#define ENV(...) snprintf(env[n++], DDOS_ENV_LEN, __VA_ARGS__)
    ENV("BONGSU_DDOS_STATE=%s", state);
    ENV("BONGSU_DDOS_ATTACK=%s", ddos_attack_name(v->attack));
    ENV("BONGSU_DDOS_VICTIM=%s", json_string_value(json_object_get(o, "victim")));
    ENV("BONGSU_DDOS_VICTIM_PREFIX=%s/%d", json_string_value(json_object_get(o, "victim")),
        v->addr.family == AF_INET6 ? 128 : 32);
    ENV("BONGSU_DDOS_CLASS=%s", ddos_class_name(v->trigger_class));
    ENV("BONGSU_DDOS_PROTO=%s", class_proto(v->trigger_class, v->addr.family));
    ENV("BONGSU_DDOS_PPS=%lld", (long long)json_integer_value(json_object_get(o, "pps")));
    ENV("BONGSU_DDOS_BPS=%lld", (long long)json_integer_value(json_object_get(o, "bps")));
    ENV("BONGSU_DDOS_PEAK_PPS=%lld",
        (long long)json_integer_value(json_object_get(o, "peak_pps")));
    join_key(json_object_get(o, "top_sources"), "ip", list, sizeof(list));
    ENV("BONGSU_DDOS_TOP_SOURCES=%s", list);
    join_key(json_object_get(o, "top_src_ports"), "port", list, sizeof(list));
    ENV("BONGSU_DDOS_TOP_SRC_PORTS=%s", list);
    join_key(json_object_get(o, "top_dest_ports"), "port", list, sizeof(list));
    ENV("BONGSU_DDOS_TOP_DEST_PORTS=%s", list);
#undef ENV
    for (int i = 0; i < n; i++)
        ptrs[i] = env[i];
    if (!ddos_mitigator_submit(d->mitigator, cmd, ptrs, (size_t)n)) {
        counter_incr(d->counters, ddos_ids.mitigation_dropped);
        log_warning("ddos mitigation queue full: %s command for %s dropped", state,
                    json_string_value(json_object_get(o, "victim")));
    }
    json_decref(o);
}
