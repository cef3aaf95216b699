/*
 * detect-address.c - rule addresses: parsing into an AddrSet and matching a packet address.
 *
 * Items are single addresses, CIDR blocks (a.b.c.d/n, a.b.c.d/netmask, ipv6/n) and ranges
 * (a-b); "any" matches everything. A set matches when the address is in an included range
 * (or nothing is included) and in no excluded range.
 */
#include "detect/detect-address.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "detect/detect-group.h"

static int parse_ip(const char *text, uint8_t *family, uint8_t out[16])
{
    memset(out, 0, 16);
    if (inet_pton(AF_INET, text, out) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, text, out) == 1) {
        *family = AF_INET6;
        return 0;
    }
    return -1;
}

/* Sets hi = lo with the host bits (after prefix bits) all ones, and clears them in lo. */
static void apply_prefix(AddrRange *r, int prefix)
{
    int bits = r->family == AF_INET ? 32 : 128;
    memcpy(r->hi, r->lo, 16);
    for (int bit = prefix; bit < bits; bit++) {
        r->lo[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
        r->hi[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
    }
}

static int netmask_prefix(const char *mask)
{
    struct in_addr m;
    if (inet_pton(AF_INET, mask, &m) != 1)
        return -1;
    uint32_t v = ntohl(m.s_addr);
    int prefix = 0;
    while (prefix < 32 && (v & (0x80000000u >> prefix)))
        prefix++;
    return (v << prefix) == 0 || prefix == 32 ? prefix : -1;
}

static int parse_cidr(AddrRange *r, char *item, char *slash)
{
    *slash = '\0';
    if (parse_ip(item, &r->family, r->lo) != 0)
        return -1;
    const char *len_text = slash + 1;
    int prefix;
    if (strchr(len_text, '.')) {
        prefix = netmask_prefix(len_text);
    } else {
        char *end;
        long v = strtol(len_text, &end, 10);
        prefix = (*end || end == len_text) ? -1 : (int)v;
    }
    int max = r->family == AF_INET ? 32 : 128;
    if (prefix < 0 || prefix > max)
        return -1;
    apply_prefix(r, prefix);
    return 0;
}

static int parse_range(AddrRange *r, char *item)
{
    char *dash = strchr(item, '-');
    if (dash) {
        *dash = '\0';
        uint8_t fam2;
        if (parse_ip(item, &r->family, r->lo) != 0 || parse_ip(dash + 1, &fam2, r->hi) != 0 ||
            fam2 != r->family || memcmp(r->lo, r->hi, 16) > 0)
            return -1;
        return 0;
    }
    char *slash = strchr(item, '/');
    if (slash)
        return parse_cidr(r, item, slash);
    if (parse_ip(item, &r->family, r->lo) != 0)
        return -1;
    memcpy(r->hi, r->lo, 16);
    return 0;
}

static int append_range(AddrRange **list, size_t *count, const AddrRange *r)
{
    AddrRange *grown = realloc(*list, (*count + 1) * sizeof(AddrRange));
    if (!grown)
        return -1;
    grown[(*count)++] = *r;
    *list = grown;
    return 0;
}

static int add_address_item(void *set_ptr, const char *item, bool negated, char *err,
                            size_t errlen)
{
    AddrSet *set = set_ptr;
    if (strcmp(item, "any") == 0) {
        if (negated) {
            snprintf(err, errlen, "\"!any\" matches nothing");
            return -1;
        }
        set->any = true;
        return 0;
    }
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", item);
    AddrRange r;
    memset(&r, 0, sizeof(r));
    if (parse_range(&r, buf) != 0) {
        snprintf(err, errlen, "invalid address \"%s\"", item);
        return -1;
    }
    return negated ? append_range(&set->exclude, &set->exclude_count, &r)
                   : append_range(&set->include, &set->include_count, &r);
}

static int cmp_range(const void *x, const void *y)
{
    const AddrRange *a = x, *b = y;
    if (a->family != b->family)
        return a->family - b->family;
    return memcmp(a->lo, b->lo, 16);
}

/* Sorts the ranges by family and start and merges overlapping ones, so that matching is a
 * binary search: ET Open's reputation rules list thousands of addresses each. */
static void normalize(AddrRange *list, size_t *count)
{
    if (*count < 2)
        return;
    qsort(list, *count, sizeof(AddrRange), cmp_range);
    size_t out = 0;
    for (size_t i = 1; i < *count; i++) {
        AddrRange *cur = &list[out];
        if (list[i].family == cur->family && memcmp(list[i].lo, cur->hi, 16) <= 0) {
            if (memcmp(list[i].hi, cur->hi, 16) > 0)
                memcpy(cur->hi, list[i].hi, 16);
        } else {
            list[++out] = list[i];
        }
    }
    *count = out + 1;
}

int addr_set_parse(AddrSet *set, const char *text, const struct ConfNode *conf, char *err,
                   size_t errlen)
{
    memset(set, 0, sizeof(*set));
    GroupParser gp = {conf, "vars.address-groups", set, add_address_item};
    if (detect_group_parse(&gp, text, err, errlen) != 0)
        return -1;
    if (set->include_count == 0)
        set->any = true;
    normalize(set->include, &set->include_count);
    normalize(set->exclude, &set->exclude_count);
    return 0;
}

/* Binary search for the last range starting at or before a, then its end. */
static bool in_ranges(const AddrRange *list, size_t count, const Address *a)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const AddrRange *r = &list[mid];
        int c = r->family != a->family ? r->family - a->family : memcmp(r->lo, a->addr, 16);
        if (c <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    const AddrRange *r = &list[lo - 1];
    return r->family == a->family && memcmp(a->addr, r->hi, 16) <= 0;
}

bool addr_set_match(const AddrSet *set, const Address *a)
{
    if (!set->any && !in_ranges(set->include, set->include_count, a))
        return false;
    return !set->exclude_count || !in_ranges(set->exclude, set->exclude_count, a);
}

bool addr_set_is_any(const AddrSet *set)
{
    return set->any && set->include_count == 0 && set->exclude_count == 0;
}

void addr_set_free(AddrSet *set)
{
    free(set->include);
    free(set->exclude);
    memset(set, 0, sizeof(*set));
}
