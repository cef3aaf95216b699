/*
 * detect-buffers.c - rule keywords for app-layer buffers.
 *
 * Every buffer the app-layer parsers registered (applayer_buffer_register) becomes a sticky
 * buffer keyword under its name ("http.uri;") and under Suricata's underscore alias
 * ("dns_query;", "tls_sni;", "file_data;"). The legacy HTTP content modifiers
 * ("content:"x"; http_uri;") move the preceding content into their buffer instead.
 *
 * Suricata 7 buffers that no bongsu parser offers yet (tls.certs, http.accept...) are known
 * by name too, so that rule sets load with Suricata's verdicts; a rule using one is inert
 * (it never matches, and the load summary counts it) until a parser registers the buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-keywords.h"

static const struct {
    const char *modifier, *buffer;
} legacy_modifiers[] = {
    {"http_uri", "http.uri"},
    {"http_raw_uri", "http.uri.raw"},
    {"http_method", "http.method"},
    {"http_header", "http.header"},
    {"http_raw_header", "http.header.raw"},
    {"http_cookie", "http.cookie"},
    {"http_user_agent", "http.user_agent"},
    {"http_host", "http.host"},
    {"http_raw_host", "http.host.raw"},
    {"http_client_body", "http.request_body"},
    {"http_server_body", "http.response_body"},
    {"http_stat_code", "http.stat_code"},
    {"http_stat_msg", "http.stat_msg"},
};

/* Suricata 7 sticky buffers of the protocols bongsu parses, for rules using ones that no
 * parser registered, and of some it does not parse (ET Open's ssh_proto). */
static const struct {
    const char *name;
    AppProto proto;
} suricata_buffers[] = {
    {"tls.certs", ALPROTO_TLS},          {"tls.subjectaltname", ALPROTO_TLS},
    {"tls.cert_subject", ALPROTO_TLS},   {"tls.cert_issuer", ALPROTO_TLS},
    {"tls.cert_serial", ALPROTO_TLS},    {"tls.cert_fingerprint", ALPROTO_TLS},
    {"tls.sni", ALPROTO_TLS},            {"ja3.hash", ALPROTO_TLS},
    {"ja3.string", ALPROTO_TLS},         {"ja3s.hash", ALPROTO_TLS},
    {"ja3s.string", ALPROTO_TLS},        {"http.content_len", ALPROTO_HTTP},
    {"http.accept", ALPROTO_HTTP},       {"http.accept_enc", ALPROTO_HTTP},
    {"http.accept_lang", ALPROTO_HTTP},  {"http.connection", ALPROTO_HTTP},
    {"http.request_header", ALPROTO_HTTP}, {"http.response_header", ALPROTO_HTTP},
    {"http.referer", ALPROTO_HTTP},      {"http.location", ALPROTO_HTTP},
    {"http.server", ALPROTO_HTTP},       {"http.content_type", ALPROTO_HTTP},
    {"http.header_names", ALPROTO_HTTP}, {"http.protocol", ALPROTO_HTTP},
    {"http.start", ALPROTO_HTTP},        {"http.request_line", ALPROTO_HTTP},
    {"http.response_line", ALPROTO_HTTP}, {"file.name", ALPROTO_HTTP},
    {"dns.query", ALPROTO_DNS},
    /* protocols bongsu does not parse: their rules are inert anyway ("alert ssh") */
    {"ssh.proto", ALPROTO_UNKNOWN},      {"ssh.software", ALPROTO_UNKNOWN},
};

/* List ids for those buffers: below every registered id and the fixed lists' -1. */
#define UNAVAILABLE_BUFFER_BASE (-100)

#define MAX_BUFFER_KEYWORDS 256

static DetectKeyword buffer_keywords[MAX_BUFFER_KEYWORDS];
static char *buffer_keyword_names[MAX_BUFFER_KEYWORDS];
static int buffer_keyword_count;

static int sticky_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                        size_t errlen)
{
    (void)value;
    int id = applayer_buffer_id(kw->buffer_name);
    if (id < 0 || sig_set_sticky_buffer(sig, id) != 0) {
        snprintf(err, errlen, "buffer %s cannot be used in this rule (protocol conflict?)",
                 kw->buffer_name);
        return -1;
    }
    return 0;
}

/* A Suricata buffer no parser offers: contents go to a list of their own that is never
 * inspected, and the rule is inert. */
static int unavailable_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                             char *err, size_t errlen)
{
    (void)value;
    for (size_t i = 0; i < sizeof(suricata_buffers) / sizeof(suricata_buffers[0]); i++) {
        if (strcmp(suricata_buffers[i].name, kw->buffer_name) != 0)
            continue;
        if (sig->alproto != ALPROTO_UNKNOWN && sig->alproto != suricata_buffers[i].proto) {
            snprintf(err, errlen, "buffer %s cannot be used in this rule (protocol conflict?)",
                     kw->buffer_name);
            return -1;
        }
        sig->alproto = suricata_buffers[i].proto;
        sig->flags |= SIG_FLAG_APPLAYER | SIG_FLAG_INERT;
        return sig_set_sticky_buffer(sig, UNAVAILABLE_BUFFER_BASE - (int)i);
    }
    return -1;
}

static int modifier_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                          size_t errlen)
{
    (void)value;
    int id = applayer_buffer_id(kw->buffer_name);
    if (id < 0) {
        snprintf(err, errlen, "buffer %s is not available", kw->buffer_name);
        return -1;
    }
    if (sig->active_buffer >= 0) {
        snprintf(err, errlen, "cannot be combined with a sticky buffer");
        return -1;
    }
    return sig_move_last_to_buffer(sig, id, err, errlen);
}

typedef int (*SetupFn)(const DetectKeyword *, Signature *, const char *, char *, size_t);

static void add_keyword(const char *name, const char *buffer, SetupFn setup)
{
    if (buffer_keyword_count >= MAX_BUFFER_KEYWORDS)
        return;
    char *owned = strdup(name);
    buffer_keyword_names[buffer_keyword_count] = owned;
    buffer_keywords[buffer_keyword_count++] =
        (DetectKeyword){.name = owned, .buffer_name = buffer, .setup = setup};
}

/* The buffer's name and its underscore alias (dns.query -> dns_query). */
static void add_with_alias(const char *name, SetupFn setup)
{
    add_keyword(name, name, setup);
    char alias[128];
    snprintf(alias, sizeof(alias), "%s", name);
    for (char *c = alias; *c; c++)
        if (*c == '.')
            *c = '_';
    if (strcmp(alias, name) != 0)
        add_keyword(alias, name, setup);
}

void detect_buffer_keywords_init(void)
{
    for (int i = 0; i < buffer_keyword_count; i++)
        free(buffer_keyword_names[i]);
    buffer_keyword_count = 0;
    for (int id = 0; applayer_buffer_name(id); id++)
        add_with_alias(applayer_buffer_name(id), sticky_setup);
    for (size_t i = 0; i < sizeof(suricata_buffers) / sizeof(suricata_buffers[0]); i++)
        if (applayer_buffer_id(suricata_buffers[i].name) < 0)
            add_with_alias(suricata_buffers[i].name, unavailable_setup);
    for (size_t i = 0; i < sizeof(legacy_modifiers) / sizeof(legacy_modifiers[0]); i++)
        if (applayer_buffer_id(legacy_modifiers[i].buffer) >= 0)
            add_keyword(legacy_modifiers[i].modifier, legacy_modifiers[i].buffer,
                        modifier_setup);
}

const DetectKeyword *detect_buffer_keyword_find(const char *name)
{
    /* Modifiers were added last but must win over an underscore alias of the same name. */
    for (int i = buffer_keyword_count - 1; i >= 0; i--)
        if (strcmp(buffer_keywords[i].name, name) == 0)
            return &buffer_keywords[i];
    return NULL;
}
