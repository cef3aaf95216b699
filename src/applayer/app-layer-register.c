/*
 * app-layer-register.c - the table of application-layer parsers and their settings.
 *
 * A new protocol is added here: one line in `parsers` naming its AppLayerParser (defined in
 * its own app-layer-<proto>.c), nothing else in the framework changes. Each protocol can be
 * switched off (app-layer.protocols.<name>.enabled: no) or given other detection ports
 * (app-layer.protocols.<name>.detection-ports.dp) in the configuration, as in Suricata, per
 * transport where the configuration has <name>.tcp / <name>.udp sections (DNS).
 */
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-dns.h"
#include "applayer/app-layer-ftp.h"
#include "applayer/app-layer-http.h"
#include "applayer/app-layer-smb.h"
#include "applayer/app-layer-smtp.h"
#include "applayer/app-layer-internal.h"
#include "applayer/app-layer-tls.h"
#include "config/config.h"

#define MAX_DETECT_PORTS 32

static const AppLayerParser *parsers[ALPROTO_MAX];

typedef struct PortList {
    uint16_t ports[MAX_DETECT_PORTS];
    int count;        /* 0: any port */
} PortList;

/* Per transport ([is_tcp]): DNS has app-layer.protocols.dns.tcp and .udp sections. Ports
 * are the server's (dp, the usual form) or the client's (sp). */
typedef struct ProtoSettings {
    bool enabled[2];
    PortList dp[2], sp[2];
} ProtoSettings;

static ProtoSettings settings[ALPROTO_MAX];
/* stream.midstream: detection also looks at the flow the other way round, as Suricata's
 * probing does, so a flow first seen from the server side is still recognised. */
static bool midstream;

const AppLayerParser *applayer_parser(AppProto proto)
{
    return (unsigned)proto < ALPROTO_MAX ? parsers[proto] : NULL;
}

bool applayer_proto_enabled(AppProto proto, bool tcp)
{
    return (unsigned)proto < ALPROTO_MAX && parsers[proto] && settings[proto].enabled[tcp];
}

static bool port_listed(const PortList *l, uint16_t port)
{
    for (int i = 0; i < l->count; i++)
        if (l->ports[i] == port)
            return true;
    return false;
}

/* The flow is keyed client first, so dp is the server's port. A parser without ports is
 * asked on any port. */
bool applayer_port_matches(AppProto proto, bool tcp, uint16_t sp, uint16_t dp)
{
    const ProtoSettings *s = &settings[proto];
    const PortList *dps = &s->dp[tcp], *sps = &s->sp[tcp];
    if (dps->count == 0 && sps->count == 0)
        return true;
    if (port_listed(dps, dp) || port_listed(sps, sp))
        return true;
    return midstream && (port_listed(dps, sp) || port_listed(sps, dp));
}

/* "53", "[80, 8080]", "80,443" -> port list. Ranges are not needed by any stock setting. */
static void parse_ports(PortList *l, const char *spec)
{
    l->count = 0;
    const char *c = spec;
    while (*c && l->count < MAX_DETECT_PORTS) {
        while (*c && (*c < '0' || *c > '9'))
            c++;
        if (!*c)
            break;
        long port = strtol(c, (char **)&c, 10);
        if (port > 0 && port <= 65535)
            l->ports[l->count++] = (uint16_t)port;
    }
}

/* app-layer.protocols.<name>.<leaf>, or else <name>.<tcp|udp>.<leaf>, as Suricata looks
 * them up; NULL when neither is set. */
static const ConfNode *proto_conf(const ConfNode *conf, const char *name, bool tcp,
                                  const char *leaf)
{
    char key[160];
    snprintf(key, sizeof(key), "app-layer.protocols.%s.%s", name, leaf);
    const ConfNode *n = conf ? conf_node(conf, key) : NULL;
    if (n)
        return n;
    snprintf(key, sizeof(key), "app-layer.protocols.%s.%s.%s", name, tcp ? "tcp" : "udp", leaf);
    return conf ? conf_node(conf, key) : NULL;
}

static void configure_transport(ProtoSettings *s, const AppLayerParser *parser,
                                const ConfNode *conf, bool tcp)
{
    const ConfNode *enabled = proto_conf(conf, parser->name, tcp, "enabled");
    const char *v = enabled ? conf_node_value(enabled) : NULL;
    /* "detection-only" still detects; bongsu then also parses, which costs nothing more. */
    s->enabled[tcp] = !v || strcmp(v, "no") != 0;
    const char *defaults = parser->default_ports ? parser->default_ports : "";
    parse_ports(&s->dp[tcp], defaults);
    s->sp[tcp].count = 0;
    const ConfNode *ports = proto_conf(conf, parser->name, tcp, "detection-ports");
    if (!ports || !defaults[0])
        return;
    const char *dp = conf_get(ports, "dp"), *sp = conf_get(ports, "sp");
    dp = dp ? dp : conf_get(ports, "toserver");
    sp = sp ? sp : conf_get(ports, "toclient");
    parse_ports(&s->dp[tcp], dp ? dp : "");
    parse_ports(&s->sp[tcp], sp ? sp : "");
}

static void configure(AppProto proto, const AppLayerParser *parser, const ConfNode *conf)
{
    configure_transport(&settings[proto], parser, conf, false);
    configure_transport(&settings[proto], parser, conf, true);
    if (parser->configure)
        parser->configure(conf);
}

int applayer_init(const ConfNode *conf)
{
    /* The parsers bongsu has. Keep in AppProto order. */
    const AppLayerParser *const available[] = {
        &app_layer_http_parser,
        &app_layer_dns_parser,
        &app_layer_tls_parser,
        &app_layer_ftp_parser,
        &app_layer_ftpdata_parser,
        &app_layer_smb_parser,
        &app_layer_smtp_parser,
    };
    memset(parsers, 0, sizeof(parsers));
    midstream = conf && conf_get_bool(conf, "stream.midstream", false);
    for (size_t i = 0; i < sizeof(available) / sizeof(available[0]); i++) {
        const AppLayerParser *p = available[i];
        if (!p)
            continue;
        parsers[p->proto] = p;
        configure(p->proto, p, conf);
    }
    /* after the parsers: HTTP's own file.data (its body) stays HTTP's */
    applayer_buffer_register_files("file.name", file_name_get);
    applayer_buffer_on_rule_use(applayer_buffer_register_files("file.data", file_data_get),
                                file_data_request);
    applayer_register_counters();
    return 0;
}
