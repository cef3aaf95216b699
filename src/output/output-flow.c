/*
 * output-flow.c - the EVE `flow` record, written when a flow ends.
 *
 * Fields follow Suricata 7: per-direction packets and bytes, start/end/age, state and end
 * reason, and for TCP the cumulative flags per direction and the connection state. The
 * event's timestamp is the packet time at which the flow ended (timeout check or shutdown),
 * as in Suricata.
 */
#include "output/output.h"

#include <netinet/in.h>
#include <stdio.h>

#include "common/timefmt.h"
#include "stream/stream-tcp.h"

static void put_time(JsonBuilder *jb, const char *key, uint64_t ts_usec)
{
    char ts[TIMEFMT_BUF_SIZE];
    timefmt_iso(ts_usec, ts);
    jb_set_string(jb, key, ts);
}

static void put_flow_object(JsonBuilder *jb, const Flow *f, FlowEndReason reason)
{
    jb_open_object(jb, "flow");
    jb_set_int(jb, "pkts_toserver", (json_int_t)f->pkts_toserver);
    jb_set_int(jb, "pkts_toclient", (json_int_t)f->pkts_toclient);
    jb_set_int(jb, "bytes_toserver", (json_int_t)f->bytes_toserver);
    jb_set_int(jb, "bytes_toclient", (json_int_t)f->bytes_toclient);
    put_time(jb, "start", f->start_usec);
    put_time(jb, "end", f->last_usec);
    jb_set_int(jb, "age", (json_int_t)(f->last_usec / 1000000 - f->start_usec / 1000000));
    if (f->bypassed)
        jb_set_string(jb, "bypass", "local");
    jb_set_string(jb, "state", f->bypassed ? "bypassed" : flow_state_name(f->state));
    jb_set_string(jb, "reason", flow_end_reason_name(reason));
    jb_set_bool(jb, "alerted", f->alerted);
    if (f->action_drop)
        jb_set_string(jb, "action", "drop");
    else if (f->action_pass)
        jb_set_string(jb, "action", "pass");
    jb_close(jb);
}

void output_put_tcp_flags(JsonBuilder *jb, const char *key, uint8_t flags)
{
    static const char hex_digits[] = "0123456789abcdef";
    char hex[3] = {hex_digits[flags >> 4], hex_digits[flags & 0xF], 0};
    jb_set_string(jb, key, hex);
}

void output_put_tcp_flag_names(JsonBuilder *jb, uint8_t flags)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } flag_names[] = {{TH_SYN, "syn"}, {TH_FIN, "fin"}, {TH_RST, "rst"}, {TH_PUSH, "psh"},
                      {TH_ACK, "ack"}, {TH_URG, "urg"}, {TH_ECN, "ecn"}, {TH_CWR, "cwr"}};
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (flags & flag_names[i].bit)
            jb_set_bool(jb, flag_names[i].name, true);
}

/* As Suricata: flags, state, gaps and regions come from the stream session; a flow the
 * stream engine never tracked logs flags 00 and nothing else. */
static void put_tcp_object(JsonBuilder *jb, const Flow *f)
{
    StreamFlowInfo si;
    bool has_session = stream_flow_info(f, &si);
    jb_open_object(jb, "tcp");
    output_put_tcp_flags(jb, "tcp_flags", si.tcp_flags);
    output_put_tcp_flags(jb, "tcp_flags_ts", si.tcp_flags_ts);
    output_put_tcp_flags(jb, "tcp_flags_tc", si.tcp_flags_tc);
    output_put_tcp_flag_names(jb, si.tcp_flags);
    if (has_session) {
        jb_set_string(jb, "state", flow_tcp_state_name(si.state));
        if (si.tc_gap)
            jb_set_bool(jb, "tc_gap", true);
        if (si.ts_gap)
            jb_set_bool(jb, "ts_gap", true);
        jb_set_int(jb, "ts_max_regions", si.ts_max_regions);
        jb_set_int(jb, "tc_max_regions", si.tc_max_regions);
    }
    jb_close(jb);
}

/* Written as text, not as a jansson tree: one record per flow makes this the most frequent
 * event of a sensor without rules, and building the tree cost several times the writing. */
void output_flow_log(EveWriter *w, const Flow *f, FlowEndReason reason, uint64_t now_usec)
{
    if (!eve_enabled(w->log, EVE_FLOW))
        return;
    JsonBuilder jb;
    eve_begin_flow_event(w, &jb, f, now_usec, "flow");
    eve_put_app_proto(&jb, f);
    /* a flow that changed protocol (STARTTLS, HTTP CONNECT) names the first one, as
     * Suricata's flow records do */
    if (f->app && f->app->proto_orig != ALPROTO_UNKNOWN && f->app->proto_orig != f->app->proto)
        jb_set_string(&jb, "app_proto_orig", app_proto_name(f->app->proto_orig));
    put_flow_object(&jb, f, reason);
    json_t *md = w->log->cfg.metadata && w->flow_metadata
                     ? w->flow_metadata(w->flow_metadata_ud, NULL, f) : NULL;
    if (md)
        jb_set_json(&jb, "metadata", md);
    if (f->key.proto == IPPROTO_TCP)
        put_tcp_object(&jb, f);
    eve_end_event(w, EVE_FLOW, &jb);
}
