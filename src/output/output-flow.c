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

static json_t *flow_time(uint64_t ts_usec)
{
    char ts[TIMEFMT_BUF_SIZE];
    timefmt_iso(ts_usec, ts);
    return json_string(ts);
}

static json_t *flow_object(const Flow *f, FlowEndReason reason)
{
    json_t *flow = json_object();
    json_object_set_new(flow, "pkts_toserver", json_integer((json_int_t)f->pkts_toserver));
    json_object_set_new(flow, "pkts_toclient", json_integer((json_int_t)f->pkts_toclient));
    json_object_set_new(flow, "bytes_toserver", json_integer((json_int_t)f->bytes_toserver));
    json_object_set_new(flow, "bytes_toclient", json_integer((json_int_t)f->bytes_toclient));
    json_object_set_new(flow, "start", flow_time(f->start_usec));
    json_object_set_new(flow, "end", flow_time(f->last_usec));
    json_object_set_new(flow, "age",
                        json_integer((json_int_t)(f->last_usec / 1000000 - f->start_usec / 1000000)));
    json_object_set_new(flow, "state", json_string(flow_state_name(f->state)));
    json_object_set_new(flow, "reason", json_string(flow_end_reason_name(reason)));
    json_object_set_new(flow, "alerted", json_boolean(f->alerted));
    return flow;
}

void output_add_tcp_flag_names(json_t *tcp, uint8_t flags)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } flag_names[] = {{TH_SYN, "syn"}, {TH_FIN, "fin"}, {TH_RST, "rst"}, {TH_PUSH, "psh"},
                      {TH_ACK, "ack"}, {TH_URG, "urg"}, {TH_ECN, "ecn"}, {TH_CWR, "cwr"}};
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if (flags & flag_names[i].bit)
            json_object_set_new(tcp, flag_names[i].name, json_true());
}

/* As Suricata: flags, state, gaps and regions come from the stream session; a flow the
 * stream engine never tracked logs flags 00 and nothing else. */
static json_t *tcp_object(const Flow *f)
{
    json_t *tcp = json_object();
    StreamFlowInfo si;
    bool has_session = stream_flow_info(f, &si);
    char hex[4];
    snprintf(hex, sizeof(hex), "%02x", si.tcp_flags);
    json_object_set_new(tcp, "tcp_flags", json_string(hex));
    snprintf(hex, sizeof(hex), "%02x", si.tcp_flags_ts);
    json_object_set_new(tcp, "tcp_flags_ts", json_string(hex));
    snprintf(hex, sizeof(hex), "%02x", si.tcp_flags_tc);
    json_object_set_new(tcp, "tcp_flags_tc", json_string(hex));
    output_add_tcp_flag_names(tcp, si.tcp_flags);
    if (!has_session)
        return tcp;
    json_object_set_new(tcp, "state", json_string(flow_tcp_state_name(si.state)));
    if (si.tc_gap)
        json_object_set_new(tcp, "tc_gap", json_true());
    if (si.ts_gap)
        json_object_set_new(tcp, "ts_gap", json_true());
    json_object_set_new(tcp, "ts_max_regions", json_integer(si.ts_max_regions));
    json_object_set_new(tcp, "tc_max_regions", json_integer(si.tc_max_regions));
    return tcp;
}

void output_flow_log(EveWriter *w, const Flow *f, FlowEndReason reason, uint64_t now_usec)
{
    if (!eve_enabled(w->log, EVE_FLOW))
        return;
    json_t *obj = eve_header_flow(w->log, f, now_usec, "flow");
    eve_add_app_proto(obj, f);
    json_object_set_new(obj, "flow", flow_object(f, reason));
    if (f->key.proto == IPPROTO_TCP)
        json_object_set_new(obj, "tcp", tcp_object(f));
    eve_write(w, EVE_FLOW, obj);
}
