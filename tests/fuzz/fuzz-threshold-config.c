/*
 * fuzz-threshold-config.c - libFuzzer target for threshold.config.
 *
 * The input is a threshold.config file. It is read (line joining, the entry syntax, ip lists
 * and variables) and installed on a small engine of rules with and without their own
 * thresholds, then packets from a few addresses at a few times go through the thresholds it
 * set up, so parsing, installation, the state table and its freeing all see hostile input.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "config/config.h"
#include "detect/detect-engine.h"
#include "detect/detect-keywords.h"
#include "detect/detect-parse.h"
#include "detect/detect-threshold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ConfNode *conf;
static CounterSet counters;

static const char *const rules[] = {
    "alert tcp any any -> any any (content:\"a\"; sid:1;)",
    "alert tcp any any -> any any (content:\"a\"; threshold:type both, track by_src, count 2, "
    "seconds 5; sid:2;)",
    "alert tcp any any -> any any (content:\"a\"; detection_filter:track by_dst, count 1, "
    "seconds 3; gid:3; sid:3;)",
    "pass tcp any any -> any any (content:\"pass\"; sid:4;)",
};
#define RULE_COUNT (sizeof(rules) / sizeof(rules[0]))

static void init_once(void)
{
    if (conf)
        return;
    log_set_level(LOG_ERROR);
    conf = conf_new_default();
    char err[128];
    conf_set(conf, "vars.address-groups.FUZZ_NET=10.0.0.0/8", err, sizeof(err));
    detect_buffer_keywords_init();
    counters_reset_registry();
    detect_register_counters();
    counter_set_init(&counters);
}

static DetectEngine *small_engine(void)
{
    DetectEngine *de = calloc(1, sizeof(*de));
    de->sigs = calloc(RULE_COUNT, sizeof(Signature *));
    de->cap = RULE_COUNT;
    de->thresholds = threshold_store_new(4096, 8);
    char err[256];
    for (size_t i = 0; i < RULE_COUNT; i++) {
        Signature *sig = signature_parse(rules[i], conf, err, sizeof(err));
        if (!sig)
            abort();  /* the fixed rules always parse */
        sig->num = de->count;
        de->sigs[de->count++] = sig;
        threshold_sig_init(sig);
    }
    return de;
}

static void run_packets(DetectEngine *de)
{
    DetectThread *dt = detect_thread_new(de, &counters, NULL);
    if (!dt)
        return;
    uint8_t ip[20] = {0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6};
    for (int i = 0; i < 40; i++) {
        Packet p;
        memset(&p, 0, sizeof(p));
        p.ip_version = 4;
        p.ip_hdr = ip;
        p.ip_hdr_len = 20;
        p.proto = IPPROTO_TCP;
        p.src.family = p.dst.family = AF_INET;
        p.src.addr[0] = 10;
        p.src.addr[3] = (uint8_t)(i % 7);
        p.dst.addr[0] = 192;
        p.dst.addr[3] = (uint8_t)(i % 3);
        p.payload = (const uint8_t *)"a";
        p.payload_len = 1;
        p.tcp_flags = 0x18;
        p.ts_usec = (uint64_t)(i / 4) * 1000000u;
        detect_packet(dt, &p, NULL);
    }
    detect_thread_free(dt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    DetectEngine *de = small_engine();
    FILE *f = fmemopen((void *)data, size, "r");
    if (f) {
        threshold_config_read(de, conf, f, "fuzz");
        fclose(f);
    }
    if (detect_engine_build_groups(de) == 0)
        run_packets(de);
    detect_engine_free(de);
    return 0;
}
