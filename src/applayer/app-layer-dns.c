/*
 * app-layer-dns.c - the DNS application-layer parser (UDP and TCP), as Suricata 7 behaves.
 *
 * What it owns: the per-flow DnsState, which holds the transactions not yet logged and, for
 * TCP, one reassembly buffer per direction. Decoding a message is app-layer-dns-parse.c's job,
 * writing EVE is app-layer-dns-log.c's.
 *
 * Transport. Over UDP each parse call is one datagram, one message. Over TCP every message is
 * preceded by a 2-byte length (RFC 1035 4.2.2) and the stream may split or coalesce records
 * anywhere, so bytes are gathered per direction until a whole record is there (a record is at
 * most 2 + 65535 bytes, which bounds the buffer); a zero length is skipped. A gap throws the
 * partial record away; after it, to-client data is skipped until it looks like the start of a
 * record again, while to-server data is parsed at once (Suricata 7 does the same).
 *
 * Transactions. Every message is one transaction, with the next id: a query is one, its
 * response another (Suricata 7's Rust parser does not pair them, so there are no unsolicited
 * responses either). Both directions are complete at once, so the framework logs and frees
 * each transaction right after the parse call that made it; at most the messages of one call
 * are held. A query's transaction remembers its packet's time, which its EVE event carries.
 *
 * Logging control. A config rule that silences a query ("config: logging disable, type tx,
 * scope tx") silences its response too, as Suricata 7 does: the query's DNS id is remembered
 * (the last DNS_SILENCED_MAX of them) and the first response with that id is not logged.
 *
 * Failures, as Suricata: bytes too short for a DNS header and its counts are ignored over UDP
 * and end parsing of a TCP flow; a message that does not decode raises malformed_data, a
 * to-server message that is a response raises not_request (neither makes a transaction; the
 * event lands on the newest transaction not yet logged, if any), a to-client message that is
 * a query raises not_response on that same earlier transaction and is kept as a response. The
 * new transaction gets z_flag_set, invalid_opcode (opcode >= 7), name_too_long, infinite_loop
 * and too_many_labels. Events are logged with the transaction (app-layer-dns-log.c).
 */
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-dns.h"

#include "common/array.h"

typedef struct DnsTcpBuf {
    uint8_t *data;
    uint32_t len, cap;
} DnsTcpBuf;

#define DNS_SILENCED_MAX 500   /* Suricata's ConfigTracker keeps as many */

typedef struct DnsState {
    DnsTx **txs;             /* transactions with ids tx_base + [head, len) */
    uint32_t head, len;
    size_t cap;
    uint64_t tx_base;
    DnsTcpBuf tcp[2];        /* [to_server] */
    bool gap;
    uint16_t *silenced;      /* ids of silenced queries, oldest first (allocated on first use) */
    uint32_t n_silenced;
} DnsState;

static const char *const event_names[DNS_EVENT_COUNT] = {
    [DNS_EVENT_MALFORMED_DATA] = "malformed_data",
    [DNS_EVENT_NOT_REQUEST] = "not_request",
    [DNS_EVENT_NOT_RESPONSE] = "not_response",
    [DNS_EVENT_Z_FLAG_SET] = "z_flag_set",
    [DNS_EVENT_INVALID_OPCODE] = "invalid_opcode",
    [DNS_EVENT_NAME_TOO_LONG] = "name_too_long",
    [DNS_EVENT_INFINITE_LOOP] = "infinite_loop",
    [DNS_EVENT_TOO_MANY_LABELS] = "too_many_labels",
};

const char *dns_event_name(DnsEvent ev)
{
    return (unsigned)ev < DNS_EVENT_COUNT ? event_names[ev] : "unknown";
}

static void *dns_state_new(void)
{
    return calloc(1, sizeof(DnsState));
}

static void dns_tx_delete(DnsTx *tx)
{
    if (!tx)
        return;
    dns_message_free(&tx->msg);
    free(tx);
}

static void dns_state_free(void *state)
{
    DnsState *s = state;
    for (uint32_t i = s->head; i < s->len; i++)
        dns_tx_delete(s->txs[i]);
    free(s->txs);
    free(s->tcp[0].data);
    free(s->tcp[1].data);
    free(s->silenced);
    free(s);
}

/* The newest transaction not yet logged and freed: where Suricata puts late events. */
static DnsTx *newest_tx(DnsState *s)
{
    return s->len > s->head ? s->txs[s->len - 1] : NULL;
}

static void event_on_newest(DnsState *s, DnsEvent ev)
{
    DnsTx *tx = newest_tx(s);
    if (tx)
        tx->events |= (uint16_t)(1u << ev);
}

static bool push_tx(DnsState *s, DnsTx *tx)
{
    if (s->head == s->len) {  /* everything logged: start the array over */
        s->tx_base += s->len;
        s->head = s->len = 0;
    }
    DnsTx **grown = array_reserve(s->txs, sizeof(*grown), (size_t)s->len + 1, &s->cap);
    if (!grown)
        return false;
    s->txs = grown;
    tx->id = s->tx_base + s->len;
    s->txs[s->len++] = tx;
    return true;
}

static void set_message_events(DnsTx *tx)
{
    const DnsMessage *m = &tx->msg;
    uint16_t ev = 0;
    if (m->flags & 0x0040)
        ev |= 1u << DNS_EVENT_Z_FLAG_SET;
    if (((m->flags >> 11) & 0xf) >= 7)
        ev |= 1u << DNS_EVENT_INVALID_OPCODE;
    if (m->name_flags & DNS_NAME_TRUNCATED)
        ev |= 1u << DNS_EVENT_NAME_TOO_LONG;
    if (m->name_flags & DNS_NAME_INFINITE_LOOP)
        ev |= 1u << DNS_EVENT_INFINITE_LOOP;
    if (m->name_flags & DNS_NAME_LABEL_LIMIT)
        ev |= 1u << DNS_EVENT_TOO_MANY_LABELS;
    tx->events |= ev;
}

/* One message of one direction. Returns false when it did not make a transaction because it
 * is not DNS or does not decode (TCP parsing stops there). */
static bool parse_message(DnsState *s, const AppLayerCtx *ctx, bool to_server,
                          const uint8_t *msg, uint32_t len, bool tcp)
{
    DnsTx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return false;
    DnsParseResult r = dns_parse_message(msg, len, !to_server, &tx->msg);
    bool is_response = tx->msg.flags & 0x8000;
    if (r != DNS_PARSE_OK || (to_server && is_response)) {
        if (r == DNS_PARSE_MALFORMED)
            event_on_newest(s, DNS_EVENT_MALFORMED_DATA);
        else if (r == DNS_PARSE_OK)
            event_on_newest(s, DNS_EVENT_NOT_REQUEST);
        dns_tx_delete(tx);
        return r == DNS_PARSE_BAD_HEADER && !tcp;
    }
    if (!to_server && !is_response)
        event_on_newest(s, DNS_EVENT_NOT_RESPONSE);
    tx->is_request = to_server;
    tx->ts_usec = ctx->now_usec;
    set_message_events(tx);
    if (!push_tx(s, tx)) {
        dns_tx_delete(tx);
        return false;
    }
    return true;
}

static bool tcp_buf_reserve(DnsTcpBuf *b, uint32_t need)
{
    if (need <= b->cap)
        return true;
    uint8_t *grown = realloc(b->data, need);
    if (!grown)
        return false;
    b->data = grown;
    b->cap = need;
    return true;
}

/* After a gap: does this look like the start of a length-prefixed DNS record? */
static bool tcp_resyncs(const uint8_t *data, uint32_t len)
{
    if (len < 2)
        return true;
    uint32_t dlen = (uint32_t)data[0] << 8 | data[1];
    bool is_request;
    if (dlen < DNS_HEADER_LEN && len - 2 >= dlen)
        return true;  /* Suricata's probe calls this "incomplete" and resumes */
    return dns_probe_message(data + 2, len - 2, dlen, &is_request);
}

/* Bytes needed before the buffered record is whole: the prefix, then the prefix + body. */
static uint32_t tcp_record_need(const DnsTcpBuf *b)
{
    if (b->len < 2)
        return 2;
    return 2u + ((uint32_t)b->data[0] << 8 | b->data[1]);
}

static int parse_tcp(DnsState *s, const AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                     uint32_t len)
{
    DnsTcpBuf *b = &s->tcp[to_server];
    if (s->gap && len) {
        if (tcp_resyncs(data, len))
            s->gap = false;
        else if (!to_server)
            return 0;
    }
    while (len) {
        uint32_t need = tcp_record_need(b);
        if (!tcp_buf_reserve(b, need))
            return -1;
        uint32_t take = need - b->len < len ? need - b->len : len;
        memcpy(b->data + b->len, data, take);
        b->len += take;
        data += take;
        len -= take;
        if (b->len < need)
            continue;  /* all bytes taken: wait for more */
        if (need == 2 && tcp_record_need(b) > 2)
            continue;  /* the prefix is whole: now the body */
        bool ok = need == 2 || parse_message(s, ctx, to_server, b->data + 2, need - 2, true);
        b->len = 0;
        if (!ok)
            return -1;
    }
    return 0;
}

static int dns_parse(void *state, AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                     uint32_t len, uint32_t flags)
{
    DnsState *s = state;
    if (flags & APP_FLAG_DATAGRAM) {
        parse_message(s, ctx, to_server, data, len, false);
        return 0;
    }
    if (flags & APP_FLAG_GAP) {
        s->gap = true;
        s->tcp[to_server].len = 0;
        return 0;
    }
    if (!data || !len)
        return 0;
    return parse_tcp(s, ctx, to_server, data, len);
}

static uint64_t dns_tx_count(void *state)
{
    const DnsState *s = state;
    return s->tx_base + s->len;
}

static void *dns_tx_get(void *state, uint64_t tx_id)
{
    DnsState *s = state;
    if (tx_id < s->tx_base + s->head || tx_id >= s->tx_base + s->len)
        return NULL;
    return s->txs[tx_id - s->tx_base];
}

/* A message is a whole transaction: done in both directions as soon as it exists. */
static bool dns_tx_done(void *tx, bool to_server)
{
    (void)tx;
    (void)to_server;
    return true;
}

static int dns_tx_direction(void *tx)
{
    return ((const DnsTx *)tx)->is_request ? 1 : 2;
}

static void dns_tx_free(void *state, uint64_t tx_id)
{
    DnsState *s = state;
    DnsTx *tx = dns_tx_get(state, tx_id);
    if (!tx)
        return;
    dns_tx_delete(tx);
    s->txs[tx_id - s->tx_base] = NULL;
    while (s->head < s->len && !s->txs[s->head])
        s->head++;
}

static void dns_tx_logging_disabled(void *state, void *txp)
{
    DnsState *s = state;
    const DnsTx *tx = txp;
    if (!tx->is_request)
        return;
    if (!s->silenced && !(s->silenced = malloc(DNS_SILENCED_MAX * sizeof(*s->silenced))))
        return;
    if (s->n_silenced == DNS_SILENCED_MAX) {
        memmove(s->silenced, s->silenced + 1, (DNS_SILENCED_MAX - 1) * sizeof(*s->silenced));
        s->n_silenced--;
    }
    s->silenced[s->n_silenced++] = tx->msg.id;
}

/* A response to a silenced query: true once (the id is forgotten). */
static bool response_silenced(DnsState *s, const DnsTx *tx)
{
    if (tx->is_request)
        return false;
    for (uint32_t i = 0; i < s->n_silenced; i++) {
        if (s->silenced[i] != tx->msg.id)
            continue;
        memmove(s->silenced + i, s->silenced + i + 1,
                (s->n_silenced - i - 1) * sizeof(*s->silenced));
        s->n_silenced--;
        return true;
    }
    return false;
}

static void dns_log(AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id)
{
    (void)tx_id;
    if (!response_silenced(state, tx))
        dns_log_tx(ctx, tx);
}

static bool dns_tx_has_event(void *txp, const char *name)
{
    const DnsTx *tx = txp;
    for (int ev = 0; ev < DNS_EVENT_COUNT; ev++)
        if ((tx->events & (1u << ev)) && strcmp(event_names[ev], name) == 0)
            return true;
    return false;
}

static json_t *dns_tx_alert_json(void *state, void *tx)
{
    (void)state;
    return dns_alert_json(tx);
}

static AppProto probe_verdict(const uint8_t *msg, uint32_t len, uint32_t dlen)
{
    bool is_request;
    return dns_probe_message(msg, len, dlen, &is_request) ? ALPROTO_DNS : ALPROTO_FAILED;
}

/* UDP: the datagram is the message. */
static AppProto dns_probe_udp(const uint8_t *data, uint32_t len, bool to_server)
{
    (void)to_server;
    if (len < DNS_HEADER_LEN)
        return ALPROTO_UNKNOWN;
    return probe_verdict(data, len, len);
}

/* TCP: the length prefix gives the message's size; a header is enough to decide. */
static AppProto dns_probe_tcp(const uint8_t *data, uint32_t len, bool to_server)
{
    (void)to_server;
    if (len < DNS_HEADER_LEN + 2)
        return ALPROTO_UNKNOWN;
    return probe_verdict(data + 2, len - 2, (uint32_t)data[0] << 8 | data[1]);
}

/* A response (QR set) comes from the server; over TCP after the 2-byte record length. */
static bool dns_sent_by_server(const uint8_t *data, uint32_t len, bool tcp)
{
    uint32_t skip = tcp ? 2 : 0;
    return len >= skip + DNS_HEADER_LEN && (data[skip + 2] & 0x80);
}

/* "dns.query": the first question's name of a query (Suricata's dns_query buffer). */
static bool get_query_name(void *state, void *txp, bool to_server, const uint8_t **data,
                           uint32_t *len)
{
    (void)state;
    (void)to_server;
    const DnsTx *tx = txp;
    if (!tx->is_request || !tx->msg.query_count || !tx->msg.queries[0].name.bytes.len)
        return false;
    *data = dns_bytes(&tx->msg, tx->msg.queries[0].name.bytes);
    *len = tx->msg.queries[0].name.bytes.len;
    return true;
}

static void dns_configure(const struct ConfNode *conf)
{
    dns_log_configure(conf);
    applayer_buffer_register("dns.query", ALPROTO_DNS, true, false, get_query_name);
}

const AppLayerParser app_layer_dns_parser = {
    .proto = ALPROTO_DNS,
    .name = "dns",
    .on_tcp = true,
    .on_udp = true,
    .default_ports = "53",
    .probe = dns_probe_udp,
    .state_new = dns_state_new,
    .state_free = dns_state_free,
    .parse = dns_parse,
    .tx_count = dns_tx_count,
    .tx_get = dns_tx_get,
    .tx_done = dns_tx_done,
    .tx_free = dns_tx_free,
    .log_tx = dns_log,
    .tx_logging_disabled = dns_tx_logging_disabled,
    .tx_alert_json = dns_tx_alert_json,
    .configure = dns_configure,
    .probe_tcp = dns_probe_tcp,
    .sent_by_server = dns_sent_by_server,
    .tx_has_event = dns_tx_has_event,
    .tx_direction = dns_tx_direction,
};
