/*
 * detect-parse.c - one rule's text into a Signature.
 *
 * "action proto src sport -> dst dport (keyword:value; keyword; ...)". The header is split
 * into its seven fields (brackets may contain spaces); options are split on semicolons that
 * are not escaped, and each is handed to its keyword's setup in order,
 * because order matters (content modifiers apply to the content before them, sticky
 * buffers to the contents after them). Errors name the keyword and what is wrong; the loader
 * adds file, line and sid.
 */
#include "detect/detect-parse.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/detect-address.h"
#include "detect/detect-port.h"

#define HEADER_FIELDS 7

typedef struct ProtoName {
    const char *name;
    uint8_t ipproto;
    AppProto alproto;
} ProtoName;

static const ProtoName proto_names[] = {
    {"ip", 0, ALPROTO_UNKNOWN},          {"pkthdr", 0, ALPROTO_UNKNOWN},
    {"tcp", IPPROTO_TCP, ALPROTO_UNKNOWN}, {"tcp-pkt", IPPROTO_TCP, ALPROTO_UNKNOWN},
    {"tcp-stream", IPPROTO_TCP, ALPROTO_UNKNOWN}, {"udp", IPPROTO_UDP, ALPROTO_UNKNOWN},
    {"icmp", IPPROTO_ICMP, ALPROTO_UNKNOWN}, {"icmpv4", IPPROTO_ICMP, ALPROTO_UNKNOWN},
    {"icmpv6", IPPROTO_ICMPV6, ALPROTO_UNKNOWN}, {"sctp", IPPROTO_SCTP, ALPROTO_UNKNOWN},
    {"http", IPPROTO_TCP, ALPROTO_HTTP},  {"http1", IPPROTO_TCP, ALPROTO_HTTP},
    {"tls", IPPROTO_TCP, ALPROTO_TLS},    {"ssl", IPPROTO_TCP, ALPROTO_TLS},
    {"dns", 0, ALPROTO_DNS},
    {"ftp", IPPROTO_TCP, ALPROTO_FTP},    {"ftp-data", IPPROTO_TCP, ALPROTO_FTPDATA},
    {"smb", IPPROTO_TCP, ALPROTO_SMB},
    {"smtp", IPPROTO_TCP, ALPROTO_SMTP},
};

static int parse_action(Signature *sig, const char *s, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        SigAction action;
        SigRejectTarget target;
    } actions[] = {{"alert", SIG_ACTION_ALERT, 0}, {"pass", SIG_ACTION_PASS, 0},
                   {"drop", SIG_ACTION_DROP, 0},   {"reject", SIG_ACTION_REJECT, 0},
                   {"rejectsrc", SIG_ACTION_REJECT, SIG_REJECT_TO_CLIENT},
                   {"rejectdst", SIG_ACTION_REJECT, SIG_REJECT_TO_SERVER},
                   {"rejectboth", SIG_ACTION_REJECT, SIG_REJECT_BOTH},
                   {"config", SIG_ACTION_PASS, 0}};
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(s, actions[i].name) == 0) {
            sig->action = actions[i].action;
            sig->reject_target = (uint8_t)actions[i].target;
            return 0;
        }
    }
    snprintf(err, errlen, "unknown action \"%s\"", s);
    return -1;
}

/* App-layer protocols Suricata 7 parses and bongsu does not: their rules load (so rule sets
 * load as they do in Suricata) but can never match, which the load summary reports. */
static const char *const unsupported_protos[] = {
    "ssh", "dcerpc", "nfs", "krb5", "ike", "ikev2", "dhcp",
    "snmp", "sip", "rfb", "mqtt", "rdp", "http2", "quic", "modbus", "dnp3", "enip", "tftp",
    "ntp", "imap", "pop3", "telnet", "bittorrent-dht", "pgsql",
};

static int parse_proto(Signature *sig, const char *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(unsupported_protos) / sizeof(unsupported_protos[0]); i++) {
        if (strcasecmp(s, unsupported_protos[i]) == 0) {
            sig->flags |= SIG_FLAG_INERT;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
        if (strcasecmp(s, proto_names[i].name) == 0) {
            sig->ipproto = proto_names[i].ipproto;
            sig->alproto = proto_names[i].alproto;
            if (sig->alproto != ALPROTO_UNKNOWN)
                sig->flags |= SIG_FLAG_APPLAYER;
            if (strcasecmp(s, "tcp-pkt") == 0)
                sig->flags |= SIG_FLAG_REQUIRE_PACKET;
            else if (strcasecmp(s, "tcp-stream") == 0)
                sig->flags |= SIG_FLAG_STREAM_ONLY;
            return 0;
        }
    }
    snprintf(err, errlen, "protocol \"%s\" is not supported", s);
    return -1;
}

/* Splits the header into fields; brackets keep their spaces. Returns the field count. */
static int split_header(char *header, char *fields[HEADER_FIELDS + 1])
{
    int count = 0;
    char *c = header;
    while (*c && count <= HEADER_FIELDS) {
        while (isspace((unsigned char)*c))
            c++;
        if (!*c)
            break;
        fields[count++] = c;
        int depth = 0;
        while (*c && (depth > 0 || !isspace((unsigned char)*c))) {
            if (*c == '[')
                depth++;
            else if (*c == ']')
                depth--;
            c++;
        }
        if (*c)
            *c++ = '\0';
    }
    return count;
}

static int parse_header(Signature *sig, char *header, const struct ConfNode *conf, char *err,
                        size_t errlen)
{
    char *f[HEADER_FIELDS + 1];
    int n = split_header(header, f);
    if (n != HEADER_FIELDS) {
        snprintf(err, errlen, "rule header needs 7 fields (action proto src port dir dst port), "
                              "found %d", n);
        return -1;
    }
    if (parse_action(sig, f[0], err, errlen) || parse_proto(sig, f[1], err, errlen))
        return -1;
    if (strcmp(f[4], "<>") == 0)
        sig->flags |= SIG_FLAG_BIDIR;
    else if (strcmp(f[4], "->") != 0) {
        snprintf(err, errlen, "unknown direction \"%s\" (-> or <>)", f[4]);
        return -1;
    }
    if (addr_set_parse(&sig->src, f[2], conf, err, errlen) ||
        port_set_parse(&sig->sp, f[3], conf, err, errlen) ||
        addr_set_parse(&sig->dst, f[5], conf, err, errlen) ||
        port_set_parse(&sig->dp, f[6], conf, err, errlen))
        return -1;
    return 0;
}

/* Unescapes and unquotes an option value in place: "a\;b" -> a;b, "\"x\"" -> x. */
static char *clean_value(char *v)
{
    while (isspace((unsigned char)*v))
        v++;
    size_t len = strlen(v);
    while (len && isspace((unsigned char)v[len - 1]))
        v[--len] = '\0';
    return v;
}

static int apply_option(Signature *sig, char *opt, char *err, size_t errlen)
{
    char *colon = NULL;
    for (char *c = opt; *c; c++) {
        if (*c == ':') {
            colon = c;
            break;
        }
    }
    char *value = NULL;
    if (colon) {
        *colon = '\0';
        value = clean_value(colon + 1);
    }
    char *name = clean_value(opt);
    if (!*name)
        return 0;
    const DetectKeyword *kw = detect_keyword_find(name);
    if (!kw) {
        snprintf(err, errlen, "unknown keyword \"%s\"", name);
        return -1;
    }
    char kw_err[512] = "";
    if (kw->setup(kw, sig, value, kw_err, sizeof(kw_err)) != 0) {
        snprintf(err, errlen, "%s: %s", name, kw_err[0] ? kw_err : "invalid value");
        return -1;
    }
    return 0;
}

/* Walks the option text, cutting at semicolons that are not escaped. Quotes do not protect
 * a semicolon (Suricata does not track them either: pcre:"/["']x/" is valid), so values
 * write \; for a literal one. */
static int parse_options(Signature *sig, char *opts, char *err, size_t errlen)
{
    char *start = opts;
    for (char *c = opts;; c++) {
        if (*c == '\\' && c[1]) {
            c++;
            continue;
        }
        if (*c == ';' || *c == '\0') {
            bool end = *c == '\0';
            *c = '\0';
            if (apply_option(sig, start, err, errlen) != 0)
                return -1;
            if (end)
                break;
            start = c + 1;
        }
    }
    return 0;
}

Signature *signature_parse(const char *rule, const struct ConfNode *conf, char *err,
                           size_t errlen)
{
    char *text = strdup(rule);
    Signature *sig = calloc(1, sizeof(Signature));
    if (!text || !sig) {
        free(text);
        free(sig);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sig->gid = 1;
    sig->rev = 0;
    sig->priority = 0;
    sig->active_buffer = -1;
    for (int i = 0; i < SIG_LIST_FIXED_COUNT; i++)
        sig->fixed[i].buffer_id = -1;
    char *open = strchr(text, '(');
    char *close = strrchr(text, ')');
    int rc = -1;
    if (!open || !close || close < open) {
        snprintf(err, errlen, "rule options must be enclosed in ( )");
    } else {
        *open = '\0';
        *close = '\0';
        rc = parse_header(sig, text, conf, err, errlen);
        if (rc == 0)
            rc = parse_options(sig, open + 1, err, errlen);
        if (rc == 0)
            rc = signature_finish(sig, err, errlen);
    }
    free(text);
    if (rc != 0) {
        signature_free(sig);
        return NULL;
    }
    return sig;
}

uint32_t rule_text_sid(const char *rule)
{
    for (const char *c = strstr(rule, "sid"); c; c = strstr(c + 3, "sid")) {
        bool starts_option = c == rule || c[-1] == ';' || c[-1] == '(' || isspace((unsigned char)c[-1]);
        const char *v = c + 3;
        while (isspace((unsigned char)*v))
            v++;
        if (starts_option && *v == ':')
            return (uint32_t)strtoul(v + 1, NULL, 10);
    }
    return 0;
}
