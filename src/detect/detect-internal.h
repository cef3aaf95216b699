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
} SigMatch;

typedef struct SigList {
    int buffer_id;          /* app-layer buffer id, or -1 for the fixed lists */
    SigMatch *head, *tail;
} SigList;

typedef struct Signature {
    uint32_t num;           /* position in the engine's table */
    uint32_t sid, gid, rev;
    int priority;
    char *msg;
    char *classtype;
    const char *class_desc;
    SigAction action;
    uint32_t flags;
    uint8_t ipproto;        /* 0: any IP protocol */
    AppProto alproto;       /* ALPROTO_UNKNOWN: none required */
    AddrSet src, dst;
    PortSet sp, dp;
    SigList fixed[SIG_LIST_FIXED_COUNT];
    SigList *buffers;       /* app-layer buffer lists */
    size_t buffer_count;
    int active_buffer;      /* parsing: index into buffers of the sticky buffer, -1 none */
    json_t *metadata;       /* object of string arrays, for alerts */
    int target;             /* 0 none, 1 src_ip, 2 dest_ip */
    char *file;
    int line;
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
} DetectKeyword;

const DetectKeyword *detect_keyword_find(const char *name);

/* Appends a match to list `list` (SIG_LIST_*), or to the active sticky buffer when
 * list == SIG_LIST_PAYLOAD and one is active. */
SigMatch *sig_append(Signature *sig, int list, const DetectKeyword *kw, void *ctx);
/* The list a payload keyword (content, pcre...) goes to right now. */
SigList *sig_payload_list(Signature *sig);
/* Make buffer `buffer_id` the active sticky buffer (creating its list). */
int sig_set_sticky_buffer(Signature *sig, int buffer_id);
/* Move the last SigMatch of the payload list to buffer `buffer_id` (legacy modifiers such as
 * http_uri after a content). */
int sig_move_last_to_buffer(Signature *sig, int buffer_id, char *err, size_t errlen);
void signature_free(Signature *sig);

/* Evaluation context for one packet or transaction direction. */
struct DetectMatchCtx {
    const Packet *p;
    Flow *f;
    bool to_server;
};

/* Inspecting one buffer with a list of payload matches (detect-inspect.c): the buffer, where
 * the previous match ended (for relative keywords), and the rest of the list. */
struct InspectState {
    const uint8_t *buf;
    uint32_t len;
    uint32_t prev_end;       /* end of the previous match, for distance/within */
    DetectMatchCtx *m;
    int depth;               /* recursion guard */
};

/* True when the matches from sm on hold in the buffer (with backtracking over the possible
 * positions of each content, as Suricata does). */
bool detect_inspect_list(InspectState *st, const SigMatch *sm);

#endif
