/*
 * defrag-policy.c - overlap policies and the host-os-policy table that picks them.
 *
 * Operating systems disagree about which bytes win when IP fragments overlap, and an evader
 * exploits that: a sensor must reassemble the way the destination will. Suricata therefore
 * maps each destination network to an OS (host-os-policy; its stock configuration says
 * "windows" for all of IPv4) and each OS to one of its defrag policies; the rules below are
 * Suricata 7's, case for case, so that bongsu rebuilds the same bytes. Each policy looks at
 * the held fragments one at a time (defrag.c walks them) and decides whether the new
 * fragment is cut at the front, replaces a held one, trims a held one's front, or is dropped;
 * where trims leave overlap, reassembly's copy order (later offsets win) settles it.
 */
#include "decode/defrag-internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* bsd: data that starts first wins; on equal starts the held fragment wins. */
static DefragStep step_bsd(DefragFrag *prev, DefragFrag *next, uint32_t off, uint32_t end,
                           uint32_t *ltrim)
{
    uint32_t prev_end = prev->offset + prev->data_len;
    if (off >= prev_end)
        return DEFRAG_STEP_NEXT;
    if (prev->offset <= off) {
        if (prev_end > end)
            return DEFRAG_STEP_DROP;
        *ltrim = prev_end - off;
    } else if (end > prev->offset + prev->ltrim) {
        uint32_t prev_ltrim = end - prev->offset;
        if (prev_ltrim > prev->ltrim)
            prev->ltrim = prev_ltrim;
    }
    /* Suricata sets (not raises) the following fragment's trim; kept for equal bytes. */
    if (next && end > next->offset)
        next->ltrim = end - next->offset;
    return DEFRAG_STEP_INSERT;
}

/* linux: the new fragment loses to what it overlaps at its start, wins where it starts
 * first, and replaces what it covers completely. */
static DefragStep step_linux(DefragFrag *prev, uint32_t off, uint32_t end, uint32_t *ltrim,
                             bool *drop_prev)
{
    uint32_t prev_end = prev->offset + prev->data_len;
    uint32_t prev_start = prev->offset + prev->ltrim;
    if (prev_start < off + *ltrim && prev_end > off + *ltrim)
        *ltrim += prev_end - off;
    if (off + *ltrim < prev_start && end > prev_start) {
        prev->ltrim += end - prev_start;
        return DEFRAG_STEP_INSERT;
    }
    if (off + *ltrim <= prev_start && end >= prev_end) {
        *drop_prev = true;
        return DEFRAG_STEP_INSERT;
    }
    return DEFRAG_STEP_NEXT;
}

/* windows: held data wins unless the new fragment starts earlier and ends later. */
static DefragStep step_windows(DefragFrag *prev, uint32_t off, uint32_t end, uint32_t *ltrim,
                               bool *drop_prev)
{
    uint32_t prev_end = prev->offset + prev->data_len;
    if (off >= prev->offset && end <= prev_end)
        return DEFRAG_STEP_DROP;
    if (off < prev->offset && end > prev_end) {
        *drop_prev = true;
        return DEFRAG_STEP_INSERT;
    }
    if (off + *ltrim > prev->offset + prev->ltrim && off + *ltrim < prev_end) {
        *ltrim += prev_end - off;
        return DEFRAG_STEP_INSERT;
    }
    if (off == prev->offset && end > prev_end) {
        *ltrim += prev_end - off;
        return DEFRAG_STEP_INSERT;
    }
    return DEFRAG_STEP_NEXT;
}

/* solaris: like first, except that a fragment starting earlier replaces what it covers. */
static DefragStep step_solaris(DefragFrag *prev, uint32_t off, uint32_t end, uint32_t *ltrim,
                               bool *drop_prev)
{
    uint32_t prev_end = prev->offset + prev->data_len;
    if (off >= prev_end)
        return DEFRAG_STEP_NEXT;
    if (off >= prev->offset)
        *ltrim = prev_end - off;
    if (off < prev->offset && end >= prev_end)
        *drop_prev = true;
    return DEFRAG_STEP_INSERT;
}

/* first: data already held always wins. */
static DefragStep step_first(DefragFrag *prev, uint32_t off, uint32_t end, uint32_t *ltrim)
{
    uint32_t prev_end = prev->offset + prev->data_len;
    if (off >= prev->offset && end <= prev_end)
        return DEFRAG_STEP_DROP;
    if (off < prev->offset)
        return DEFRAG_STEP_INSERT;
    if (off < prev_end) {
        *ltrim = prev_end - off;
        return DEFRAG_STEP_INSERT;
    }
    return DEFRAG_STEP_NEXT;
}

/* last: the newest data wins where it starts at or before a held fragment. */
static DefragStep step_last(DefragFrag *prev, uint32_t off, uint32_t end)
{
    if (off > prev->offset)
        return DEFRAG_STEP_NEXT;
    if (end > prev->offset)
        prev->ltrim = end - prev->offset;
    return DEFRAG_STEP_INSERT;
}

DefragStep defrag_policy_step(DefragPolicy policy, DefragFrag *prev, DefragFrag *next,
                              uint32_t off, uint32_t end, uint32_t *ltrim, bool *drop_prev)
{
    switch (policy) {
    case DEFRAG_POLICY_BSD:
        return step_bsd(prev, next, off, end, ltrim);
    case DEFRAG_POLICY_LINUX:
        return step_linux(prev, off, end, ltrim, drop_prev);
    case DEFRAG_POLICY_WINDOWS:
        return step_windows(prev, off, end, ltrim, drop_prev);
    case DEFRAG_POLICY_SOLARIS:
        return step_solaris(prev, off, end, ltrim, drop_prev);
    case DEFRAG_POLICY_FIRST:
        return step_first(prev, off, end, ltrim);
    case DEFRAG_POLICY_LAST:
        return step_last(prev, off, end);
    default: /* bsd-right has no rule of its own in Suricata */
        return DEFRAG_STEP_NEXT;
    }
}

/* ---- host-os-policy -------------------------------------------------------------------- */

int defrag_policy_from_os(const char *os_name)
{
    static const struct {
        const char *name;
        DefragPolicy policy;
    } map[] = {
        {"none", DEFRAG_POLICY_BSD},        {"bsd", DEFRAG_POLICY_BSD},
        {"hpux10", DEFRAG_POLICY_BSD},      {"irix", DEFRAG_POLICY_BSD},
        {"bsd-right", DEFRAG_POLICY_BSD_RIGHT}, {"old-linux", DEFRAG_POLICY_LINUX},
        {"linux", DEFRAG_POLICY_LINUX},     {"old-solaris", DEFRAG_POLICY_FIRST},
        {"hpux11", DEFRAG_POLICY_FIRST},    {"macos", DEFRAG_POLICY_FIRST},
        {"solaris", DEFRAG_POLICY_SOLARIS}, {"windows", DEFRAG_POLICY_WINDOWS},
        {"vista", DEFRAG_POLICY_WINDOWS},   {"windows2k3", DEFRAG_POLICY_WINDOWS},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(map[i].name, os_name) == 0)
            return (int)map[i].policy;
    }
    return -1;
}

int defrag_config_add_host(DefragConfig *cfg, const char *network, DefragPolicy policy)
{
    if (cfg->host_policy_count >= DEFRAG_HOST_POLICIES_MAX)
        return -1;
    char addr[INET6_ADDRSTRLEN + 8];
    snprintf(addr, sizeof(addr), "%s", network);
    char *slash = strchr(addr, '/');
    if (slash)
        *slash = '\0';
    DefragHostPolicy *h = &cfg->host_policy[cfg->host_policy_count];
    memset(h, 0, sizeof(*h));
    int max_prefix;
    if (inet_pton(AF_INET, addr, h->addr) == 1) {
        h->family = AF_INET;
        max_prefix = 32;
    } else if (inet_pton(AF_INET6, addr, h->addr) == 1) {
        h->family = AF_INET6;
        max_prefix = 128;
    } else {
        return -1;
    }
    int prefix = max_prefix;
    if (slash) {
        char *end;
        long v = strtol(slash + 1, &end, 10);
        if (*end != '\0' || end == slash + 1 || v < 0 || v > max_prefix)
            return -1;
        prefix = (int)v;
    }
    h->prefix_len = (uint8_t)prefix;
    h->policy = policy;
    cfg->host_policy_count++;
    return 0;
}

static bool prefix_matches(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, b, bytes) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

DefragPolicy defrag_policy_for(const DefragConfig *cfg, uint8_t family, const uint8_t *dst)
{
    DefragPolicy policy = DEFRAG_POLICY_BSD;
    int best = -1;
    for (uint32_t i = 0; i < cfg->host_policy_count; i++) {
        const DefragHostPolicy *h = &cfg->host_policy[i];
        if (h->family == family && (int)h->prefix_len > best &&
            prefix_matches(h->addr, dst, h->prefix_len)) {
            best = h->prefix_len;
            policy = h->policy;
        }
    }
    return policy;
}
