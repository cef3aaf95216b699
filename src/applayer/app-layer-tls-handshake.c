/*
 * app-layer-tls-handshake.c - TLS handshake messages: splitting handshake records into
 * messages, reassembling messages that span records, and decoding ClientHello/ServerHello.
 *
 * The record layer (app-layer-tls.c) hands over the body of each complete handshake record.
 * A record may hold several messages, and a message may continue over several records; the
 * tail is kept in TlsSide.hs until the message is whole (up to TLS_HANDSHAKE_MAX_LEN; a larger
 * one is skipped and counted in app_layer.error.tls.alloc). Suricata's rules are kept, quirks
 * included, because EVE must match it: a record that ends inside a 4-byte message header is a
 * parser error, a message of a type Suricata does not know is skipped (and raises
 * INVALID_HANDSHAKE_MESSAGE unless that side already sent ChangeCipherSpec).
 *
 * Hellos. The version field, random, session id, cipher suites, compression and extensions
 * are read in order; a field that does not fit ends the decoding of that hello (raising
 * HANDSHAKE_INVALID_LENGTH) with what was learnt so far kept. Versions follow Suricata:
 * supported_versions gives the client's first valid version and the server's chosen one;
 * TLS 1.3 drafts keep their draft number (0x7f13 is logged "TLS 1.3 draft-19"), pre-draft-16
 * versions and a bare 0x0304 in the legacy field become "draft-<16", and a ServerHello that
 * negotiates TLS 1.3 marks the session to be logged without a certificate. Drafts before 22
 * have no session id or compression in their ServerHello. A ServerHello echoing the client's
 * session id, or a ClientHello with a session_ticket extension, marks the session resumed.
 * Extension sub-parsers advance by what they read, not by the extension length, exactly as
 * Suricata does, so even malformed hellos give Suricata's JA3 strings.
 */
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-tls-internal.h"
#include "common/counters.h"

enum {
    HS_HELLO_REQUEST = 0, HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_NEW_SESSION_TICKET = 4,
    HS_CERTIFICATE = 11, HS_SERVER_KEY_EXCHANGE = 12, HS_CERTIFICATE_REQUEST = 13,
    HS_SERVER_HELLO_DONE = 14, HS_CERTIFICATE_VERIFY = 15, HS_CLIENT_KEY_EXCHANGE = 16,
    HS_FINISHED = 20, HS_CERTIFICATE_URL = 21, HS_CERTIFICATE_STATUS = 22,
};

enum {
    EXT_SNI = 0x0000, EXT_SUPPORTED_GROUPS = 0x000a, EXT_EC_POINT_FORMATS = 0x000b,
    EXT_SIGNATURE_ALGORITHMS = 0x000d, EXT_ALPN = 0x0010, EXT_SESSION_TICKET = 0x0023,
    EXT_EARLY_DATA = 0x002a, EXT_SUPPORTED_VERSIONS = 0x002b,
};

bool tls_version_valid(uint16_t v)
{
    if (v >= 0x0300 && v <= 0x0304)
        return true;
    if ((v >= 0x7f10 && v <= 0x7f1c) || v == 0x7f01)
        return true;
    return v == 0xfb14 || v == 0xfb15 || v == 0xfb16 || v == 0xfb17 || v == 0xfb1a;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* A read position inside one field region: Suricata's HAS_SPACE(n) is fits(c, n). */
typedef struct Cursor {
    const uint8_t *p, *start;
    uint32_t len;
} Cursor;

static bool fits(const Cursor *c, uint32_t n)
{
    return (uint64_t)(c->p - c->start) + n <= c->len;
}

static Cursor sub_cursor(const Cursor *c, uint32_t len)
{
    return (Cursor){c->p, c->p, len};
}

typedef struct Hello {
    TlsState *s;
    TlsSide *side;       /* the side that sent the message */
    bool client;         /* ClientHello (else ServerHello) */
    bool ja3;            /* feed this side's JA3 */
    TlsJa4 *ja4;         /* feed JA4 (ClientHello, when enabled) */
} Hello;

static bool invalid_length(Hello *h)
{
    tls_event(h->s, "HANDSHAKE_INVALID_LENGTH");
    return false;
}

/* A vector whose length is the next `width` (1 or 2) bytes: that length in *n, c->p past it.
 * False, after the event, when the length or the vector runs past the region. */
static bool vector(Hello *h, Cursor *c, uint32_t width, uint32_t *n)
{
    if (!fits(c, width))
        return invalid_length(h);
    *n = width == 2 ? be16(c->p) : c->p[0];
    c->p += width;
    return fits(c, *n) || invalid_length(h);
}

static bool hello_version(Hello *h, Cursor *c)
{
    if (!fits(c, 2))
        return invalid_length(h);
    uint16_t version = be16(c->p);
    c->p += 2;
    h->side->version = version;
    if (h->ja4)
        tls_ja4_set_version(h->ja4, version);
    if (!h->client && (version == TLS_VERSION_13 || (version >> 8) == 0x7f))
        h->s->flags |= TLS_FLAG_LOG_WITHOUT_CERT;
    if (version >= 0x7f01 && version < 0x7f10)
        h->side->version = TLS_VERSION_13_PRE_DRAFT16;
    else if (version == TLS_VERSION_13)
        h->side->version = TLS_VERSION_13_PRE_DRAFT16;
    if (tls_settings.ja3 == 1 && !h->side->ja3_started) {
        h->side->ja3_started = true;
        tls_ja3_add(&h->side->ja3, version);
    }
    return true;
}

static bool hello_random(Hello *h, Cursor *c)
{
    if (!fits(c, TLS_RANDOM_LEN))
        return invalid_length(h);
    TlsSide *to = h->client ? &h->s->client : &h->s->server;
    memcpy(to->random, c->p, TLS_RANDOM_LEN);
    h->s->flags |= h->client ? TLS_FLAG_CLIENT_RANDOM : TLS_FLAG_SERVER_RANDOM;
    c->p += TLS_RANDOM_LEN;
    return true;
}

static bool hello_session_id(Hello *h, Cursor *c)
{
    uint32_t n;
    if (!vector(h, c, 1, &n))
        return false;
    TlsSide *side = h->side;
    if (n && side->session_id_len == 0 && (side->session_id = malloc(n))) {
        memcpy(side->session_id, c->p, n);
        side->session_id_len = (uint8_t)n;
        const TlsSide *cl = &h->s->client, *sv = &h->s->server;
        if (!h->client && cl->session_id_len && sv->session_id_len == cl->session_id_len &&
            memcmp(cl->session_id, sv->session_id, n) == 0)
            h->s->flags |= TLS_FLAG_SESSION_RESUMED;
    }
    c->p += n;
    return true;
}

static bool hello_ciphers(Hello *h, Cursor *c)
{
    if (!fits(c, 2))
        return invalid_length(h);
    uint16_t n = 2;
    if (h->client) {
        n = be16(c->p);
        c->p += 2;
    }
    if (!fits(c, n) || n % 2)
        return invalid_length(h);
    TlsJa3Buf list = {0};
    for (uint16_t i = 0; i < n; i += 2, c->p += 2) {
        uint16_t cipher = be16(c->p);
        if (tls_is_grease(cipher))
            continue;
        if (h->ja4)
            tls_ja4_add_cipher(h->ja4, cipher);
        if (h->ja3)
            tls_ja3_add(&list, cipher);
    }
    if (h->ja3)
        tls_ja3_append(&h->side->ja3, &list);
    return true;
}

static bool hello_compression(Hello *h, Cursor *c)
{
    if (!fits(c, 1))
        return invalid_length(h);
    if (!h->client) {
        c->p += 1;
        return true;
    }
    uint8_t n = *c->p++;
    if (!fits(c, n))
        return invalid_length(h);
    c->p += n;
    return true;
}

/* Extension sub-parsers: true with e->p advanced by what was read; false to stop the hello
 * (after raising the event Suricata raises). */

static bool ext_sni(Hello *h, Cursor *e)
{
    if (e->len == 0)
        return true;
    if (!fits(e, 3))
        return invalid_length(h);
    uint8_t type = e->p[2];
    e->p += 3;
    if (type != 0) {
        tls_event(h->s, "INVALID_SNI_TYPE");
        return false;
    }
    if (!fits(e, 2))
        return invalid_length(h);
    uint16_t n = be16(e->p);
    e->p += 2;
    if (!fits(e, n) || n > 255 || n == 0) {
        tls_event(h->s, "INVALID_SNI_LENGTH");
        return false;
    }
    if (h->side->sni) {
        tls_event(h->s, "MULTIPLE_SNI_EXTENSIONS");
    } else {
        h->side->sni = malloc((size_t)n + 1);
        if (!h->side->sni)
            return false;
        memcpy(h->side->sni, e->p, n);
        h->side->sni[n] = '\0';
    }
    e->p += n;
    return true;
}

static bool ext_supported_versions(Hello *h, Cursor *e)
{
    if (e->len == 0)
        return true;
    if (!h->client) {
        if (!fits(e, 2))
            return invalid_length(h);
        uint16_t v = be16(e->p);
        if ((h->s->flags & TLS_FLAG_CH_VERSION_EXT) && v > TLS_VERSION_12)
            h->s->flags |= TLS_FLAG_LOG_WITHOUT_CERT;
        h->side->version = v;
        e->p += 2;
        return true;
    }
    if (!fits(e, 1))
        return invalid_length(h);
    uint8_t n = *e->p++;
    if (n < 2 || !fits(e, n))
        return invalid_length(h);
    for (uint16_t i = 0; i + 1 < n; i += 2) {
        uint16_t v = be16(e->p + i);
        if (tls_version_valid(v)) {
            h->side->version = v;
            if (h->ja4)
                tls_ja4_set_version(h->ja4, v);
            break;
        }
    }
    h->s->flags |= TLS_FLAG_CH_VERSION_EXT;
    e->p += n;
    return true;
}

/* supported_groups (16-bit values) or ec_point_formats (8-bit values), into a JA3 list. */
static bool ext_value_list(Hello *h, Cursor *e, bool wide, TlsJa3Buf *ja3_list)
{
    if (e->len == 0)
        return true;
    uint32_t width = wide ? 2 : 1, n;
    if (!vector(h, e, width, &n))
        return false;
    if (!h->client || !ja3_list) {
        e->p += n;
        return true;
    }
    for (uint32_t i = 0; i < n; i += width) {
        if (!fits(e, width))
            return invalid_length(h);
        uint16_t v = wide ? be16(e->p) : e->p[0];
        e->p += width;
        if (!tls_is_grease(v))
            tls_ja3_add(ja3_list, v);
    }
    return true;
}

static bool ext_sigalgs(Hello *h, Cursor *e)
{
    if (e->len == 0)
        return true;
    uint32_t n;
    if (!vector(h, e, 2, &n))
        return false;
    if (n % 2)
        return invalid_length(h);
    for (uint32_t i = 0; h->ja4 && i < n; i += 2)
        tls_ja4_add_sigalg(h->ja4, be16(e->p + i));
    e->p += n;
    return true;
}

static bool ext_alpn(Hello *h, Cursor *e)
{
    if (e->len == 0)
        return true;
    uint32_t n;
    if (!vector(h, e, 2, &n))
        return false;
    /* Suricata walks the protocol list only for JA4, which takes the first name. */
    for (uint32_t done = 0; h->ja4 && done < n;) {
        uint8_t plen = *e->p++;
        done++;
        if (!fits(e, plen))
            return invalid_length(h);
        if (done + plen > n)
            break;
        if (done == 1)
            tls_ja4_set_alpn(h->ja4, e->p, plen);
        done += plen;
        e->p += plen;
    }
    return true;
}

typedef struct Ja3Lists {
    TlsJa3Buf exts, groups, formats;
} Ja3Lists;

static bool one_extension(Hello *h, Cursor *e, uint16_t type, Ja3Lists *l)
{
    switch (type) {
    case EXT_SNI: return ext_sni(h, e);
    case EXT_SUPPORTED_GROUPS: return ext_value_list(h, e, true, h->ja3 ? &l->groups : NULL);
    case EXT_EC_POINT_FORMATS: return ext_value_list(h, e, false, h->ja3 ? &l->formats : NULL);
    case EXT_SIGNATURE_ALGORITHMS: return ext_sigalgs(h, e);
    case EXT_ALPN: return ext_alpn(h, e);
    case EXT_SUPPORTED_VERSIONS: return ext_supported_versions(h, e);
    case EXT_EARLY_DATA:
        if (h->client)
            h->s->flags |= TLS_FLAG_EARLY_DATA;
        break;
    case EXT_SESSION_TICKET:
        /* confirmed later: a resumed session shows no certificate */
        if (h->client)
            h->s->flags |= TLS_FLAG_SESSION_RESUMED;
        break;
    default:
        break;
    }
    e->p += e->len;
    return true;
}

/* Returns false when Suricata treats the extension block as broken: no JA3 hash then. */
static bool hello_extensions(Hello *h, Cursor *c)
{
    Ja3Lists l = {0};
    bool ok = true;
    if (!fits(c, 2))
        goto end;   /* extensions are optional */
    uint16_t total = be16(c->p);
    c->p += 2;
    if (!fits(c, total)) {
        ok = invalid_length(h);
        goto end;
    }
    for (uint32_t done = 0; done < total;) {
        if (!fits(c, 4) || !fits(c, 4u + be16(c->p + 2))) {
            ok = invalid_length(h);
            goto end;
        }
        uint16_t type = be16(c->p), elen = be16(c->p + 2);
        c->p += 4;
        Cursor e = sub_cursor(c, elen);
        bool cont = one_extension(h, &e, type, &l);
        if (!cont)
            goto end;
        /* ALPN moves by the whole extension, every other parser by what it read. */
        c->p = type == EXT_ALPN ? e.start + elen : e.p;
        if (h->ja3 && !tls_is_grease(type))
            tls_ja3_add(&l.exts, type);
        if (h->ja4)
            tls_ja4_add_extension(h->ja4, type);
        done += 4u + elen;
    }
end:
    if (h->ja3 && ok) {
        tls_ja3_append(&h->side->ja3, &l.exts);
        if (h->client) {
            tls_ja3_append(&h->side->ja3, &l.groups);
            tls_ja3_append(&h->side->ja3, &l.formats);
        }
    }
    tls_ja3_free(&l.exts);
    tls_ja3_free(&l.groups);
    tls_ja3_free(&l.formats);
    return ok;
}

static void decode_hello(TlsState *s, TlsSide *side, bool client, const uint8_t *data,
                         uint32_t len)
{
    if (client && tls_settings.ja4 == 1 && !side->ja4)
        side->ja4 = tls_ja4_new();
    Hello h = {s, side, client, false, client ? side->ja4 : NULL};
    Cursor c = {data, data, len};
    if (!hello_version(&h, &c))
        return;
    /* JA3 is taken from the first hello of each side only. */
    h.ja3 = tls_settings.ja3 == 1 && side->ja3_hash[0] == '\0' && side->ja3_started;
    if (!hello_random(&h, &c))
        return;
    /* Drafts 1..21 dropped the session id and compression from the ServerHello. */
    bool legacy_fields = client || !(s->flags & TLS_FLAG_LOG_WITHOUT_CERT);
    if (legacy_fields && !hello_session_id(&h, &c))
        return;
    if (!hello_ciphers(&h, &c))
        return;
    if (legacy_fields && !hello_compression(&h, &c))
        return;
    if (!hello_extensions(&h, &c))
        return;
    if (h.ja3)
        tls_ja3_hash(&side->ja3, side->ja3_hash);
}

static bool supported_type(uint8_t type)
{
    switch (type) {
    case HS_CLIENT_HELLO: case HS_SERVER_HELLO: case HS_SERVER_KEY_EXCHANGE:
    case HS_CLIENT_KEY_EXCHANGE: case HS_CERTIFICATE: case HS_HELLO_REQUEST:
    case HS_CERTIFICATE_REQUEST: case HS_CERTIFICATE_VERIFY: case HS_FINISHED:
    case HS_CERTIFICATE_URL: case HS_CERTIFICATE_STATUS: case HS_NEW_SESSION_TICKET:
    case HS_SERVER_HELLO_DONE:
        return true;
    default:
        return false;
    }
}

static void handshake_message(TlsState *s, bool to_server, uint8_t type, const uint8_t *body,
                              uint32_t len)
{
    TlsSide *side = to_server ? &s->client : &s->server;
    switch (type) {
    case HS_CLIENT_HELLO:
        s->current = TLS_FLAG_CLIENT_HELLO;
        decode_hello(s, side, true, body, len);
        break;
    case HS_SERVER_HELLO:
        s->current = TLS_FLAG_SERVER_HELLO;
        decode_hello(s, side, false, body, len);
        break;
    case HS_SERVER_KEY_EXCHANGE:
        s->current = TLS_FLAG_SERVER_KEYX;
        break;
    case HS_CLIENT_KEY_EXCHANGE:
        s->current = TLS_FLAG_CLIENT_KEYX;
        break;
    case HS_CERTIFICATE:
        tls_parse_certificates(s, side, body, len);
        break;
    case HS_CERTIFICATE_REQUEST:
        if (!to_server)
            s->current = TLS_FLAG_NEED_CLIENT_CERT;
        break;
    default:
        break;
    }
    s->flags |= s->current;
}

static void count_oversize(TlsState *s)
{
    AppLayerCtx *ctx = s->ctx;
    CounterId id = counters_find("app_layer.error.tls.alloc");
    if (ctx && ctx->thread && ctx->thread->counters && id >= 0)
        counter_incr(ctx->thread->counters, id);
}

/* Continues a message spanning records; returns the bytes used. */
static uint32_t continue_message(TlsState *s, bool to_server, TlsSide *side,
                                 const uint8_t *data, uint32_t len)
{
    if (side->hs_skip) {
        uint32_t take = len < side->hs_skip ? len : side->hs_skip;
        side->hs_skip -= take;
        return take;
    }
    uint32_t need = side->hs_need - side->hs_have;
    uint32_t take = len < need ? len : need;
    memcpy(side->hs + side->hs_have, data, take);
    side->hs_have += take;
    if (side->hs_have == side->hs_need) {
        uint8_t *msg = side->hs;
        side->hs = NULL;
        handshake_message(s, to_server, side->hs_type, msg, side->hs_need);
        free(msg);
    }
    return take;
}

/* Keeps the first `have` bytes of a message of `need` bytes for the next records. */
static void start_message(TlsState *s, TlsSide *side, uint8_t type, const uint8_t *data,
                          uint32_t have, uint32_t need)
{
    if (need > TLS_HANDSHAKE_MAX_LEN || !(side->hs = malloc(need))) {
        side->hs_skip = need - have;
        count_oversize(s);
        return;
    }
    memcpy(side->hs, data, have);
    side->hs_have = have;
    side->hs_need = need;
    side->hs_type = type;
}

int tls_handshake_record(TlsState *s, bool to_server, const uint8_t *data, uint32_t len)
{
    TlsSide *side = to_server ? &s->client : &s->server;
    uint32_t ccs = to_server ? TLS_FLAG_CLIENT_CCS : TLS_FLAG_SERVER_CCS;
    while (len) {
        if (side->hs || side->hs_skip) {
            uint32_t used = continue_message(s, to_server, side, data, len);
            data += used;
            len -= used;
            continue;
        }
        if (len < 4) {
            tls_event(s, "INVALID_SSL_RECORD");
            return -1;
        }
        uint8_t type = data[0];
        uint32_t mlen = (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
        data += 4;
        len -= 4;
        uint32_t avail = mlen < len ? mlen : len;
        if (!supported_type(type)) {
            /* after ChangeCipherSpec, handshake records are encrypted */
            if (!(s->flags & ccs))
                tls_event(s, "INVALID_HANDSHAKE_MESSAGE");
        } else if (mlen > len) {
            start_message(s, side, type, data, len, mlen);
        } else {
            handshake_message(s, to_server, type, data, mlen);
        }
        data += avail;
        len -= avail;
    }
    return 0;
}

void tls_handshake_free(TlsSide *side)
{
    free(side->hs);
    side->hs = NULL;
}
