/*
 * detect-engine.h - the loaded rule set, its groups and prefilters, and the per-thread
 * matching state (see detect-engine.c, detect-load.c, detect-prefilter.c).
 */
#ifndef BONGSU_DETECT_ENGINE_H
#define BONGSU_DETECT_ENGINE_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "detect/detect-internal.h"

enum { DETECT_GROUP_TCP, DETECT_GROUP_UDP, DETECT_GROUP_ICMP, DETECT_GROUP_OTHER,
       DETECT_GROUP_COUNT };

struct Prefilter;
struct FlowVarStore;
struct ThresholdStore;

/* Signatures inspecting one buffer (the packet payload, or an app-layer buffer id) in one
 * group: a multi-pattern database over their fast patterns, and the ones without a fast
 * pattern in this buffer, which are candidates every time. */
typedef struct SigGroup {
    uint32_t *always;        /* signatures without a fast pattern: always candidates */
    uint32_t always_count;
    uint32_t *iponly;        /* IP-only rules: once per flow direction (every packet without
                              * a flow), as Suricata's IP-only engine */
    uint32_t iponly_count;
    struct Prefilter *pf;    /* NULL when no signature of the group has a fast pattern */
    uint32_t count;          /* signatures in the group */
} SigGroup;

/* Transaction rules of one app protocol: each rule's fast pattern lives in one of its
 * buffers, so there is one prefilter per buffer id. */
typedef struct TxGroup {
    uint32_t *always;        /* rules with no fast pattern: checked on every transaction */
    uint32_t always_count;
    struct Prefilter **by_buffer;  /* indexed by buffer id, NULL when unused */
    int buffer_slots;
    uint32_t count;
} TxGroup;

struct DetectEngine {
    Signature **sigs;
    uint32_t count, cap;
    uint32_t *sid_slots;     /* gid:sid index while loading: signature index + 1, 0 empty */
    uint32_t sid_slot_count;
    SigGroup packet_groups[DETECT_GROUP_COUNT];
    TxGroup tx_groups[ALPROTO_MAX];
    void *hs_scratch_proto;  /* grown for every prefilter; threads clone it */
    struct ThresholdStore *thresholds;  /* shared, locked: Suricata's thresholds are global */
    struct XbitsStore *xbits;           /* shared, locked: per host / address pair */
    struct DatasetRegistry *datasets;   /* shared sets, each locked */
    struct IprepStore *iprep;           /* read-only after load */
    DetectLoadStats stats;
    char loaded_at[40];      /* stats.detect.engines[0].last_reload */
    double prefilter_build_ms;
};

/* Alerts of one packet or transaction, in the order Suricata logs them. */
#define DETECT_ALERT_MAX 15

typedef struct DetectThread DetectThread;
struct DetectThread {
    const DetectEngine *de;
    CounterSet *counters;
    EveWriter *eve;
    /* Scratch reused on every packet. */
    pcre2_match_data *pcre_md;
    pcre2_match_context *pcre_mctx;
    void *hs_scratch;
    uint32_t *cand;          /* prefilter candidates (signature numbers) */
    uint32_t cand_count, cand_cap;
    uint32_t *seen;          /* per signature: the pass stamp that last added it */
    uint32_t stamp;
    uint8_t *xform[2];       /* transform output, ping-pong */
    uint32_t xform_cap[2];
    uint8_t *b64;            /* base64_decode output */
    uint32_t b64_cap;
    uint64_t vars[SIG_MAX_VARS];  /* byte_extract/byte_math values of the rule being checked */
    /* What the last detect_packet/detect_tx raised, in order (kept for tests and stats). */
    const Signature *alerts[DETECT_ALERT_MAX];
    SigAction alert_actions[DETECT_ALERT_MAX];  /* the action each alert is logged with */
    uint32_t alert_count;
    struct FlowVarStore *flowvars;  /* flowbits/flowint per flow of this worker */
    struct DetectStreamCtx *stream_ctx;  /* raw stream inspection (detect-stream-inspect.c) */
    const uint8_t *alert_stream;    /* alerts being written are stream matches: this payload */
    uint32_t alert_stream_len;
};

int detect_engine_build_groups(DetectEngine *de);
/* DETECT_GROUP_* of an IP protocol. */
int detect_proto_group(uint8_t ipproto);
void detect_engine_free_groups(DetectEngine *de);
/* Whole-signature check for one packet (tests call it directly). */
bool detect_sig_match_packet(DetectThread *dt, const Signature *sig, const Packet *p, Flow *f);
/* The same on a given payload (the packet's, or a piece of the raw stream). */
bool detect_sig_match_payload(DetectThread *dt, const Signature *sig, const Packet *p, Flow *f,
                              const uint8_t *buf, uint32_t len);
/* A match: post-match actions, thresholds, the alert queue; false after a pass rule. */
bool detect_on_match(DetectThread *dt, const Signature *sig, const Packet *p, Flow *f,
                     uint64_t ts_usec);
/* Writes the queued alerts (with dt->alert_stream as their payload when set). */
void detect_write_alerts(DetectThread *dt, const Packet *p, Flow *f, json_t *app_object,
                         uint64_t ts_usec);
/* Grows dt's transform buffer i to at least len bytes; NULL on failure. */
uint8_t *detect_thread_xform(DetectThread *dt, int i, uint32_t len);

#endif
