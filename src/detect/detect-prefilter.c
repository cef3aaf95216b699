/*
 * detect-prefilter.c - the multi-pattern prefilter: one Vectorscan (Hyperscan API) literal
 * database per inspected buffer and rule group.
 *
 * Checking every rule against every packet costs the rule count per packet; with ET Open
 * that is tens of thousands. Like Suricata, each rule contributes one "fast pattern" (see
 * detect-fast-pattern.c); one scan of the buffer with all of them says which rules can
 * possibly match, and only those are evaluated in full. Identical patterns (same bytes, same
 * case handling) are merged so that one pattern id lists every rule that uses it; the
 * database reports each id at most once per scan (HS_FLAG_SINGLEMATCH), since only the
 * candidate set matters here, not where the pattern was.
 *
 * Databases are compiled once at load and are read-only; each thread scans with its own
 * scratch, cloned from a prototype grown for every database.
 */
#include "detect/detect-prefilter.h"

#include "common/array.h"

#include <ctype.h>
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct PatternEntry {
    uint8_t *bytes;
    uint32_t len;
    bool nocase;
    uint32_t *sigs;
    uint32_t sig_count;
    size_t sig_cap;
} PatternEntry;

struct PrefilterBuilder {
    PatternEntry *patterns;
    uint32_t count;
    size_t cap;
    uint32_t *slots;         /* open-addressing index into patterns, 0 = empty, else i+1 */
    uint32_t slot_count;
};

struct Prefilter {
    hs_database_t *db;
    uint32_t **pattern_sigs;
    uint32_t *pattern_sig_count;
    uint32_t pattern_count;
};

PrefilterBuilder *prefilter_builder_new(void)
{
    return calloc(1, sizeof(PrefilterBuilder));
}

bool prefilter_builder_empty(const PrefilterBuilder *b)
{
    return !b || b->count == 0;
}

static uint32_t pattern_hash(const uint8_t *p, uint32_t len, bool nocase)
{
    uint32_t h = 2166136261u ^ (nocase ? 0x9e3779b9u : 0);
    for (uint32_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (nocase && c >= 'A' && c <= 'Z')
            c = (uint8_t)(c + 32);
        h = (h ^ c) * 16777619u;
    }
    return h;
}

static bool pattern_equal(const PatternEntry *e, const uint8_t *p, uint32_t len, bool nocase)
{
    if (e->len != len || e->nocase != nocase)
        return false;
    if (!nocase)
        return memcmp(e->bytes, p, len) == 0;
    for (uint32_t i = 0; i < len; i++)
        if (tolower(e->bytes[i]) != tolower(p[i]))
            return false;
    return true;
}

static int grow_index(PrefilterBuilder *b)
{
    uint32_t n = b->slot_count ? b->slot_count * 2 : 1024;
    uint32_t *slots = calloc(n, sizeof(uint32_t));
    if (!slots)
        return -1;
    for (uint32_t i = 0; i < b->count; i++) {
        const PatternEntry *e = &b->patterns[i];
        uint32_t s = pattern_hash(e->bytes, e->len, e->nocase) & (n - 1);
        while (slots[s])
            s = (s + 1) & (n - 1);
        slots[s] = i + 1;
    }
    free(b->slots);
    b->slots = slots;
    b->slot_count = n;
    return 0;
}

/* The entry for this pattern, created when new. */
static PatternEntry *pattern_entry(PrefilterBuilder *b, const uint8_t *p, uint32_t len,
                                   bool nocase)
{
    if ((b->count + 1) * 2 > b->slot_count && grow_index(b) != 0)
        return NULL;
    uint32_t s = pattern_hash(p, len, nocase) & (b->slot_count - 1);
    for (; b->slots[s]; s = (s + 1) & (b->slot_count - 1)) {
        PatternEntry *e = &b->patterns[b->slots[s] - 1];
        if (pattern_equal(e, p, len, nocase))
            return e;
    }
    PatternEntry *grown = array_reserve(b->patterns, sizeof(*grown), b->count + 1, &b->cap);
    if (!grown)
        return NULL;
    b->patterns = grown;
    PatternEntry *e = &b->patterns[b->count];
    memset(e, 0, sizeof(*e));
    e->bytes = malloc(len);
    if (!e->bytes)
        return NULL;
    memcpy(e->bytes, p, len);
    e->len = len;
    e->nocase = nocase;
    b->slots[s] = ++b->count;
    return e;
}

int prefilter_builder_add(PrefilterBuilder *b, uint32_t sig_num, const uint8_t *pattern,
                          uint32_t len, bool nocase)
{
    /* Vectorscan's literal API takes a leading NUL for an empty pattern; a suffix of the
     * pattern is a looser but still correct filter. */
    while (len && pattern[0] == 0) {
        pattern++;
        len--;
    }
    if (!len)
        return 1;
    PatternEntry *e = pattern_entry(b, pattern, len, nocase);
    if (!e)
        return -1;
    uint32_t *grown = array_reserve(e->sigs, sizeof(*grown), e->sig_count + 1, &e->sig_cap);
    if (!grown)
        return -1;
    e->sigs = grown;
    e->sigs[e->sig_count++] = sig_num;
    return 0;
}

void prefilter_builder_free(PrefilterBuilder *b)
{
    if (!b)
        return;
    for (uint32_t i = 0; i < b->count; i++) {
        free(b->patterns[i].bytes);
        free(b->patterns[i].sigs);
    }
    free(b->patterns);
    free(b->slots);
    free(b);
}

static hs_database_t *compile(const PrefilterBuilder *b, char *err, size_t errlen)
{
    const char **exprs = malloc(b->count * sizeof(char *));
    unsigned *flags = malloc(b->count * sizeof(unsigned));
    unsigned *ids = malloc(b->count * sizeof(unsigned));
    size_t *lens = malloc(b->count * sizeof(size_t));
    hs_database_t *db = NULL;
    if (exprs && flags && ids && lens) {
        for (uint32_t i = 0; i < b->count; i++) {
            exprs[i] = (const char *)b->patterns[i].bytes;
            lens[i] = b->patterns[i].len;
            ids[i] = i;
            flags[i] = HS_FLAG_SINGLEMATCH | (b->patterns[i].nocase ? HS_FLAG_CASELESS : 0);
        }
        hs_compile_error_t *ce = NULL;
        if (hs_compile_lit_multi(exprs, flags, ids, lens, b->count, HS_MODE_BLOCK, NULL, &db,
                                 &ce) != HS_SUCCESS) {
            snprintf(err, errlen, "prefilter compile: %s", ce ? ce->message : "failed");
            hs_free_compile_error(ce);
            db = NULL;
        }
    }
    free(exprs);
    free(flags);
    free(ids);
    free(lens);
    return db;
}

Prefilter *prefilter_build(PrefilterBuilder *b, void **scratch, char *err, size_t errlen)
{
    Prefilter *pf = calloc(1, sizeof(*pf));
    if (!pf || b->count == 0) {
        free(pf);
        prefilter_builder_free(b);
        return NULL;
    }
    pf->db = compile(b, err, errlen);
    pf->pattern_sigs = calloc(b->count, sizeof(uint32_t *));
    pf->pattern_sig_count = calloc(b->count, sizeof(uint32_t));
    if (!pf->db || !pf->pattern_sigs || !pf->pattern_sig_count ||
        hs_alloc_scratch(pf->db, (hs_scratch_t **)scratch) != HS_SUCCESS) {
        prefilter_free(pf);
        prefilter_builder_free(b);
        return NULL;
    }
    pf->pattern_count = b->count;
    for (uint32_t i = 0; i < b->count; i++) {
        pf->pattern_sigs[i] = b->patterns[i].sigs;
        pf->pattern_sig_count[i] = b->patterns[i].sig_count;
        b->patterns[i].sigs = NULL;
    }
    prefilter_builder_free(b);
    return pf;
}

void prefilter_free(Prefilter *pf)
{
    if (!pf)
        return;
    hs_free_database(pf->db);
    for (uint32_t i = 0; pf->pattern_sigs && i < pf->pattern_count; i++)
        free(pf->pattern_sigs[i]);
    free(pf->pattern_sigs);
    free(pf->pattern_sig_count);
    free(pf);
}

typedef struct ScanCtx {
    const Prefilter *pf;
    PrefilterAddFn add;
    void *ud;
} ScanCtx;

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned flags, void *ctx_ptr)
{
    (void)from;
    (void)to;
    (void)flags;
    const ScanCtx *ctx = ctx_ptr;
    for (uint32_t i = 0; i < ctx->pf->pattern_sig_count[id]; i++)
        ctx->add(ctx->ud, ctx->pf->pattern_sigs[id][i]);
    return 0;
}

bool prefilter_scan(const Prefilter *pf, void *scratch, const uint8_t *buf, uint32_t len,
                    PrefilterAddFn add, void *ud)
{
    if (!len)
        return true;
    ScanCtx ctx = {pf, add, ud};
    return hs_scan(pf->db, (const char *)buf, len, 0, scratch, on_match, &ctx) == HS_SUCCESS;
}

void *prefilter_scratch_clone(void *proto)
{
    hs_scratch_t *s = NULL;
    if (proto && hs_clone_scratch(proto, &s) != HS_SUCCESS)
        return NULL;
    return s;
}

void prefilter_scratch_free(void *scratch)
{
    hs_free_scratch(scratch);
}
