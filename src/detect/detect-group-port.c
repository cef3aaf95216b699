/*
 * detect-group-port.c - the rules of a protocol group that have no fast pattern, grouped by
 * port and by flow direction.
 *
 * Why: the prefilter cannot select such rules (flags:S scans, dsize/byte_test rules, flowbit
 * setters on a SYN/ACK), so they were candidates for every packet of their IP protocol, and
 * almost all of them name one service port ("-> $HOME_NET 3306"). Suricata builds its rule
 * groups per protocol, direction and port range so that a packet only meets the rules its
 * ports can match; this does the same for these rules: each is keyed on the narrower of its
 * port sets (detect-range-index.c, 2-byte big-endian keys; "<>" rules both ways round), and
 * a packet looks up its source and destination port once each.
 *
 * Direction: a rule with flow:to_server never matches a packet going to the client, nor
 * flow:to_client one going to the server (the flow keyword needs a flow for either), so each
 * direction has its own index; packets without a flow use the to-server one, a superset.
 *
 * The rules found are still checked in full, so the index may return too many, never too
 * few: excluded ports ("!80") are ignored when keying, and a rule whose port sets are both
 * "any" (or only negations) is a candidate for every packet of its direction. Groups whose
 * packets may lack ports (ICMP, other protocols) are split by direction only.
 */
#include "detect/detect-group-port.h"

#include <stdlib.h>

#include "detect/detect-range-index.h"

#define PORT_KEY_WIDTH 2

struct PortIndex {
    KeyedRules dir[2];       /* 0: packets to the server, or without a flow; 1: to the client */
};

typedef struct KeyCtx {
    Signature *const *sigs;
    bool by_port;
} KeyCtx;

/* How many ports the set includes, or -1 when it cannot key the rule. */
static long port_set_weight(const PortSet *s)
{
    if (s->any || s->include_count == 0)
        return -1;
    long w = 0;
    for (size_t i = 0; i < s->include_count; i++)
        w += (long)s->include[i].hi - s->include[i].lo + 1;
    return w;
}

static void port_key(uint8_t key[PORT_KEY_WIDTH], uint16_t port)
{
    key[0] = (uint8_t)(port >> 8);
    key[1] = (uint8_t)port;
}

static int key_rule(void *ud, SidedIndexBuilder *b, uint32_t num)
{
    const KeyCtx *ctx = ud;
    const Signature *sig = ctx->sigs[num];
    long ws = port_set_weight(&sig->sp), wd = port_set_weight(&sig->dp);
    if (!ctx->by_port || (ws < 0 && wd < 0))
        return 1;
    bool src_side = wd < 0 || (ws >= 0 && ws < wd);
    const PortSet *s = src_side ? &sig->sp : &sig->dp;
    for (size_t i = 0; i < s->include_count; i++) {
        uint8_t lo[PORT_KEY_WIDTH], hi[PORT_KEY_WIDTH];
        port_key(lo, s->include[i].lo);
        port_key(hi, s->include[i].hi);
        if (sided_index_add(b, src_side, sig->flags & SIG_FLAG_BIDIR, lo, hi, num) != 0)
            return -1;
    }
    return 0;
}

/* The rules of nums that can match packets of direction dir (0 to server, 1 to client). */
static uint32_t rules_of_direction(Signature *const *sigs, const uint32_t *nums, uint32_t count,
                                   int dir, uint32_t *out)
{
    uint32_t never = dir == 0 ? SIG_FLAG_TOCLIENT : SIG_FLAG_TOSERVER;
    uint32_t n = 0;
    for (uint32_t i = 0; i < count; i++)
        if (!(sigs[nums[i]]->flags & never))
            out[n++] = nums[i];
    return n;
}

PortIndex *port_index_build(Signature *const *sigs, const uint32_t *nums, uint32_t count,
                            bool by_port)
{
    PortIndex *ix = calloc(1, sizeof(*ix));
    uint32_t *subset = malloc((count ? count : 1) * sizeof(uint32_t));
    KeyCtx ctx = {sigs, by_port};
    int rc = ix && subset ? 0 : -1;
    for (int dir = 0; dir < 2 && rc == 0; dir++) {
        uint32_t n = rules_of_direction(sigs, nums, count, dir, subset);
        rc = keyed_rules_build(&ix->dir[dir], PORT_KEY_WIDTH, subset, n, key_rule, &ctx);
    }
    free(subset);
    if (rc != 0) {
        port_index_free(ix);
        return NULL;
    }
    return ix;
}

const uint32_t *port_index_candidates(const PortIndex *ix, bool to_client, uint16_t sp,
                                      uint16_t dp, void (*add)(void *ud, uint32_t num),
                                      void *ud, uint32_t *rest_count)
{
    uint8_t s[PORT_KEY_WIDTH], d[PORT_KEY_WIDTH];
    port_key(s, sp);
    port_key(d, dp);
    return keyed_rules_lookup(&ix->dir[to_client ? 1 : 0], s, d, add, ud, rest_count);
}

void port_index_free(PortIndex *ix)
{
    if (!ix)
        return;
    keyed_rules_free(&ix->dir[0]);
    keyed_rules_free(&ix->dir[1]);
    free(ix);
}
