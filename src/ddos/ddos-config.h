/*
 * ddos-config.h - the `ddos:` configuration section, resolved once at start-up.
 *
 *   ddos:
 *     enabled: no
 *     protected: [192.0.2.0/24, 2001:db8::/32]  # empty: vars.address-groups.HOME_NET
 *     thresholds: {syn: 5000, udp: 20000, ..., bps: 1000000000}   # packets/s per class
 *     overrides:                                 # per-prefix thresholds, most specific wins
 *       - {prefix: 192.0.2.10/32, thresholds: {syn: 500}}
 *     adaptive: {enabled: yes, k: 4, floor: 1000, alpha: 0.05, warmup: 60}
 *     max-victims: 1024          # destinations tracked exactly (fixed memory)
 *     admit-pps: 100             # a destination earns an entry at this rate
 *     update-interval: 10        # seconds between "update" events of an attack
 *     end-after: 10              # quiet seconds before "end"
 *     victim-timeout: 300        # an idle victim's entry is released after this
 *     mitigation: {on-start: [argv...], on-end: [argv...], timeout: 10, queue: 32}
 *
 * Everything is copied into fixed arrays, so the detector never points back into the
 * configuration tree and EngineSettings can hold it by value.
 */
#ifndef BONGSU_DDOS_CONFIG_H
#define BONGSU_DDOS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "ddos/ddos-classify.h"
#include "decode/packet.h"

#define DDOS_MAX_PREFIXES 64
#define DDOS_MAX_ARGS 16
#define DDOS_MAX_ARG_LEN 256

typedef struct DdosThresholds {
    uint32_t pps[DDOS_CLASS_COUNT]; /* 0: no static threshold for that class */
    uint64_t bps;                   /* total bits/s to one victim; 0: none */
} DdosThresholds;

typedef struct DdosPrefix {
    Address net;
    uint8_t bits;
    DdosThresholds thresholds;      /* overrides: the global ones with this prefix's changes */
} DdosPrefix;

typedef struct DdosCommand {
    uint32_t argc;                  /* 0: no command */
    char argv[DDOS_MAX_ARGS][DDOS_MAX_ARG_LEN];
} DdosCommand;

typedef struct DdosConfig {
    bool enabled;
    uint32_t protected_count, override_count;
    DdosPrefix protected[DDOS_MAX_PREFIXES];
    DdosPrefix overrides[DDOS_MAX_PREFIXES];
    DdosThresholds thresholds;
    bool adaptive;
    double adaptive_k, adaptive_alpha;
    uint32_t adaptive_floor_pps, adaptive_warmup_sec;
    uint32_t max_victims, admit_pps;
    uint32_t update_sec, end_after_sec, victim_timeout_sec;
    DdosCommand on_start, on_end;
    uint32_t mitigation_timeout_sec, mitigation_queue;
} DdosConfig;

void ddos_config_default(DdosConfig *cfg);
/* Reads conf's ddos section over the defaults. Returns 0, or -1 with err filled (a prefix or
 * class name that does not parse, too many prefixes or arguments). */
int ddos_config_from_conf(const ConfNode *conf, DdosConfig *cfg, char *err, size_t errlen);
/* "10.0.0.0/8", "2001:db8::/32" or a bare address. Returns 0 or -1. */
int ddos_parse_prefix(const char *text, Address *net, uint8_t *bits);
bool ddos_prefix_contains(const Address *net, uint8_t bits, const Address *a);
/* The most specific protected prefix holding a (NULL: a is not protected) and the
 * thresholds that apply to it. */
const DdosPrefix *ddos_config_protected(const DdosConfig *cfg, const Address *a);
const DdosThresholds *ddos_config_thresholds(const DdosConfig *cfg, const Address *a);

#endif
