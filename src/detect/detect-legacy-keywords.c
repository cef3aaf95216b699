/*
 * detect-legacy-keywords.c - Suricata 7 keywords that are older spellings of ones bongsu has:
 * uricontent, tcp.flags, tls.fingerprint, tls.issuerdn, and bypass.
 *
 * Rule sets still carry them (ET Open's older rules, suricata-verify's regression tests), and
 * Suricata 7 loads them, so each is rewritten here into the keyword it stands for instead of
 * being a second implementation:
 *   uricontent:"x";             -> content:"x"; http_uri;
 *   tcp.flags:S;                -> flags:S;
 *   tls.fingerprint:"aa:bb";    -> tls.cert_fingerprint; content:"aa:bb"; nocase;  (Suricata
 *                                  compares the fingerprint without regard to case)
 *   tls.issuerdn:[!]"CN=x";     -> tls.cert_issuer; content:[!]"CN=x";  (a substring test)
 * The last two are not sticky: the buffer that was active before stays active.
 * bypass asks the capture to stop delivering the flow. With pcap input there is no capture
 * bypass, so Suricata bypasses locally: the flow's state becomes "bypassed" (EVE flow.state,
 * flow.bypass "local"); that is what a match does here.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect-content.h"
#include "detect/detect-keywords.h"

static int uricontent_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                            char *err, size_t errlen)
{
    (void)kw;
    if (sig_in_sticky_buffer(sig)) {
        snprintf(err, errlen, "cannot follow a sticky buffer");
        return -1;
    }
    if (detect_keyword_call("content", sig, value, err, errlen) != 0)
        return -1;
    return detect_keyword_call("http_uri", sig, NULL, err, errlen);
}

static int tcp_flags_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    (void)kw;
    return detect_keyword_call("flags", sig, value, err, errlen);
}

typedef struct BufferContent {
    const char *value;
    bool nocase;
} BufferContent;

static int add_content(Signature *sig, void *arg, char *err, size_t errlen)
{
    const BufferContent *bc = arg;
    if (detect_keyword_call("content", sig, bc->value, err, errlen) != 0)
        return -1;
    return bc->nocase ? detect_keyword_call("nocase", sig, NULL, err, errlen) : 0;
}

/* A content in `buffer`, leaving the rule's active buffer as it was. */
static int buffer_content(Signature *sig, const char *buffer, const char *value, bool nocase,
                          char *err, size_t errlen)
{
    BufferContent bc = {value, nocase};
    return detect_keyword_in_buffer(sig, buffer, add_content, &bc, err, errlen);
}

static int tls_fingerprint_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                                 char *err, size_t errlen)
{
    (void)kw;
    return buffer_content(sig, "tls.cert_fingerprint", value, true, err, errlen);
}

static int tls_issuerdn_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                              char *err, size_t errlen)
{
    (void)kw;
    return buffer_content(sig, "tls.cert_issuer", value, false, err, errlen);
}

static int bypass_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                        size_t errlen)
{
    if (value && *value) {
        snprintf(err, errlen, "takes no value");
        return -1;
    }
    return sig_append(sig, SIG_LIST_POSTMATCH, kw, NULL) ? 0 : -1;
}

/* Post-match action: marks the flow bypassed. */
static bool bypass_match(DetectMatchCtx *m, const void *ctx)
{
    (void)ctx;
    if (m->f)
        m->f->bypassed = true;
    return true;
}

const DetectKeyword detect_legacy_keywords[] = {
    {.name = "uricontent", .setup = uricontent_setup},
    {.name = "tcp.flags", .setup = tcp_flags_setup},
    {.name = "tls.fingerprint", .setup = tls_fingerprint_setup},
    {.name = "tls.issuerdn", .setup = tls_issuerdn_setup},
    {.name = "bypass", .setup = bypass_setup, .match_packet = bypass_match},
    {.name = NULL},
};
