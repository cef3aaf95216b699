/*
 * fuzz-x509.c - libFuzzer target for certificate decoding: the X.509 fields Suricata logs
 * (names printed as x509-parser does, raw serial, validity, fingerprint) and the TLS
 * Certificate message that carries a chain.
 *
 * The input is one DER certificate (the corpus holds real ones from the TLS fixtures). It is
 * decoded directly, then wrapped into a Certificate message list twice over, the second copy
 * cut short by the input's last byte, and parsed as a server's chain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-tls-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_info(const TlsCertInfo *info)
{
    /* the fingerprint is "xx:" * 19 + "xx" */
    if (strlen(info->fingerprint) != 59 || !info->subject || !info->issuer || !info->serial)
        abort();
    char buf[32];
    tls_format_time(info->not_before, buf);
    tls_format_time(info->not_after, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    TlsCertInfo info;
    if (!tls_cert_decode(data, (uint32_t)size, &info)) {
        check_info(&info);
        tls_cert_info_free(&info);
    }
    /* certificate_list: this cert, then the same cert with a length that may overrun */
    size_t list = 2 * (3 + size);
    uint8_t *msg = malloc(3 + list);
    if (!msg)
        return 0;
    uint8_t *p = msg;
    uint32_t second = (uint32_t)size + (size ? data[size - 1] % 4 : 0);
    *p++ = (uint8_t)(list >> 16), *p++ = (uint8_t)(list >> 8), *p++ = (uint8_t)list;
    for (int copy = 0; copy < 2; copy++) {
        uint32_t n = copy ? second : (uint32_t)size;
        *p++ = (uint8_t)(n >> 16), *p++ = (uint8_t)(n >> 8), *p++ = (uint8_t)n;
        memcpy(p, data, size);
        p += size;
    }
    TlsState *s = app_layer_tls_parser.state_new();
    tls_parse_certificates(s, &s->server, msg, (uint32_t)(3 + list));
    if (s->server.has_cert)
        check_info(&s->server.cert);
    app_layer_tls_parser.state_free(s);
    free(msg);
    return 0;
}
