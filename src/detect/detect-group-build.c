/*
 * detect-group-build.c - turning the loaded signatures into the engine's evaluation order,
 * groups and prefilters, once at load.
 *
 * Order (Suricata's default): pass rules first, then drop/reject, then alert; within an
 * action, rules that set flowbits before rules that only read them (so a rule setting a bit
 * and one checking it on the same packet see it set), then by priority, then file order.
 * Each signature's number is its place in that order, so candidate lists sorted by number
 * are evaluated in order.
 *
 * Packet rules go to the group of their IP protocol ("ip" rules to every group); rules with
 * app-layer buffers to the transaction group of their app protocol. IP-only rules (nothing
 * but addresses) get their own list, checked once per flow direction, indexed by address
 * (detect-iponly.c). Within a group a rule with a fast pattern in the group's scanned buffer
 * is found by the prefilter (a packet rule's in the database of each flow direction it can
 * match; a transaction rule's in that of its buffer and transform chain); the group's other
 * packet rules are indexed by port and direction (detect-group-port.c); a transaction rule
 * without a fast pattern is a candidate for every transaction of its protocol.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "detect/detect-engine.h"
#include "detect/detect-fast-pattern.h"
#include "detect/detect-group-port.h"
#include "detect/detect-iponly.h"
#include "detect/detect-keywords.h"
#include "detect/detect-prefilter.h"
#include "detect/detect-stream-inspect.h"
#include "detect/detect-transform.h"

static int flowbits_rank(const Signature *s)
{
    bool set = s->flags & SIG_FLAG_FLOWBITS_SET, read = s->flags & SIG_FLAG_FLOWBITS_READ;
    if (set && !read)
        return 0;
    if (set)
        return 1;
    return read ? 3 : 2;
}

static int cmp_sig(const void *a, const void *b, void *ud)
{
    const Signature *x = *(Signature *const *)a, *y = *(Signature *const *)b;
    const uint8_t *rank = ud;
    int d = rank[x->action] - rank[y->action];
    if (!d)
        d = flowbits_rank(x) - flowbits_rank(y);
    if (!d)
        d = (x->priority ? x->priority : 3) - (y->priority ? y->priority : 3);
    if (!d)
        d = x->order - y->order;
    return d;
}

static int append(uint32_t **list, uint32_t *count, uint32_t num)
{
    if ((*count & (*count - 1)) == 0 || *count == 0) {
        uint32_t cap = *count ? *count * 2 : 4;
        uint32_t *grown = realloc(*list, cap * sizeof(uint32_t));
        if (!grown)
            return -1;
        *list = grown;
    }
    (*list)[(*count)++] = num;
    return 0;
}

typedef struct Builders {
    PrefilterBuilder *packet[DETECT_GROUP_COUNT][2];   /* per direction, as SigGroup.pf */
    PrefilterBuilder **tx[ALPROTO_MAX];   /* parallel to tx_groups[].pfs */
} Builders;

/* What may follow an IP-only match: setting flowbits, as in Suricata, where flowbits are
 * IP-only compatible (ET's reputation lists set ET.Evil / ET.BotccIP on every hit). */
static bool postmatch_iponly_compatible(const SigList *postmatch)
{
    for (const SigMatch *sm = postmatch->head; sm; sm = sm->next)
        if (strcmp(sm->keyword->name, "flowbits") != 0)
            return false;
    return true;
}

/* Suricata 7's IP-only rules: the header (addresses and ports) decides alone, so the answer
 * is the same for every packet of a flow direction: "alert tcp any any -> any 445" alerts
 * once per flow direction, as the reference does, not on every packet. */
bool detect_sig_is_iponly(const Signature *sig)
{
    return !sig->buffer_count && !sig->fixed[SIG_LIST_PACKET].head &&
           !sig->fixed[SIG_LIST_PAYLOAD].head &&
           postmatch_iponly_compatible(&sig->fixed[SIG_LIST_POSTMATCH]) &&
           sig->alproto == ALPROTO_UNKNOWN && !(sig->flags & SIG_FLAG_INERT);
}

bool detect_sig_is_pdonly(const Signature *sig)
{
    if (sig->alproto != ALPROTO_UNKNOWN || sig->buffer_count ||
        sig->fixed[SIG_LIST_PAYLOAD].head ||
        !postmatch_iponly_compatible(&sig->fixed[SIG_LIST_POSTMATCH]))
        return false;
    bool app_proto = false;
    for (const SigMatch *sm = sig->fixed[SIG_LIST_PACKET].head; sm; sm = sm->next) {
        if (strcmp(sm->keyword->name, "app-layer-protocol") == 0)
            app_proto = true;
        else if (strcmp(sm->keyword->name, "flow") != 0 || !detect_flow_only_direction(sm->ctx))
            return false;
    }
    return app_proto;
}

/* Whether a packet rule's fast pattern goes to the group's prefilter for direction dir. */
static bool in_direction_prefilter(const SigGroup *grp, const Signature *sig, int dir)
{
    if (!grp->pf_by_direction)
        return dir == 0;
    return !(sig->flags & (dir == 0 ? SIG_FLAG_TOCLIENT : SIG_FLAG_TOSERVER));
}

static int add_packet_sig(DetectEngine *de, Builders *b, const Signature *sig,
                          const FastPattern *fp, bool has_fp)
{
    for (int g = 0; g < DETECT_GROUP_COUNT; g++) {
        if (sig->ipproto && detect_proto_group(sig->ipproto) != g)
            continue;
        SigGroup *grp = &de->packet_groups[g];
        grp->count++;
        if (detect_sig_is_iponly(sig)) {
            if (append(&grp->iponly, &grp->iponly_count, sig->num) != 0)
                return -1;
            continue;
        }
        int rc = 1;
        for (int dir = 0; dir < 2 && has_fp && fp->buffer_id < 0 && rc >= 0; dir++)
            if (in_direction_prefilter(grp, sig, dir))
                rc = prefilter_builder_add(b->packet[g][dir], sig->num, fp->bytes, fp->len,
                                           fp->nocase);
        if (rc < 0 || (rc > 0 && append(&grp->always, &grp->always_count, sig->num) != 0))
            return -1;
    }
    return 0;
}

/* The prefilter slot of grp for this buffer and transform chain, added when new; -1 when
 * out of memory. */
static int tx_prefilter_slot(TxGroup *grp, PrefilterBuilder ***builders, const FastPattern *fp)
{
    const SigList *xf = fp->list->transform_count ? fp->list : NULL;
    for (uint32_t i = 0; i < grp->pf_count; i++) {
        const TxPrefilter *t = &grp->pfs[i];
        if (t->buffer_id == fp->buffer_id && (t->xf ? xf && detect_transform_same(t->xf, xf)
                                                    : !xf))
            return (int)i;
    }
    uint32_t n = grp->pf_count + 1;
    TxPrefilter *pfs = realloc(grp->pfs, n * sizeof(TxPrefilter));
    if (pfs)
        grp->pfs = pfs;
    PrefilterBuilder **bs = realloc(*builders, n * sizeof(PrefilterBuilder *));
    if (bs)
        *builders = bs;
    if (!pfs || !bs || !(bs[n - 1] = prefilter_builder_new()))
        return -1;
    pfs[n - 1] = (TxPrefilter){.buffer_id = fp->buffer_id, .xf = xf, .pf = NULL};
    grp->pf_count = n;
    return (int)n - 1;
}

static int add_tx_sig_to(DetectEngine *de, Builders *b, const Signature *sig,
                         const FastPattern *fp, bool has_fp, AppProto proto)
{
    TxGroup *grp = &de->tx_groups[proto];
    grp->count++;
    if (!has_fp || fp->buffer_id < 0)
        return append(&grp->always, &grp->always_count, sig->num);
    int slot = tx_prefilter_slot(grp, &b->tx[proto], fp);
    if (slot < 0)
        return -1;
    int rc = prefilter_builder_add(b->tx[proto][slot], sig->num, fp->bytes, fp->len,
                                   fp->nocase);
    return rc > 0 ? append(&grp->always, &grp->always_count, sig->num) : rc;
}

/* Every buffer the rule reads is one this protocol offers. */
static bool sig_buffers_offered(const Signature *sig, AppProto proto)
{
    for (size_t i = 0; i < sig->buffer_count; i++)
        if (!applayer_buffer_offered(sig->buffers[i].buffer_id, proto))
            return false;
    return true;
}

/* A rule on a buffer several protocols share (file.name from "alert tcp ... filesize")
 * has no protocol of its own: it joins the group of each protocol that offers its buffers. */
static int add_tx_sig(DetectEngine *de, Builders *b, const Signature *sig,
                      const FastPattern *fp, bool has_fp)
{
    if (sig->alproto != ALPROTO_UNKNOWN || !sig->buffer_count)
        return add_tx_sig_to(de, b, sig, fp, has_fp, sig->alproto);
    int rc = 0;
    for (int a = ALPROTO_UNKNOWN + 1; a < ALPROTO_MAX && rc == 0; a++)
        if (sig_buffers_offered(sig, (AppProto)a))
            rc = add_tx_sig_to(de, b, sig, fp, has_fp, (AppProto)a);
    return rc;
}

static int compile_all(DetectEngine *de, Builders *b)
{
    char err[256] = "";
    for (int g = 0; g < DETECT_GROUP_COUNT * 2; g++) {
        PrefilterBuilder *pb = b->packet[g / 2][g % 2];
        b->packet[g / 2][g % 2] = NULL;
        if (prefilter_builder_empty(pb)) {
            prefilter_builder_free(pb);
            continue;
        }
        Prefilter **pf = &de->packet_groups[g / 2].pf[g % 2];
        if (!(*pf = prefilter_build(pb, &de->hs_scratch_proto, err, sizeof(err))))
            goto fail;
    }
    for (int a = 0; a < ALPROTO_MAX; a++) {
        TxGroup *grp = &de->tx_groups[a];
        for (uint32_t i = 0; i < grp->pf_count; i++) {
            PrefilterBuilder *pb = b->tx[a][i];
            b->tx[a][i] = NULL;
            /* NULL for a buffer whose patterns were all unusable: nothing to scan there */
            if (prefilter_builder_empty(pb)) {
                prefilter_builder_free(pb);
                continue;
            }
            grp->pfs[i].pf = prefilter_build(pb, &de->hs_scratch_proto, err, sizeof(err));
            if (!grp->pfs[i].pf)
                goto fail;
        }
    }
    return 0;
fail:
    log_error("detection prefilter: %s", err[0] ? err : "out of memory");
    return -1;
}

/* The port and address indexes over each packet group's rules without a fast pattern. */
static int index_packet_groups(DetectEngine *de)
{
    for (int g = 0; g < DETECT_GROUP_COUNT; g++) {
        SigGroup *grp = &de->packet_groups[g];
        bool has_ports = g == DETECT_GROUP_TCP || g == DETECT_GROUP_UDP;
        grp->always_ix = port_index_build(de->sigs, grp->always, grp->always_count, has_ports);
        grp->iponly_ix = iponly_index_build(de->sigs, grp->iponly, grp->iponly_count);
        if (!grp->always_ix || !grp->iponly_ix)
            return -1;
    }
    return 0;
}

static void free_builders(const DetectEngine *de, Builders *b)
{
    for (int g = 0; g < DETECT_GROUP_COUNT; g++)
        for (int dir = 0; dir < 2; dir++)
            prefilter_builder_free(b->packet[g][dir]);
    for (int a = 0; a < ALPROTO_MAX; a++) {
        for (uint32_t i = 0; b->tx[a] && i < de->tx_groups[a].pf_count; i++)
            prefilter_builder_free(b->tx[a][i]);
        free(b->tx[a]);
    }
}

int detect_engine_build_groups(DetectEngine *de)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t i = 0; i < de->count; i++)
        de->sigs[i]->order = (int)i;
    if (de->count) /* qsort on NULL (no rules) is undefined, even with count 0 */
        qsort_r(de->sigs, de->count, sizeof(Signature *), cmp_sig, de->action_rank);
    Builders b;
    memset(&b, 0, sizeof(b));
    int rc = 0;
    /* Splitting by direction pays where the payload bytes are, TCP (to-client packets, most
     * of the bytes, meet 750 of ET Open's 2690 TCP patterns). For the other groups a second
     * database would cost more to compile than it saves: Vectorscan takes about as long
     * for a few hundred patterns as for a few thousand (0.1-0.5 s each, measured). */
    de->packet_groups[DETECT_GROUP_TCP].pf_by_direction = true;
    for (int g = 0; g < DETECT_GROUP_COUNT && rc == 0; g++)
        for (int dir = 0; dir < 2 && rc == 0; dir++)
            rc = (b.packet[g][dir] = prefilter_builder_new()) ? 0 : -1;
    for (uint32_t i = 0; i < de->count && rc == 0; i++) {
        Signature *sig = de->sigs[i];
        sig->num = i;
        if (detect_sig_is_pdonly(sig))
            sig->flags |= SIG_FLAG_PDONLY;
        FastPattern fp;
        bool has_fp = fast_pattern_select(sig, &fp);
        bool tx = sig->buffer_count || (sig->flags & SIG_FLAG_TX_STATE);
        rc = tx ? add_tx_sig(de, &b, sig, &fp, has_fp)
                : add_packet_sig(de, &b, sig, &fp, has_fp);
    }
    if (rc == 0)
        rc = compile_all(de, &b);
    if (rc == 0)
        rc = index_packet_groups(de);
    if (rc == 0)
        rc = detect_stream_ports_build(de);
    free_builders(de, &b);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    de->prefilter_build_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                             (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    return rc;
}

void detect_engine_free_groups(DetectEngine *de)
{
    for (int g = 0; g < DETECT_GROUP_COUNT; g++) {
        free(de->packet_groups[g].always);
        free(de->packet_groups[g].iponly);
        port_index_free(de->packet_groups[g].always_ix);
        iponly_index_free(de->packet_groups[g].iponly_ix);
        prefilter_free(de->packet_groups[g].pf[0]);
        prefilter_free(de->packet_groups[g].pf[1]);
    }
    for (int a = 0; a < ALPROTO_MAX; a++) {
        TxGroup *grp = &de->tx_groups[a];
        for (uint32_t i = 0; i < grp->pf_count; i++)
            prefilter_free(grp->pfs[i].pf);
        free(grp->pfs);
        free(grp->always);
    }
    free(de->raw_stream_ports[0]);
    free(de->raw_stream_ports[1]);
    prefilter_scratch_free(de->hs_scratch_proto);
}
