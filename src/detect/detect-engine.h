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
struct PortIndex;
struct IpOnlyIndex;
struct FlowVarStore;
struct ThresholdStore;

/* Signatures inspecting one buffer (the packet payload, or an app-layer buffer id) in one
 * group: a multi-pattern database over their fast patterns, and the ones without a fast
 * pattern in this buffer, which are candidates every time. */
typedef struct SigGroup {
    uint32_t *always;        /* signatures without a fast pattern: candidates when their
                              * ports and direction fit the packet (always_ix) */
    uint32_t always_count;
    struct PortIndex *always_ix;
    uint32_t *iponly;        /* IP-only rules: once per flow direction (every packet without
                              * a flow), as Suricata's IP-only engine, when their addresses
                              * fit the packet (iponly_ix) */
    uint32_t iponly_count;
    struct IpOnlyIndex *iponly_ix;
    /* The payload prefilter per packet direction when pf_by_direction: [0] for packets to
     * the server (and packets without a flow), [1] to the client, a rule with
     * flow:to_server or to_client only in its own; otherwise all in [0]. NULL when no
     * signature there has a fast pattern. */
    struct Prefilter *pf[2];
    bool pf_by_direction;
    uint32_t count;          /* signatures in the group */
} SigGroup;

/* One prefilter of a transaction group: over one buffer, after one transform chain. */
typedef struct TxPrefilter {
    int buffer_id;
    const SigList *xf;       /* a rule's list with the transforms to apply; NULL: none */
    struct Prefilter *pf;
} TxPrefilter;

/* Transaction rules of one app protocol: each rule's fast pattern lives in one of its
 * buffers, so there is one prefilter per buffer id and transform chain. */
typedef struct TxGroup {
    uint32_t *always;        /* rules with no fast pattern: checked on every transaction */
    uint32_t always_count;
    TxPrefilter *pfs;
    uint32_t pf_count;
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
    uint32_t alert_max;      /* packet-alert-max: alerts kept per packet or transaction */
    /* Evaluation order of the actions (config action-order), by SigAction: lower first.
     * Suricata's default: pass, drop, reject, alert. */
    uint8_t action_rank[4];
};

/* Alerts of one packet or transaction, in the order Suricata logs them: packet-alert-max
 * (Suricata's default 15), at most DETECT_ALERT_CAP. */
#define DETECT_ALERT_MAX 15
#define DETECT_ALERT_CAP 256

typedef struct DetectThread DetectThread;
typedef struct DeferredAlert DeferredAlert;
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
    const Signature *alerts[DETECT_ALERT_CAP];
    SigAction alert_actions[DETECT_ALERT_CAP];  /* the action each alert is logged with */
    uint32_t alert_count;
    uint32_t alert_max;      /* the engine's alert_max (DETECT_ALERT_MAX when unset) */
    /* A pass rule ended this packet's inspection while the queue had room: Suricata's
     * verdict for all of its alerts is then "pass", else "alert". */
    bool verdict_pass;
    struct FlowVarStore *flowvars;  /* flowbits/flowint per flow of this worker */
    struct DetectTagState *tags;    /* active tags (detect-tag.c); NULL without tag rules */
    struct DetectStreamCtx *stream_ctx;  /* raw stream inspection (detect-stream-inspect.c) */
    const uint8_t *alert_stream;    /* alerts being written are stream matches: this payload */
    uint32_t alert_stream_len;
    /* Alerts of one-direction transactions that completed on a packet going the other way
     * (DNS over TCP: the query is parsed when the server acknowledges it): Suricata logs them
     * at the flow's next packet in the transaction's direction (or at flow end). */
    struct DeferredAlert *deferred;
    uint32_t deferred_count;
    size_t deferred_cap;
};

int detect_engine_build_groups(DetectEngine *de);
/* Whether a rule is IP-only (addresses, protocol and flow-wide keywords only): Suricata
 * evaluates it once per flow direction, and applies its drop to the whole flow. */
bool detect_sig_is_iponly(const Signature *sig);
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
/* What alerts about a transaction carry besides the app-layer object. */
typedef struct TxAlertCtx {
    uint64_t tx_id;
    bool to_client;
    bool flow_end;          /* inspected at flow end (no packet): AlertInfo.flow_timeout */
    bool guessed;           /* a packet alert's lone live transaction: EVE tx_guessed */
    const char *xff;
} TxAlertCtx;
/* Writes the queued alerts (with dt->alert_stream as their payload when set); txa: the
 * transaction they are about, NULL for a packet's or the stream's. */
void detect_write_alerts(DetectThread *dt, const Packet *p, Flow *f, json_t *app_object,
                         uint64_t ts_usec, const TxAlertCtx *txa);
/* Grows dt's transform buffer i to at least len bytes; NULL on failure. */
uint8_t *detect_thread_xform(DetectThread *dt, int i, uint32_t len);

#endif
