/*
 * yara-prefilter.c - rewriting YARA sources for files without an "MZ" header (see
 * yara-prefilter.h for what is proven and why it is exact).
 *
 * The source is read by yara-source.c (tokens, imports, rules). A condition is read as
 * the tree YARA's grammar gives it at its two lowest precedence levels, `or` then `and`
 * (grammar.y: %left _OR_, %left _AND_, then _NOT_ and the comparisons): anything else is a
 * leaf, judged by leaf_gated(). Leaves are copied verbatim, so a rule that stays means what
 * it meant. Anything unexpected makes the whole file stay as it is: the result is then
 * slower, never different.
 */
#include "yara/yara-prefilter.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yara/yara-source.h"

/* ---- what a leaf is worth on a file without "MZ" ---- */

/* Calls of the pe module that return undefined when the file is not a PE (pe.c 4.2.3: each
 * starts with `if (pe == NULL)` or tests a field only a PE sets). */
static bool pe_undefined_call(const Src *p, size_t i)
{
    static const char *const calls[] = {"imphash", "imports", "exports", "exports_index",
                                        "locale", "language", "is_dll", "is_32bit", "is_64bit",
                                        "calculate_checksum", "rva_to_offset", "section_index"};
    for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++)
        if (ys_tok_is(p, i, calls[k]))
            return true;
    return false;
}

/* The pe access starting at token i ("pe" "." name ...): undefined on a non-MZ file?
 * module_load() sets only the upper-case constants and is_pe before it looks for a PE. */
static bool pe_access_undefined(const Src *p, size_t i, size_t hi)
{
    size_t name = i + 2;
    if (name >= hi || p->tok[name].kind != T_IDENT || ys_tok_is(p, name, "is_pe") ||
        isupper((unsigned char)p->text[p->tok[name].start]))
        return false;
    if (ys_tok_is(p, name + 1, "("))
        return pe_undefined_call(p, name);
    if (ys_tok_is(p, name, "rich_signature") && ys_tok_is(p, name + 1, ".") && ys_tok_is(p, name + 3, "("))
        return ys_tok_is(p, name + 2, "toolid") || ys_tok_is(p, name + 2, "version");
    for (size_t j = name + 1; j < hi; j++) {
        if (ys_tok_is(p, j, "("))
            return false;  /* a method of an element: not proven */
        if (ys_tok_is(p, j, "[")) {
            j = ys_match_close(p, j, "[", "]");
            if (j == SIZE_MAX)
                return false;
        } else if (!ys_tok_is(p, j, ".") && !(p->tok[j].kind == T_IDENT && ys_tok_is(p, j - 1, "."))) {
            break;
        }
    }
    return true;
}

static bool arith_op(const Src *p, size_t i)
{
    static const char *const ops[] = {"+", "-", "*", "\\", "%", "&", "|", "^", "<<", ">>", "~"};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (ys_tok_is(p, i, ops[k]))
            return true;
    return false;
}

static bool keyword(const Src *p, size_t i)
{
    static const char *const kw[] = {"and", "or", "not", "defined", "of", "for", "in", "at",
                                     "them", "all", "any", "none", "matches", "contains",
                                     "icontains", "startswith", "istartswith", "endswith",
                                     "iendswith", "iequals"};
    for (size_t k = 0; k < sizeof(kw) / sizeof(kw[0]); k++)
        if (ys_tok_is(p, i, kw[k]))
            return true;
    return false;
}

/* A term joined at its top level only by arithmetic/bitwise operators (each ensure_defined in
 * exec.c), one of whose operands is an undefined pe access: the term is undefined. */
static bool undefined_term(const Src *p, size_t lo, size_t hi)
{
    bool found = false;
    int depth = 0;
    for (size_t i = lo; i < hi; i++) {
        if (ys_is_open(p, i)) {
            depth++;
            continue;
        }
        if (ys_is_close(p, i)) {
            depth--;
            continue;
        }
        if (depth)
            continue;
        const Tok *t = &p->tok[i];
        if (t->kind == T_REGEX || t->kind == T_HEX || keyword(p, i) ||
            (t->kind == T_PUNCT && !arith_op(p, i) && !ys_tok_is(p, i, ".")))
            return false;
        if (ys_tok_is(p, i, "pe") && ys_tok_is(p, i + 1, ".") && (i == lo || !ys_tok_is(p, i - 1, ".")))
            found |= pe_access_undefined(p, i, hi);
    }
    return found && depth == 0;
}

static bool number_is(const Src *p, size_t i, long long v)
{
    if (i >= p->n || p->tok[i].kind != T_NUM || p->tok[i].end - p->tok[i].start > 20)
        return false;
    char num[24];
    size_t l = p->tok[i].end - p->tok[i].start;
    memcpy(num, p->text + p->tok[i].start, l);
    num[l] = '\0';
    char *end;
    long long got = strtoll(num, &end, 0);
    return *end == '\0' && got == v;
}

/* uintN(0) read as the DOS signature: false on a file that does not start with "MZ". */
static bool mz_read(const Src *p, size_t lo, size_t hi, size_t *value)
{
    if (hi - lo != 4 || !ys_tok_is(p, lo + 1, "(") || !ys_tok_is(p, lo + 2, "0") || !ys_tok_is(p, lo + 3, ")"))
        return false;
    *value = ys_tok_is(p, lo, "uint16") ? 0x5a4d : ys_tok_is(p, lo, "uint16be") ? 0x4d5a : 0;
    return *value != 0;
}

static bool mz_test(const Src *p, size_t lo, size_t op, size_t hi)
{
    size_t v;
    if (!ys_tok_is(p, op, "=="))
        return false;
    if (mz_read(p, lo, op, &v) && hi == op + 2)
        return number_is(p, op + 1, (long long)v);
    if (mz_read(p, op + 1, hi, &v) && op == lo + 1)
        return number_is(p, lo, (long long)v);
    return false;
}

static bool comparison(const Src *p, size_t i)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">=", "contains",
                                      "icontains", "startswith", "istartswith", "endswith",
                                      "iendswith", "iequals", "matches"};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (ys_tok_is(p, i, ops[k]))
            return true;
    return false;
}

static bool is_at(const Src *p, size_t i)
{
    return ys_tok_is(p, i, "at");
}

static bool is_in(const Src *p, size_t i)
{
    return ys_tok_is(p, i, "in");
}

static bool is_dotdot(const Src *p, size_t i)
{
    return ys_tok_is(p, i, "..");
}

/* for <quantifier> <vars> in (<a> .. <b>) : (<body>) with a or b undefined: no iteration. */
static bool for_gated(const Src *p, size_t lo, size_t hi)
{
    size_t in = ys_find_top(p, lo + 1, hi, is_in);
    if (in >= hi || !ys_tok_is(p, in + 1, "("))
        return false;
    size_t close = ys_match_close(p, in + 1, "(", ")");
    if (close == SIZE_MAX || !ys_tok_is(p, close + 1, ":") || !ys_tok_is(p, close + 2, "(") ||
        ys_match_close(p, close + 2, "(", ")") != hi - 1)
        return false;
    size_t dots = ys_find_top(p, in + 2, close, is_dotdot);
    if (dots >= close)
        return false;
    return undefined_term(p, in + 2, dots) || undefined_term(p, dots + 1, close);
}

static bool leaf_gated(const Src *p, size_t lo, size_t hi)
{
    if (hi - lo == 3 && ys_tok_is(p, lo, "pe") && ys_tok_is(p, lo + 1, ".") && ys_tok_is(p, lo + 2, "is_pe"))
        return true;
    if (ys_tok_is(p, lo, "for"))
        return for_gated(p, lo, hi);
    if (ys_tok_is(p, lo, "not") || ys_tok_is(p, lo, "defined"))
        return false;
    size_t at = ys_find_top(p, lo, hi, is_at);
    if (at != SIZE_MAX)
        return at == lo + 1 && p->tok[lo].kind == T_STRID && undefined_term(p, at + 1, hi);
    size_t op = ys_find_top(p, lo, hi, comparison);
    if (op == hi)
        return false;
    if (op != SIZE_MAX)
        return mz_test(p, lo, op, hi) || undefined_term(p, lo, op) || undefined_term(p, op + 1, hi);
    return undefined_term(p, lo, hi);
}

/* ---- the and/or tree ---- */

static bool gated_or(Src *p, size_t lo, size_t hi);

#define MAX_NESTING 64

static bool gated_unary(Src *p, size_t lo, size_t hi)
{
    if (lo >= hi || p->depth >= MAX_NESTING) {
        p->bad = true;  /* empty operand, or nested deeper than real rules go */
        return false;
    }
    if (!ys_wrapped(p, lo, hi))
        return leaf_gated(p, lo, hi);
    p->depth++;
    bool gated = gated_or(p, lo + 1, hi - 1);
    p->depth--;
    return gated;
}

static bool gated_and(Src *p, size_t lo, size_t hi)
{
    bool gated = false;
    for (size_t i = lo; i <= hi && !p->bad;) {
        size_t end = ys_part_end(p, i, hi, ys_is_and);
        gated |= gated_unary(p, i, end);
        i = end + 1;
    }
    return gated;
}

static bool gated_or(Src *p, size_t lo, size_t hi)
{
    bool gated = true;
    for (size_t i = lo; i <= hi && !p->bad;) {
        size_t end = ys_part_end(p, i, hi, ys_is_or);
        gated &= gated_and(p, i, end);
        i = end + 1;
    }
    return gated;
}

/* ---- writing ---- */

static void copy_span(Src *p, size_t lo, size_t hi)
{
    if (lo >= hi) {
        p->bad = true;  /* an empty operand: not valid YARA, gated_*() said so already */
        return;
    }
    ys_note_modules(p, lo, hi);
    text_buf_put(&p->out, p->text + p->tok[lo].start, p->tok[hi - 1].end - p->tok[lo].start);
}

static void emit_or(Src *p, size_t lo, size_t hi);

static void emit_and(Src *p, size_t lo, size_t hi)
{
    for (size_t i = lo; i <= hi;) {
        size_t end = ys_part_end(p, i, hi, ys_is_and);
        if (i > lo)
            text_buf_puts(&p->out, " and ");
        if (ys_wrapped(p, i, end)) {
            text_buf_puts(&p->out, "(");
            emit_or(p, i + 1, end - 1);
            text_buf_puts(&p->out, ")");
        } else {
            copy_span(p, i, end);
        }
        i = end + 1;
    }
}

/* Writes the disjuncts that a non-MZ file can make true; the caller knows one exists. */
static void emit_or(Src *p, size_t lo, size_t hi)
{
    bool first = true;
    for (size_t i = lo; i <= hi;) {
        size_t end = ys_part_end(p, i, hi, ys_is_or);
        if (gated_and(p, i, end)) {
            p->cut = true;
        } else {
            if (!first)
                text_buf_puts(&p->out, " or ");
            emit_and(p, i, end);
            first = false;
        }
        i = end + 1;
    }
}

/* A kept rule: verbatim up to "condition:", then the condition without what cannot hold.
 * Strings only the cut parts used stay referenced (YARA rejects unreferenced strings)
 * through a clause that is never true. */
static void emit_rule(Src *p, const Rule *r, YaraPrefilterStats *st)
{
    size_t start = p->tok[r->first].start;
    text_buf_put(&p->out, p->text + start, p->tok[r->cond - 1].end - start);
    text_buf_puts(&p->out, "\n    (");
    p->cut = false;
    emit_or(p, r->cond, r->close);
    text_buf_puts(&p->out, ")");
    if (p->cut && r->has_strings)
        text_buf_puts(&p->out, " or (false and any of them)");
    text_buf_puts(&p->out, "\n}\n");
    if (p->cut)
        st->trimmed++;
}

static void emit_file(Src *p, YaraPrefilterStats *st)
{
    TextBuf rules = {0};
    for (size_t r = 0; r < p->nrules && !p->bad; r++) {
        st->rules++;
        bool gated = gated_or(p, p->rules[r].cond, p->rules[r].close);
        if (p->bad)
            break;
        if (gated) {
            st->dropped++;
            continue;
        }
        emit_rule(p, &p->rules[r], st);
    }
    rules = p->out;
    p->out = (TextBuf){0};
    for (size_t m = 0; m < p->nimports; m++) {
        if (!p->import_used[m])
            continue;
        const Tok *s = &p->tok[p->imports[m]];
        text_buf_puts(&p->out, "import ");
        text_buf_put(&p->out, p->text + s->start, s->end - s->start);
        text_buf_puts(&p->out, "\n");
    }
    if (rules.data)
        text_buf_put(&p->out, rules.data, rules.len);
    text_buf_puts(&p->out, "");
    p->out.failed |= rules.failed;
    free(rules.data);
}

char *yara_prefilter_rewrite(const char *src, size_t len, YaraPrefilterStats *st)
{
    Src p = {.text = src, .len = len};
    ys_lex(&p);
    if (!p.bad)
        ys_parse_file(&p);
    YaraPrefilterStats local = {0};
    if (!p.bad && ys_rules_independent(&p))
        emit_file(&p, &local);
    else
        p.bad = true;
    free(p.tok);
    free(p.rules);
    if (p.bad || p.out.failed) {
        free(p.out.data);
        st->unchanged_files++;
        return NULL;
    }
    st->rules += local.rules;
    st->dropped += local.dropped;
    st->trimmed += local.trimmed;
    return p.out.data;
}

bool yara_prefilter_is_mz(const uint8_t *data, size_t len)
{
    return len >= 2 && data[0] == 'M' && data[1] == 'Z';
}
