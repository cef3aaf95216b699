/*
 * detect-internal.h - rule data structures shared by the detect/ files.
 *
 * A Signature is the parsed rule. Its matches are kept in lists: SIG_LIST_PACKET (header
 * keywords such as ttl or flow, evaluated on every packet the rule's header admits),
 * SIG_LIST_PAYLOAD (content/pcre on the packet payload), SIG_LIST_POSTMATCH (actions such as
 * flowbits:set, run only when everything else matched) and one list per app-layer buffer the
 * rule inspects (http.uri...). Each SigMatch names its keyword and carries the keyword's
 * own parsed context.
 */
#ifndef BONGSU_DETECT_INTERNAL_H
#define BONGSU_DETECT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "applayer/app-layer.h"
#include "detect/detect.h"

typedef enum SigAction { SIG_ACTION_ALERT, SIG_ACTION_PASS, SIG_ACTION_DROP, SIG_ACTION_REJECT } SigAction;
/* Who a reject answers: reject and rejectsrc the source (to_client), rejectdst the
 * destination, rejectboth both. */
typedef enum SigRejectTarget { SIG_REJECT_TO_CLIENT, SIG_REJECT_TO_SERVER, SIG_REJECT_BOTH } SigRejectTarget;

enum {
    SIG_LIST_PACKET,
    SIG_LIST_PAYLOAD,
    SIG_LIST_POSTMATCH,
    SIG_LIST_FIXED_COUNT
};

#define SIG_FLAG_TOSERVER 0x0001
#define SIG_FLAG_TOCLIENT 0x0002
#define SIG_FLAG_BIDIR 0x0004
#define SIG_FLAG_NOALERT 0x0008
#define SIG_FLAG_SRC_ANY 0x0010
#define SIG_FLAG_DST_ANY 0x0020
#define SIG_FLAG_SP_ANY 0x0040
#define SIG_FLAG_DP_ANY 0x0080
#define SIG_FLAG_APPLAYER 0x0100   /* needs an app-layer transaction */
/* Loads as in Suricata but cannot match in bongsu (an app protocol without a parser here, an
 * app-layer event the parsers do not expose to detection, a "config" rule); counted at load. */
#define SIG_FLAG_INERT 0x0200
#define SIG_FLAG_TX_NOLOG 0x40000000 /* "config: logging disable, type tx, scope tx" */
#define SIG_FLAG_FLOWBITS_SET 0x0400  /* sets/unsets/toggles a flowbit (ordered first) */
#define SIG_FLAG_FLOWBITS_READ 0x0800 /* isset/isnotset */
#define SIG_FLAG_NEEDS_FLOW 0x1000
#define SIG_FLAG_HAS_FAST_PATTERN 0x2000 /* a content has an explicit fast_pattern */
/* A keyword reads transaction state (app-layer-event): inspected per transaction even
 * without a buffer. */
#define SIG_FLAG_TX_STATE 0x4000
/* The "alert" keyword: a pass rule that also alerts (Suricata's ACTION_PASS|ACTION_ALERT). */
#define SIG_FLAG_PASS_ALERT 0x8000
/* Which payloads a TCP payload rule sees (detect-stream-inspect.c): packets only (tcp-pkt,
 * flow:no_stream, dsize), or the reassembled stream only (tcp-stream, flow:only_stream);
 * neither: the stream, and packets whose payload did not go into it. */
#define SIG_FLAG_REQUIRE_PACKET 0x00100000
#define SIG_FLAG_STREAM_ONLY 0x00200000
#define SIG_FLAG_STREAM 0x00400000  /* inspects TCP payloads on the raw stream */
/* Suricata's protocol-detection-only rule (SIG_TYPE_PDONLY): app-layer-protocol and a flow
 * direction alone; it is tried once per flow direction, when that direction's protocol has
 * just been detected (Packet.proto_detect_done). */
#define SIG_FLAG_PDONLY 0x00800000

/* byte_extract/byte_math variables per rule, as in Suricata's limit. */
#define SIG_MAX_VARS 16
/* Transforms per sticky buffer. */
#define SIG_MAX_TRANSFORMS 8

/* An address set: union of ranges minus the excluded ranges. Addresses are compared as
 * 16-byte big-endian values; IPv4 ranges have family AF_INET. */
typedef struct AddrRange {
    uint8_t family;
    uint8_t lo[16], hi[16];
} AddrRange;

typedef struct AddrSet {
    AddrRange *include, *exclude;
    size_t include_count, exclude_count;
    bool any;
} AddrSet;

typedef struct PortRange {
    uint16_t lo, hi;
} PortRange;

typedef struct PortSet {
    PortRange *include, *exclude;
    size_t include_count, exclude_count;
    bool any;
} PortSet;

struct DetectKeyword;
struct SigMatch;

typedef struct SigMatch {
    const struct DetectKeyword *keyword;
    void *ctx;
    struct SigMatch *next;
    bool relative;          /* depends on where the previous match ended (set at finish) */
} SigMatch;

struct TransformParam;

typedef struct SigList {
    int buffer_id;          /* app-layer buffer id, or -1 for the fixed lists */
    SigMatch *head, *tail;
    uint8_t transforms[SIG_MAX_TRANSFORMS];  /* DetectTransform ids, applied in order */
    /* The transforms that take a value (pcrexform, xor): their parsed value, NULL for the
     * others (detect-transform-param.c). */
    struct TransformParam *transform_params[SIG_MAX_TRANSFORMS];
    int transform_count;
} SigList;

struct ThresholdCtx;

typedef struct Signature {
    uint32_t num;           /* position in the engine's table */
    uint32_t sid, gid, rev;
    int priority;
    char *msg;
    char *classtype;
    const char *class_desc;
    SigAction action;
    uint8_t reject_target;  /* SIG_ACTION_REJECT: a SigRejectTarget */
    uint32_t flags;
    uint8_t ipproto;        /* 0: any IP protocol */
    AppProto alproto;       /* ALPROTO_UNKNOWN: none required */
    AddrSet src, dst;
    PortSet sp, dp;
    SigList fixed[SIG_LIST_FIXED_COUNT];
    SigList *buffers;       /* app-layer buffer lists */
    size_t buffer_count;
    int active_buffer;      /* parsing: index into buffers of the sticky buffer, -1 none */
    /* parsing: the list of a packet-level sticky buffer (ipv4.hdr...) that payload keywords go
     * to, NULL none; the list lives in that buffer keyword's SigMatch (detect-hdr-buffers.c) */
    SigList *active_list;
    json_t *metadata;       /* object of string arrays: parsing, and attribution of one rule */
    char *metadata_json;    /* once stored: the same as compact JSON text, NULL if none */
    int target;             /* 0 none, 1 src_ip, 2 dest_ip */
    char *file;
    int line;
    char *var_names[SIG_MAX_VARS];  /* byte_extract / byte_math results, by index */
    int var_count;
    struct ThresholdCtx *threshold;  /* threshold / detection_filter, NULL when none */
    struct ThresholdCtx *detection_filter;
    /* What decides whether a match alerts, in Suricata's order: the suppress entries of
     * threshold.config, then the threshold list (the rule's own threshold/detection_filter,
     * then threshold.config's threshold and rate_filter entries, which may replace them).
     * The pointers are borrowed (the rule's own, or the engine's ThresholdStore's). */
    const struct ThresholdCtx **suppress;
    uint32_t suppress_count;
    const struct ThresholdCtx **th;
    uint32_t th_count;
    int order;              /* sort key for the engine's evaluation order */
    void *last_content;     /* parsing: the ContentCtx content modifiers apply to */
    /* AppFrameType of a frame: rule whose payload is that frame of the stream (the
     * payload list then inspects the frame's bytes, detect-stream-inspect.c); 0 none */
    uint8_t frame;
} Signature;

/* Keyword registry (detect-keywords.c). */
typedef struct DetectMatchCtx DetectMatchCtx;

typedef struct InspectState InspectState;

typedef struct DetectKeyword {
    const char *name;
    /* For sticky buffers and legacy content modifiers: the app-layer buffer it names. */
    const char *buffer_name;
    /* Parse the option value (NULL when the keyword has none) into sig; append SigMatches
     * with sig_append(). Returns 0 or -1 with a message in err. */
    int (*setup)(const struct DetectKeyword *kw, Signature *sig, const char *value, char *err,
                 size_t errlen);
    /* Packet-level match (SIG_LIST_PACKET/POSTMATCH): true when it holds. */
    bool (*match_packet)(DetectMatchCtx *m, const void *ctx);
    /* Payload/buffer match (content, pcre...): see detect-inspect.c. */
    bool (*inspect)(InspectState *st, const SigMatch *sm);
    void (*free_ctx)(void *ctx);
    /* Payload keywords: whether this instance is relative to the previous match. */
    bool (*is_relative)(const void *ctx);
    /* Keywords that own a list of payload matches (packet-level sticky buffers): that list,
     * so that the rule's finishing pass treats it like the rule's own lists. */
    SigList *(*nested_list)(void *ctx);
} DetectKeyword;

const DetectKeyword *detect_keyword_find(const char *name);

/* Appends a match to list `list` (SIG_LIST_*), or to the active sticky buffer when
 * list == SIG_LIST_PAYLOAD and one is active. */
SigMatch *sig_append(Signature *sig, int list, const DetectKeyword *kw, void *ctx);
/* The list a payload keyword (content, pcre...) goes to right now. */
SigList *sig_payload_list(Signature *sig);
/* True when a sticky buffer (app-layer, unavailable or packet-level) is active. */
bool sig_in_sticky_buffer(const Signature *sig);
/* Marks a list's relative matches and frees one (for keywords owning a nested list). */
void sig_list_mark_relative(SigList *list);
void sig_list_free(SigList *list);
/* A second list for the active app-layer sticky buffer, which becomes the active one: the
 * matches after a transform inspect the transformed buffer, those before it the original, as
 * in Suricata 7. NULL for a packet-level buffer, or when out of memory. */
SigList *sig_buffer_split(Signature *sig);
/* Make buffer `buffer_id` the active sticky buffer (creating its list). */
int sig_set_sticky_buffer(Signature *sig, int buffer_id);
/* Move the last SigMatch of the payload list to buffer `buffer_id` (legacy modifiers such as
 * http_uri after a content). */
int sig_move_last_to_buffer(Signature *sig, int buffer_id, char *err, size_t errlen);
void signature_free(Signature *sig);
/* Replaces a rule's metadata tree by compact JSON text (detect-attribute.c). */
void signature_seal_metadata(Signature *sig);

/* Index of a byte_extract/byte_math variable of sig, or -1 when the name is not one. */
int sig_var_find(const Signature *sig, const char *name);
/* Defines a new variable; -1 with err when there are too many or it exists. */
int sig_var_add(Signature *sig, const char *name, char *err, size_t errlen);

/* Evaluation context for one packet or transaction direction. */
struct DetectMatchCtx {
    const Packet *p;
    Flow *f;
    bool to_server;
    /* Packet rules: p's direction has raw stream data ready (detect_stream_data_ready). */
    bool stream_data;
    DetectThread *dt;
    const Signature *sig;
    /* The transaction being inspected (NULL for packet inspection) and its protocol, for
     * keywords on transaction state: the file keywords, app-layer-event. */
    AppProto proto;
    void *state, *tx;
    /* A rule without a direction inspected on one side of a transaction (to_server's):
     * its buffers are read on that side only (detect_tx_rule_sides). */
    bool one_side;
};

/* The addresses a keyword tracks: the packet's, or for a transaction without one, the flow's
 * in the direction being inspected. False when there are none. */
bool detect_match_endpoints(const DetectMatchCtx *m, const Address **src, const Address **dst);

/* Inspecting one buffer with a list of payload matches (detect-inspect.c): the buffer, where
 * the previous match ended (for relative keywords), and the rest of the list. */
struct InspectState {
    const uint8_t *buf;
    uint32_t len;
    uint32_t prev_end;       /* end of the previous match, for distance/within */
    DetectMatchCtx *m;
    int depth;               /* recursion guard */
    uint32_t steps;          /* backtracking budget used (Suricata's recursion limit) */
    /* byte_extract / byte_math values: the thread's, so that a variable read from one buffer
     * (ipv4.hdr) can be used in another (tcp.hdr) of the same rule, as in Suricata */
    uint64_t *vars;
    const uint8_t *b64;      /* base64_decode output for base64_data, NULL when none */
    uint32_t b64_len;
};

/* Content inspection gives up (no match) past this many backtracking steps per buffer, as
 * Suricata's detect.inspection-recursion-limit (3000) does. */
#define INSPECT_STEP_LIMIT 3000

/* A value that is a number or a byte_extract variable (offset:var, byte_test value var...). */
typedef struct DetectValue {
    int64_t value;
    int var;                 /* variable index, or -1 for the constant */
} DetectValue;

/* Parses "123", "-5" or a variable name of sig; -1 with err otherwise. */
int detect_value_parse(const Signature *sig, const char *text, int64_t min, int64_t max,
                       DetectValue *out, char *err, size_t errlen);
static inline int64_t detect_value_get(const DetectValue *v, const InspectState *st)
{
    return v->var >= 0 ? (int64_t)st->vars[v->var] : v->value;
}

/* An InspectState over buf for the rule being checked in m. */
InspectState inspect_state_make(DetectMatchCtx *m, const uint8_t *buf, uint32_t len);

/* True when the matches from sm on hold in the buffer (with backtracking over the possible
 * positions of each content, as Suricata does). */
bool detect_inspect_list(InspectState *st, const SigMatch *sm);

#endif
