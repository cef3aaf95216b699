/*
 * detect-iponly.c - the address index of IP-only rules (rules that decide on addresses
 * alone, such as ET Open's reputation lists: "alert ip [dozens of addresses] any ->
 * $HOME_NET any").
 *
 * Why: these rules run on the first packet of every flow direction. Checked one by one that
 * was ~900 address-set searches per flow direction with ET Open, the largest single cost of
 * detection. Suricata keeps them in a radix tree over the rule addresses; here each rule is
 * keyed on the narrower of its source and destination sets (fewer addresses: the reputation
 * list rather than $HOME_NET) in an interval index (detect-range-index.c), and a packet looks
 * up its source and its destination once each. The rules found are still checked in full
 * (the other side, the excluded ranges, protocol, flowbits), so the index only has to
 * return a superset; a rule with no usable side ("any", or only negations) is returned to
 * the caller to check on every packet as before.
 */
#include "detect/detect-iponly.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "detect/detect-range-index.h"

/* Key width: the family byte, then the 16 address bytes (AddrRange's order). */
#define ADDR_KEY_WIDTH 17

struct IpOnlyIndex {
    KeyedRules rules;
};

/* How many addresses the set includes (a double: IPv6 ranges are wide), or -1 when it
 * cannot key the rule: "any", or nothing but exclusions. */
static double addr_set_weight(const AddrSet *s)
{
    if (s->any || s->include_count == 0)
        return -1;
    double w = 0;
    for (size_t i = 0; i < s->include_count; i++) {
        const AddrRange *r = &s->include[i];
        double span = 0;
        int bytes = r->family == AF_INET ? 4 : 16;
        for (int b = 0; b < bytes; b++)
            span = span * 256 + (double)r->hi[b] - (double)r->lo[b];
        w += span + 1;
    }
    return w;
}

static void addr_key(uint8_t key[ADDR_KEY_WIDTH], uint8_t family, const uint8_t addr[16])
{
    key[0] = family;
    memcpy(key + 1, addr, 16);
}

/* Keys the rule on its narrower side; 1 when neither side can key it. */
static int key_rule(void *ud, SidedIndexBuilder *b, uint32_t num)
{
    const Signature *sig = ((Signature *const *)ud)[num];
    double ws = addr_set_weight(&sig->src), wd = addr_set_weight(&sig->dst);
    if (ws < 0 && wd < 0)
        return 1;
    bool src_side = wd < 0 || (ws >= 0 && ws <= wd);
    const AddrSet *s = src_side ? &sig->src : &sig->dst;
    for (size_t i = 0; i < s->include_count; i++) {
        uint8_t lo[ADDR_KEY_WIDTH], hi[ADDR_KEY_WIDTH];
        addr_key(lo, s->include[i].family, s->include[i].lo);
        addr_key(hi, s->include[i].family, s->include[i].hi);
        if (sided_index_add(b, src_side, sig->flags & SIG_FLAG_BIDIR, lo, hi, num) != 0)
            return -1;
    }
    return 0;
}

IpOnlyIndex *iponly_index_build(Signature *const *sigs, const uint32_t *nums, uint32_t count)
{
    IpOnlyIndex *ix = calloc(1, sizeof(*ix));
    if (ix && keyed_rules_build(&ix->rules, ADDR_KEY_WIDTH, nums, count, key_rule,
                                (void *)sigs) != 0) {
        free(ix);
        return NULL;
    }
    return ix;
}

const uint32_t *iponly_index_candidates(const IpOnlyIndex *ix, const Address *src,
                                        const Address *dst, void (*add)(void *ud, uint32_t num),
                                        void *ud, uint32_t *rest_count)
{
    uint8_t s[ADDR_KEY_WIDTH], d[ADDR_KEY_WIDTH];
    addr_key(s, src->family, src->addr);
    addr_key(d, dst->family, dst->addr);
    return keyed_rules_lookup(&ix->rules, s, d, add, ud, rest_count);
}

void iponly_index_free(IpOnlyIndex *ix)
{
    if (!ix)
        return;
    keyed_rules_free(&ix->rules);
    free(ix);
}
