/*
 * output-netflow.c - EVE `netflow` records: a flow seen as two unidirectional flows.
 *
 * Suricata's netflow type writes one record per direction when a flow ends (the reply only
 * when packets went that way), each with its own packet/byte counts, TTL range and TCP flags,
 * and the reply with source and destination swapped. Collectors built for NetFlow want this
 * shape rather than the bidirectional `flow` record.
 */
#include "output/output.h"

#include <netinet/in.h>
#include <stdio.h>

#include "common/timefmt.h"

static json_t *time_string(uint64_t ts_usec)
{
    char ts[TIMEFMT_BUF_SIZE];
    timefmt_iso(ts_usec, ts);
    return json_string(ts);
}

static json_t *tcp_flags_object(uint8_t flags)
{
    json_t *tcp = json_object();
    JsonBuilder jb;
    jb_begin_tree(&jb, tcp);
    output_put_tcp_flags(&jb, "tcp_flags", flags);
    output_put_tcp_flag_names(&jb, flags);
    return tcp;
}

static void log_direction(EveWriter *w, const Flow *f, bool to_server, uint64_t now_usec)
{
    json_t *obj = eve_header_flow(w->log, f, now_usec, "netflow");
    if (!to_server) {
        FlowKey reversed = f->key;
        reversed.src = f->key.dst;
        reversed.dst = f->key.src;
        reversed.sp = f->key.dp;
        reversed.dp = f->key.sp;
        eve_add_flow_tuple(obj, &reversed);
    }
    eve_add_app_proto(obj, f);
    json_t *nf = json_object();
    json_object_set_new(nf, "pkts",
                        json_integer((json_int_t)(to_server ? f->pkts_toserver : f->pkts_toclient)));
    json_object_set_new(nf, "bytes",
                        json_integer((json_int_t)(to_server ? f->bytes_toserver : f->bytes_toclient)));
    json_object_set_new(nf, "start", time_string(f->start_usec));
    json_object_set_new(nf, "end", time_string(f->last_usec));
    json_object_set_new(nf, "age",
                        json_integer((json_int_t)(f->last_usec / 1000000 - f->start_usec / 1000000)));
    json_object_set_new(nf, "min_ttl", json_integer(to_server ? f->min_ttl_ts : f->min_ttl_tc));
    json_object_set_new(nf, "max_ttl", json_integer(to_server ? f->max_ttl_ts : f->max_ttl_tc));
    json_object_set_new(obj, "netflow", nf);
    if (f->key.proto == IPPROTO_TCP)
        json_object_set_new(obj, "tcp",
                            tcp_flags_object(to_server ? f->tcp_flags_ts : f->tcp_flags_tc));
    eve_write(w, EVE_NETFLOW, obj);
}

void output_netflow_log(EveWriter *w, const Flow *f, uint64_t now_usec)
{
    if (!eve_enabled(w->log, EVE_NETFLOW))
        return;
    log_direction(w, f, true, now_usec);
    if (f->pkts_toclient)
        log_direction(w, f, false, now_usec);
}
