/*
 * app-layer-tls-log.c - EVE "tls" events and the "tls" object of alerts, as Suricata 7.
 *
 * One event per flow, when the handshake transaction is logged (see app-layer-tls.c). As in
 * Suricata's output-json-tls.c it is written only if the server certificate was seen, or the
 * session is TLS 1.3 (nothing to see), or it was resumed (and session-resumption logging is
 * on, the default). The eve-log "tls" type picks the fields:
 *   - basic (no options): subject, issuerdn, session_resumed;
 *   - extended: yes: basic + serial, fingerprint, sni, version, notbefore, notafter, ja3, ja3s
 *     (when computed), the client certificate's fields under "client";
 *   - custom: [...]: exactly the listed fields, in Suricata's order, including certificate
 *     and chain (base64 DER) for the server or client side; it wins over extended;
 *   - ja4: yes adds the JA4 fingerprint (7.0.x logs it only when asked).
 * The event carries no tx_id (Suricata's has none), and "from_proto" when the flow became TLS
 * after another protocol (STARTTLS, HTTP CONNECT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applayer/app-layer-tls-internal.h"
#include "config/config.h"

enum {
    F_VERSION = 1 << 0, F_SUBJECT = 1 << 1, F_ISSUER = 1 << 2, F_SERIAL = 1 << 3,
    F_FINGERPRINT = 1 << 4, F_NOTBEFORE = 1 << 5, F_NOTAFTER = 1 << 6, F_SNI = 1 << 7,
    F_CERTIFICATE = 1 << 8, F_CHAIN = 1 << 9, F_SESSION_RESUMED = 1 << 10, F_JA3 = 1 << 11,
    F_JA3S = 1 << 12, F_CLIENT = 1 << 13, F_CLIENT_CERT = 1 << 14, F_CLIENT_CHAIN = 1 << 15,
    F_JA4 = 1 << 16,
};

static const struct {
    const char *name;
    uint32_t flag;
} field_names[] = {
    {"version", F_VERSION}, {"subject", F_SUBJECT}, {"issuer", F_ISSUER},
    {"serial", F_SERIAL}, {"fingerprint", F_FINGERPRINT}, {"not_before", F_NOTBEFORE},
    {"not_after", F_NOTAFTER}, {"sni", F_SNI}, {"certificate", F_CERTIFICATE},
    {"chain", F_CHAIN}, {"session_resumed", F_SESSION_RESUMED}, {"ja3", F_JA3},
    {"ja3s", F_JA3S}, {"client", F_CLIENT}, {"client_certificate", F_CLIENT_CERT},
    {"client_chain", F_CLIENT_CHAIN}, {"ja4", F_JA4},
};

typedef enum { LOG_BASIC, LOG_EXTENDED, LOG_CUSTOM } LogMode;

static struct {
    LogMode mode;
    uint32_t fields;
    bool session_resumption;
} log_cfg = {LOG_EXTENDED, 0, true};

/* ---- formatting --------------------------------------------------------------------------- */

void tls_version_string(uint16_t v, char out[20])
{
    static const struct {
        uint16_t v;
        const char *name;
    } names[] = {
        {0x0000, "UNDETERMINED"}, {0x0200, "SSLv2"}, {0x0300, "SSLv3"}, {0x0301, "TLSv1"},
        {0x0302, "TLS 1.1"}, {0x0303, "TLS 1.2"}, {0x0304, "TLS 1.3"},
        {0x7f01, "TLS 1.3 draft-<16"}, {0xfb14, "TLS 1.3 draft-20-fb"},
        {0xfb15, "TLS 1.3 draft-21-fb"}, {0xfb16, "TLS 1.3 draft-22-fb"},
        {0xfb17, "TLS 1.3 draft-23-fb"}, {0xfb1a, "TLS 1.3 draft-26-fb"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].v == v) {
            snprintf(out, 20, "%s", names[i].name);
            return;
        }
    }
    if (v >= 0x7f10 && v <= 0x7f1c)
        snprintf(out, 20, "TLS 1.3 draft-%u", v & 0xff);
    else
        snprintf(out, 20, "0x%04x", v);
}

/* Civil date of a day count from 1970-01-01 (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

bool tls_format_time(int64_t t, char out[32])
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < -9999 || y > 9999)
        return false;
    snprintf(out, 32, "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return true;
}

static void set_str(json_t *obj, const char *key, const char *value)
{
    json_t *v = value ? json_string(value) : NULL;
    if (v)
        json_object_set_new(obj, key, v);
}

static void set_time(json_t *obj, const char *key, int64_t t)
{
    char buf[32];
    if (t != 0 && tls_format_time(t, buf))
        set_str(obj, key, buf);
}

static json_t *base64(const uint8_t *data, uint32_t len)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t out_len = 4 * (((size_t)len + 2) / 3);
    char *out = malloc(out_len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (uint32_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        out[o++] = tbl[v >> 18 & 63];
        out[o++] = tbl[v >> 12 & 63];
        out[o++] = i + 1 < len ? tbl[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
    json_t *s = json_string(out);
    free(out);
    return s;
}

/* ---- the fields --------------------------------------------------------------------------- */

static void log_session_resumed(json_t *o, const TlsState *s)
{
    /* only a resumption without certificate, before TLS 1.3 */
    if ((s->flags & TLS_FLAG_SESSION_RESUMED) && !s->server.cert.subject &&
        !s->server.cert.issuer && (s->flags & TLS_FLAG_SERVER_HELLO) &&
        !(s->flags & TLS_FLAG_LOG_WITHOUT_CERT))
        json_object_set_new(o, "session_resumed", json_true());
}

static void log_version(json_t *o, const TlsState *s)
{
    char v[20];
    tls_version_string(s->server.version, v);
    set_str(o, "version", v);
}

static void log_ja3(json_t *o, const char *key, const TlsSide *d)
{
    bool str = d->ja3.data && !d->ja3.failed;
    if (!d->ja3_hash[0] && !str)
        return;
    json_t *j = json_object();
    if (d->ja3_hash[0])
        set_str(j, "hash", d->ja3_hash);
    if (str)
        set_str(j, "string", d->ja3.data);
    json_object_set_new(o, key, j);
}

static void log_ja4(json_t *o, const TlsState *s)
{
    char text[37];
    if (!s->client.ja4)
        return;
    tls_ja4_string(s->client.ja4, text);
    set_str(o, "ja4", text);
}

static void log_certificate(json_t *o, const TlsSide *d)
{
    if (d->chain && d->chain->count) {
        json_t *v = base64(d->chain->buf + d->chain->off[0], d->chain->len[0]);
        if (v)
            json_object_set_new(o, "certificate", v);
    }
}

static void log_chain(json_t *o, const TlsSide *d)
{
    if (!d->chain || !d->chain->count)
        return;
    json_t *a = json_array();
    for (uint32_t i = 0; i < d->chain->count; i++) {
        json_t *v = base64(d->chain->buf + d->chain->off[i], d->chain->len[i]);
        if (v)
            json_array_append_new(a, v);
    }
    json_object_set_new(o, "chain", a);
}

static void log_client(json_t *o, const TlsState *s, bool cert, bool chain)
{
    const TlsSide *c = &s->client;
    if (!c->cert.subject && !c->cert.issuer)
        return;
    json_t *j = json_object();
    set_str(j, "subject", c->cert.subject);
    set_str(j, "issuerdn", c->cert.issuer);
    if (c->has_cert)
        set_str(j, "fingerprint", c->cert.fingerprint);
    set_str(j, "serial", c->cert.serial);
    set_time(j, "notbefore", c->cert.not_before);
    set_time(j, "notafter", c->cert.not_after);
    if (cert)
        log_certificate(j, c);
    if (chain)
        log_chain(j, c);
    json_object_set_new(o, "client", j);
}

static void log_fields(json_t *o, const TlsState *s, uint32_t f)
{
    const TlsCertInfo *cert = &s->server.cert;
    if (f & F_SUBJECT)
        set_str(o, "subject", cert->subject);
    if (f & F_ISSUER)
        set_str(o, "issuerdn", cert->issuer);
    if (f & F_SESSION_RESUMED)
        log_session_resumed(o, s);
    if (f & F_SERIAL)
        set_str(o, "serial", cert->serial);
    if ((f & F_FINGERPRINT) && s->server.has_cert)
        set_str(o, "fingerprint", cert->fingerprint);
    if (f & F_SNI)
        set_str(o, "sni", s->client.sni);
    if (f & F_VERSION)
        log_version(o, s);
    if (f & F_NOTBEFORE)
        set_time(o, "notbefore", cert->not_before);
    if (f & F_NOTAFTER)
        set_time(o, "notafter", cert->not_after);
    if (f & F_CERTIFICATE)
        log_certificate(o, &s->server);
    if (f & F_CHAIN)
        log_chain(o, &s->server);
    if (f & F_JA3)
        log_ja3(o, "ja3", &s->client);
    if (f & F_JA3S)
        log_ja3(o, "ja3s", &s->server);
    if (f & F_JA4)
        log_ja4(o, s);
    if (f & F_CLIENT)
        log_client(o, s, f & F_CLIENT_CERT, f & F_CLIENT_CHAIN);
}

/* Suricata's "extended" set; the JA4 fingerprint only when asked for. */
static uint32_t extended_fields(bool ja4)
{
    return F_SUBJECT | F_ISSUER | F_SESSION_RESUMED | F_SERIAL | F_FINGERPRINT | F_SNI |
           F_VERSION | F_NOTBEFORE | F_NOTAFTER | F_JA3 | F_JA3S | F_CLIENT | (ja4 ? F_JA4 : 0);
}

static uint32_t configured_fields(void)
{
    switch (log_cfg.mode) {
    case LOG_CUSTOM:
        return log_cfg.fields;
    case LOG_EXTENDED:
        return extended_fields(log_cfg.fields & F_JA4);
    default:
        return F_SUBJECT | F_ISSUER | F_SESSION_RESUMED | (log_cfg.fields & F_JA4);
    }
}

/* Suricata's tls event header: flow direction (client as source), pcap_cnt after flow_id,
 * no tx_id, pkt_src of the packet that completed the handshake, or of Suricata's pseudo
 * packets ("stream (flow timeout)" at flow end, "stream (detect/log)" when a bypassed session
 * stops being reassembled), and with ethernet logging that packet's MACs oriented like the
 * flow. */
static json_t *event_header(AppLayerCtx *ctx, const TlsState *s, uint64_t tx_id)
{
    /* a bypassed session is logged by the flush Suricata does when it stops reassembly */
    const Packet *p = s->bypassed ? NULL : ctx->packet;
    json_t *hdr = applayer_eve_header(ctx, "tls", tx_id);
    json_t *pcap_cnt = p ? json_object_get(hdr, "pcap_cnt") : NULL;
    json_t *ph = p ? eve_header_packet(ctx->thread->eve->log, p, "tls") : NULL;
    json_t *obj = json_object();
    const char *key;
    json_t *value;
    json_object_foreach(hdr, key, value)
    {
        if (strcmp(key, "tx_id") == 0 || strcmp(key, "pcap_cnt") == 0 ||
            strcmp(key, "community_id") == 0)
            continue;
        json_object_set(obj, key, value);
        if (strcmp(key, "flow_id") == 0 && pcap_cnt)
            json_object_set(obj, "pcap_cnt", pcap_cnt);
    }
    json_t *src = ph ? json_object_get(ph, "pkt_src") : NULL;
    if (src)
        json_object_set(obj, "pkt_src", src);
    else
        json_object_set_new(obj, "pkt_src", json_string(s->bypassed ? "stream (detect/log)"
                                                                    : "stream (flow timeout)"));
    json_t *ether = ph ? json_object_get(ph, "ether") : NULL;
    if (ether && !p->to_server) {
        json_t *mac = json_incref(json_object_get(ether, "src_mac"));
        json_object_set(ether, "src_mac", json_object_get(ether, "dest_mac"));
        json_object_set_new(ether, "dest_mac", mac);
    }
    if (ether)
        json_object_set(obj, "ether", ether);
    json_t *cid = json_object_get(hdr, "community_id");
    if (cid)
        json_object_set(obj, "community_id", cid);
    json_decref(ph);
    json_decref(hdr);
    return obj;
}

void tls_log_tx(AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id)
{
    (void)tx;
    const TlsState *s = state;
    EveWriter *w = ctx->thread->eve;
    if (!w || !eve_enabled(w->log, EVE_TLS))
        return;
    bool cert = s->server.cert.subject && s->server.cert.issuer;
    bool resumed = (s->flags & TLS_FLAG_SESSION_RESUMED) && log_cfg.session_resumption;
    if (!cert && !resumed && !(s->flags & TLS_FLAG_LOG_WITHOUT_CERT))
        return;
    json_t *obj = event_header(ctx, s, tx_id);
    json_t *tls = json_object();
    log_fields(tls, s, configured_fields());
    const AppLayerFlow *app = ctx->flow->app;
    if (app && app->proto_orig != ALPROTO_UNKNOWN)
        set_str(tls, "from_proto", app_proto_name(app->proto_orig));
    json_object_set_new(obj, "tls", tls);
    eve_write(w, EVE_TLS, obj);
}

json_t *tls_alert_json(void *state, void *tx)
{
    (void)tx;
    json_t *tls = json_object();
    log_fields(tls, state, extended_fields(false));
    return tls;
}

/* ---- settings ----------------------------------------------------------------------------- */

/* The body of the "tls" item of the eve-log types list, or NULL. */
static const ConfNode *eve_tls_body(const ConfNode *conf)
{
    const ConfNode *outputs = conf ? conf_node(conf, "outputs") : NULL;
    const ConfNode *eve = NULL, *body = NULL;
    if (!outputs || !conf_seq_has_item(outputs, "eve-log", &eve) || !eve)
        return NULL;
    const ConfNode *types = conf_node_lookup(eve, "types");
    if (!types || !conf_seq_has_item(types, "tls", &body))
        return NULL;
    return body;
}

static uint32_t custom_fields(const ConfNode *custom)
{
    uint32_t f = 0;
    for (size_t i = 0; i < conf_node_count(custom); i++) {
        const char *name = conf_node_value(conf_node_child(custom, i));
        for (size_t k = 0; name && k < sizeof(field_names) / sizeof(field_names[0]); k++)
            if (strcasecmp(name, field_names[k].name) == 0)
                f |= field_names[k].flag;
    }
    /* client_certificate and client_chain need the client object */
    if (f & (F_CLIENT_CERT | F_CLIENT_CHAIN))
        f |= F_CLIENT;
    /* as in Suricata, JA3 fields are dropped when JA3 is off at start-up */
    if (tls_settings.ja3 != 1)
        f &= ~(uint32_t)(F_JA3 | F_JA3S);
    return f;
}

void tls_log_configure(const ConfNode *conf)
{
    const ConfNode *body = eve_tls_body(conf);
    log_cfg.mode = LOG_BASIC;
    log_cfg.fields = 0;
    log_cfg.session_resumption = false;
    if (!body)
        return;
    if (conf_get_bool(body, "extended", false))
        log_cfg.mode = LOG_EXTENDED;
    const ConfNode *custom = conf_node_lookup(body, "custom");
    if (custom) {
        log_cfg.mode = LOG_CUSTOM;
        log_cfg.fields = custom_fields(custom);
    }
    if (conf_get_bool(body, "ja4", false))
        log_cfg.fields |= F_JA4;
    log_cfg.session_resumption = conf_get_bool(body, "session-resumption", true);
}
