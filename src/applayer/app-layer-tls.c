/*
 * app-layer-tls.c - the TLS/SSL parser: record layer, per-flow state, framework glue.
 *
 * The stream engine hands in-order bytes of each direction in whatever pieces TCP made; here
 * they are cut into records. A TLS record (5-byte header: type, version, length) is buffered
 * until complete, at most TLS_RECORD_MAX_LEN bytes, and then interpreted; encrypted
 * application data is never buffered, only counted past. A record that starts with one of the
 * two top bits set is an SSLv2 record (2- or 3-byte header), which is how SSLv2 and
 * SSLv2-compatible ClientHellos arrive. Handshake record bodies go to
 * app-layer-tls-handshake.c.
 *
 * The checks and their outcomes are Suricata 7's (app-layer-ssl.c), because the EVE output
 * and the parser error counts must agree with it: an unknown record type is skipped over for
 * a TLS 1.0/1.1 peer and fatal otherwise, a zero-length or over-long record and a record
 * version Suricata does not know are fatal, a record version is believed until the hello has
 * given that side's version. After ChangeCipherSpec handshake records are encrypted and
 * skipped, except for the second ClientHello TLS 1.3 middlebox compatibility allows. Fatal
 * means the parser returns -1: the framework stops feeding this flow and counts
 * app_layer.error.tls.parser, and the transaction is still logged at flow end. A gap in the
 * stream stops the parser as well (counted in app_layer.error.tls.gap), as Suricata's TLS
 * parser does not accept gaps. With encryption-handling: bypass, parsing stops at the first
 * encrypted application data, where Suricata stops reassembling the flow.
 *
 * The flow's single transaction is the handshake (see app-layer-tls-internal.h). It is done
 * when encrypted application data shows up (unless it is 0-RTT early data before the
 * ServerHello), when the certificate that matters has been parsed (the server's, or the
 * client's when the server asked for one), or when both directions have ended. Logging it
 * does not free anything: alerts raised later on the flow still carry its "tls" object.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applayer/app-layer-tls-internal.h"
#include "config/config.h"

enum {
    REC_CHANGE_CIPHER_SPEC = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPLICATION = 23,
    REC_HEARTBEAT = 24,
};

TlsSettings tls_settings;

/* Outcome of reading part of a record: bytes used, or one of these. */
#define REC_FATAL (-1)
#define REC_DROP_REST (-2)   /* Suricata discards the rest of this chunk */

/* Suricata's TLS app-layer events (the ones this parser raises), for app-layer-event rules. */
static const char *const event_names[] = {
    "INVALID_SSLV2_HEADER", "INVALID_RECORD_VERSION", "INVALID_RECORD_TYPE",
    "INVALID_RECORD_LENGTH", "INVALID_HANDSHAKE_MESSAGE", "INVALID_HEARTBEAT_MESSAGE",
    "OVERFLOW_HEARTBEAT_MESSAGE", "DATALEAK_HEARTBEAT_MISMATCH", "HANDSHAKE_INVALID_LENGTH",
    "MULTIPLE_SNI_EXTENSIONS", "INVALID_SNI_TYPE", "INVALID_SNI_LENGTH", "INVALID_CERTIFICATE",
    "CERTIFICATE_INVALID_LENGTH", "CERTIFICATE_INVALID_SERIAL", "CERTIFICATE_INVALID_X509NAME",
    "CERTIFICATE_INVALID_DATE", "ERROR_MESSAGE_ENCOUNTERED", "INVALID_SSL_RECORD",
};

/* Records the event on the transaction and logs it as an anomaly. */
void tls_event(TlsState *s, const char *name)
{
    for (size_t i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
        if (strcmp(event_names[i], name) == 0)
            s->events |= 1u << i;
    if (s->ctx)
        applayer_raise_event(s->ctx, name, 0);
}

/* app-layer-event:tls.<name>, the name in lower case. */
static bool tls_tx_has_event(void *tx, const char *name)
{
    const TlsState *s = tx;
    for (size_t i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
        if ((s->events & (1u << i)) && strcasecmp(event_names[i], name) == 0)
            return true;
    return false;
}

static TlsSide *side_of(TlsState *s, bool to_server)
{
    return to_server ? &s->client : &s->server;
}

static void record_reset(TlsSide *d)
{
    d->hdr_have = 0;
    d->in_body = false;
    d->body_have = 0;
    free(d->rec);
    d->rec = NULL;
}

/* ---- SSLv3/TLS records -------------------------------------------------------------------- */

static bool known_record_type(uint8_t t)
{
    return t >= REC_CHANGE_CIPHER_SPEC && t <= REC_HEARTBEAT;
}

/* The record version is believed until that side's hello gave its version. */
static bool hello_version_known(const TlsState *s, bool to_server)
{
    if (to_server)
        return (s->flags & TLS_FLAG_CLIENT_HELLO) && s->client.version != TLS_VERSION_UNKNOWN;
    return (s->flags & TLS_FLAG_SERVER_HELLO) && s->server.version != TLS_VERSION_UNKNOWN;
}

static int tls_header(TlsState *s, bool to_server, TlsSide *d)
{
    uint16_t prev_version = d->version;
    d->content_type = d->hdr[0];
    if (!hello_version_known(s, to_server))
        d->version = (uint16_t)(d->hdr[1] << 8 | d->hdr[2]);
    d->record_len = (uint32_t)d->hdr[3] << 8 | d->hdr[4];
    if (!known_record_type(d->content_type)) {
        tls_event(s, "INVALID_RECORD_TYPE");
        if (prev_version == 0x0301 || prev_version == 0x0302) {
            d->version = prev_version;
            record_reset(d);
            return REC_DROP_REST;
        }
        return REC_FATAL;
    }
    if (d->record_len == 0) {
        tls_event(s, "INVALID_RECORD_LENGTH");
        return REC_FATAL;
    }
    if (!tls_version_valid(d->version)) {
        tls_event(s, "INVALID_RECORD_VERSION");
        return REC_FATAL;
    }
    if (d->record_len > TLS_RECORD_MAX_LEN) {
        tls_event(s, "INVALID_RECORD_LENGTH");
        return REC_FATAL;
    }
    d->in_body = true;
    d->body_have = 0;
    d->body_streamed = d->content_type == REC_APPLICATION;
    return 0;
}

/* RFC 6520 heartbeats, with Suricata's Heartbleed checks. */
static int tls_heartbeat(TlsState *s, bool to_server, const uint8_t *data, uint32_t len,
                         uint32_t record_len)
{
    if (len < 3)
        return 0;
    uint8_t type = data[0];
    bool encrypted = s->flags & TLS_FLAG_CCS;
    if (!encrypted && type != 1 && type != 2) {
        tls_event(s, "INVALID_HEARTBEAT_MESSAGE");
        return REC_FATAL;
    }
    if (!s->hb_inflight) {
        s->hb_inflight = true;
        s->hb_from_server = !to_server;
        if (encrypted) {
            s->hb_record_len = record_len;
            return 0;
        }
        uint32_t payload = (uint32_t)data[1] << 8 | data[2];
        if (payload + 3 > record_len) {
            tls_event(s, "OVERFLOW_HEARTBEAT_MESSAGE");
            return REC_FATAL;
        }
        if (record_len - payload - 3 < 16) {
            tls_event(s, "INVALID_HEARTBEAT_MESSAGE");
            return REC_FATAL;
        }
        return 0;
    }
    if (s->hb_from_server == !to_server) {
        tls_event(s, "INVALID_HEARTBEAT_MESSAGE");
        return REC_FATAL;
    }
    s->hb_inflight = false;
    if (encrypted && s->hb_record_len > 0 && s->hb_record_len < record_len) {
        tls_event(s, "DATALEAK_HEARTBEAT_MISMATCH");
        s->hb_record_len = 0;
        return REC_FATAL;
    }
    s->hb_record_len = 0;
    return 0;
}

static int tls_handshake(TlsState *s, bool to_server, const uint8_t *data, uint32_t len)
{
    if (s->flags & TLS_FLAG_CCS) {
        /* TLS 1.3 middlebox compatibility: a CCS may precede the second ClientHello. */
        bool compat = (s->flags & TLS_FLAG_CLIENT_HELLO) && s->client.version > TLS_VERSION_12 &&
                      !(s->flags & TLS_FLAG_SERVER_HELLO);
        if (!compat)
            return 0;
    }
    if (len < 4) {
        tls_event(s, "INVALID_SSL_RECORD");
        return REC_FATAL;
    }
    if (tls_handshake_record(s, to_server, data, len) < 0) {
        tls_event(s, "INVALID_HANDSHAKE_MESSAGE");
        return REC_FATAL;
    }
    return 0;
}

static int tls_record(TlsState *s, bool to_server, TlsSide *d)
{
    switch (d->content_type) {
    case REC_CHANGE_CIPHER_SPEC:
        s->flags |= TLS_FLAG_CCS | (to_server ? TLS_FLAG_CLIENT_CCS : TLS_FLAG_SERVER_CCS);
        return 0;
    case REC_HANDSHAKE:
        return tls_handshake(s, to_server, d->rec, d->record_len);
    case REC_HEARTBEAT:
        return tls_heartbeat(s, to_server, d->rec, d->record_len, d->record_len);
    default:
        return 0;
    }
}

static void application_data(TlsState *s)
{
    /* 0-RTT data may come before the ServerHello: the handshake is not over yet. */
    if ((s->flags & TLS_FLAG_EARLY_DATA) && !(s->flags & TLS_FLAG_SERVER_HELLO))
        return;
    s->flags |= TLS_FLAG_HANDSHAKE_DONE;
    /* Suricata stops inspecting the flow's payload here (unless full), and with bypass
     * stops reassembling it and logs from a flush pseudo packet. */
    bool bypass = tls_settings.encryption == TLS_ENC_BYPASS;
    if (tls_settings.encryption != TLS_ENC_FULL && s->ctx)
        applayer_stop_inspection(s->ctx, bypass);
    if (bypass)
        s->bypassed = true;
}

/* ---- SSLv2 records ------------------------------------------------------------------------ */

static int sslv2_header(TlsState *s, TlsSide *d)
{
    bool two = d->hdr[0] & 0x80;
    d->record_len = (uint32_t)(d->hdr[0] & (two ? 0x7f : 0x3f)) << 8 | d->hdr[1];
    d->content_type = two ? d->hdr[2] : d->hdr[3];
    d->version = SSL_VERSION_2;
    if (d->record_len == 0) {
        tls_event(s, "INVALID_SSLV2_HEADER");
        return REC_FATAL;
    }
    /* the message type byte, read with the header, counts in the record length */
    d->record_len -= 1;
    d->in_body = true;
    d->body_have = 0;
    d->body_streamed = false;
    return 0;
}

static int sslv2_record(TlsState *s, TlsSide *d)
{
    const uint8_t *body = d->rec;
    switch (d->content_type) {
    case 0:
        tls_event(s, "ERROR_MESSAGE_ENCOUNTERED");
        break;
    case 1:  /* CLIENT-HELLO: version, cipher spec length, session id length, ... */
        if (d->record_len < 6) {
            tls_event(s, "INVALID_SSL_RECORD");
            return REC_FATAL;
        }
        s->current = TLS_FLAG_CLIENT_HELLO | TLS_FLAG_SSL_CLIENT_HS;
        d->version = (uint16_t)(body[0] << 8 | body[1]);
        break;
    case 4:  /* SERVER-HELLO */
        s->current = TLS_FLAG_SERVER_HELLO | TLS_FLAG_SSL_SERVER_HS;
        break;
    default:
        break;
    }
    s->flags |= s->current;
    return 0;
}

/* ---- the record reader -------------------------------------------------------------------- */

static int read_header(TlsState *s, bool to_server, TlsSide *d, const uint8_t *data,
                       uint32_t len)
{
    if (d->hdr_have == 0) {
        d->sslv2 = data[0] & 0xc0;
        if (d->sslv2)
            d->version = SSL_VERSION_2;
        else if (d->version == SSL_VERSION_2)
            d->version = TLS_VERSION_UNKNOWN;
        d->hdr_need = !d->sslv2 ? TLS_RECORD_HDR_LEN : (data[0] & 0x80) ? 3 : 4;
    }
    uint32_t take = d->hdr_need - d->hdr_have;
    if (take > len)
        take = len;
    memcpy(d->hdr + d->hdr_have, data, take);
    d->hdr_have += take;
    if (d->hdr_have < d->hdr_need)
        return (int)take;
    int rc = d->sslv2 ? sslv2_header(s, d) : tls_header(s, to_server, d);
    return rc < 0 ? rc : (int)take;
}

static int read_body(TlsState *s, bool to_server, TlsSide *d, const uint8_t *data, uint32_t len)
{
    uint32_t take = d->record_len - d->body_have;
    if (take > len)
        take = len;
    if (d->body_streamed) {
        if (take)
            application_data(s);
    } else {
        if (!d->rec && !(d->rec = malloc(d->record_len ? d->record_len : 1)))
            return REC_FATAL;
        memcpy(d->rec + d->body_have, data, take);
    }
    d->body_have += take;
    if (d->body_have == d->record_len) {
        int rc = d->body_streamed ? 0 : d->sslv2 ? sslv2_record(s, d) : tls_record(s, to_server, d);
        record_reset(d);
        if (rc < 0)
            return rc;
    }
    return (int)take;
}

static int parse_direction(TlsState *s, bool to_server, const uint8_t *data, uint32_t len)
{
    TlsSide *d = side_of(s, to_server);
    if (!d->in_body && d->hdr_have == 0)
        s->current = 0;
    while (len && !s->bypassed) {
        int used = d->in_body ? read_body(s, to_server, d, data, len)
                              : read_header(s, to_server, d, data, len);
        if (used == REC_DROP_REST)
            return 0;
        if (used < 0)
            return -1;
        data += used;
        len -= (uint32_t)used;
    }
    return 0;
}

/* Suricata's end-of-parse check: the certificate that ends the visible handshake is in. */
static void check_certificate_done(TlsState *s)
{
    const TlsSide *who = (s->flags & TLS_FLAG_NEED_CLIENT_CERT) ? &s->client : &s->server;
    if (who->has_cert)
        s->flags |= TLS_FLAG_HANDSHAKE_DONE;
}

static void count_error(AppLayerCtx *ctx, const char *name)
{
    CounterId id = counters_find(name);
    if (ctx && ctx->thread && ctx->thread->counters && id >= 0)
        counter_incr(ctx->thread->counters, id);
}

static int tls_parse(void *state, AppLayerCtx *ctx, bool to_server, const uint8_t *data,
                     uint32_t len, uint32_t flags)
{
    TlsState *s = state;
    int rc = 0;
    s->ctx = ctx;
    if ((flags & APP_FLAG_GAP) && !s->gap) {
        s->gap = true;
        count_error(ctx, "app_layer.error.tls.gap");
    }
    if (!s->gap && data && len)
        rc = parse_direction(s, to_server, data, len);
    if (rc == 0)
        check_certificate_done(s);
    if (flags & APP_FLAG_EOF) {
        if (to_server)
            s->eof_ts = true;
        else
            s->eof_tc = true;
        /* an empty end-of-stream call ends the session for Suricata */
        if (!len || (s->eof_ts && s->eof_tc))
            s->flags |= TLS_FLAG_FINISHED;
    }
    s->ctx = NULL;
    return rc;
}

/* ---- state and transaction ---------------------------------------------------------------- */

static void *tls_state_new(void)
{
    return calloc(1, sizeof(TlsState));
}

static void side_free(TlsSide *d)
{
    free(d->rec);
    tls_handshake_free(d);
    free(d->sni);
    tls_cert_info_free(&d->cert);
    tls_chain_free(d->chain);
    free(d->session_id);
    tls_ja3_free(&d->ja3);
    tls_ja4_free(d->ja4);
}

static void tls_state_free(void *state)
{
    TlsState *s = state;
    side_free(&s->client);
    side_free(&s->server);
    free(s);
}

static uint64_t tls_tx_count(void *state)
{
    (void)state;
    return 1;
}

/* The handshake transaction is the state itself, and stays readable after logging. */
static void *tls_tx_get(void *state, uint64_t tx_id)
{
    return tx_id == 0 ? state : NULL;
}

static bool tls_tx_done(void *tx, bool to_server)
{
    (void)to_server;
    const TlsState *s = tx;
    return s->flags & (TLS_FLAG_HANDSHAKE_DONE | TLS_FLAG_FINISHED);
}

/* The progress detection sees (AppLayerParser.tx_progress), per side, as Suricata 7 reports
 * it: its ClientHello buffers (tls.sni, ja3.*, ja4.hash, the client's random) are registered
 * to the server at progress 0, so a rule on them is inspected at the first packet to the
 * server after the ClientHello was parsed, long before the handshake completes; the
 * ServerHello's (ja3s.*, the server's random) to the client at 0 likewise. A side is at 1
 * once its hello was parsed (the buffers registered at 0 are final then: a hello is parsed
 * once). Certificate buffers keep the side's completion (Suricata inspects the server's at
 * TLS_HANDSHAKE_DONE, the client's possibly later). */
static int tls_tx_progress(void *state, void *tx, bool to_server)
{
    (void)state;
    const TlsState *s = tx;
    if (tls_tx_done(tx, to_server))
        return APPLAYER_PROGRESS_DONE;
    return (s->flags & (to_server ? TLS_FLAG_CLIENT_HELLO : TLS_FLAG_SERVER_HELLO)) ? 1 : 0;
}

/* Nothing to free: the transaction is the state, which lives until the flow ends, because
 * alerts raised after the handshake was logged still carry its "tls" object and detection
 * can still read its buffers (Suricata keeps its TLS transaction the same way). */
static void tls_tx_free(void *state, uint64_t tx_id)
{
    (void)state;
    (void)tx_id;
}

/* ---- detection and configuration ---------------------------------------------------------- */

/* Content detection: a handshake (or alert/application data answer) record header. */
static AppProto tls_probe(const uint8_t *d, uint32_t len, bool to_server)
{
    if (len < 3)
        return ALPROTO_UNKNOWN;
    bool v3 = d[1] == 0x03 && d[2] <= 0x03;
    if (to_server) {
        if ((d[0] == 0x16 || d[0] == 0x01) && v3)
            return ALPROTO_TLS;
        /* SSLv2 CLIENT-HELLO with a 2-byte header (SSLv2 or SSLv2-compatible TLS). */
        if ((d[0] & 0x80) && d[2] == 0x01) {
            if (len < 5)
                return ALPROTO_UNKNOWN;
            if ((d[3] == 0x00 && d[4] == 0x02) || (d[3] == 0x03 && d[4] <= 0x03))
                return ALPROTO_TLS;
        }
        return ALPROTO_FAILED;
    }
    return d[0] >= 0x15 && d[0] <= 0x17 && v3 ? ALPROTO_TLS : ALPROTO_FAILED;
}

/* ja3-fingerprints / ja4-fingerprints: yes -> 1, no -> -1 (rules cannot override), auto or
 * absent -> 0 (off until a rule asks). */
static int fingerprint_setting(const ConfNode *conf, const char *key)
{
    const char *v = conf ? conf_get(conf, key) : NULL;
    bool on;
    if (!v || strcmp(v, "auto") == 0 || conf_parse_bool(v, &on) != 0)
        return 0;
    return on ? 1 : -1;
}

/* encryption-handling (default, bypass, full), or the older no-reassemble switches, which
 * choose between default and bypass. */
static int encryption_setting(const ConfNode *conf)
{
    const char *mode = conf ? conf_get(conf, "app-layer.protocols.tls.encryption-handling") : NULL;
    bool bypass;
    if (mode) {
        if (strcmp(mode, "full") == 0)
            return TLS_ENC_FULL;
        bypass = strcmp(mode, "bypass") == 0;
    } else if (conf && conf_get(conf, "app-layer.protocols.tls.no-reassemble")) {
        bypass = conf_get_bool(conf, "app-layer.protocols.tls.no-reassemble", false);
    } else {
        bypass = conf && conf_get_bool(conf, "tls.no-reassemble", false);
    }
    return bypass ? TLS_ENC_BYPASS : TLS_ENC_DEFAULT;
}

static void tls_configure(const ConfNode *conf)
{
    tls_settings.ja3 = fingerprint_setting(conf, "app-layer.protocols.tls.ja3-fingerprints");
    tls_settings.ja4 = fingerprint_setting(conf, "app-layer.protocols.tls.ja4-fingerprints");
    tls_settings.encryption = encryption_setting(conf);
    counters_register("app_layer.error.tls.gap");
    counters_register("app_layer.error.tls.alloc");
    tls_register_buffers();
    tls_log_configure(conf);
}

void tls_enable_ja3(void)
{
    if (tls_settings.ja3 == 0)
        tls_settings.ja3 = 1;
}

void tls_enable_ja4(void)
{
    if (tls_settings.ja4 == 0)
        tls_settings.ja4 = 1;
}

bool tls_ja3_enabled(void)
{
    return tls_settings.ja3 == 1;
}

bool tls_ja4_enabled(void)
{
    return tls_settings.ja4 == 1;
}

const AppLayerParser app_layer_tls_parser = {
    .proto = ALPROTO_TLS,
    .name = "tls",
    .on_tcp = true,
    .on_udp = false,
    .default_ports = "",
    .probe = tls_probe,
    .state_new = tls_state_new,
    .state_free = tls_state_free,
    .parse = tls_parse,
    .tx_count = tls_tx_count,
    .tx_get = tls_tx_get,
    .tx_done = tls_tx_done,
    .tx_free = tls_tx_free,
    .tx_progress = tls_tx_progress,
    .inspect_by_direction = true,
    .inspect_pending_once = true,
    .log_tx = tls_log_tx,
    .tx_alert_json = tls_alert_json,
    .configure = tls_configure,
    .tx_uncounted = true,
    .tx_has_event = tls_tx_has_event,
};
