/*
 * app-layer-tls-buffers.c - the TLS detection buffers (tls.sni, tls.cert_*, ja3.*, ...).
 *
 * Each getter reads one field of the handshake state for the direction being inspected, as
 * Suricata 7's detect-tls-*.c do: the to-server side of a certificate buffer is the client's
 * certificate, the to-client side the server's. A field that was not seen gives no buffer
 * (false), so a rule on it cannot match. Fingerprint buffers exist only while JA3/JA4 are
 * computed (see tls_enable_ja3 in app-layer-tls.h). tls.certs is a multi-buffer: every
 * certificate of the chain is inspected on its own. The hello buffers are final once their
 * side's hello was parsed (tls_tx_progress): rules reading only them are inspected then,
 * as Suricata 7 registers them at progress 0, not when the handshake is done.
 */
#include <string.h>

#include "applayer/app-layer-tls-internal.h"

static const TlsSide *side(void *tx, bool to_server)
{
    const TlsState *s = tx;
    return to_server ? &s->client : &s->server;
}

static bool text(const char *str, const uint8_t **data, uint32_t *len)
{
    if (!str)
        return false;
    *data = (const uint8_t *)str;
    *len = (uint32_t)strlen(str);
    return true;
}

static bool get_sni(void *state, void *tx, bool to_server, const uint8_t **data, uint32_t *len)
{
    (void)state;
    (void)to_server;
    return text(side(tx, true)->sni, data, len);
}

static bool get_subject(void *state, void *tx, bool to_server, const uint8_t **data,
                        uint32_t *len)
{
    (void)state;
    return text(side(tx, to_server)->cert.subject, data, len);
}

static bool get_issuer(void *state, void *tx, bool to_server, const uint8_t **data,
                       uint32_t *len)
{
    (void)state;
    return text(side(tx, to_server)->cert.issuer, data, len);
}

static bool get_serial(void *state, void *tx, bool to_server, const uint8_t **data,
                       uint32_t *len)
{
    (void)state;
    return text(side(tx, to_server)->cert.serial, data, len);
}

static bool get_fingerprint(void *state, void *tx, bool to_server, const uint8_t **data,
                            uint32_t *len)
{
    (void)state;
    const TlsSide *d = side(tx, to_server);
    return d->has_cert && text(d->cert.fingerprint, data, len);
}

/* The version that side settled on, 2 bytes big-endian (03 03 for TLS 1.2). */
static bool get_version(void *state, void *tx, bool to_server, const uint8_t **data,
                        uint32_t *len)
{
    (void)state;
    TlsSide *d = (TlsSide *)side(tx, to_server);
    if (d->version == TLS_VERSION_UNKNOWN)
        return false;
    d->version_be[0] = (uint8_t)(d->version >> 8);
    d->version_be[1] = (uint8_t)d->version;
    *data = d->version_be;
    *len = 2;
    return true;
}

/* The 32-byte hello random: whole, its first 4 bytes (gmt_unix_time), the other 28. */
static bool random_part(void *tx, bool to_server, uint32_t off, uint32_t n,
                        const uint8_t **data, uint32_t *len)
{
    const TlsState *s = tx;
    uint32_t flag = to_server ? TLS_FLAG_CLIENT_RANDOM : TLS_FLAG_SERVER_RANDOM;
    if (!(s->flags & flag))
        return false;
    *data = side(tx, to_server)->random + off;
    *len = n;
    return true;
}

static bool get_random(void *state, void *tx, bool to_server, const uint8_t **data,
                       uint32_t *len)
{
    (void)state;
    return random_part(tx, to_server, 0, TLS_RANDOM_LEN, data, len);
}

static bool get_random_time(void *state, void *tx, bool to_server, const uint8_t **data,
                            uint32_t *len)
{
    (void)state;
    return random_part(tx, to_server, 0, 4, data, len);
}

static bool get_random_bytes(void *state, void *tx, bool to_server, const uint8_t **data,
                             uint32_t *len)
{
    (void)state;
    return random_part(tx, to_server, 4, TLS_RANDOM_LEN - 4, data, len);
}

static bool ja3_string(const TlsSide *d, const uint8_t **data, uint32_t *len)
{
    return d->ja3.data && !d->ja3.failed && text(d->ja3.data, data, len);
}

static bool ja3_hash(const TlsSide *d, const uint8_t **data, uint32_t *len)
{
    return d->ja3_hash[0] && text(d->ja3_hash, data, len);
}

static bool get_ja3_string(void *state, void *tx, bool to_server, const uint8_t **data,
                           uint32_t *len)
{
    (void)state;
    (void)to_server;
    return ja3_string(side(tx, true), data, len);
}

static bool get_ja3_hash(void *state, void *tx, bool to_server, const uint8_t **data,
                         uint32_t *len)
{
    (void)state;
    (void)to_server;
    return ja3_hash(side(tx, true), data, len);
}

static bool get_ja3s_string(void *state, void *tx, bool to_server, const uint8_t **data,
                            uint32_t *len)
{
    (void)state;
    (void)to_server;
    return ja3_string(side(tx, false), data, len);
}

static bool get_ja3s_hash(void *state, void *tx, bool to_server, const uint8_t **data,
                          uint32_t *len)
{
    (void)state;
    (void)to_server;
    return ja3_hash(side(tx, false), data, len);
}

/* Computed on demand into the state, which owns the bytes the caller reads. */
static bool get_ja4(void *state, void *tx, bool to_server, const uint8_t **data, uint32_t *len)
{
    (void)state;
    (void)to_server;
    TlsState *s = tx;
    if (!s->client.ja4)
        return false;
    tls_ja4_string(s->client.ja4, s->ja4_text);
    return text(s->ja4_text, data, len);
}

/* tls.certs: each certificate of that side's chain, DER, in the order sent. */
static bool get_cert(void *state, void *tx, bool to_server, uint32_t idx, const uint8_t **data,
                     uint32_t *len)
{
    (void)state;
    const TlsChain *c = side(tx, to_server)->chain;
    if (!c || idx >= c->count)
        return false;
    *data = c->buf + c->off[idx];
    *len = c->len[idx];
    return true;
}

void tls_register_buffers(void)
{
    static const struct {
        const char *name;
        bool ts, tc;
        AppLayerBufferGetter get;
        bool hello;   /* final once that side's hello was parsed (tls_tx_progress 1) */
    } list[] = {
        {"tls.sni", true, false, get_sni, true},
        {"tls.cert_subject", true, true, get_subject, false},
        {"tls.cert_issuer", true, true, get_issuer, false},
        {"tls.cert_serial", true, true, get_serial, false},
        {"tls.cert_fingerprint", true, true, get_fingerprint, false},
        {"tls.version", true, true, get_version, false},
        {"tls.random", true, true, get_random, true},
        {"tls.random_time", true, true, get_random_time, true},
        {"tls.random_bytes", true, true, get_random_bytes, true},
        {"ja3.hash", true, false, get_ja3_hash, true},
        {"ja3.string", true, false, get_ja3_string, true},
        {"ja3s.hash", false, true, get_ja3s_hash, true},
        {"ja3s.string", false, true, get_ja3s_string, true},
        {"ja4.hash", true, false, get_ja4, true},
    };
    for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
        int id = applayer_buffer_register(list[i].name, ALPROTO_TLS, list[i].ts, list[i].tc,
                                          list[i].get);
        if (list[i].hello)
            applayer_buffer_set_progress(id, 0, 0);
    }
    applayer_buffer_register_multi("tls.certs", ALPROTO_TLS, true, true, get_cert);
}
