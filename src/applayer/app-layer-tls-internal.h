/*
 * app-layer-tls-internal.h - what the app-layer-tls*.c files share: the per-flow TLS state.
 *
 * One TlsState per flow holds both directions (TlsSide: the client's and the server's). As in
 * Suricata, the whole handshake is the flow's only transaction, so the state doubles as the
 * transaction: it is complete once the handshake is done (encrypted application data seen,
 * or the certificate that ends the visible part of it parsed) or both directions ended.
 *
 * The split of work:
 *   app-layer-tls.c            record layer (TLS and SSLv2), state, framework glue, buffers
 *   app-layer-tls-handshake.c  handshake messages: reassembly across records, hellos, extensions
 *   app-layer-tls-cert.c       certificate chains and X.509 fields (OpenSSL)
 *   app-layer-tls-ja.c         JA3/JA3S strings and hashes, JA4
 *   app-layer-tls-log.c        EVE "tls" events, the alert "tls" object, eve-log settings
 */
#ifndef BONGSU_APP_LAYER_TLS_INTERNAL_H
#define BONGSU_APP_LAYER_TLS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "applayer/app-layer-tls.h"

/* Versions as Suricata keeps them (a 16-bit wire value; SSLv2 gets 0x0200). */
#define TLS_VERSION_UNKNOWN 0x0000
#define SSL_VERSION_2 0x0200
#define SSL_VERSION_3 0x0300
#define TLS_VERSION_10 0x0301
#define TLS_VERSION_12 0x0303
#define TLS_VERSION_13 0x0304
#define TLS_VERSION_13_PRE_DRAFT16 0x7f01

/* State flags, named after Suricata's SSL_AL_FLAG_* (only those that change behaviour). */
#define TLS_FLAG_SERVER_CCS 0x00000001u        /* server sent ChangeCipherSpec */
#define TLS_FLAG_CLIENT_CCS 0x00000002u
#define TLS_FLAG_CCS 0x00000004u               /* either side did */
#define TLS_FLAG_SSL_CLIENT_HS 0x00000008u     /* SSLv2 client hello */
#define TLS_FLAG_SSL_SERVER_HS 0x00000010u
#define TLS_FLAG_CLIENT_HELLO 0x00000200u
#define TLS_FLAG_SERVER_HELLO 0x00000400u
#define TLS_FLAG_CLIENT_KEYX 0x00000800u
#define TLS_FLAG_SERVER_KEYX 0x00001000u
#define TLS_FLAG_FINISHED 0x00004000u          /* both directions ended */
#define TLS_FLAG_HANDSHAKE_DONE 0x00040000u
#define TLS_FLAG_SESSION_RESUMED 0x00100000u
#define TLS_FLAG_CH_VERSION_EXT 0x00200000u    /* client sent supported_versions */
#define TLS_FLAG_LOG_WITHOUT_CERT 0x00400000u  /* TLS 1.3: log without seeing a certificate */
#define TLS_FLAG_EARLY_DATA 0x00800000u
#define TLS_FLAG_SERVER_RANDOM 0x01000000u
#define TLS_FLAG_CLIENT_RANDOM 0x02000000u
#define TLS_FLAG_NEED_CLIENT_CERT 0x04000000u  /* server sent CertificateRequest */

#define TLS_RANDOM_LEN 32
#define TLS_RECORD_HDR_LEN 5
/* RFC 5246 6.2.2: 2^14 plus 1024 bytes of expansion. */
#define TLS_RECORD_MAX_LEN ((1u << 14) + 1024u)
/* Largest handshake message reassembled across records (certificate chains are the big
 * ones; real chains stay well under this). Larger messages are skipped and counted. */
#define TLS_HANDSHAKE_MAX_LEN (256u * 1024u)
#define TLS_CHAIN_MAX_CERTS 32
#define TLS_JA3_MAX_LEN (32u * 1024u)

/* A growing "a-b-c" list of decimal values, Suricata's JA3Buffer. */
typedef struct TlsJa3Buf {
    char *data;
    uint32_t len;
    size_t cap;
    bool failed;   /* ran out of room or memory: the fingerprint is abandoned */
} TlsJa3Buf;

typedef struct TlsJa4 {
    uint16_t version;         /* highest non-GREASE version offered (0: none) */
    bool has_version;
    bool sni;
    char alpn[2];
    uint16_t *ciphers, *exts, *sigalgs;
    uint32_t n_ciphers, n_exts, n_sigalgs;
    size_t cap_ciphers, cap_exts, cap_sigalgs;
    uint32_t ext_count;       /* every non-GREASE extension, SNI and ALPN included */
} TlsJa4;

/* The first certificate of a chain, as Suricata logs it. */
typedef struct TlsCertInfo {
    char *subject, *issuer, *serial;
    char fingerprint[60];     /* "aa:bb:..." (59 chars), "" when absent */
    int64_t not_before, not_after;  /* seconds since 1970 (may be negative) */
} TlsCertInfo;

typedef struct TlsChain {
    uint8_t *buf;             /* the certificate_list bytes */
    uint32_t buf_len;
    uint32_t off[TLS_CHAIN_MAX_CERTS], len[TLS_CHAIN_MAX_CERTS];
    uint32_t count;
} TlsChain;

/* One direction: its record parser position and what that side said. */
typedef struct TlsSide {
    /* record layer */
    uint8_t hdr[TLS_RECORD_HDR_LEN];
    uint32_t hdr_have, hdr_need;
    bool in_body, body_streamed, sslv2;
    uint8_t content_type;
    uint16_t version;
    uint32_t record_len, body_have;
    uint8_t *rec;             /* a record being buffered until complete */
    /* a handshake message spanning records */
    uint8_t *hs;
    uint8_t hs_type;
    uint32_t hs_have, hs_need, hs_skip;
    /* what this side sent */
    uint8_t random[TLS_RANDOM_LEN];
    /* session id and certificate chain are allocated when sent (most flows' TLS state is
     * idle: inline, their 255 + 272 bytes per side were about a third of TlsState) */
    uint8_t *session_id;
    uint8_t session_id_len;
    char *sni;
    TlsCertInfo cert;
    bool has_cert;
    TlsChain *chain;          /* NULL until a Certificate message */
    TlsJa3Buf ja3;            /* JA3 (client) or JA3S (server) string */
    bool ja3_started;
    char ja3_hash[33];        /* "" until computed */
    TlsJa4 *ja4;
    uint8_t version_be[2];    /* tls.version buffer */
} TlsSide;

typedef struct TlsState {
    uint32_t flags;
    uint32_t current;         /* flags of the message being parsed (Suricata current_flags) */
    TlsSide client, server;
    bool eof_ts, eof_tc;
    bool gap;                 /* a gap: stop parsing, as Suricata's TLS parser does */
    bool bypassed;            /* encryption-handling bypass: encrypted, no longer parsed */
    bool hb_inflight, hb_from_server;  /* a heartbeat request awaits its response */
    uint32_t hb_record_len;   /* length of an encrypted heartbeat request */
    char ja4_text[37];        /* ja4.hash buffer */
    uint32_t events;          /* app-layer events raised (bits of app-layer-tls.c's list) */
    void *ctx;                /* the AppLayerCtx of the parse call in progress (events) */
} TlsState;

/* Start-up settings, read once by configure and read-only afterwards. */
typedef struct TlsSettings {
    int ja3, ja4;             /* 1 on, 0 off; -1: explicitly off (rules cannot enable) */
    /* encryption-handling: what happens once the session is encrypted. DEFAULT stops payload
     * inspection, BYPASS also parsing and reassembly, FULL goes on inspecting. */
    enum { TLS_ENC_DEFAULT, TLS_ENC_BYPASS, TLS_ENC_FULL } encryption;
} TlsSettings;
extern TlsSettings tls_settings;

/* app-layer-tls.c */
void tls_event(TlsState *s, const char *name);

/* app-layer-tls-buffers.c: the detection buffers (see app-layer-tls.h). */
void tls_register_buffers(void);

/* app-layer-tls-handshake.c: the body of a complete handshake record. Returns -1 when
 * Suricata would give up on the flow. */
int tls_handshake_record(TlsState *s, bool to_server, const uint8_t *data, uint32_t len);
bool tls_version_valid(uint16_t version);
void tls_handshake_free(TlsSide *side);

/* app-layer-tls-cert.c */
/* A Certificate message body: the chain, and the first certificate that decodes. */
int tls_parse_certificates(TlsState *s, TlsSide *side, const uint8_t *data, uint32_t len);
/* One DER certificate -> its logged fields. Returns NULL, or when it does not decode the
 * app-layer event Suricata raises ("INVALID_CERTIFICATE", "CERTIFICATE_INVALID_LENGTH"...). */
const char *tls_cert_decode(const uint8_t *der, uint32_t len, TlsCertInfo *out);
void tls_cert_info_free(TlsCertInfo *info);
/* app-layer-tls-oids.c: x509-parser's name for an attribute type OID ("CN", "streetAddress",
 * "subjectAltName"), or NULL. */
const char *tls_oid_name(const char *dotted);
void tls_chain_free(TlsChain *chain);

/* app-layer-tls-ja.c */
void tls_ja3_add(TlsJa3Buf *b, uint32_t value);
void tls_ja3_append(TlsJa3Buf *dst, TlsJa3Buf *src);
void tls_ja3_free(TlsJa3Buf *b);
void tls_ja3_hash(const TlsJa3Buf *b, char out[33]);
bool tls_is_grease(uint16_t value);
TlsJa4 *tls_ja4_new(void);
void tls_ja4_free(TlsJa4 *j);
void tls_ja4_set_version(TlsJa4 *j, uint16_t version);
void tls_ja4_set_alpn(TlsJa4 *j, const uint8_t *alpn, uint32_t len);
void tls_ja4_add_cipher(TlsJa4 *j, uint16_t cipher);
void tls_ja4_add_extension(TlsJa4 *j, uint16_t ext);
void tls_ja4_add_sigalg(TlsJa4 *j, uint16_t sigalg);
/* The 36-character JA4 fingerprint plus NUL. */
void tls_ja4_string(const TlsJa4 *j, char out[37]);

/* app-layer-tls-log.c */
void tls_log_configure(const struct ConfNode *conf);
void tls_log_tx(AppLayerCtx *ctx, void *state, void *tx, uint64_t tx_id);
json_t *tls_alert_json(void *state, void *tx);
/* "TLS 1.2", "TLSv1", "TLS 1.3 draft-19", "0x1234" ... */
void tls_version_string(uint16_t version, char out[20]);
/* "2017-03-23T00:00:00"; false outside years -9999..9999. */
bool tls_format_time(int64_t t, char out[32]);

#endif
