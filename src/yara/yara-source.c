/*
 * yara-source.c - reading YARA rule source text (see yara-source.h).
 */
#include "yara/yara-source.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"

/* ---- tokens ---- */

bool ys_tok_is(const Src *p, size_t i, const char *s)
{
    if (i >= p->n)
        return false;
    size_t l = p->tok[i].end - p->tok[i].start;
    return strlen(s) == l && memcmp(p->text + p->tok[i].start, s, l) == 0;
}

static void ys_tok_push(Src *p, TokKind k, size_t start, size_t end)
{
    Tok *t = array_reserve(p->tok, sizeof(*t), p->n + 1, &p->cap);
    if (!t) {
        p->bad = true;
        return;
    }
    p->tok = t;
    p->tok[p->n++] = (Tok){k, start, end};
}

static bool ys_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* End of a quoted string or regex starting at i (the opening quote), or 0 when unclosed. */
static size_t ys_skip_quoted(const Src *p, size_t i, char quote)
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

static size_t ys_skip_comment(const Src *p, size_t i)
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

static size_t ys_lex_number(const Src *p, size_t i)
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

static size_t ys_lex_punct(const Src *p, size_t i)
{
    static const char *const two[] = {"==", "!=", "<=", ">=", "<<", ">>", ".."};
    for (size_t k = 0; k < sizeof(two) / sizeof(two[0]); k++)
        if (i + 1 < p->len && p->text[i] == two[k][0] && p->text[i + 1] == two[k][1])
            return i + 2;
    return i + 1;
}

static bool ys_after_equals(const Src *p)
{
    return p->n && ys_tok_is(p, p->n - 1, "=");
}

/* One token at i (not whitespace): pushes it and returns where the next one may start. */
static size_t ys_lex_one(Src *p, size_t i)
{
    const char *t = p->text;
    char c = t[i], d = i + 1 < p->len ? t[i + 1] : '\0';
    size_t j;
    if (c == '/' && (d == '/' || d == '*'))
        return ys_skip_comment(p, i);
    if (c == '"' || c == '/') {
        j = ys_skip_quoted(p, i, c);
        if (j && c == '/')
            while (j < p->len && isalpha((unsigned char)t[j]))
                j++;
        if (j)
            ys_tok_push(p, c == '"' ? T_STR : T_REGEX, i, j);
        return j;
    }
    if (c == '{' && ys_after_equals(p)) {
        const char *close = memchr(t + i, '}', p->len - i);
        j = close ? (size_t)(close - t) + 1 : 0;
        if (j)
            ys_tok_push(p, T_HEX, i, j);
        return j;
    }
    if (c == '$' || ((c == '#' || c == '@' || c == '!') && (isalpha((unsigned char)d) || d == '_'))) {
        for (j = i + 1; j < p->len && ys_ident_char(t[j]);)
            j++;
        if (j < p->len && t[j] == '*')
            j++;
        ys_tok_push(p, T_STRID, i, j);
        return j;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        for (j = i; j < p->len && ys_ident_char(t[j]);)
            j++;
        ys_tok_push(p, T_IDENT, i, j);
        return j;
    }
    j = isdigit((unsigned char)c) ? ys_lex_number(p, i) : ys_lex_punct(p, i);
    ys_tok_push(p, isdigit((unsigned char)c) ? T_NUM : T_PUNCT, i, j);
    return j;
}

void ys_lex(Src *p)
{
    size_t i = 0;
    while (i < p->len && !p->bad) {
        if (isspace((unsigned char)p->text[i])) {
            i++;
            continue;
        }
        size_t next = ys_lex_one(p, i);
        if (!next)
            p->bad = true;  /* unclosed string, regex, hex string or comment */
        i = next;
    }
}

/* ---- imports and rules ---- */

size_t ys_match_close(const Src *p, size_t i, const char *open, const char *close)
{
    int depth = 0;
    for (size_t j = i; j < p->n; j++) {
        if (ys_tok_is(p, j, open))
            depth++;
        else if (ys_tok_is(p, j, close) && --depth == 0)
            return j;
    }
    return SIZE_MAX;
}

static void ys_rule_sections(Src *p, Rule *r, size_t open)
{
    r->close = ys_match_close(p, open, "{", "}");
    if (r->close == SIZE_MAX) {
        p->bad = true;
        return;
    }
    for (size_t j = open + 1; j + 1 < r->close; j++) {
        if (p->tok[j].kind != T_IDENT || !ys_tok_is(p, j + 1, ":"))
            continue;
        if (ys_tok_is(p, j, "strings"))
            r->has_strings = true;
        else if (ys_tok_is(p, j, "condition") && !r->cond)
            r->cond = j + 2;
    }
    if (!r->cond || r->cond >= r->close)
        p->bad = true;
}

/* Reads one rule starting at token i (its first modifier); returns the token after it. */
static size_t ys_parse_rule(Src *p, size_t i)
{
    Rule r = {.first = i};
    while (ys_tok_is(p, i, "private") || ys_tok_is(p, i, "global"))
        r.global |= ys_tok_is(p, i++, "global");
    if (!ys_tok_is(p, i, "rule") || i + 1 >= p->n || p->tok[i + 1].kind != T_IDENT) {
        p->bad = true;
        return p->n;
    }
    r.name = i + 1;
    size_t open = i + 2;
    while (open < p->n && !ys_tok_is(p, open, "{"))
        open++;  /* tags */
    ys_rule_sections(p, &r, open);
    if (p->bad)
        return p->n;
    Rule *rs = array_reserve(p->rules, sizeof(*rs), p->nrules + 1, &p->rules_cap);
    if (!rs) {
        p->bad = true;
        return p->n;
    }
    p->rules = rs;
    p->rules[p->nrules++] = r;
    return r.close + 1;
}

void ys_parse_file(Src *p)
{
    size_t i = 0;
    while (i < p->n && !p->bad) {
        if (ys_tok_is(p, i, "import") && i + 1 < p->n && p->tok[i + 1].kind == T_STR &&
            p->nimports < 64) {
            p->imports[p->nimports++] = i + 1;
            i += 2;
        } else if (ys_tok_is(p, i, "private") || ys_tok_is(p, i, "global") || ys_tok_is(p, i, "rule")) {
            i = ys_parse_rule(p, i);
        } else {
            p->bad = true;  /* include, or something this reader does not know */
        }
    }
}

/* A rule that names another rule, or a global rule, ties rules together: leave them be. */
bool ys_rules_independent(const Src *p)
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

bool ys_is_open(const Src *p, size_t i)
{
    return ys_tok_is(p, i, "(") || ys_tok_is(p, i, "[");
}

bool ys_is_close(const Src *p, size_t i)
{
    return ys_tok_is(p, i, ")") || ys_tok_is(p, i, "]");
}

/* The one depth-0 token of the range for which pred holds; SIZE_MAX for none, hi for several. */
size_t ys_find_top(const Src *p, size_t lo, size_t hi, bool (*pred)(const Src *, size_t))
{
    size_t found = SIZE_MAX;
    int depth = 0;
    for (size_t i = lo; i < hi; i++) {
        depth += ys_is_open(p, i) - ys_is_close(p, i);
        if (depth == 0 && pred(p, i))
            found = found == SIZE_MAX ? i : hi;
    }
    return found;
}

bool ys_is_or(const Src *p, size_t i)
{
    return ys_tok_is(p, i, "or");
}

bool ys_is_and(const Src *p, size_t i)
{
    return ys_tok_is(p, i, "and");
}

/* The next part of [lo, hi) split at depth-0 separators: its end. */
size_t ys_part_end(const Src *p, size_t lo, size_t hi, bool (*sep)(const Src *, size_t))
{
    int depth = 0;
    for (size_t i = lo; i < hi; i++) {
        depth += ys_is_open(p, i) - ys_is_close(p, i);
        if (depth == 0 && sep(p, i))
            return i;
    }
    return hi;
}

bool ys_wrapped(const Src *p, size_t lo, size_t hi)
{
    return ys_tok_is(p, lo, "(") && ys_match_close(p, lo, "(", ")") == hi - 1;
}


/* Marks the imports a kept piece of condition uses (a module name followed by "."). */
void ys_note_modules(Src *p, size_t lo, size_t hi)
{
    for (size_t i = lo; i + 1 < hi; i++) {
        if (p->tok[i].kind != T_IDENT || !ys_tok_is(p, i + 1, ".") || (i > lo && ys_tok_is(p, i - 1, ".")))
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
