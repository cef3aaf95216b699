/*
 * ddos-config.c - the ddos section of the configuration (see ddos-config.h).
 *
 * Default thresholds are per destination and deliberately high: they are meant to catch a
 * flood on a typical server link without a false alarm on a busy but healthy host; the
 * adaptive baseline catches smaller floods relative to what each victim normally receives.
 * Reflector classes get lower thresholds because a protected host seldom receives unsolicited
 * responses from port 123, 11211, 1900, 389, 19 or 161 at all.
 */
#include "ddos-config.h"

#include <arpa/inet.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const uint32_t default_pps[DDOS_CLASS_COUNT] = {
    [DDOS_SYN] = 10000,   [DDOS_ACK] = 50000,      [DDOS_RST] = 10000,
    [DDOS_TCP_OTHER] = 50000, [DDOS_UDP] = 50000,  [DDOS_DNS] = 10000,
    [DDOS_NTP] = 2000,    [DDOS_MEMCACHED] = 1000, [DDOS_SSDP] = 2000,
    [DDOS_CLDAP] = 1000,  [DDOS_CHARGEN] = 1000,   [DDOS_SNMP] = 2000,
    [DDOS_ICMP] = 10000,  [DDOS_FRAGMENT] = 10000, [DDOS_IPV4] = 200000,
    [DDOS_IPV6] = 200000,
};

void ddos_config_default(DdosConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->enabled = true;
    memcpy(cfg->thresholds.pps, default_pps, sizeof(default_pps));
    cfg->thresholds.bps = 2000000000ull;
    cfg->adaptive = true;
    cfg->adaptive_k = 4.0;
    cfg->adaptive_alpha = 0.05;
    cfg->adaptive_floor_pps = 2000;
    cfg->adaptive_warmup_sec = 60;
    cfg->max_victims = 1024;
    cfg->admit_pps = 100;
    cfg->update_sec = 10;
    cfg->end_after_sec = 10;
    cfg->victim_timeout_sec = 300;
    cfg->mitigation_timeout_sec = 10;
    cfg->mitigation_queue = 32;
}

int ddos_parse_prefix(const char *text, Address *net, uint8_t *bits)
{
    char buf[64];
    if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
        return -1;
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    memset(net, 0, sizeof(*net));
    int max;
    if (inet_pton(AF_INET, buf, net->addr) == 1) {
        net->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, net->addr) == 1) {
        net->family = AF_INET6;
        max = 128;
    } else {
        return -1;
    }
    long n = max;
    if (slash) {
        char *end;
        n = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || n < 0 || n > max)
            return -1;
    }
    *bits = (uint8_t)n;
    /* Clear host bits so containment is a plain masked compare. */
    for (int i = n; i < max; i++)
        net->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
    return 0;
}

/* High-order `bits` of a 64-bit word set (bits may be outside 0..64: clamped). */
static uint64_t word_mask(int bits)
{
    if (bits <= 0)
        return 0;
    return bits >= 64 ? UINT64_MAX : UINT64_MAX << (64 - bits);
}

static uint64_t load_be64(const uint8_t *bytes)
{
    uint64_t word;
    memcpy(&word, bytes, sizeof(word));
    return be64toh(word);
}

/* Two masked 64-bit compares: this runs for every packet while the detector is on, and the
 * byte-wise memcmp it replaced was a fifth of the detector's cost. Host bits of net are zero
 * (ddos_parse_prefix clears them); an IPv4 address fills the first four bytes, the rest 0. */
bool ddos_prefix_contains(const Address *net, uint8_t bits, const Address *a)
{
    if (net->family != a->family)
        return false;
    uint64_t high = load_be64(a->addr) & word_mask(bits);
    uint64_t low = load_be64(a->addr + 8) & word_mask(bits - 64);
    return high == load_be64(net->addr) && low == load_be64(net->addr + 8);
}

static const DdosPrefix *most_specific(const DdosPrefix *list, uint32_t n, const Address *a)
{
    const DdosPrefix *best = NULL;
    for (uint32_t i = 0; i < n; i++)
        if (ddos_prefix_contains(&list[i].net, list[i].bits, a) &&
            (!best || list[i].bits > best->bits))
            best = &list[i];
    return best;
}

const DdosPrefix *ddos_config_protected(const DdosConfig *cfg, const Address *a)
{
    return most_specific(cfg->protected, cfg->protected_count, a);
}

const DdosThresholds *ddos_config_thresholds(const DdosConfig *cfg, const Address *a)
{
    const DdosPrefix *o = most_specific(cfg->overrides, cfg->override_count, a);
    return o ? &o->thresholds : &cfg->thresholds;
}

/* thresholds: {class: pps, ..., bps: N} over base. */
static int read_thresholds(const ConfNode *node, DdosThresholds *t, char *err, size_t errlen)
{
    for (size_t i = 0; node && i < conf_node_count(node); i++) {
        const ConfNode *item = conf_node_child(node, i);
        const char *name = conf_node_name(item), *value = conf_node_value(item);
        int64_t n;
        if (!value || conf_parse_int(value, &n) != 0 || n < 0) {
            snprintf(err, errlen, "ddos.thresholds.%s: not a number", name);
            return -1;
        }
        if (strcmp(name, "bps") == 0) {
            t->bps = (uint64_t)n;
            continue;
        }
        int c = ddos_class_from_name(name);
        if (c < 0) {
            snprintf(err, errlen, "ddos.thresholds: unknown class \"%s\"", name);
            return -1;
        }
        t->pps[c] = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    }
    return 0;
}

static int add_prefix(DdosPrefix *list, uint32_t *count, const char *text, const char *where,
                      char *err, size_t errlen)
{
    if (*count >= DDOS_MAX_PREFIXES) {
        snprintf(err, errlen, "%s: more than %d prefixes", where, DDOS_MAX_PREFIXES);
        return -1;
    }
    DdosPrefix *p = &list[*count];
    if (!text || ddos_parse_prefix(text, &p->net, &p->bits) != 0) {
        snprintf(err, errlen, "%s: \"%s\" is not an address or prefix", where,
                 text ? text : "");
        return -1;
    }
    (*count)++;
    return 0;
}

/* Suricata's address-group syntax, "[10.0.0.0/8,!10.1.0.0/16,$DMZ]": plain prefixes are
 * taken; negations and variables cannot be resolved here and are skipped. */
static int read_home_net(const ConfNode *conf, DdosConfig *cfg, char *err, size_t errlen)
{
    const char *home = conf_get_str(conf, "vars.address-groups.HOME_NET", "");
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", home);
    for (char *save = NULL, *tok = strtok_r(buf, "[], \t", &save); tok;
         tok = strtok_r(NULL, "[], \t", &save)) {
        if (tok[0] == '!' || tok[0] == '$' || strcmp(tok, "any") == 0)
            continue;
        if (add_prefix(cfg->protected, &cfg->protected_count, tok,
                       "vars.address-groups.HOME_NET", err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int read_protected(const ConfNode *conf, DdosConfig *cfg, char *err, size_t errlen)
{
    const ConfNode *list = conf_node(conf, "ddos.protected");
    for (size_t i = 0; list && i < conf_node_count(list); i++)
        if (add_prefix(cfg->protected, &cfg->protected_count,
                       conf_node_value(conf_node_child(list, i)), "ddos.protected", err,
                       errlen) != 0)
            return -1;
    return cfg->protected_count ? 0 : read_home_net(conf, cfg, err, errlen);
}

static int read_overrides(const ConfNode *conf, DdosConfig *cfg, char *err, size_t errlen)
{
    const ConfNode *list = conf_node(conf, "ddos.overrides");
    for (size_t i = 0; list && i < conf_node_count(list); i++) {
        const ConfNode *item = conf_node_child(list, i);
        if (add_prefix(cfg->overrides, &cfg->override_count, conf_get(item, "prefix"),
                       "ddos.overrides", err, errlen) != 0)
            return -1;
        DdosPrefix *p = &cfg->overrides[cfg->override_count - 1];
        p->thresholds = cfg->thresholds;
        if (read_thresholds(conf_node_lookup(item, "thresholds"), &p->thresholds, err,
                            errlen) != 0)
            return -1;
    }
    return 0;
}

static int read_command(const ConfNode *conf, const char *key, DdosCommand *cmd, char *err,
                        size_t errlen)
{
    const ConfNode *list = conf_node(conf, key);
    if (!list)
        return 0;
    size_t n = conf_node_count(list);
    if (n > DDOS_MAX_ARGS) {
        snprintf(err, errlen, "%s: more than %d arguments", key, DDOS_MAX_ARGS);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *arg = conf_node_value(conf_node_child(list, i));
        if (!arg || strlen(arg) >= DDOS_MAX_ARG_LEN) {
            snprintf(err, errlen, "%s.%zu: not a string of under %d bytes", key, i,
                     DDOS_MAX_ARG_LEN);
            return -1;
        }
        snprintf(cmd->argv[i], DDOS_MAX_ARG_LEN, "%s", arg);
    }
    cmd->argc = (uint32_t)n;
    return 0;
}

static uint32_t get_u32(const ConfNode *conf, const char *key, uint32_t dflt)
{
    int64_t v = conf_get_int(conf, key, dflt);
    return v < 0 ? dflt : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static double get_double(const ConfNode *conf, const char *key, double dflt)
{
    const char *v = conf_get(conf, key);
    char *end;
    double d = v ? strtod(v, &end) : dflt;
    return v && (end == v || *end || d <= 0) ? dflt : d;
}

static void read_adaptive(const ConfNode *conf, DdosConfig *cfg)
{
    cfg->adaptive = conf_get_bool(conf, "ddos.adaptive.enabled", cfg->adaptive);
    cfg->adaptive_k = get_double(conf, "ddos.adaptive.k", cfg->adaptive_k);
    cfg->adaptive_alpha = get_double(conf, "ddos.adaptive.alpha", cfg->adaptive_alpha);
    if (cfg->adaptive_alpha > 1)
        cfg->adaptive_alpha = 1;
    cfg->adaptive_floor_pps = get_u32(conf, "ddos.adaptive.floor", cfg->adaptive_floor_pps);
    cfg->adaptive_warmup_sec = get_u32(conf, "ddos.adaptive.warmup", cfg->adaptive_warmup_sec);
}

int ddos_config_from_conf(const ConfNode *conf, DdosConfig *cfg, char *err, size_t errlen)
{
    ddos_config_default(cfg);
    cfg->enabled = conf_get_bool(conf, "ddos.enabled", cfg->enabled);
    if (read_thresholds(conf_node(conf, "ddos.thresholds"), &cfg->thresholds, err, errlen) ||
        read_protected(conf, cfg, err, errlen) || read_overrides(conf, cfg, err, errlen) ||
        read_command(conf, "ddos.mitigation.on-start", &cfg->on_start, err, errlen) ||
        read_command(conf, "ddos.mitigation.on-end", &cfg->on_end, err, errlen))
        return -1;
    read_adaptive(conf, cfg);
    cfg->max_victims = get_u32(conf, "ddos.max-victims", cfg->max_victims);
    if (cfg->max_victims < 1)
        cfg->max_victims = 1;
    cfg->admit_pps = get_u32(conf, "ddos.admit-pps", cfg->admit_pps);
    cfg->update_sec = get_u32(conf, "ddos.update-interval", cfg->update_sec);
    cfg->end_after_sec = get_u32(conf, "ddos.end-after", cfg->end_after_sec);
    cfg->victim_timeout_sec = get_u32(conf, "ddos.victim-timeout", cfg->victim_timeout_sec);
    cfg->mitigation_timeout_sec =
        get_u32(conf, "ddos.mitigation.timeout", cfg->mitigation_timeout_sec);
    cfg->mitigation_queue = get_u32(conf, "ddos.mitigation.queue", cfg->mitigation_queue);
    if (cfg->mitigation_queue < 1)
        cfg->mitigation_queue = 1;
    return 0;
}
