/*
 * fuzz-stream.c - libFuzzer target for TCP session tracking and reassembly.
 *
 * The input is a configuration byte and then a sequence of TCP segments of one connection,
 * each an 8-byte record header and its payload:
 *
 *   config:  bits 0-3 overlap policy (mod 12), 4 midstream, 5 async-oneside,
 *            6 small depth (64 bytes) and small segment memcap, 7 check-overlap-different-data
 *   record:  [0] TCP flags  [1] bit 0 to-server, bits 1-7 payload length (0-127)
 *            [2..3] sequence number relative to the sender's ISN (big-endian, signed)
 *            [4..5] acknowledgement relative to the other side's ISN (signed)
 *            [6] time step in tenths of a second  [7] bit 0 timestamp option, bits 1-7 its value
 *
 * The ISNs sit just below 2^32 and 2^31 so sequence wrap is always close. The packets go
 * through a real flow table (timeouts, port reuse) into the stream engine; a recording sink
 * stands in for the app layer and checks what a parser may rely on: data is never NULL, no
 * data follows the end of a direction, and the bytes delivered never exceed what was sent
 * plus what gaps declare. Raw stream inspection (stream-tcp-raw.c) runs after every packet
 * and at flow end, as detection drives it: each call hands over increasing offsets and
 * never more than was sent (a run after a gap may come again in a later call, as in
 * Suricata's window). A record cut short by the end of the input
 * takes what is left.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stream/stream-tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECORD_LEN 8
#define CLIENT_ISN 0xffffff00u
#define SERVER_ISN 0x7ffffff0u

typedef struct Direction {
    uint64_t delivered, sent;
    uint64_t raw, raw_end;  /* bytes this raw inspection call saw, where its last piece ended */
    bool eof;
} Direction;

static Direction dirs[2];
static volatile uint8_t bytes_read;
static StreamThread *stream;

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void sink(void *ud, Flow *f, const Packet *p, bool to_server, const uint8_t *data,
                 uint32_t len, uint32_t flags)
{
    (void)ud;
    (void)f;
    (void)p;
    Direction *d = &dirs[to_server];
    if (flags & APP_FLAG_EOF) {
        d->eof = true;
        return;
    }
    check(!d->eof);
    check(len > 0);
    check((flags & APP_FLAG_GAP) || data != NULL);
    if (!(flags & APP_FLAG_GAP)) {
        for (uint32_t i = 0; i < len; i++) /* the bytes must be readable (ASan checks) */
            bytes_read ^= data[i];
        d->delivered += len;
    }
}

static bool raw_piece(void *ud, const uint8_t *data, uint32_t len, uint64_t off)
{
    Direction *d = ud;
    check(len > 0 && off >= d->raw_end);
    for (uint32_t i = 0; i < len; i++)
        bytes_read ^= data[i];
    d->raw += len;
    d->raw_end = off + len;
    return true;
}

static bool log_piece(void *ud, const uint8_t *data, uint32_t len, uint64_t off)
{
    (void)ud;
    (void)off;
    for (uint32_t i = 0; i < len; i++)
        bytes_read ^= data[i];
    return true;
}

static void raw_inspect(Flow *f, bool to_server, bool eof)
{
    Direction *d = &dirs[to_server];
    d->raw = d->raw_end = 0;
    stream_raw_inspect(stream, f, to_server, eof, raw_piece, d);
    check(d->raw <= d->sent);
}

static void on_end(Flow *f, FlowEndReason reason, uint64_t now, void *ud)
{
    (void)reason;
    (void)ud;
    for (int i = 0; i < 2; i++) {
        stream_raw_log(f, i == 1, true, log_piece, NULL);
        raw_inspect(f, i == 1, true);
    }
    stream_flow_end(stream, f, now);
    stream_flow_free(stream, f);
    /* a new flow on the tuple starts its own directions */
    for (int i = 0; i < 2; i++) {
        check(dirs[i].delivered <= dirs[i].sent);
        dirs[i] = (Direction){0};
    }
}

static void configure(uint8_t c, StreamConfig *cfg, FlowConfig *fc)
{
    stream_config_default(cfg);
    cfg->checksum_validation = false;
    cfg->default_policy = (StreamOverlapPolicy)((c & 0x0f) % (STREAM_POLICY_MACOS + 1));
    cfg->midstream = c & 0x10;
    cfg->async_oneside = c & 0x20;
    if (c & 0x40) {
        cfg->reassembly_depth = 64;
        cfg->reassembly_memcap = 4096;
    }
    cfg->check_overlap_different_data = c & 0x80;
    flow_config_default(fc);
    fc->tcp_synack_starts = cfg->midstream || cfg->async_oneside;
}

static void make_packet(Packet *p, const uint8_t *rec, const uint8_t *payload, uint32_t len,
                        uint64_t ts)
{
    bool to_server = rec[1] & 1;
    memset(p, 0, sizeof(*p));
    p->ip_version = 4;
    p->src.family = p->dst.family = AF_INET;
    static const uint8_t client[4] = {10, 0, 0, 1}, server[4] = {10, 0, 0, 2};
    memcpy(p->src.addr, to_server ? client : server, 4);
    memcpy(p->dst.addr, to_server ? server : client, 4);
    p->sp = to_server ? 40000 : 80;
    p->dp = to_server ? 80 : 40000;
    p->proto = IPPROTO_TCP;
    p->tcp_flags = rec[0];
    int16_t seq_rel = (int16_t)(rec[2] << 8 | rec[3]), ack_rel = (int16_t)(rec[4] << 8 | rec[5]);
    p->tcp_seq = (to_server ? CLIENT_ISN : SERVER_ISN) + (uint32_t)(int32_t)seq_rel;
    p->tcp_ack = (to_server ? SERVER_ISN : CLIENT_ISN) + (uint32_t)(int32_t)ack_rel;
    p->tcp_win = 65535;
    p->tcp_opts.has_timestamp = rec[7] & 1;
    p->tcp_opts.ts_value = rec[7] >> 1;
    p->payload = payload;
    p->payload_len = len;
    p->len = 54 + len;
    p->ts_usec = ts;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static bool registered;
    static CounterSet counters;
    if (!registered) {
        flow_register_counters();
        stream_register_counters();
        counter_set_init(&counters);
        registered = true;
    }
    StreamConfig cfg;
    FlowConfig fc;
    configure(data[0], &cfg, &fc);
    data++;
    size--;
    memset(dirs, 0, sizeof(dirs));
    stream = stream_thread_new(&cfg, 1, &counters, NULL);
    stream_thread_set_sink(stream, sink, NULL);
    stream_raw_enable(stream);
    FlowTable *flows = flow_table_new(&fc, 1 << 20, &counters, on_end, NULL);
    uint64_t ts = 1700000000ull * 1000000;
    while (size >= RECORD_LEN) {
        const uint8_t *rec = data;
        uint32_t len = rec[1] >> 1;
        data += RECORD_LEN;
        size -= RECORD_LEN;
        if (len > size)
            len = (uint32_t)size;
        ts += (uint64_t)rec[6] * 100000;
        flow_table_expire(flows, ts);
        Packet p;
        make_packet(&p, rec, data, len, ts);
        Flow *f = flow_handle_packet(flows, &p);
        if (f) {
            stream_handle_packet(stream, f, &p);
            dirs[p.to_server].sent += len; /* after: a SYN/ACK pickup turns the packet round */
            raw_inspect(f, p.to_server, false);
        }
        data += len;
        size -= len;
    }
    flow_table_free(flows, ts);
    stream_thread_free(stream);
    counter_set_clear(&counters);
    return 0;
}
