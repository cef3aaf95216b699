/*
 * app-layer-register.c - the table of application-layer parsers and their settings.
 *
 * A new protocol is added here: one line in `parsers` naming its AppLayerParser (defined in
 * its own app-layer-<proto>.c), nothing else in the framework changes. Each protocol can be
 * switched off (app-layer.protocols.<name>.enabled: no) or given other detection ports
 * (app-layer.protocols.<name>.detection-ports.dp) in the configuration, as in Suricata.
 */
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-dns.h"
#include "applayer/app-layer-http.h"
#include "applayer/app-layer-internal.h"
#include "applayer/app-layer-tls.h"
#include "config/config.h"

#define MAX_DETECT_PORTS 32

static const AppLayerParser *parsers[ALPROTO_MAX];

typedef struct ProtoSettings {
    bool enabled;
    uint16_t ports[MAX_DETECT_PORTS];
    int port_count;   /* 0: any port */
} ProtoSettings;

static ProtoSettings settings[ALPROTO_MAX];

const AppLayerParser *applayer_parser(AppProto proto)
{
    return (unsigned)proto < ALPROTO_MAX ? parsers[proto] : NULL;
}

bool applayer_proto_enabled(AppProto proto)
{
    return (unsigned)proto < ALPROTO_MAX && parsers[proto] && settings[proto].enabled;
}

bool applayer_port_matches(AppProto proto, uint16_t sp, uint16_t dp)
{
    const ProtoSettings *s = &settings[proto];
    if (s->port_count == 0)
        return true;
    for (int i = 0; i < s->port_count; i++)
        if (s->ports[i] == dp || s->ports[i] == sp)
            return true;
    return false;
}

/* "53", "[80, 8080]", "80,443" -> port list. Ranges are not needed by any stock setting. */
static void parse_ports(ProtoSettings *s, const char *spec)
{
    s->port_count = 0;
    const char *c = spec;
    while (*c && s->port_count < MAX_DETECT_PORTS) {
        while (*c && (*c < '0' || *c > '9'))
            c++;
        if (!*c)
            break;
        long port = strtol(c, (char **)&c, 10);
        if (port > 0 && port <= 65535)
            s->ports[s->port_count++] = (uint16_t)port;
    }
}

static void configure(AppProto proto, const AppLayerParser *parser, const ConfNode *conf)
{
    char key[128];
    ProtoSettings *s = &settings[proto];
    snprintf(key, sizeof(key), "app-layer.protocols.%s.enabled", parser->name);
    const char *enabled = conf ? conf_get(conf, key) : NULL;
    /* "detection-only" still detects; bongsu then also parses, which costs nothing more. */
    s->enabled = !enabled || strcmp(enabled, "no") != 0;
    parse_ports(s, parser->default_ports ? parser->default_ports : "");
    if (parser->configure)
        parser->configure(conf);
    snprintf(key, sizeof(key), "app-layer.protocols.%s.detection-ports.dp", parser->name);
    const char *ports = conf ? conf_get(conf, key) : NULL;
    if (ports && parser->default_ports && parser->default_ports[0])
        parse_ports(s, ports);
}

int applayer_init(const ConfNode *conf)
{
    /* The parsers bongsu has. Keep in AppProto order. */
    const AppLayerParser *const available[] = {
        &app_layer_http_parser,
        &app_layer_dns_parser,
        &app_layer_tls_parser,
    };
    memset(parsers, 0, sizeof(parsers));
    for (size_t i = 0; i < sizeof(available) / sizeof(available[0]); i++) {
        const AppLayerParser *p = available[i];
        if (!p)
            continue;
        parsers[p->proto] = p;
        configure(p->proto, p, conf);
    }
    applayer_register_counters();
    return 0;
}
