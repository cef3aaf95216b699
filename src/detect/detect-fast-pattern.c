/*
 * detect-fast-pattern.c - which content of a rule feeds the prefilter.
 *
 * As in Suricata: a content marked fast_pattern wins (fast_pattern:offset,length uses only
 * that slice); otherwise the longest positive content of the rule, since longer patterns
 * are rarer in traffic and make fewer false candidates. Ties go to the content with more
 * distinct bytes ("AAAA" is a worse filter than "ABCD"), then to the first one. Negated
 * contents cannot select candidates, and neither can contents of base64_data (the prefilter
 * does not decode), so those are passed over. A content of a transformed buffer (dotprefix,
 * to_lowercase...) can: the prefilter of that buffer and transform chain scans the
 * transformed bytes, as Suricata's does (ET Open's DNS and TLS domain rules all use one).
 */
#include "detect/detect-fast-pattern.h"

#include <string.h>

static uint32_t distinct_bytes(const ContentCtx *cd)
{
    uint8_t seen[256] = {0};
    uint32_t n = 0;
    for (uint32_t i = 0; i < cd->len; i++) {
        uint8_t c = cd->nocase && cd->pattern[i] >= 'A' && cd->pattern[i] <= 'Z'
                        ? (uint8_t)(cd->pattern[i] + 32) : cd->pattern[i];
        if (!seen[c]++)
            n++;
    }
    return n;
}

static bool better(const ContentCtx *a, const ContentCtx *best)
{
    if (!best)
        return true;
    if (a->len != best->len)
        return a->len > best->len;
    return distinct_bytes(a) > distinct_bytes(best);
}

/* Scans one list; returns true when an explicit fast_pattern was found there. */
static bool scan_list(const SigList *list, int buffer_id, const ContentCtx **best,
                      int *best_buffer, const SigList **best_list)
{
    for (const SigMatch *sm = list->head; sm; sm = sm->next) {
        if (strcmp(sm->keyword->name, "base64_data") == 0)
            break;
        if (sm->keyword != &detect_kw_content)
            continue;
        const ContentCtx *cd = sm->ctx;
        if (cd->flags & CONTENT_NEGATED)
            continue;
        bool explicit_fp = cd->flags & CONTENT_FAST_PATTERN;
        if (explicit_fp || better(cd, *best)) {
            *best = cd;
            *best_buffer = buffer_id;
            *best_list = list;
        }
        if (explicit_fp)
            return true;
    }
    return false;
}

bool fast_pattern_select(const Signature *sig, FastPattern *fp)
{
    const ContentCtx *best = NULL;
    int best_buffer = -1;
    const SigList *best_list = NULL;
    bool explicit_fp = false;
    for (size_t i = 0; i < sig->buffer_count && !explicit_fp; i++)
        explicit_fp = scan_list(&sig->buffers[i], sig->buffers[i].buffer_id, &best,
                                &best_buffer, &best_list);
    if (!explicit_fp)
        scan_list(&sig->fixed[SIG_LIST_PAYLOAD], -1, &best, &best_buffer, &best_list);
    if (!best)
        return false;
    fp->buffer_id = best_buffer;
    fp->list = best_list;
    fp->nocase = best->nocase;
    fp->bytes = best->pattern;
    fp->len = best->len;
    if (best->flags & CONTENT_FAST_PATTERN_CHOP) {
        fp->bytes += best->fp_offset;
        fp->len = best->fp_len;
    }
    return true;
}
