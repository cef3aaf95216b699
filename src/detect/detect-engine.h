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
    /* Per TCP direction ([0] to the server), one bit per server port: that port's rule
     * group has a rule on the raw stream (detect_stream_ports_build). NULL: no port has. */
    uint8_t *raw_stream_ports[2];
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

/* A transaction alert waiting for the packet's alerts to be ordered (detect-tx-timing.c). */
typedef struct TxAlert {
    const Signature *sig;
    SigAction action;
    uint64_t tx_id;          /* UINT64_MAX for a packet or stream alert, as Suricata sorts */
    void *tx;                /* NULL: a packet alert, or a stream one (stream set) */
    bool stream;
} TxAlert;

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
    /* While a packet's rules run: its direction has raw stream data ready (Suricata's
     * PKT_DETECT_HAS_STREAMDATA, which counts as payload to dsize; detect_stream_data_ready). */
    bool stream_data_ready;
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
    /* The transaction alerts of the packet being inspected (detect-tx-timing.c). */
    TxAlert txq[DETECT_ALERT_CAP];
    uint32_t txq_count;
    /* While a packet of such a flow is inspected, its packet and stream alerts join that
     * queue too (one packet-alert-max for all, as Suricata's): batch_packet is the packet,
     * batch_stream the payload its stream alerts carry. */
    bool tx_timing;          /* the worker inspects transaction sides on packets */
    uint32_t batch_pass_num; /* first pass rule matched on the batch packet, or UINT32_MAX */
    const Packet *batch_packet;
    /* The first transaction the packet's direction had not inspected when the packet came
     * (AppLayerFlow.inspected, read before its transaction alerts move it): the one its
     * stream alerts log (detect-engine.c, guess_tx). */
    uint64_t packet_inspect_id;
    uint8_t *batch_stream;
    uint32_t batch_stream_len, batch_stream_cap;
    /* A transaction side inspected by rule progress (detect-tx-timing.c): the flow whose
     * early_* record of side early_side is consulted, NULL none; early_progress the side's
     * progress when it is not complete (only rules final by then run, and are recorded),
     * APPLAYER_PROGRESS_DONE when it is (recorded rules are skipped). */
    struct AppLayerFlow *early_app;
    int early_side, early_progress;
};

int detect_engine_build_groups(DetectEngine *de);
/* Whether a rule is IP-only (addresses, protocol and flow-wide keywords only): Suricata
 * evaluates it once per flow direction, and applies its drop to the whole flow. */
bool detect_sig_is_iponly(const Signature *sig);
/* Whether a rule is protocol-detection-only (SIG_FLAG_PDONLY). */
bool detect_sig_is_pdonly(const Signature *sig);
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
/* The side of a transaction a rule is inspected on when the sides are inspected apart: 0 the
 * request (flow:to_server, or request buffers only), 1 the response (flow:to_client, response
 * buffers only, and rules whose buffers are of both sides or neither: once per transaction,
 * when all of it is there). */
int detect_tx_rule_side(const Signature *sig);
/* The sides (bit 0 the request, bit 1 the response) a rule is inspected on, each on its
 * own, as Suricata runs a rule per direction with the engines it has there: a rule without
 * a direction whose buffers all exist on both sides (http.header, file.data) or that has
 * none (app-layer-event) is inspected on both and may alert on each; a rule with payload
 * contents, or with buffers of one side only, on detect_tx_rule_side's. */
int detect_tx_rule_sides(const Signature *sig);
/* Runs the transaction rules of one side (-1: all) over tx; the matches are left in
 * dt->alerts (post-match actions done). Returns their count. */
uint32_t detect_tx_match(DetectThread *dt, Flow *f, const Packet *p, AppProto proto,
                         void *state, void *tx, uint64_t tx_id, int side);
/* Whether the rule is to be inspected now on the transaction side dt->early_app marks (all
 * of them when none is marked); records it as decided when the side is incomplete. */
bool detect_tx_early_admits(DetectThread *dt, const Signature *sig);
/* Around the inspection of a complete side of transaction tx_id: skip the rules decided on
 * it early, then forget them. */
void detect_tx_early_begin(DetectThread *dt, struct AppLayerFlow *app, uint64_t tx_id,
                           int side);
void detect_tx_early_end(DetectThread *dt, struct AppLayerFlow *app, uint64_t tx_id, int side);
/* The same around one inspection of both sides (AppLayerParser.inspect_pending_once): the
 * rules decided early on either side are skipped. */
void detect_tx_early_begin_both(DetectThread *dt, struct AppLayerFlow *app, uint64_t tx_id);
/* An alert did not fit the packet's queue: detect.alert_queue_overflow. */
void detect_count_overflow(DetectThread *dt);
/* Writes one transaction alert on packet p with the transaction's app-layer object. */
void detect_write_tx_alert(DetectThread *dt, const Packet *p, Flow *f, const TxAlert *a,
                           AppProto proto, void *state);
/* Start of a packet's inspection: its alerts are queued when its flow's transaction sides
 * are inspected on packets (detect-tx-timing.c; written by detect_tx_packet). */
void detect_tx_packet_begin(DetectThread *dt, const Packet *p, Flow *f);
/* Whether detect_write_alerts is to queue (not write) these packet or stream alerts. */
bool detect_tx_batch_take(DetectThread *dt, const Packet *p);
/* Grows *buf to at least len bytes (never to zero); false when out of memory. */
bool detect_grow_bytes(uint8_t **buf, uint32_t *cap, uint32_t len);
/* Grows dt's transform buffer i to at least len bytes; NULL on failure. */
uint8_t *detect_thread_xform(DetectThread *dt, int i, uint32_t len);

#endif
