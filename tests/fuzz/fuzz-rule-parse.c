/*
 * fuzz-rule-parse.c - libFuzzer target for the rule parser and the matching it sets up.
 *
 * The input's first line is a rule; the rest is a payload. The rule is parsed with the
 * stock address/port variables and the real app-layer buffer registry; when it loads, it is
 * built into a one-rule engine (prefilter included) and run against a TCP packet carrying the
 * payload, so every keyword's setup, its free and its inspection see hostile input. Nothing
 * may crash, leak or loop, whatever the rule text.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "applayer/app-layer.h"
#include "config/config.h"
#include "detect/detect-engine.h"
#include "detect/detect-keywords.h"
#include "detect/detect-parse.h"
#include "fuzz-text-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ConfNode *conf;
static CounterSet counters;

static void init_once(void)
{
    if (conf)
        return;
    conf = conf_new_default();
    applayer_init(conf);
    detect_buffer_keywords_init();
    counters_reset_registry();
    detect_register_counters();
    counter_set_init(&counters);
}

static void run_packet(Signature *sig, const uint8_t *payload, uint32_t len)
{
    DetectEngine *de = calloc(1, sizeof(*de));
    de->sigs = malloc(sizeof(Signature *));
    de->sigs[0] = sig;
    de->count = de->cap = 1;
    if (detect_engine_build_groups(de) == 0) {
        DetectThread *dt = detect_thread_new(de, &counters, NULL);
        uint8_t ip[20] = {0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6};
        Packet p;
        memset(&p, 0, sizeof(p));
        p.ip_version = 4;
        p.ip_hdr = ip;
        p.ip_hdr_len = 20;
        p.proto = IPPROTO_TCP;
        p.src.family = p.dst.family = AF_INET;
        p.sp = 1234;
        p.dp = 80;
        p.payload = payload;
        p.payload_len = len;
        p.tcp_flags = 0x18;
        Flow f;
        memset(&f, 0, sizeof(f));
        f.flow_id = 1;
        f.state = FLOW_STATE_ESTABLISHED;
        if (dt) {
            detect_packet(dt, &p, &f);
            detect_packet(dt, &p, NULL);
            detect_flow_end(dt, &f);
            detect_flow_release(dt, &f);
            detect_thread_free(dt);
        }
    }
    detect_engine_free(de);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    size_t line = 0;
    while (line < size && data[line] != '\n')
        line++;
    char *rule = fuzz_text_copy(data, line);
    if (!rule)
        return 0;
    char err[1024];
    Signature *sig = signature_parse(rule, conf, err, sizeof(err));
    free(rule);
    if (!sig)
        return 0;
    const uint8_t *payload = line < size ? data + line + 1 : data + size;
    run_packet(sig, payload, (uint32_t)(data + size - payload));
    return 0;
}
