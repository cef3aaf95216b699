/*
 * app-layer-detect.c - which application protocol a flow speaks.
 *
 * Each enabled parser's probe looks at the first bytes of a direction; a parser that names
 * detection ports is only asked on those ports (DNS on 53), the others on any port (HTTP and
 * TLS are recognised by content, as Suricata's pattern-based detection does). TCP bytes are
 * buffered per direction until a probe decides (at most APPLAYER_DETECT_MAX bytes); once a
 * protocol is found, everything buffered is handed to its parser, the direction that spoke
 * first first. A direction that no probe accepts is "failed" once it has sent as many bytes
 * as the reference's patterns reach (DETECT_DEPTH_*: shorter, it is still undecided when it
 * ends); a flow whose directions have both failed is logged with app_proto "failed", one
 * with an undecided direction with none. UDP datagrams are probed one at a time, each side
 * on its own first datagram, without buffering.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-internal.h"

#define APPLAYER_DETECT_MAX 4096

typedef enum ProbeVerdict { PROBE_FOUND, PROBE_NEED_MORE, PROBE_FAILED } ProbeVerdict;

static ProbeVerdict probe_all(const Flow *f, const uint8_t *data, uint32_t len, bool to_server,
                              AppProto *found)
{
    bool tcp = f->key.proto == IPPROTO_TCP;
    bool need_more = false;
    for (int proto = 1; proto < ALPROTO_FAILED; proto++) {
        const AppLayerParser *parser = applayer_parser((AppProto)proto);
        if (!parser || !parser->probe || !applayer_proto_enabled((AppProto)proto, tcp))
            continue;
        if ((tcp && !parser->on_tcp) || (!tcp && !parser->on_udp))
            continue;
        if (!applayer_port_matches((AppProto)proto, tcp, f->key.sp, f->key.dp))
            continue;
        AppProto (*probe)(const uint8_t *, uint32_t, bool) =
            tcp && parser->probe_tcp ? parser->probe_tcp : parser->probe;
        AppProto r = probe(data, len, to_server);
        if (r != ALPROTO_UNKNOWN && r != ALPROTO_FAILED) {
            *found = r;
            return PROBE_FOUND;
        }
        if (r == ALPROTO_UNKNOWN)
            need_more = true;
    }
    return need_more ? PROBE_NEED_MORE : PROBE_FAILED;
}

/* How deep Suricata 7.0.10's protocol patterns reach per direction (measured: see
 * applayer_detect); a direction shorter than this is never given up on. */
#define DETECT_DEPTH_TO_SERVER 17
#define DETECT_DEPTH_TO_CLIENT 8

static bool deep_enough(bool to_server, uint32_t len)
{
    return len >= (to_server ? DETECT_DEPTH_TO_SERVER : DETECT_DEPTH_TO_CLIENT);
}

static void set_direction_proto(AppLayerFlow *app, bool to_server, AppProto proto)
{
    if (to_server) {
        app->proto_ts = proto;
        app->detect_done_ts = true;
        app->detect_news_ts = 1;
    } else {
        app->proto_tc = proto;
        app->detect_done_tc = true;
        app->detect_news_tc = 1;
    }
}

/* A UDP direction detected on its own datagram: Suricata flags that datagram, and both
 * directions' next datagrams (FlagPacketFlow for each side), so a detection-only rule sees a
 * DNS query, its response, and the next query and response (measured with 7.0.10). */
static void udp_news(AppLayerFlow *app, bool to_server)
{
    uint8_t *same = to_server ? &app->detect_news_ts : &app->detect_news_tc;
    uint8_t *other = to_server ? &app->detect_news_tc : &app->detect_news_ts;
    *same = 2;
    if (*other < 1)
        *other = 1;
}

bool applayer_take_detect_done(Flow *f, bool to_server)
{
    AppLayerFlow *app = f ? f->app : NULL;
    if (!app)
        return false;
    uint8_t *news = to_server ? &app->detect_news_ts : &app->detect_news_tc;
    if (!*news)
        return false;
    (*news)--;
    return true;
}

static bool append_pending(AppLayerFlow *app, bool to_server, const uint8_t *data, uint32_t len)
{
    uint8_t **buf = to_server ? &app->pending_ts : &app->pending_tc;
    uint32_t *buf_len = to_server ? &app->pending_ts_len : &app->pending_tc_len;
    uint32_t room = APPLAYER_DETECT_MAX - *buf_len;
    uint32_t take = len < room ? len : room;
    if (!*buf) {
        *buf = malloc(APPLAYER_DETECT_MAX);
        if (!*buf)
            return false;
    }
    if (take) /* an end-of-stream call has no data (NULL) */
        memcpy(*buf + *buf_len, data, take);
    *buf_len += take;
    return take == len;
}

static void flow_detected(AppLayerThread *th, Flow *f, AppProto proto)
{
    f->app->proto = proto;
    counter_incr(th->counters, applayer_ids.flows[proto][f->key.proto == IPPROTO_TCP]);
}

/* After a protocol change that expected a protocol (TLS after STARTTLS), detection found
 * `proto`: Suricata's proto_detect events when it is another one. */
static void check_expected(AppLayerThread *th, Flow *f, const Packet *p, AppProto proto)
{
    AppProto expect = f->app->proto_expect;
    f->app->proto_expect = ALPROTO_UNKNOWN;
    if (expect == ALPROTO_UNKNOWN || proto == expect)
        return;
    AppLayerCtx ctx = {.thread = th, .flow = f, .packet = p,
                       .now_usec = p ? p->ts_usec : f->last_usec};
    applayer_raise_detect_event(&ctx, "APPLAYER_UNEXPECTED_PROTOCOL");
    if (expect == ALPROTO_TLS)
        applayer_raise_detect_event(&ctx, "APPLAYER_NO_TLS_AFTER_STARTTLS");
}

static void flow_failed(AppLayerThread *th, Flow *f)
{
    if (f->app->proto == ALPROTO_FAILED)
        return;
    f->app->proto = ALPROTO_FAILED;
    counter_incr(th->counters, f->key.proto == IPPROTO_TCP ? applayer_ids.failed_tcp
                                                          : applayer_ids.failed_udp);
}

/* A direction no probe recognised goes to the protocol the other one found anyway, as
 * Suricata's: it raises this event (on the packet whose processing hands it over) and
 * logs that direction's app_proto_ts/tc as "failed" (an SMTP server's "220" greeting). */
static void only_one_direction(AppLayerThread *th, Flow *f, const Packet *p)
{
    AppLayerCtx ctx = {.thread = th, .flow = f, .packet = p,
                       .now_usec = p ? p->ts_usec : f->last_usec};
    applayer_raise_detect_event(&ctx, "APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION");
}

/* Hands the buffered bytes of both directions to the parser, the first speaker first. */
static void flush_pending(AppLayerThread *th, Flow *f, const Packet *p)
{
    AppLayerFlow *app = f->app;
    bool first_ts = app->first_speaker_ts;
    for (int i = 0; i < 2; i++) {
        bool ts = (i == 0) == first_ts;
        uint8_t **buf = ts ? &app->pending_ts : &app->pending_tc;
        uint32_t *len = ts ? &app->pending_ts_len : &app->pending_tc_len;
        if (*buf && *len) {
            if (ts ? app->proto_ts == ALPROTO_FAILED : app->proto_tc == ALPROTO_FAILED)
                only_one_direction(th, f, p);
            applayer_detect_other_side(th, f, p, ts, *buf, *len);
            applayer_parse(th, f, p, ts, *buf, *len, 0);
        }
        free(*buf);
        *buf = NULL;
        *len = 0;
    }
}

static void detect_udp(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                       const uint8_t *data, uint32_t len, uint32_t flags)
{
    AppLayerFlow *app = f->app;
    /* The flow is counted (detected or failed) on its first datagram only; a direction that
     * fails after the other one decided changes nothing, one that succeeds after the other
     * failed makes the flow that protocol (Suricata's AppLayerHandleUdp). */
    bool first = !(to_server ? app->detect_done_tc : app->detect_done_ts);
    AppProto found = ALPROTO_UNKNOWN;
    if (probe_all(f, data, len, to_server, &found) == PROBE_FOUND) {
        const AppLayerParser *parser = applayer_parser(found);
        if (first && to_server && parser->sent_by_server && parser->sent_by_server(data, len, false)) {
            flow_swap(f);  /* the first datagram came from the server */
            to_server = false;
        }
        set_direction_proto(app, to_server, found);
        udp_news(app, to_server);
        if (first)
            flow_detected(th, f, found);
        else
            app->proto = found;
        applayer_parse(th, f, p, to_server, data, len, flags);
        return;
    }
    set_direction_proto(app, to_server, ALPROTO_FAILED);
    udp_news(app, to_server);
    if (first)
        flow_failed(th, f);
}

/* A TCP flow picked up midstream whose first data is what a server sends (a response) was
 * keyed the wrong way round; as Suricata, it is turned around when the other side has not
 * spoken yet. */
static bool may_reverse(const Flow *f, bool to_server, uint32_t flags)
{
    const AppLayerFlow *app = f->app;
    return to_server && (flags & APP_FLAG_MIDSTREAM) && !f->swap_pending && app->pending_ts_len &&
           !app->pending_tc_len && !app->detect_done_tc;
}

/* The client's first data is the server's: it is not what the protocol's client sends but
 * what its server does (an HTTP response), or the parser says its server sent it (DNS). */
static bool found_from_server(const Flow *f, const uint8_t *buf, uint32_t len,
                              ProbeVerdict *verdict, AppProto *found)
{
    if (*verdict == PROBE_FOUND) {
        const AppLayerParser *parser = applayer_parser(*found);
        return parser->sent_by_server && parser->sent_by_server(buf, len, true);
    }
    if (probe_all(f, buf, len, false, found) != PROBE_FOUND)
        return false;
    *verdict = PROBE_FOUND;
    return true;
}

/* What was gathered as the client's is the server's. */
static void reverse_flow(Flow *f)
{
    AppLayerFlow *app = f->app;
    app->pending_tc = app->pending_ts;
    app->pending_tc_len = app->pending_ts_len;
    app->pending_ts = NULL;
    app->pending_ts_len = 0;
    app->first_speaker_ts = false;
    flow_swap(f);              /* what is logged from now on sees the client as the client */
    f->swap_pending = true;    /* the stream layer swaps its session after this packet */
}

/* A flow another flow announced (an FTP data connection) is that protocol from its first
 * byte, both ways, without probing: its contents are the file, not a protocol. */
static bool detect_expected(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                            const uint8_t *data, uint32_t len, uint32_t flags)
{
    AppProto proto = applayer_expectation(f);
    if (proto == ALPROTO_UNKNOWN)
        return false;
    set_direction_proto(f->app, true, proto);
    set_direction_proto(f->app, false, proto);
    flow_detected(th, f, proto);
    applayer_parse(th, f, p, to_server, data, len, flags);
    return true;
}

void applayer_detect(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                     const uint8_t *data, uint32_t len, uint32_t flags)
{
    AppLayerFlow *app = f->app;
    if (to_server ? app->detect_done_ts : app->detect_done_tc)
        return;
    if (!(flags & APP_FLAG_DATAGRAM) && !app->pending_ts_len && !app->pending_tc_len &&
        detect_expected(th, f, p, to_server, data, len, flags))
        return;
    if (!app->pending_ts_len && !app->pending_tc_len && len)
        app->first_speaker_ts = to_server;
    if (flags & APP_FLAG_DATAGRAM) {
        detect_udp(th, f, p, to_server, data, len, flags);
        return;
    }
    uint32_t before = to_server ? app->pending_ts_len : app->pending_tc_len;
    bool complete = !(flags & APP_FLAG_GAP) && append_pending(app, to_server, data, len);
    const uint8_t *buf = to_server ? app->pending_ts : app->pending_tc;
    uint32_t buf_len = to_server ? app->pending_ts_len : app->pending_tc_len;
    AppProto found = ALPROTO_UNKNOWN;
    ProbeVerdict verdict =
        buf_len ? probe_all(f, buf, buf_len, to_server, &found) : PROBE_NEED_MORE;
    if (may_reverse(f, to_server, flags) && found_from_server(f, buf, buf_len, &verdict, &found)) {
        reverse_flow(f);
        to_server = false;
    }
    if (verdict == PROBE_FOUND) {
        set_direction_proto(app, to_server, found);
        flow_detected(th, f, found);
        check_expected(th, f, p, found);
        flush_pending(th, f, p);
        /* What did not fit the detection buffer follows what did. */
        uint32_t taken = buf_len - before;
        if (!(flags & APP_FLAG_GAP) && taken < len)
            applayer_parse(th, f, p, to_server, data + taken, len - taken, flags);
        return;
    }
    bool out_of_room = !complete || buf_len >= APPLAYER_DETECT_MAX;
    /* Suricata concludes that a direction is no protocol it knows only once its pattern
     * matcher has seen as deep as its deepest pattern reaches (measured with 7.0.10 on a port
     * no probing parser claims: 17 bytes to the server, 8 to the client). A direction that
     * ends shorter stays undetected, and so does its flow (no app_proto), not "failed". */
    if (((verdict == PROBE_FAILED || (flags & APP_FLAG_EOF)) && deep_enough(to_server, buf_len)) ||
        out_of_room || (flags & APP_FLAG_GAP)) {
        set_direction_proto(app, to_server, ALPROTO_FAILED);
        bool other_done = to_server ? app->detect_done_tc : app->detect_done_ts;
        if (other_done)
            flow_failed(th, f);
    }
}

/* An SSH banner ("SSH-" at the start of a direction, Suricata's SSH pattern). bongsu has no
 * SSH parser; the banner only tells that a direction of a flow already recognised as
 * something else speaks SSH. */
static bool ssh_banner(const uint8_t *data, uint32_t len)
{
    return len >= 4 && memcmp(data, "SSH-", 4) == 0;
}

void applayer_detect_other_side(AppLayerThread *th, Flow *f, const Packet *p, bool to_server,
                                const uint8_t *data, uint32_t len)
{
    AppLayerFlow *app = f->app;
    if (!len || (to_server ? app->detect_done_ts : app->detect_done_tc))
        return;
    AppProto found = ALPROTO_UNKNOWN;
    ProbeVerdict verdict = probe_all(f, data, len, to_server, &found);
    bool other = verdict == PROBE_FOUND ? found != app->proto : ssh_banner(data, len);
    if (verdict == PROBE_NEED_MORE && !other && len < 4)
        return; /* too short to tell yet: the next data of this side decides */
    set_direction_proto(app, to_server, verdict == PROBE_FOUND ? found : ALPROTO_FAILED);
    if (other) {
        AppLayerCtx ctx = {.thread = th, .flow = f, .packet = p,
                           .now_usec = p ? p->ts_usec : f->last_usec};
        applayer_raise_detect_event(&ctx, "APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS");
    } else if (verdict != PROBE_FOUND) {
        only_one_direction(th, f, p);
    }
}

/* A direction detection is over for: it concluded, or saw as deep as the patterns reach. */
static bool direction_concluded(const AppLayerFlow *app, bool to_server)
{
    return to_server ? app->detect_done_ts || deep_enough(true, app->pending_ts_len)
                     : app->detect_done_tc || deep_enough(false, app->pending_tc_len);
}

void applayer_detect_udp_side(Flow *f, bool to_server, const uint8_t *data, uint32_t len)
{
    AppLayerFlow *app = f->app;
    if (!len || (to_server ? app->detect_done_ts : app->detect_done_tc))
        return;
    AppProto found = ALPROTO_UNKNOWN;
    bool hit = probe_all(f, data, len, to_server, &found) == PROBE_FOUND;
    set_direction_proto(app, to_server, hit ? found : ALPROTO_FAILED);
    udp_news(app, to_server);
}

void applayer_detect_flow_end(AppLayerThread *th, Flow *f)
{
    AppLayerFlow *app = f->app;
    /* A flow whose two directions are over for detection without a protocol is "failed";
     * one with a direction that said too little (or nothing) stays undetected, as in
     * Suricata (no app_proto in its flow record). */
    if (app && app->proto == ALPROTO_UNKNOWN && direction_concluded(app, true) &&
        direction_concluded(app, false))
        flow_failed(th, f);
}
