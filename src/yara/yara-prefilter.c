/*
 * yara-prefilter.c - rewriting YARA sources for files without an "MZ" header (see
 * yara-prefilter.h for what is proven and why it is exact).
 *
 * The source is cut into tokens (comments, strings, regexes and hex strings kept whole, so
 * their contents never look like syntax), then into imports and rules. A condition is read as
 * the tree YARA's grammar gives it at its two lowest precedence levels, `or` then `and`
 * (grammar.y: %left _OR_, %left _AND_, then _NOT_ and the comparisons): anything else is a
 * leaf, judged by leaf_gated(). Leaves are copied verbatim, so a rule that stays means what
 * it meant. Anything unexpected makes the whole file stay as it is: the result is then
 * slower, never different.
 */
#include "yara/yara-prefilter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum TokKind { T_IDENT, T_NUM, T_STR, T_REGEX, T_HEX, T_STRID, T_PUNCT } TokKind;

typedef struct Tok {
    TokKind kind;
    size_t start, end;
} Tok;

typedef struct Rule {
    size_t first, name, cond, close;  /* token indexes: first modifier, name, condition, '}' */
    bool has_strings, global;
} Rule;

typedef struct Buf {
    char *s;
    size_t len, cap;
    bool oom;
} Buf;

typedef struct Src {
    const char *text;
    size_t len;
    Tok *tok;
    size_t n, cap;
    Rule *rules;
    size_t nrules, rules_cap;
    size_t imports[64];     /* token index of each import's module string */
    bool import_used[64];
    size_t nimports;
    bool bad;               /* something not understood: use the file unchanged */
    bool cut;               /* the rule being written lost a sub-condition */
    int depth;              /* nesting of parentheses being read (bounded: the stack) */
    Buf out;
} Src;

/* ---- tokens ---- */

static bool tok_is(const Src *p, size_t i, const char *s)
{
    if (i >= p->n)
        return false;
    size_t l = p->tok[i].end - p->tok[i].start;
    return strlen(s) == l && memcmp(p->text + p->tok[i].start, s, l) == 0;
}

static void tok_push(Src *p, TokKind k, size_t start, size_t end)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        Tok *t = realloc(p->tok, cap * sizeof(*t));
        if (!t) {
            p->bad = true;
            return;
        }
        p->tok = t;
        p->cap = cap;
    }
    p->tok[p->n++] = (Tok){k, start, end};
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* End of a quoted string or regex starting at i (the opening quote), or 0 when unclosed. */
static size_t skip_quoted(const Src *p, size_t i, char quote)
{
    for (size_t j = i + 1; j < p->len; j++) {
        if (p->text[j] == '\\')
            j++;
        else if (p->text[j] == '\n')
            return 0;
        else if (p->text[j] == quote)
            return j + 1;
    }
    return 0;
}

static size_t skip_comment(const Src *p, size_t i)
{
    if (p->text[i + 1] == '/') {
        const char *nl = memchr(p->text + i, '\n', p->len - i);
        return nl ? (size_t)(nl - p->text) : p->len;
    }
    for (size_t j = i + 2; j + 1 < p->len; j++)
        if (p->text[j] == '*' && p->text[j + 1] == '/')
            return j + 2;
    return 0;
}

static size_t lex_number(const Src *p, size_t i)
{
    size_t j = i;
    if (p->text[j] == '0' && j + 1 < p->len && strchr("xXoO", p->text[j + 1]))
        j += 2;
    while (j < p->len && isalnum((unsigned char)p->text[j]))
        j++;  /* digits, hex digits and the KB/MB suffix */
    if (j + 1 < p->len && p->text[j] == '.' && isdigit((unsigned char)p->text[j + 1]))
        for (j++; j < p->len && isdigit((unsigned char)p->text[j]);)
            j++;
    return j;
}

static size_t lex_punct(const Src *p, size_t i)
{
    static const char *const two[] = {"==", "!=", "<=", ">=", "<<", ">>", ".."};
    for (size_t k = 0; k < sizeof(two) / sizeof(two[0]); k++)
        if (i + 1 < p->len && p->text[i] == two[k][0] && p->text[i + 1] == two[k][1])
            return i + 2;
    return i + 1;
}

static bool after_equals(const Src *p)
{
    return p->n && tok_is(p, p->n - 1, "=");
}

/* One token at i (not whitespace): pushes it and returns where the next one may start. */
static size_t lex_one(Src *p, size_t i)
{
    const char *t = p->text;
    char c = t[i], d = i + 1 < p->len ? t[i + 1] : '\0';
    size_t j;
    if (c == '/' && (d == '/' || d == '*'))
        return skip_comment(p, i);
    if (c == '"' || c == '/') {
        j = skip_quoted(p, i, c);
        if (j && c == '/')
            while (j < p->len && isalpha((unsigned char)t[j]))
                j++;
        if (j)
            tok_push(p, c == '"' ? T_STR : T_REGEX, i, j);
        return j;
    }
    if (c == '{' && after_equals(p)) {
        const char *close = memchr(t + i, '}', p->len - i);
        j = close ? (size_t)(close - t) + 1 : 0;
        if (j)
            tok_push(p, T_HEX, i, j);
        return j;
    }
    if (c == '$' || ((c == '#' || c == '@' || c == '!') && (isalpha((unsigned char)d) || d == '_'))) {
        for (j = i + 1; j < p->len && ident_char(t[j]);)
            j++;
        if (j < p->len && t[j] == '*')
            j++;
        tok_push(p, T_STRID, i, j);
        return j;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        for (j = i; j < p->len && ident_char(t[j]);)
            j++;
        tok_push(p, T_IDENT, i, j);
        return j;
    }
    j = isdigit((unsigned char)c) ? lex_number(p, i) : lex_punct(p, i);
    tok_push(p, isdigit((unsigned char)c) ? T_NUM : T_PUNCT, i, j);
    return j;
}

static void lex(Src *p)
{
    size_t i = 0;
    while (i < p->len && !p->bad) {
        if (isspace((unsigned char)p->text[i])) {
            i++;
            continue;
        }
        size_t next = lex_one(p, i);
        if (!next)
            p->bad = true;  /* unclosed string, regex, hex string or comment */
        i = next;
    }
}

/* ---- imports and rules ---- */

static size_t match_close(const Src *p, size_t i, const char *open, const char *close)
{
    int depth = 0;
    for (size_t j = i; j < p->n; j++) {
        if (tok_is(p, j, open))
            depth++;
        else if (tok_is(p, j, close) && --depth == 0)
            return j;
    }
    return SIZE_MAX;
}

static void rule_sections(Src *p, Rule *r, size_t open)
{
    r->close = match_close(p, open, "{", "}");
    if (r->close == SIZE_MAX) {
        p->bad = true;
        return;
    }
    for (size_t j = open + 1; j + 1 < r->close; j++) {
        if (p->tok[j].kind != T_IDENT || !tok_is(p, j + 1, ":"))
            continue;
        if (tok_is(p, j, "strings"))
            r->has_strings = true;
        else if (tok_is(p, j, "condition") && !r->cond)
            r->cond = j + 2;
    }
    if (!r->cond || r->cond >= r->close)
        p->bad = true;
}

/* Reads one rule starting at token i (its first modifier); returns the token after it. */
static size_t parse_rule(Src *p, size_t i)
{
    Rule r = {.first = i};
    while (tok_is(p, i, "private") || tok_is(p, i, "global"))
        r.global |= tok_is(p, i++, "global");
    if (!tok_is(p, i, "rule") || i + 1 >= p->n || p->tok[i + 1].kind != T_IDENT) {
        p->bad = true;
        return p->n;
    }
    r.name = i + 1;
    size_t open = i + 2;
    while (open < p->n && !tok_is(p, open, "{"))
        open++;  /* tags */
    rule_sections(p, &r, open);
    if (p->bad)
        return p->n;
    if (p->nrules == p->rules_cap) {
        size_t cap = p->rules_cap ? p->rules_cap * 2 : 32;
        Rule *rs = realloc(p->rules, cap * sizeof(*rs));
        if (!rs) {
            p->bad = true;
            return p->n;
        }
        p->rules = rs;
        p->rules_cap = cap;
    }
    p->rules[p->nrules++] = r;
    return r.close + 1;
}

static void parse_file(Src *p)
{
    size_t i = 0;
    while (i < p->n && !p->bad) {
        if (tok_is(p, i, "import") && i + 1 < p->n && p->tok[i + 1].kind == T_STR &&
            p->nimports < 64) {
            p->imports[p->nimports++] = i + 1;
            i += 2;
        } else if (tok_is(p, i, "private") || tok_is(p, i, "global") || tok_is(p, i, "rule")) {
            i = parse_rule(p, i);
        } else {
            p->bad = true;  /* include, or something this reader does not know */
        }
    }
}

/* A rule that names another rule, or a global rule, ties rules together: leave them be. */
static bool rules_independent(const Src *p)
{
    for (size_t r = 0; r < p->nrules; r++) {
        if (p->rules[r].global)
            return false;
        for (size_t j = p->rules[r].cond; j < p->rules[r].close; j++) {
            if (p->tok[j].kind != T_IDENT)
                continue;
            for (size_t o = 0; o < p->nrules; o++) {
                const Tok *name = &p->tok[p->rules[o].name];
                size_t l = name->end - name->start;
                if (p->tok[j].end - p->tok[j].start == l &&
                    memcmp(p->text + p->tok[j].start, p->text + name->start, l) == 0)
                    return false;
            }
        }
    }
    return true;
}

/* ---- what a leaf is worth on a file without "MZ" ---- */

static bool is_open(const Src *p, size_t i)
{
    return tok_is(p, i, "(") || tok_is(p, i, "[");
}

static bool is_close(const Src *p, size_t i)
{
    return tok_is(p, i, ")") || tok_is(p, i, "]");
}

/* Calls of the pe module that return undefined when the file is not a PE (pe.c 4.2.3: each
 * starts with `if (pe == NULL)` or tests a field only a PE sets). */
static bool pe_undefined_call(const Src *p, size_t i)
{
    static const char *const calls[] = {"imphash", "imports", "exports", "exports_index",
                                        "locale", "language", "is_dll", "is_32bit", "is_64bit",
                                        "calculate_checksum", "rva_to_offset", "section_index"};
    for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++)
        if (tok_is(p, i, calls[k]))
            return true;
    return false;
}

/* The pe access starting at token i ("pe" "." name ...): undefined on a non-MZ file?
 * module_load() sets only the upper-case constants and is_pe before it looks for a PE. */
static bool pe_access_undefined(const Src *p, size_t i, size_t hi)
{
    size_t name = i + 2;
    if (name >= hi || p->tok[name].kind != T_IDENT || tok_is(p, name, "is_pe") ||
        isupper((unsigned char)p->text[p->tok[name].start]))
        return false;
    if (tok_is(p, name + 1, "("))
        return pe_undefined_call(p, name);
    if (tok_is(p, name, "rich_signature") && tok_is(p, name + 1, ".") && tok_is(p, name + 3, "("))
        return tok_is(p, name + 2, "toolid") || tok_is(p, name + 2, "version");
    for (size_t j = name + 1; j < hi; j++) {
        if (tok_is(p, j, "("))
            return false;  /* a method of an element: not proven */
        if (tok_is(p, j, "[")) {
            j = match_close(p, j, "[", "]");
            if (j == SIZE_MAX)
                return false;
        } else if (!tok_is(p, j, ".") && !(p->tok[j].kind == T_IDENT && tok_is(p, j - 1, "."))) {
            break;
        }
    }
    return true;
}

static bool arith_op(const Src *p, size_t i)
{
    static const char *const ops[] = {"+", "-", "*", "\\", "%", "&", "|", "^", "<<", ">>", "~"};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (tok_is(p, i, ops[k]))
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
        if (tok_is(p, i, kw[k]))
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
        if (is_open(p, i)) {
            depth++;
            continue;
        }
        if (is_close(p, i)) {
            depth--;
            continue;
        }
        if (depth)
            continue;
        const Tok *t = &p->tok[i];
        if (t->kind == T_REGEX || t->kind == T_HEX || keyword(p, i) ||
            (t->kind == T_PUNCT && !arith_op(p, i) && !tok_is(p, i, ".")))
            return false;
        if (tok_is(p, i, "pe") && tok_is(p, i + 1, ".") && (i == lo || !tok_is(p, i - 1, ".")))
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
    if (hi - lo != 4 || !tok_is(p, lo + 1, "(") || !tok_is(p, lo + 2, "0") || !tok_is(p, lo + 3, ")"))
        return false;
    *value = tok_is(p, lo, "uint16") ? 0x5a4d : tok_is(p, lo, "uint16be") ? 0x4d5a : 0;
    return *value != 0;
}

static bool mz_test(const Src *p, size_t lo, size_t op, size_t hi)
{
    size_t v;
    if (!tok_is(p, op, "=="))
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
        if (tok_is(p, i, ops[k]))
            return true;
    return false;
}

/* The one depth-0 token of the range for which pred holds; SIZE_MAX for none, hi for several. */
static size_t find_top(const Src *p, size_t lo, size_t hi, bool (*pred)(const Src *, size_t))
{
    size_t found = SIZE_MAX;
    int depth = 0;
    for (size_t i = lo; i < hi; i++) {
        depth += is_open(p, i) - is_close(p, i);
        if (depth == 0 && pred(p, i))
            found = found == SIZE_MAX ? i : hi;
    }
    return found;
}

static bool is_at(const Src *p, size_t i)
{
    return tok_is(p, i, "at");
}

static bool is_in(const Src *p, size_t i)
{
    return tok_is(p, i, "in");
}

static bool is_dotdot(const Src *p, size_t i)
{
    return tok_is(p, i, "..");
}

/* for <quantifier> <vars> in (<a> .. <b>) : (<body>) with a or b undefined: no iteration. */
static bool for_gated(const Src *p, size_t lo, size_t hi)
{
    size_t in = find_top(p, lo + 1, hi, is_in);
    if (in >= hi || !tok_is(p, in + 1, "("))
        return false;
    size_t close = match_close(p, in + 1, "(", ")");
    if (close == SIZE_MAX || !tok_is(p, close + 1, ":") || !tok_is(p, close + 2, "(") ||
        match_close(p, close + 2, "(", ")") != hi - 1)
        return false;
    size_t dots = find_top(p, in + 2, close, is_dotdot);
    if (dots >= close)
        return false;
    return undefined_term(p, in + 2, dots) || undefined_term(p, dots + 1, close);
}

static bool leaf_gated(const Src *p, size_t lo, size_t hi)
{
    if (hi - lo == 3 && tok_is(p, lo, "pe") && tok_is(p, lo + 1, ".") && tok_is(p, lo + 2, "is_pe"))
        return true;
    if (tok_is(p, lo, "for"))
        return for_gated(p, lo, hi);
    if (tok_is(p, lo, "not") || tok_is(p, lo, "defined"))
        return false;
    size_t at = find_top(p, lo, hi, is_at);
    if (at != SIZE_MAX)
        return at == lo + 1 && p->tok[lo].kind == T_STRID && undefined_term(p, at + 1, hi);
    size_t op = find_top(p, lo, hi, comparison);
    if (op == hi)
        return false;
    if (op != SIZE_MAX)
        return mz_test(p, lo, op, hi) || undefined_term(p, lo, op) || undefined_term(p, op + 1, hi);
    return undefined_term(p, lo, hi);
}

/* ---- the and/or tree ---- */

static bool is_or(const Src *p, size_t i)
{
    return tok_is(p, i, "or");
}

static bool is_and(const Src *p, size_t i)
{
    return tok_is(p, i, "and");
}

/* The next part of [lo, hi) split at depth-0 separators: its end. */
static size_t part_end(const Src *p, size_t lo, size_t hi, bool (*sep)(const Src *, size_t))
{
    int depth = 0;
    for (size_t i = lo; i < hi; i++) {
        depth += is_open(p, i) - is_close(p, i);
        if (depth == 0 && sep(p, i))
            return i;
    }
    return hi;
}

static bool wrapped(const Src *p, size_t lo, size_t hi)
{
    return tok_is(p, lo, "(") && match_close(p, lo, "(", ")") == hi - 1;
}

static bool gated_or(Src *p, size_t lo, size_t hi);

#define MAX_NESTING 64

static bool gated_unary(Src *p, size_t lo, size_t hi)
{
    if (lo >= hi || p->depth >= MAX_NESTING) {
        p->bad = true;  /* empty operand, or nested deeper than real rules go */
        return false;
    }
    if (!wrapped(p, lo, hi))
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
        size_t end = part_end(p, i, hi, is_and);
        gated |= gated_unary(p, i, end);
        i = end + 1;
    }
    return gated;
}

static bool gated_or(Src *p, size_t lo, size_t hi)
{
    bool gated = true;
    for (size_t i = lo; i <= hi && !p->bad;) {
        size_t end = part_end(p, i, hi, is_or);
        gated &= gated_and(p, i, end);
        i = end + 1;
    }
    return gated;
}

/* ---- writing ---- */

static void put(Buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->oom = true;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_buf(Buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Marks the imports a kept piece of condition uses (a module name followed by "."). */
static void note_modules(Src *p, size_t lo, size_t hi)
{
    for (size_t i = lo; i + 1 < hi; i++) {
        if (p->tok[i].kind != T_IDENT || !tok_is(p, i + 1, ".") || (i > lo && tok_is(p, i - 1, ".")))
            continue;
        for (size_t m = 0; m < p->nimports; m++) {
            const Tok *s = &p->tok[p->imports[m]];
            size_t l = s->end - s->start - 2;
            if (p->tok[i].end - p->tok[i].start == l &&
                memcmp(p->text + p->tok[i].start, p->text + s->start + 1, l) == 0)
                p->import_used[m] = true;
        }
    }
}

static void copy_span(Src *p, size_t lo, size_t hi)
{
    if (lo >= hi) {
        p->bad = true;  /* an empty operand: not valid YARA, gated_*() said so already */
        return;
    }
    note_modules(p, lo, hi);
    put(&p->out, p->text + p->tok[lo].start, p->tok[hi - 1].end - p->tok[lo].start);
}

static void emit_or(Src *p, size_t lo, size_t hi);

static void emit_and(Src *p, size_t lo, size_t hi)
{
    for (size_t i = lo; i <= hi;) {
        size_t end = part_end(p, i, hi, is_and);
        if (i > lo)
            puts_buf(&p->out, " and ");
        if (wrapped(p, i, end)) {
            puts_buf(&p->out, "(");
            emit_or(p, i + 1, end - 1);
            puts_buf(&p->out, ")");
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
        size_t end = part_end(p, i, hi, is_or);
        if (gated_and(p, i, end)) {
            p->cut = true;
        } else {
            if (!first)
                puts_buf(&p->out, " or ");
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
    put(&p->out, p->text + start, p->tok[r->cond - 1].end - start);
    puts_buf(&p->out, "\n    (");
    p->cut = false;
    emit_or(p, r->cond, r->close);
    puts_buf(&p->out, ")");
    if (p->cut && r->has_strings)
        puts_buf(&p->out, " or (false and any of them)");
    puts_buf(&p->out, "\n}\n");
    if (p->cut)
        st->trimmed++;
}

static void emit_file(Src *p, YaraPrefilterStats *st)
{
    Buf rules = {0};
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
    p->out = (Buf){0};
    for (size_t m = 0; m < p->nimports; m++) {
        if (!p->import_used[m])
            continue;
        const Tok *s = &p->tok[p->imports[m]];
        puts_buf(&p->out, "import ");
        put(&p->out, p->text + s->start, s->end - s->start);
        puts_buf(&p->out, "\n");
    }
    if (rules.s)
        put(&p->out, rules.s, rules.len);
    puts_buf(&p->out, "");
    p->out.oom |= rules.oom;
    free(rules.s);
}

char *yara_prefilter_rewrite(const char *src, size_t len, YaraPrefilterStats *st)
{
    Src p = {.text = src, .len = len};
    lex(&p);
    if (!p.bad)
        parse_file(&p);
    YaraPrefilterStats local = {0};
    if (!p.bad && rules_independent(&p))
        emit_file(&p, &local);
    else
        p.bad = true;
    free(p.tok);
    free(p.rules);
    if (p.bad || p.out.oom) {
        free(p.out.s);
        st->unchanged_files++;
        return NULL;
    }
    st->rules += local.rules;
    st->dropped += local.dropped;
    st->trimmed += local.trimmed;
    return p.out.s;
}

bool yara_prefilter_is_mz(const uint8_t *data, size_t len)
{
    return len >= 2 && data[0] == 'M' && data[1] == 'Z';
}
