/*
 * app-layer-tls.h - the TLS/SSL parser as the rest of bongsu sees it.
 *
 * The parser itself plugs into the app-layer framework through app_layer_tls_parser (see
 * app-layer.h); nothing else in the tree needs its internals. Two switches are public because
 * Suricata turns them on from outside the parser: a rule that uses a ja3.* / ja3s.* buffer
 * enables JA3 fingerprinting, and a rule using ja4.hash enables JA4, unless the configuration
 * explicitly says "no" (app-layer.protocols.tls.ja3-fingerprints / ja4-fingerprints). The
 * detection engine calls them while loading rules, before any packet is processed.
 *
 * Detection buffers this parser registers (applayer_buffer_register), per direction as in
 * Suricata 7: tls.sni (to server), tls.cert_subject, tls.cert_issuer, tls.cert_serial,
 * tls.cert_fingerprint (to client: the server's certificate; to server: the client's),
 * tls.version (both: the 2-byte big-endian version that side settled on, e.g. 03 03),
 * tls.random, tls.random_time, tls.random_bytes (both), ja3.hash, ja3.string, ja4.hash
 * (to server), ja3s.hash, ja3s.string (to client).
 */
#ifndef BONGSU_APP_LAYER_TLS_H
#define BONGSU_APP_LAYER_TLS_H

#include <stdbool.h>

#include "applayer/app-layer.h"

extern const AppLayerParser app_layer_tls_parser;

/* Rule-driven enabling (Suricata's SSLEnableJA3/SSLEnableJA4): no effect when the
 * configuration disabled the fingerprint explicitly. */
void tls_enable_ja3(void);
void tls_enable_ja4(void);
bool tls_ja3_enabled(void);
bool tls_ja4_enabled(void);

#endif
