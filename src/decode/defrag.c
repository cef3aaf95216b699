/*
 * defrag.c - IPv4 and IPv6 fragment reassembly (see defrag.h).
 *
 * A DefragTable belongs to one decode thread, so nothing here locks. Each datagram in
 * progress has a tracker, found through a hash on (addresses, id, protocol, VLAN ids) and
 * kept on a list ordered by last update: because every fragment pushes a tracker's deadline
 * to "packet time + timeout", the head of that list is always the next one to expire, and
 * also the one to give up first when the tracker limit or the memcap is reached. Expiry is
 * checked at every fragment and by defrag_expire(), all in packet time.
 *
 * Fragments of a tracker sit on a list sorted by offset (equal offsets in arrival order).
 * Overlaps are resolved with the destination's policy (defrag-policy.c: bsd, linux,
 * windows, solaris, first, last, chosen through host-os-policy when the tracker is made),
 * walking the held fragments as Suricata 7 does so that the same fragments give the same
 * bytes; reassembly then copies fragments in list order, later copies winning where trims
 * left overlap. Any overlap raises decoder.ipv4.frag_overlap / decoder.ipv6.frag_overlap.
 *
 * Once the last fragment has been seen and the data from offset 0 has no hole, the datagram
 * is rebuilt in a per-table buffer: the first fragment's header (for IPv6 everything before
 * the fragment header, whose next-header value is chained into the preceding header), then
 * the data; lengths and the fragment fields are fixed up, and the result is queued as a
 * pseudo packet (is_reassembled). As in Suricata, the datagram keeps the first fragment's
 * link layer (Ethernet, VLAN tags, PPP...; EVE alert "packet" shows it) and is decoded from
 * there with its capture's link type; without one (raw IP captures, tunnels' inner packets,
 * headers over DEFRAG_LINK_MAX) it is a LINKTYPE_IPV4/IPV6 packet. The tracker is then freed; a late
 * duplicate starts a new one, as in Suricata.
 *
 * Memory: trackers and stored fragments (struct + bytes) are charged to the memcap. A new
 * tracker beyond the limits evicts the stalest one; a fragment that still does not fit is
 * ignored (decoder.*.frag_ignored). Evicted and expired datagrams are counted as
 * defrag.ipv4/ipv6.timeouts, fragments that could not be kept as defrag.max_frag_hits, the
 * only names Suricata's stats schema has for them.
 */
#include "decode/defrag.h"

#include "decode/decode-internal.h"
#include "decode/defrag-internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define USEC_PER_SEC 1000000ULL
#define IPV4_HEADER_MIN_LEN 20
#define IPV6_HEADER_LEN 40
#define IPV6_FRAG_HEADER_LEN 8
#define IP_MAX_DATAGRAM 65535u
/* Room for the largest datagram plus an IPv6 unfragmentable part in front of it. */
#define DEFRAG_LINK_MAX 64u
#define DEFRAG_BUFFER_SIZE (IP_MAX_DATAGRAM + 2048u + DEFRAG_LINK_MAX)

typedef struct DefragTracker {
    struct DefragTracker *hash_next;
    struct DefragTracker *age_prev, *age_next; /* oldest update first */
    uint32_t hash;
    uint32_t id;
    uint8_t af;
    uint8_t proto;
    DefragPolicy policy; /* the destination's, from host-os-policy */
    uint8_t src[16], dst[16];
    uint16_t vlan_id[PKT_MAX_VLAN];
    uint64_t deadline_usec;
    bool seen_last;
    uint16_t link_len;        /* bytes before the first fragment's IP header (Ethernet...) */
    bool link_kept;           /* link[] holds them (not tunneled, at most DEFRAG_LINK_MAX) */
    int datalink;             /* the first fragment's capture link type */
    uint8_t link[DEFRAG_LINK_MAX];
    uint32_t frag_count;
    uint64_t mem;             /* tracker + fragments, as charged to the memcap */
    DefragFrag *first, *last; /* sorted by offset */
} DefragTracker;

struct DefragTable {
    DefragConfig cfg;
    DefragTracker **buckets;
    uint32_t bucket_mask;
    uint32_t hash_seed;
    uint32_t tracker_count;
    uint64_t memuse;
    DefragTracker *oldest, *newest;
    uint8_t *buffer; /* DEFRAG_BUFFER_SIZE bytes for rebuilding a datagram */
};

/* Counter ids, registered once (defrag_register_counters) like decode_ids. */
static struct {
    CounterId ipv4_fragments, ipv4_reassembled, ipv4_timeouts;
    CounterId ipv6_fragments, ipv6_reassembled, ipv6_timeouts;
    CounterId max_frag_hits;
} defrag_ids;

/* What one arriving fragment contributes, in the terms both IP versions share. */
typedef struct FragInput {
    uint8_t af;
    uint8_t proto;
    uint32_t id;
    const uint8_t *src, *dst; /* 4 or 16 bytes */
    uint32_t offset, data_len;
    bool more_frags;
    const uint8_t *hdr;       /* header bytes kept when this is the first fragment */
    uint32_t hdr_len;
    const uint8_t *data;
    int chain_nh_at;          /* IPv6: byte of hdr that must name fh_next_header, or -1 */
    uint8_t fh_next_header;
} FragInput;

void defrag_config_default(DefragConfig *cfg)
{
    cfg->memcap = 32ULL * 1024 * 1024;
    cfg->timeout_sec = 60;
    /* A 64 KiB datagram needs at most 8192 fragments of 8 bytes; more is an attack. */
    cfg->max_frags = 8192;
    cfg->trackers = 65535;
    cfg->host_policy_count = 0;
}

void defrag_register_counters(void)
{
    defrag_ids.ipv4_fragments = counters_register("defrag.ipv4.fragments");
    defrag_ids.ipv4_reassembled = counters_register("defrag.ipv4.reassembled");
    defrag_ids.ipv4_timeouts = counters_register("defrag.ipv4.timeouts");
    defrag_ids.ipv6_fragments = counters_register("defrag.ipv6.fragments");
    defrag_ids.ipv6_reassembled = counters_register("defrag.ipv6.reassembled");
    defrag_ids.ipv6_timeouts = counters_register("defrag.ipv6.timeouts");
    defrag_ids.max_frag_hits = counters_register("defrag.max_frag_hits");
}

static uint32_t round_up_pow2(uint32_t v)
{
    uint32_t n = 1;
    while (n < v && n < (1u << 20))
        n <<= 1;
    return n;
}

DefragTable *defrag_table_new(const DefragConfig *cfg)
{
    DefragTable *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cfg = *cfg;
    if (t->cfg.trackers == 0)
        t->cfg.trackers = 1;
    if (t->cfg.max_frags == 0)
        t->cfg.max_frags = 1;
    if (t->cfg.timeout_sec == 0)
        t->cfg.timeout_sec = 1;
    uint32_t buckets = round_up_pow2(t->cfg.trackers);
    t->bucket_mask = buckets - 1;
    t->buckets = calloc(buckets, sizeof(*t->buckets));
    t->buffer = malloc(DEFRAG_BUFFER_SIZE);
    if (!t->buckets || !t->buffer) {
        defrag_table_free(t);
        return NULL;
    }
    /* A per-table seed so that fragment ids chosen by an attacker cannot aim at one bucket. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    t->hash_seed = (uint32_t)now.tv_nsec ^ (uint32_t)(uintptr_t)t;
    return t;
}

static void tracker_free_frags(DefragTracker *tr)
{
    DefragFrag *f = tr->first;
    while (f) {
        DefragFrag *next = f->next;
        free(f);
        f = next;
    }
    tr->first = tr->last = NULL;
}

void defrag_table_free(DefragTable *table)
{
    if (!table)
        return;
    DefragTracker *tr = table->oldest;
    while (tr) {
        DefragTracker *next = tr->age_next;
        tracker_free_frags(tr);
        free(tr);
        tr = next;
    }
    free(table->buckets);
    free(table->buffer);
    free(table);
}

uint64_t defrag_memuse(const DefragTable *table)
{
    return table ? table->memuse : 0;
}

/* ---- tracker lookup, ageing and removal --------------------------------------------- */

static uint32_t mix32(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x9e3779b1u;
    return h ^ (h >> 15);
}

/* Symmetric in the addresses: Suricata matches a tracker in either direction. */
static uint32_t frag_hash(const DefragTable *t, const FragInput *in, const uint16_t *vlan)
{
    size_t alen = in->af == AF_INET ? 4 : 16;
    uint32_t a = 0, b = 0;
    for (size_t i = 0; i < alen; i++) {
        a = mix32(a, in->src[i]);
        b = mix32(b, in->dst[i]);
    }
    uint32_t h = mix32(t->hash_seed, a ^ b);
    h = mix32(h, in->id);
    h = mix32(h, (uint32_t)in->af << 8 | in->proto);
    for (int i = 0; i < PKT_MAX_VLAN; i++)
        h = mix32(h, vlan[i]);
    return h;
}

static bool tracker_matches(const DefragTracker *tr, const FragInput *in, const uint16_t *vlan)
{
    size_t alen = in->af == AF_INET ? 4 : 16;
    if (tr->af != in->af || tr->id != in->id || tr->proto != in->proto)
        return false;
    if (memcmp(tr->vlan_id, vlan, sizeof(tr->vlan_id)) != 0)
        return false;
    bool same = memcmp(tr->src, in->src, alen) == 0 && memcmp(tr->dst, in->dst, alen) == 0;
    bool swapped = memcmp(tr->src, in->dst, alen) == 0 && memcmp(tr->dst, in->src, alen) == 0;
    return same || swapped;
}

static void age_unlink(DefragTable *t, DefragTracker *tr)
{
    if (tr->age_prev)
        tr->age_prev->age_next = tr->age_next;
    else
        t->oldest = tr->age_next;
    if (tr->age_next)
        tr->age_next->age_prev = tr->age_prev;
    else
        t->newest = tr->age_prev;
    tr->age_prev = tr->age_next = NULL;
}

static void age_append(DefragTable *t, DefragTracker *tr)
{
    tr->age_prev = t->newest;
    tr->age_next = NULL;
    if (t->newest)
        t->newest->age_next = tr;
    else
        t->oldest = tr;
    t->newest = tr;
}

static void tracker_remove(DefragTable *t, DefragTracker *tr)
{
    DefragTracker **link = &t->buckets[tr->hash & t->bucket_mask];
    while (*link && *link != tr)
        link = &(*link)->hash_next;
    if (*link)
        *link = tr->hash_next;
    age_unlink(t, tr);
    tracker_free_frags(tr);
    t->memuse -= tr->mem;
    t->tracker_count--;
    free(tr);
}

/* Gives up on a datagram that will not complete (expired or evicted). */
static void tracker_drop_incomplete(DefragTable *t, CounterSet *counters, DefragTracker *tr)
{
    counter_incr(counters, tr->af == AF_INET ? defrag_ids.ipv4_timeouts
                                             : defrag_ids.ipv6_timeouts);
    tracker_remove(t, tr);
}

void defrag_expire(DefragTable *table, CounterSet *counters, uint64_t now_usec)
{
    if (!table)
        return;
    while (table->oldest && table->oldest->deadline_usec <= now_usec)
        tracker_drop_incomplete(table, counters, table->oldest);
}

/* Evicts the stalest tracker other than `keep`; false when there is none. */
static bool evict_oldest(DefragTable *t, CounterSet *counters, const DefragTracker *keep)
{
    DefragTracker *victim = t->oldest;
    if (victim == keep)
        victim = victim->age_next;
    if (!victim)
        return false;
    tracker_drop_incomplete(t, counters, victim);
    return true;
}

static DefragTracker *tracker_create(DefragTable *t, CounterSet *counters, const FragInput *in,
                                     const uint16_t *vlan, uint32_t hash)
{
    while (t->tracker_count >= t->cfg.trackers ||
           t->memuse + sizeof(DefragTracker) > t->cfg.memcap) {
        if (!evict_oldest(t, counters, NULL))
            return NULL;
    }
    DefragTracker *tr = calloc(1, sizeof(*tr));
    if (!tr)
        return NULL;
    size_t alen = in->af == AF_INET ? 4 : 16;
    tr->hash = hash;
    tr->id = in->id;
    tr->af = in->af;
    tr->proto = in->proto;
    memcpy(tr->src, in->src, alen);
    memcpy(tr->dst, in->dst, alen);
    memcpy(tr->vlan_id, vlan, sizeof(tr->vlan_id));
    tr->policy = defrag_policy_for(&t->cfg, in->af, in->dst);
    tr->mem = sizeof(DefragTracker);
    t->memuse += tr->mem;
    t->tracker_count++;
    DefragTracker **bucket = &t->buckets[hash & t->bucket_mask];
    tr->hash_next = *bucket;
    *bucket = tr;
    age_append(t, tr);
    return tr;
}

static DefragTracker *tracker_get(DefragTable *t, CounterSet *counters, const FragInput *in,
                                  const uint16_t *vlan)
{
    uint32_t hash = frag_hash(t, in, vlan);
    for (DefragTracker *tr = t->buckets[hash & t->bucket_mask]; tr; tr = tr->hash_next) {
        if (tr->hash == hash && tracker_matches(tr, in, vlan))
            return tr;
    }
    return tracker_create(t, counters, in, vlan, hash);
}

/* ---- overlaps ----------------------------------------------------------- */

/* First fragment with offset >= `offset` (the earliest of equal ones), or NULL. */
static DefragFrag *first_at_or_after(DefragTracker *tr, uint32_t offset)
{
    DefragFrag *f = tr->first;
    while (f && f->offset < offset)
        f = f->next;
    return f;
}

static void frag_unlink_free(DefragTable *t, DefragTracker *tr, DefragFrag *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        tr->first = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        tr->last = f->prev;
    uint64_t size = sizeof(DefragFrag) + f->hdr_len + f->data_len;
    tr->mem -= size;
    t->memuse -= size;
    tr->frag_count--;
    free(f);
}

/*
 * Resolves the new fragment [off, end) against the held ones with the tracker's policy, the
 * way Suricata 7 walks them: from just before where the new fragment sorts (from the first
 * fragment when it would go last) until a policy decides. Returns false when the new
 * fragment is to be dropped; otherwise *ltrim is what to cut from its front. *overlap says
 * whether any fragment looked at overlaps it.
 */
static bool policy_trim(DefragTable *t, DefragTracker *tr, uint32_t off, uint32_t end,
                        uint32_t *ltrim, bool *overlap)
{
    *ltrim = 0;
    DefragFrag *next = first_at_or_after(tr, off);
    DefragFrag *prev;
    if (!next) {
        prev = tr->first;
        next = prev ? prev->next : NULL;
    } else if (next->prev) {
        prev = next->prev;
    } else {
        prev = next;
        next = next->next;
    }
    for (; prev; prev = next, next = next ? next->next : NULL) {
        if (off < prev->offset + prev->data_len && prev->offset < end)
            *overlap = true;
        bool drop_prev = false;
        switch (defrag_policy_step(tr->policy, prev, next, off, end, ltrim, &drop_prev)) {
        case DEFRAG_STEP_NEXT:
            continue;
        case DEFRAG_STEP_DROP:
            return false;
        case DEFRAG_STEP_INSERT:
            break;
        }
        /* Replaced or completely covered: never copied, so forget it now. */
        if (drop_prev || prev->ltrim >= prev->data_len)
            frag_unlink_free(t, tr, prev);
        return true;
    }
    return true;
}

/* Links f after every fragment whose offset is <= its own (arrival order among equals).
 * Searching from the end makes in-order arrival O(1). */
static void frag_insert_sorted(DefragTracker *tr, DefragFrag *f)
{
    DefragFrag *after = tr->last;
    while (after && after->offset > f->offset)
        after = after->prev;
    f->prev = after;
    f->next = after ? after->next : tr->first;
    if (f->next)
        f->next->prev = f;
    else
        tr->last = f;
    if (after)
        after->next = f;
    else
        tr->first = f;
}

/* ---- storing a fragment --------------------------------------------------------------- */

static void set_ignored_event(DecodeThread *dt, Packet *p, uint8_t af)
{
    decode_set_event(dt, p, af == AF_INET ? DE_IPV4_FRAG_IGNORED : DE_IPV6_FRAG_IGNORED);
    counter_incr(dt->counters, defrag_ids.max_frag_hits);
}

/* Makes room for `size` more bytes, evicting other datagrams; false when impossible. */
static bool reserve_memory(DefragTable *t, CounterSet *counters, const DefragTracker *keep,
                           uint64_t size)
{
    while (t->memuse + size > t->cfg.memcap) {
        if (!evict_oldest(t, counters, keep))
            return false;
    }
    return true;
}

/* Stores the fragment's data from `ltrim` on; the header only matters at offset 0. */
static bool frag_store(DecodeThread *dt, Packet *p, DefragTable *t, DefragTracker *tr,
                       const FragInput *in, uint32_t ltrim)
{
    if (tr->frag_count >= t->cfg.max_frags) {
        set_ignored_event(dt, p, in->af);
        return false;
    }
    uint32_t offset = in->offset + ltrim;
    uint32_t hdr_len = offset == 0 ? in->hdr_len : 0;
    uint32_t data_len = in->data_len - ltrim;
    uint64_t size = sizeof(DefragFrag) + hdr_len + data_len;
    DefragFrag *f = NULL;
    if (reserve_memory(t, dt->counters, tr, size))
        f = malloc(size);
    if (!f) {
        set_ignored_event(dt, p, in->af);
        return false;
    }
    f->offset = offset;
    f->data_len = data_len;
    f->ltrim = 0;
    f->hdr_len = hdr_len;
    f->more_frags = in->more_frags;
    memcpy(f->bytes, in->hdr, hdr_len);
    /* IPv6: the fragment header disappears on reassembly, so whatever precedes it must
     * name what followed it. */
    if (hdr_len && in->chain_nh_at >= 0)
        f->bytes[in->chain_nh_at] = in->fh_next_header;
    memcpy(f->bytes + hdr_len, in->data + ltrim, data_len);
    frag_insert_sorted(tr, f);
    tr->frag_count++;
    tr->mem += size;
    t->memuse += size;
    return true;
}

/* ---- reassembly ----------------------------------------------------------------------- */

/* All data from offset 0 up to the furthest fragment, without holes. */
static bool datagram_complete(const DefragTracker *tr)
{
    if (!tr->seen_last || !tr->first || tr->first->offset != 0)
        return false;
    uint32_t covered = 0;
    for (const DefragFrag *f = tr->first; f; f = f->next) {
        if (f->offset > covered)
            return false;
        if (f->offset + f->data_len > covered)
            covered = f->offset + f->data_len;
    }
    return true;
}

/*
 * Copies the fragments into the table's buffer in list order, as Suricata does (so where
 * trims left overlaps, the later copy wins), stopping after a last fragment. Returns the
 * header length and sets *frag_len; 0 when the result cannot be a valid datagram.
 */
static uint32_t copy_fragments(DefragTable *t, const DefragTracker *tr, uint32_t *frag_len)
{
    uint32_t hdr_len = 0, prev_offset = 0;
    bool more = true;
    *frag_len = 0;
    for (const DefragFrag *f = tr->first; f; f = f->next) {
        if (!more && f->offset > prev_offset)
            break;
        if (f->ltrim >= f->data_len)
            continue;
        if (f->offset == 0) {
            memcpy(t->buffer, f->bytes, f->hdr_len + f->data_len);
            hdr_len = f->hdr_len;
            *frag_len = f->data_len;
        } else {
            if (hdr_len == 0 || hdr_len + f->offset + f->data_len > DEFRAG_BUFFER_SIZE)
                return 0;
            memcpy(t->buffer + hdr_len + f->offset + f->ltrim, f->bytes + f->ltrim,
                   f->data_len - f->ltrim);
            if (f->offset + f->data_len > *frag_len)
                *frag_len = f->offset + f->data_len;
        }
        more = f->more_frags;
        prev_offset = f->offset;
    }
    return hdr_len;
}

/* RFC 1624 incremental checksum update for one 16-bit word. */
static uint16_t checksum_update(uint16_t sum, uint16_t old_word, uint16_t new_word)
{
    uint32_t s = (uint16_t)~sum + (uint16_t)~old_word + (uint32_t)new_word;
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void wr16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

/* Total length set, fragment fields cleared, checksum kept consistent. */
static void fix_ipv4_header(uint8_t *ip, uint32_t total)
{
    uint16_t sum = rd16(ip + 10);
    sum = checksum_update(sum, rd16(ip + 2), (uint16_t)total);
    sum = checksum_update(sum, rd16(ip + 6), 0);
    wr16(ip + 2, (uint16_t)total);
    wr16(ip + 6, 0);
    wr16(ip + 10, sum);
}

/* The first fragment's link layer in front of the datagram (total bytes at the buffer's
 * start); returns the new length. */
static uint32_t prepend_link(DefragTable *t, const DefragTracker *tr, uint32_t total)
{
    memmove(t->buffer + tr->link_len, t->buffer, total);
    memcpy(t->buffer, tr->link, tr->link_len);
    return total + tr->link_len;
}

/* Builds the datagram and queues it; the tracker is finished either way. */
static void reassemble(DecodeThread *dt, Packet *p, DefragTable *t, DefragTracker *tr)
{
    uint32_t frag_len;
    uint32_t hdr_len = copy_fragments(t, tr, &frag_len);
    uint32_t total = hdr_len + frag_len;
    bool v4 = tr->af == AF_INET;
    bool fits = v4 ? total <= IP_MAX_DATAGRAM : total - IPV6_HEADER_LEN <= IP_MAX_DATAGRAM;
    if (hdr_len != 0 && fits) {
        if (v4)
            fix_ipv4_header(t->buffer, total);
        else
            wr16(t->buffer + 4, (uint16_t)(total - IPV6_HEADER_LEN));
        bool link = tr->link_kept && tr->link_len;
        Packet *rp = link ? decode_queue_pseudo(dt, p, t->buffer, prepend_link(t, tr, total),
                                                tr->datalink)
                          : decode_queue_pseudo(dt, p, t->buffer, total,
                                                v4 ? LINKTYPE_IPV4 : LINKTYPE_IPV6);
        if (rp) {
            rp->is_reassembled = true;
            rp->is_tunneled = p->is_tunneled;
            rp->link_len = link ? 0 : tr->link_len;
            if (link) /* decoding the link layer again finds its VLAN tags */
                rp->vlan_count = 0;
            counter_incr(dt->counters,
                         v4 ? defrag_ids.ipv4_reassembled : defrag_ids.ipv6_reassembled);
        }
    }
    tracker_remove(t, tr);
}

/* ---- entry points --------------------------------------------------------------------- */

static void defrag_add(DecodeThread *dt, Packet *p, const FragInput *in)
{
    DefragTable *t = dt->defrag;
    bool v4 = in->af == AF_INET;
    counter_incr(dt->counters, v4 ? defrag_ids.ipv4_fragments : defrag_ids.ipv6_fragments);
    defrag_expire(t, dt->counters, p->ts_usec);
    DefragTracker *tr = tracker_get(t, dt->counters, in, p->vlan_id);
    if (!tr) {
        counter_incr(dt->counters, defrag_ids.max_frag_hits);
        return;
    }
    /* Suricata checks the size only once it holds a tracker; an empty one is not kept. */
    uint32_t limit = v4 ? IP_MAX_DATAGRAM - IPV4_HEADER_MIN_LEN : IP_MAX_DATAGRAM;
    if (in->offset + in->data_len > limit) {
        decode_set_event(dt, p, v4 ? DE_IPV4_FRAG_PKT_TOO_LARGE : DE_IPV6_FRAG_PKT_TOO_LARGE);
        if (tr->frag_count == 0)
            tracker_remove(t, tr);
        return;
    }
    /* The datagram keeps the first fragment's link layer, as Suricata's does, so the bytes
     * counted for its flow are the same. */
    if (in->offset == 0) {
        tr->link_len = (uint16_t)(in->hdr - p->buf);
        tr->link_kept = !p->is_tunneled && tr->link_len <= DEFRAG_LINK_MAX;
        tr->datalink = p->datalink;
        if (tr->link_kept)
            memcpy(tr->link, p->buf, tr->link_len);
    }
    /* Deadlines are whole seconds of packet time, like Suricata's. */
    tr->deadline_usec = (p->ts_usec / USEC_PER_SEC + t->cfg.timeout_sec) * USEC_PER_SEC;
    age_unlink(t, tr);
    age_append(t, tr);

    uint32_t ltrim;
    bool overlap = false;
    if (policy_trim(t, tr, in->offset, in->offset + in->data_len, &ltrim, &overlap) &&
        ltrim < in->data_len && frag_store(dt, p, t, tr, in, ltrim)) {
        if (!in->more_frags)
            tr->seen_last = true;
        if (datagram_complete(tr))
            reassemble(dt, p, t, tr);
    }
    if (overlap)
        decode_set_event(dt, p, v4 ? DE_IPV4_FRAG_OVERLAP : DE_IPV6_FRAG_OVERLAP);
}

void defrag_ipv4(DecodeThread *dt, Packet *p, const uint8_t *ip, uint32_t ip_len)
{
    uint32_t hlen = (uint32_t)(ip[0] & 0x0f) * 4;
    uint16_t frag_field = rd16(ip + 6);
    FragInput in = {
        .af = AF_INET,
        .proto = ip[9],
        .id = rd16(ip + 4),
        .src = ip + 12,
        .dst = ip + 16,
        .offset = (uint32_t)(frag_field & 0x1fff) * 8,
        .data_len = ip_len - hlen,
        .more_frags = (frag_field & 0x2000) != 0,
        .hdr = ip,
        .hdr_len = hlen,
        .data = ip + hlen,
        .chain_nh_at = -1,
    };
    if (in.offset == 0 && !in.more_frags)
        return;
    defrag_add(dt, p, &in);
}

void defrag_ipv6(DecodeThread *dt, Packet *p, const uint8_t *ip, uint32_t ip_len,
                 uint32_t frag_hdr_offset)
{
    const uint8_t *fh = ip + frag_hdr_offset;
    uint16_t off_field = rd16(fh + 2);
    FragInput in = {
        .af = AF_INET6,
        .id = rd32(fh + 4),
        .src = ip + 8,
        .dst = ip + 24,
        .offset = off_field & 0xfff8u,
        .data_len = ip_len - frag_hdr_offset - IPV6_FRAG_HEADER_LEN,
        .more_frags = (off_field & 1) != 0,
        .hdr = ip,
        .hdr_len = frag_hdr_offset,
        .data = fh + IPV6_FRAG_HEADER_LEN,
        .chain_nh_at = ipv6_next_header_field(ip, frag_hdr_offset),
        .fh_next_header = fh[0],
    };
    if (in.offset == 0 && !in.more_frags)
        return;
    defrag_add(dt, p, &in);
}
