/*
 * fuzz-tls.c - libFuzzer target for the TLS parser: record layer, handshake reassembly,
 * hellos and extensions, certificate chains, fingerprints, and the EVE/alert formatting.
 *
 * The input is a conversation in the fixture format of tests/data/tls (1 byte direction,
 * 4 bytes big-endian length, the bytes; a truncated last chunk is fed as it is), so real
 * handshakes seed it. Each chunk is fed in two pieces cut where its first byte says, to
 * exercise records and messages split across calls. JA3 and JA4 are on. Afterwards every
 * TLS detection buffer and the alert object are read, and both directions are ended.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-tls-internal.h"
#include "config/config.h"
#include "fuzz-conf-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void configure_once(void)
{
    static const char *const sets[] = {
        "app-layer.protocols.tls.ja3-fingerprints=yes",
        "app-layer.protocols.tls.ja4-fingerprints=yes",
    };
    fuzz_configure_once(app_layer_tls_parser.configure, sets, sizeof(sets) / sizeof(sets[0]));
}

/* Reads every buffer and checks its shape: text buffers hold no NUL (they are C strings),
 * binary ones have their fixed sizes. */
static void read_buffers(TlsState *s)
{
    static const struct {
        const char *name;
        uint32_t size;  /* 0: text */
    } buffers[] = {
        {"tls.sni", 0}, {"tls.cert_subject", 0}, {"tls.cert_issuer", 0},
        {"tls.cert_serial", 0}, {"tls.cert_fingerprint", 0}, {"tls.version", 2},
        {"tls.random", 32}, {"tls.random_time", 4}, {"tls.random_bytes", 28},
        {"ja3.hash", 0}, {"ja3.string", 0}, {"ja3s.hash", 0}, {"ja3s.string", 0},
        {"ja4.hash", 0},
    };
    for (size_t i = 0; i < sizeof(buffers) / sizeof(buffers[0]); i++) {
        int id = applayer_buffer_id(buffers[i].name);
        for (int dir = 0; dir < 2; dir++) {
            const uint8_t *b;
            uint32_t len;
            if (!applayer_buffer_get(id, s, s, dir == 0, &b, &len))
                continue;
            if (buffers[i].size ? len != buffers[i].size : memchr(b, 0, len) != NULL)
                abort();
        }
    }
    json_t *o = tls_alert_json(s, s);
    char *text = json_dumps(o, 0);
    free(text);
    json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    configure_once();
    AppLayerThread thread = {0};
    AppLayerCtx ctx = {.thread = &thread};
    TlsState *s = app_layer_tls_parser.state_new();
    size_t pos = 0;
    while (pos + 5 <= size) {
        bool to_server = data[pos] == 0;
        size_t n = (size_t)data[pos + 1] << 24 | (size_t)data[pos + 2] << 16 |
                   (size_t)data[pos + 3] << 8 | data[pos + 4];
        pos += 5;
        if (n > size - pos)
            n = size - pos;
        size_t cut = n ? (data[pos - 5] >> 1) % n : 0;
        app_layer_tls_parser.parse(s, &ctx, to_server, data + pos, (uint32_t)cut, 0);
        app_layer_tls_parser.parse(s, &ctx, to_server, data + pos + cut, (uint32_t)(n - cut), 0);
        pos += n;
    }
    read_buffers(s);
    app_layer_tls_parser.parse(s, &ctx, true, NULL, 0, APP_FLAG_EOF);
    app_layer_tls_parser.parse(s, &ctx, false, NULL, 0, APP_FLAG_EOF);
    if (!app_layer_tls_parser.tx_done(s, true))
        abort();  /* both directions ended: the transaction must be complete */
    app_layer_tls_parser.state_free(s);
    return 0;
}
