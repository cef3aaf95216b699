/*
 * detect-tag.c - the tag keyword: log the packets that follow an alert.
 *
 *   tag:<session|host>[,<count>,<packets|bytes|seconds>[,<src|dst>]];
 *
 * Why: ET Open tags the sessions of some exploit attempts (tag:session,5,packets) so that
 * what follows the alert is kept as evidence. Suricata 7 writes each tagged packet as an EVE
 * "packet" event (base64 packet, packet_info.linktype) when the alert type's tagged-packets
 * option is on, as in its stock configuration.
 *
 * Semantics, as measured on the reference (7.0.10) in IDS pcap mode:
 *   - a match starts a tag whose count already holds the alerting packet (1 packet, its
 *     length in bytes); that packet is the alert, not a packet event;
 *   - each later packet of the session (session scope) or with the tagged address as source
 *     or destination (host scope: the alert packet's destination, or its source with src)
 *     adds itself: within the count (packets, bytes; seconds: whole seconds since the
 *     match) it is logged, past it the tag ends. tag:session,2,packets logs 1 packet after
 *     the alert; tag:session (256 packets) the rest of a short flow;
 *   - the same rule matching again restarts its tag (at most 10 times), as Suricata's
 *     match limit; a packet several tags cover is logged once.
 * Tags live in the worker that saw the match (flows are per worker); session tags end with
 * their flow. With no tag rule loaded nothing here runs; with some, a packet costs one test
 * while no tag is active.
 */
#include "detect/detect-tag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/textutil.h"
#include "detect/detect-keywords.h"
#include "output/output-alert.h"

enum { TAG_PACKETS, TAG_BYTES, TAG_SECONDS };

#define TAG_DEFAULT_COUNT 256
#define TAG_MATCH_LIMIT 10   /* restarts of one rule's tag, as Suricata */
#define TAG_MAX 4096         /* active tags per worker; more are not started */

typedef struct TagCtx {
    bool host;          /* host scope, else session */
    bool src;           /* host scope: the alert packet's source, else its destination */
    uint8_t metric;
    uint32_t count;
} TagCtx;

typedef struct TagEntry {
    const Flow *flow;   /* session scope: the flow (with its id, in case the memory is reused) */
    uint64_t flow_id;
    Address host;       /* host scope */
    bool is_host;
    uint8_t metric;
    uint32_t count, sid, gid, matches;
    uint64_t packets, bytes, first_sec;
} TagEntry;

static int parse_metric(const char *s, uint8_t *metric)
{
    static const char *const names[] = {"packets", "bytes", "seconds"};
    for (uint8_t i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *metric = i;
            return 0;
        }
    return -1;
}

static int tag_parse(TagCtx *t, char *text, char *err, size_t errlen)
{
    char *a[4];
    int n = text_split_commas(text, a, 4);
    t->metric = TAG_PACKETS;
    t->count = TAG_DEFAULT_COUNT;
    if (n < 1 || n == 2 || n > 4 || (strcmp(a[0], "session") && strcmp(a[0], "host"))) {
        snprintf(err, errlen, "expected session|host[,count,packets|bytes|seconds[,src|dst]]");
        return -1;
    }
    t->host = strcmp(a[0], "host") == 0;
    if (n >= 3) {
        char *end;
        unsigned long c = strtoul(a[1], &end, 10);
        if (!*a[1] || *end || c > UINT32_MAX || parse_metric(a[2], &t->metric) != 0) {
            snprintf(err, errlen, "invalid count or metric \"%s,%s\"", a[1], a[2]);
            return -1;
        }
        t->count = (uint32_t)c;
    }
    if (n == 4) {
        if (!t->host || (strcmp(a[3], "src") && strcmp(a[3], "dst"))) {
            snprintf(err, errlen, "a direction (src|dst) is for host tags only");
            return -1;
        }
        t->src = strcmp(a[3], "src") == 0;
    }
    return 0;
}

static int tag_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                     size_t errlen)
{
    char text[128];
    snprintf(text, sizeof(text), "%s", value ? value : "");
    TagCtx *t = calloc(1, sizeof(*t));
    if (!t || tag_parse(t, text, err, errlen) != 0) {
        free(t);
        return -1;
    }
    if (!sig_append(sig, SIG_LIST_POSTMATCH, kw, t)) {
        free(t);
        return -1;
    }
    return 0;
}

static bool entry_covers(const TagEntry *e, const Packet *p)
{
    if (!e->is_host)
        return p->flow && p->flow == e->flow && p->flow->flow_id == e->flow_id;
    return (p->src.family == e->host.family && !memcmp(p->src.addr, e->host.addr, 16)) ||
           (p->dst.family == e->host.family && !memcmp(p->dst.addr, e->host.addr, 16));
}

/* The tag takes the packet: true while within its count (log it), false when it ends. */
static bool entry_take(TagEntry *e, const Packet *p)
{
    e->packets++;
    e->bytes += p->len;
    switch (e->metric) {
    case TAG_PACKETS: return e->packets <= e->count;
    case TAG_BYTES: return e->bytes <= e->count;
    default: return p->ts_usec / 1000000 - e->first_sec <= e->count;
    }
}

static void entry_start(TagEntry *e, const Packet *p)
{
    e->packets = p ? 1 : 0;
    e->bytes = p ? p->len : 0;
    e->first_sec = p ? p->ts_usec / 1000000 : 0;
}

static TagEntry *find_same(DetectTagState *s, const TagEntry *want)
{
    for (uint32_t i = 0; i < s->n; i++) {
        TagEntry *e = &s->e[i];
        if (e->sid == want->sid && e->gid == want->gid && e->is_host == want->is_host &&
            (want->is_host ? !memcmp(&e->host, &want->host, sizeof(Address))
                           : e->flow == want->flow && e->flow_id == want->flow_id))
            return e;
    }
    return NULL;
}

static void tag_add(DetectTagState *s, const TagEntry *want, const Packet *p)
{
    TagEntry *e = find_same(s, want);
    if (e) {
        if (++e->matches < TAG_MATCH_LIMIT)
            entry_start(e, p);
        return;
    }
    if (s->n >= TAG_MAX)
        return;
    TagEntry *grown = array_reserve(s->e, sizeof(*grown), s->n + 1, &s->cap);
    if (!grown)
        return;
    s->e = grown;
    e = &s->e[s->n++];
    *e = *want;
    entry_start(e, p);
}

static bool tag_match(DetectMatchCtx *m, const void *ctx)
{
    const TagCtx *t = ctx;
    DetectTagState *s = m->dt->tags;
    if (!s)
        return true;
    TagEntry want = {.is_host = t->host, .metric = t->metric, .count = t->count,
                     .sid = m->sig->sid, .gid = m->sig->gid};
    if (t->host) {
        const Address *src, *dst;
        if (!detect_match_endpoints(m, &src, &dst))
            return true;
        want.host = *(t->src ? src : dst);
    } else {
        if (!m->f)
            return true;
        want.flow = m->f;
        want.flow_id = m->f->flow_id;
    }
    tag_add(s, &want, m->p && !m->p->stream_pseudo ? m->p : NULL);
    return true;  /* a post-match action: it never decides the match */
}

void detect_tag_packet(DetectThread *dt, const Packet *p)
{
    DetectTagState *s = dt->tags;
    bool log = false;
    for (uint32_t i = 0; i < s->n;) {
        TagEntry *e = &s->e[i];
        if (!entry_covers(e, p)) {
            i++;
            continue;
        }
        if (entry_take(e, p)) {
            log = true;
            i++;
        } else {
            *e = s->e[--s->n];   /* ended: the last entry takes its place */
        }
    }
    if (log && dt->eve)
        output_tagged_packet(dt->eve, p);
}

void detect_tag_flow_end(DetectThread *dt, const Flow *f)
{
    DetectTagState *s = dt->tags;
    for (uint32_t i = 0; s && i < s->n;) {
        if (!s->e[i].is_host && s->e[i].flow == f)
            s->e[i] = s->e[--s->n];
        else
            i++;
    }
}

bool detect_tag_used(const DetectEngine *de)
{
    for (uint32_t i = 0; i < de->count; i++)
        for (const SigMatch *sm = de->sigs[i]->fixed[SIG_LIST_POSTMATCH].head; sm; sm = sm->next)
            if (sm->keyword->match_packet == tag_match)
                return true;
    return false;
}

DetectTagState *detect_tag_state_new(void)
{
    return calloc(1, sizeof(DetectTagState));
}

void detect_tag_state_free(DetectTagState *s)
{
    if (s)
        free(s->e);
    free(s);
}

const DetectKeyword detect_tag_keywords[] = {
    {.name = "tag", .setup = tag_setup, .match_packet = tag_match, .free_ctx = free},
    {.name = NULL},
};
