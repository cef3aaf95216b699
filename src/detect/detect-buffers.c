/*
 * detect-buffers.c - rule keywords for app-layer buffers.
 *
 * Every buffer the app-layer parsers registered (applayer_buffer_register) becomes a sticky
 * buffer keyword under its name ("http.uri;") and under Suricata's underscore alias
 * ("dns_query;", "tls_sni;", "file_data;"). The legacy HTTP content modifiers
 * ("content:"x"; http_uri;") move the preceding content into their buffer instead.
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

static void add_keyword(const char *name, const char *buffer, bool modifier)
{
    if (buffer_keyword_count >= MAX_BUFFER_KEYWORDS)
        return;
    char *owned = strdup(name);
    buffer_keyword_names[buffer_keyword_count] = owned;
    buffer_keywords[buffer_keyword_count++] = (DetectKeyword){
        .name = owned, .buffer_name = buffer, .setup = modifier ? modifier_setup : sticky_setup};
}

void detect_buffer_keywords_init(void)
{
    for (int i = 0; i < buffer_keyword_count; i++)
        free(buffer_keyword_names[i]);
    buffer_keyword_count = 0;
    for (int id = 0; applayer_buffer_name(id); id++) {
        const char *name = applayer_buffer_name(id);
        add_keyword(name, name, false);
        char alias[128];
        snprintf(alias, sizeof(alias), "%s", name);
        for (char *c = alias; *c; c++)
            if (*c == '.')
                *c = '_';
        if (strcmp(alias, name) != 0)
            add_keyword(alias, name, false);
    }
    for (size_t i = 0; i < sizeof(legacy_modifiers) / sizeof(legacy_modifiers[0]); i++)
        if (applayer_buffer_id(legacy_modifiers[i].buffer) >= 0)
            add_keyword(legacy_modifiers[i].modifier, legacy_modifiers[i].buffer, true);
}

const DetectKeyword *detect_buffer_keyword_find(const char *name)
{
    /* Modifiers were added last but must win over an underscore alias of the same name. */
    for (int i = buffer_keyword_count - 1; i >= 0; i--)
        if (strcmp(buffer_keywords[i].name, name) == 0)
            return &buffer_keywords[i];
    return NULL;
}
