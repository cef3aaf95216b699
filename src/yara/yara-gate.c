/*
 * yara-gate.c - the strings a rule needs, as one Vectorscan pass (see yara-gate.h for what is
 * proven and why skipping is exact).
 *
 * Patterns over-approximate libyara's matches, never under: fullword, private and nocase are
 * dropped or kept as caseless; regexes and hex strings compile with HS_FLAG_PREFILTER (the
 * database may match more than the expression, never less), DOTALL and MULTILINE (so `.` and
 * `^` match at least where YARA's do). What cannot be written so (xor, base64, wide regexes,
 * YARA's `{,n}` repeat, text escapes YARA rejects, a pattern Vectorscan rejects) leaves the
 * rule ungated: it is scanned for every file as before.
 */
#include "yara/yara-gate.h"

#include <ctype.h>
#include <hs.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "yara/yara-source.h"
#include "common/textutil.h"

#define MAX_DEFS 256
#define MAX_NESTING 64

typedef struct Def {
    size_t id, value, mods_end;  /* tokens: $name, its value, the one after its modifiers */
} Def;

typedef struct RuleDefs {
    Def def[MAX_DEFS];
    size_t n;
} RuleDefs;

#define MAX_EXT 8

/* What a rule needs, or none proven: at least one of a set of its strings found, or the
 * file's extension equal to one of a few literals (tokens of their strings). */
typedef struct Need {
    bool proven;
    uint8_t in[MAX_DEFS];
    size_t ext[MAX_EXT], next;
} Need;

/* ---- the strings section ---- */

static const Tok *tok(const Src *p, size_t i)
{
    return &p->tok[i];
}

static size_t tok_len(const Src *p, size_t i)
{
    return tok(p, i)->end - tok(p, i)->start;
}

/* Reads the definitions between "strings:" and "condition:"; false when not understood. */
static bool read_defs(const Src *p, const Rule *r, RuleDefs *d)
{
    d->n = 0;
    size_t i = r->name;
    while (i + 1 < r->cond && !(ys_tok_is(p, i, "strings") && ys_tok_is(p, i + 1, ":")))
        i++;
    if (i + 1 >= r->cond)
        return true;  /* no strings */
    size_t end = r->cond - 2;  /* "condition" ":" */
    for (i += 2; i < end;) {
        if (d->n == MAX_DEFS || tok(p, i)->kind != T_STRID || p->text[tok(p, i)->start] != '$' ||
            !ys_tok_is(p, i + 1, "=") || i + 2 >= end)
            return false;
        Def *def = &d->def[d->n++];
        def->id = i;
        def->value = i + 2;
        for (i += 3; i < end && tok(p, i)->kind != T_STRID; i++)
            ;
        def->mods_end = i;
    }
    return true;
}

/* ---- patterns ---- */

static bool has_mod(const Src *p, const Def *d, const char *name)
{
    for (size_t i = d->value + 1; i < d->mods_end; i++)
        if (tok(p, i)->kind == T_IDENT && ys_tok_is(p, i, name))
            return true;
    return false;
}

static bool byte_number(const Src *p, size_t i, unsigned *v)
{
    if (i >= p->n || tok(p, i)->kind != T_NUM || tok_len(p, i) > 8)
        return false;
    char num[12];
    memcpy(num, p->text + tok(p, i)->start, tok_len(p, i));
    num[tok_len(p, i)] = '\0';
    char *end;
    unsigned long n = strtoul(num, &end, 0);
    *v = (unsigned)n;
    return *end == '\0' && n <= 255;
}

/* The keys of an xor modifier at token i (xor, xor(k), xor(a-b)); returns the token after it,
 * 0 when malformed. */
static size_t xor_keys(const Src *p, size_t i, unsigned *lo, unsigned *hi)
{
    *lo = 0;
    *hi = 255;
    if (!ys_tok_is(p, i + 1, "("))
        return i + 1;
    if (!byte_number(p, i + 2, lo))
        return 0;
    *hi = *lo;
    if (ys_tok_is(p, i + 3, ")"))
        return i + 4;
    if (ys_tok_is(p, i + 3, "-") && byte_number(p, i + 4, hi) && ys_tok_is(p, i + 5, ")") &&
        *lo <= *hi)
        return i + 6;
    return 0;
}

/* Modifiers a pattern can follow, and the xor keys (0 to 0 without xor); false for any
 * other (base64, base64wide, unknown). */
static bool read_mods(const Src *p, const Def *d, unsigned *xlo, unsigned *xhi)
{
    static const char *const ok[] = {"nocase", "wide", "ascii", "fullword", "private"};
    *xlo = *xhi = 0;
    for (size_t i = d->value + 1; i < d->mods_end;) {
        if (ys_tok_is(p, i, "xor")) {
            i = xor_keys(p, i, xlo, xhi);
            if (!i)
                return false;
            continue;
        }
        bool known = false;
        for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++)
            known |= ys_tok_is(p, i, ok[k]);
        if (!known)
            return false;
        i++;
    }
    return true;
}

/* A byte as \xHH (by hand: snprintf per byte was most of a split's time, 256 xor keys). */
static void put_byte(TextBuf *b, unsigned c)
{
    static const char digits[] = "0123456789abcdef";
    const char hex[4] = {'\\', 'x', digits[(c >> 4) & 15u], digits[c & 15u]};
    text_buf_put(b, hex, sizeof(hex));
}

/* The bytes of a text string's body (YARA's escapes: \" \\ \t \n \r \xHH) into out. */
static bool decode_text(const char *s, size_t n, TextBuf *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (c == '\\') {
            if (++i >= n)
                return false;
            switch (s[i]) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case 't': c = '\t'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 'x':
                if (i + 2 >= n || text_hex_value((unsigned char)s[i + 1]) < 0 || text_hex_value((unsigned char)s[i + 2]) < 0)
                    return false;
                c = (unsigned)(text_hex_value((unsigned char)s[i + 1]) * 16 + text_hex_value((unsigned char)s[i + 2]));
                i += 2;
                break;
            default: return false;
            }
        }
        char byte = (char)c;
        text_buf_put(out, &byte, 1);
    }
    text_buf_put(out, "", 0);  /* an empty string still gets a buffer */
    return !out->failed;
}

/* A text string as escaped pattern bytes, each followed by a NUL when wide, every byte then
 * xor key (YARA widens, then xors). */
static bool text_pattern(const char *s, size_t n, bool wide, unsigned key, TextBuf *out)
{
    TextBuf raw = {0};
    bool ok = decode_text(s, n, &raw) && raw.len > 0;
    for (size_t i = 0; ok && i < raw.len; i++) {
        put_byte(out, (unsigned char)raw.data[i] ^ key);
        if (wide)
            put_byte(out, key);
    }
    free(raw.data);
    return ok;
}

/* One hex-string byte with nibble wildcards (HH, H?, ?H, ??) as a pattern atom. */
static bool hex_atom(char hi, char lo, TextBuf *out)
{
    int h = text_hex_value((unsigned char)hi), l = text_hex_value((unsigned char)lo);
    if ((h < 0 && hi != '?') || (l < 0 && lo != '?'))
        return false;
    if (h >= 0 && l >= 0) {
        put_byte(out, (unsigned)(h * 16 + l));
    } else if (h < 0 && l < 0) {
        text_buf_puts(out, ".");
    } else if (h >= 0) {
        text_buf_puts(out, "[");
        put_byte(out, (unsigned)h * 16);
        text_buf_puts(out, "-");
        put_byte(out, (unsigned)h * 16 + 15);
        text_buf_puts(out, "]");
    } else {
        text_buf_puts(out, "[");
        for (unsigned k = 0; k < 16; k++)
            put_byte(out, k * 16 + (unsigned)l);
        text_buf_puts(out, "]");
    }
    return true;
}

/* A jump [n], [n-m], [n-], [-] as a bounded or open repeat of any byte; returns past ']'. */
static size_t hex_jump(const char *s, size_t i, size_t n, TextBuf *out)
{
    const char *close = memchr(s + i, ']', n - i);
    if (!close)
        return 0;
    char body[32];
    size_t l = (size_t)(close - (s + i + 1));
    if (l >= sizeof(body))
        return 0;
    memcpy(body, s + i + 1, l);
    body[l] = '\0';
    unsigned long lo = 0, hi = 0;
    char tail;
    char rep[48];
    if (sscanf(body, " %lu - %lu %c", &lo, &hi, &tail) == 2)
        snprintf(rep, sizeof(rep), ".{%lu,%lu}", lo, hi);
    else if (sscanf(body, " %lu %c", &lo, &tail) == 2 && tail == '-')
        snprintf(rep, sizeof(rep), ".{%lu,}", lo);
    else if (sscanf(body, " %lu %c", &lo, &tail) == 1)
        snprintf(rep, sizeof(rep), ".{%lu}", lo);
    else if (sscanf(body, " - %c", &tail) < 1 && strchr(body, '-'))
        snprintf(rep, sizeof(rep), ".*");
    else
        return 0;
    text_buf_puts(out, rep);
    return (size_t)(close - s) + 1;
}

/* The text between the braces of a hex string as a regular expression. */
static bool hex_pattern(const char *s, size_t n, TextBuf *out)
{
    size_t atoms = 0;
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (isspace((unsigned char)c)) {
            i++;
        } else if (c == '(' || c == '|' || c == ')') {
            text_buf_puts(out, c == '(' ? "(?:" : c == '|' ? "|" : ")");
            i++;
        } else if (c == '[') {
            i = hex_jump(s, i, n, out);
            if (!i)
                return false;
        } else if (i + 1 < n && hex_atom(c, s[i + 1], out)) {
            atoms++;
            i += 2;
        } else {
            return false;  /* ~ (not), comments, anything else */
        }
    }
    return atoms > 0;
}

static bool add_pattern(YaraGatePatterns *pats, const TextBuf *expr, unsigned flags)
{
    if (expr->failed || !expr->data)
        return false;
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *err = NULL;
    if (!pats->unchecked && hs_expression_info(expr->data, flags, &info, &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        return false;
    }
    free(info);
    size_t cap_e = pats->cap, cap_f = pats->cap;  /* two arrays, one count */
    char **e = array_reserve(pats->expr, sizeof(*e), pats->count + 1, &cap_e);
    if (e)
        pats->expr = e;
    unsigned *f = e ? array_reserve(pats->flags, sizeof(*f), pats->count + 1, &cap_f) : NULL;
    if (!f) {
        pats->oom = true;
        return false;
    }
    pats->flags = f;
    pats->cap = cap_e < cap_f ? cap_e : cap_f;
    pats->expr[pats->count] = strdup(expr->data);
    if (!pats->expr[pats->count]) {
        pats->oom = true;
        return false;
    }
    pats->flags[pats->count++] = flags;
    return true;
}

/* A text string's patterns: ascii and/or wide, for each xor key. */
static bool text_patterns(const Src *p, const Def *d, unsigned xlo, unsigned xhi,
                          YaraGatePatterns *pats)
{
    bool wide = has_mod(p, d, "wide"), ascii = has_mod(p, d, "ascii") || !wide;
    unsigned flags = HS_FLAG_SINGLEMATCH | (has_mod(p, d, "nocase") ? HS_FLAG_CASELESS : 0u);
    const char *s = p->text + tok(p, d->value)->start + 1;
    size_t n = tok_len(p, d->value) - 2;
    for (unsigned key = xlo; key <= xhi; key++) {
        for (int w = 0; w < 2; w++) {
            if (!(w ? wide : ascii))
                continue;
            TextBuf b = {0};
            bool ok = text_pattern(s, n, w, key, &b) && add_pattern(pats, &b, flags);
            free(b.data);
            if (!ok)
                return false;
        }
    }
    return true;
}

static bool regex_pattern(const Src *p, const Def *d, YaraGatePatterns *pats)
{
    const char *s = p->text + tok(p, d->value)->start;
    size_t n = tok_len(p, d->value), close = n - 1;
    while (close > 0 && s[close] != '/')
        close--;
    unsigned flags = HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER | HS_FLAG_DOTALL | HS_FLAG_MULTILINE;
    if (has_mod(p, d, "nocase") || memchr(s + close, 'i', n - close))
        flags |= HS_FLAG_CASELESS;
    if (has_mod(p, d, "wide") || close < 2)
        return false;
    TextBuf b = {0};
    text_buf_put(&b, s + 1, close - 1);
    bool ok = b.data && !strstr(b.data, "{,") && add_pattern(pats, &b, flags);  /* {,n}: YARA only */
    free(b.data);
    return ok;
}

/* Patterns for string definition d; false when it cannot have one. */
static bool def_patterns(const Src *p, const Def *d, YaraGatePatterns *pats)
{
    unsigned xlo, xhi;
    if (!read_mods(p, d, &xlo, &xhi) || (xhi && tok(p, d->value)->kind != T_STR))
        return false;
    switch (tok(p, d->value)->kind) {
    case T_STR:
        return text_patterns(p, d, xlo, xhi, pats);
    case T_REGEX:
        return regex_pattern(p, d, pats);
    case T_HEX: {
        if (has_mod(p, d, "wide") || has_mod(p, d, "nocase"))
            return false;
        TextBuf b = {0};
        bool ok = hex_pattern(p->text + tok(p, d->value)->start + 1, tok_len(p, d->value) - 2, &b) &&
                  add_pattern(pats, &b, HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER | HS_FLAG_DOTALL);
        free(b.data);
        return ok;
    }
    default:
        return false;
    }
}

/* ---- what a condition needs ---- */

/* The strings named by a $name or $prefix* token, into need; false when it names none. */
static bool name_strings(const Src *p, size_t t, const RuleDefs *d, Need *need)
{
    const char *s = p->text + tok(p, t)->start + 1;
    size_t l = tok_len(p, t) - 1;
    bool wild = l && s[l - 1] == '*';
    if (wild)
        l--;
    bool any = false;
    for (size_t k = 0; k < d->n; k++) {
        const char *ds = p->text + tok(p, d->def[k].id)->start + 1;
        size_t dl = tok_len(p, d->def[k].id) - 1;
        if (wild ? dl >= l && memcmp(ds, s, l) == 0 : dl == l && l && memcmp(ds, s, l) == 0) {
            need->in[k] = 1;
            any = true;
        }
    }
    return any;
}

static bool number_at_least(const Src *p, size_t i, long long min)
{
    if (tok(p, i)->kind != T_NUM || tok_len(p, i) > 18)
        return false;
    char num[24];
    memcpy(num, p->text + tok(p, i)->start, tok_len(p, i));
    num[tok_len(p, i)] = '\0';
    char *end;
    long long v = strtoll(num, &end, 10);
    return *end == '\0' && v >= min;
}

/* <n>|any|all of them|(<$a>, <$b*>, ...) with at least one member needed. */
static bool of_needs(const Src *p, size_t lo, size_t hi, const RuleDefs *d, Need *need)
{
    if (hi - lo < 3 || !ys_tok_is(p, lo + 1, "of") ||
        !(ys_tok_is(p, lo, "any") || ys_tok_is(p, lo, "all") || number_at_least(p, lo, 1)))
        return false;
    if (hi - lo == 3 && ys_tok_is(p, lo + 2, "them")) {
        memset(need->in, 1, d->n);
        return d->n > 0;
    }
    if (!ys_tok_is(p, lo + 2, "(") || ys_match_close(p, lo + 2, "(", ")") != hi - 1)
        return false;
    for (size_t i = lo + 3; i < hi - 1; i += 2) {
        if (tok(p, i)->kind != T_STRID || p->text[tok(p, i)->start] != '$' ||
            !name_strings(p, i, d, need) || !(ys_tok_is(p, i + 1, ",") || i + 1 == hi - 1))
            return false;
    }
    return true;
}

/* #a > n (n >= 0), #a >= n, #a == n (n >= 1): some occurrence of $a. */
static bool count_needs(const Src *p, size_t lo, size_t hi, const RuleDefs *d, Need *need)
{
    if (hi - lo != 3 || tok(p, lo)->kind != T_STRID || p->text[tok(p, lo)->start] != '#')
        return false;
    long long min = ys_tok_is(p, lo + 1, ">") ? 0 : ys_tok_is(p, lo + 1, ">=") || ys_tok_is(p, lo + 1, "==") ? 1 : -1;
    if (min < 0 || !number_at_least(p, lo + 2, min) || tok_len(p, lo) < 2 ||
        p->text[tok(p, lo)->end - 1] == '*')
        return false;
    return name_strings(p, lo, d, need);
}

/* extension == "<text>" (either side): bongsu sets the external from the file's name. */
static bool ext_needs(const Src *p, size_t lo, size_t hi, Need *need)
{
    if (hi - lo != 3 || !ys_tok_is(p, lo + 1, "=="))
        return false;
    size_t lit = ys_tok_is(p, lo, "extension") ? lo + 2 : ys_tok_is(p, lo + 2, "extension") ? lo : hi;
    if (lit == hi || tok(p, lit)->kind != T_STR)
        return false;
    need->ext[0] = lit;
    need->next = 1;
    return true;
}

static bool leaf_needs(const Src *p, size_t lo, size_t hi, const RuleDefs *d, Need *need)
{
    if (ext_needs(p, lo, hi, need))
        return true;
    bool str = tok(p, lo)->kind == T_STRID && p->text[tok(p, lo)->start] == '$' &&
               tok_len(p, lo) > 1 && p->text[tok(p, lo)->end - 1] != '*';
    if (str && (hi - lo == 1 || ys_tok_is(p, lo + 1, "at") || ys_tok_is(p, lo + 1, "in")))
        return name_strings(p, lo, d, need);
    return of_needs(p, lo, hi, d, need) || count_needs(p, lo, hi, d, need);
}

static void need_or(Src *p, size_t lo, size_t hi, const RuleDefs *d, Need *out);

static void need_unary(Src *p, size_t lo, size_t hi, const RuleDefs *d, Need *out)
{
    memset(out, 0, sizeof(*out));
    if (lo >= hi || p->depth >= MAX_NESTING)
        return;
    if (!ys_wrapped(p, lo, hi)) {
        out->proven = leaf_needs(p, lo, hi, d, out);
        return;
    }
    p->depth++;
    need_or(p, lo + 1, hi - 1, d, out);
    p->depth--;
}

static size_t need_size(const Need *n, size_t defs)
{
    size_t k = n->next;
    for (size_t i = 0; i < defs; i++)
        k += n->in[i];
    return k;
}

/* An and needs what any operand needs: the smallest proven set. */
static void need_and(Src *p, size_t lo, size_t hi, const RuleDefs *d, Need *out)
{
    memset(out, 0, sizeof(*out));
    Need part;
    for (size_t i = lo; i <= hi;) {
        size_t end = ys_part_end(p, i, hi, ys_is_and);
        need_unary(p, i, end, d, &part);
        if (part.proven && (!out->proven || need_size(&part, d->n) < need_size(out, d->n)))
            *out = part;
        i = end + 1;
    }
}

/* An or needs one of what each operand needs: their union, if every operand needs some. */
static void need_or(Src *p, size_t lo, size_t hi, const RuleDefs *d, Need *out)
{
    memset(out, 0, sizeof(*out));
    out->proven = true;
    Need part;
    for (size_t i = lo; i <= hi && out->proven;) {
        size_t end = ys_part_end(p, i, hi, ys_is_or);
        need_and(p, i, end, d, &part);
        out->proven = part.proven && out->next + part.next <= MAX_EXT;
        for (size_t k = 0; k < d->n; k++)
            out->in[k] |= part.in[k];
        for (size_t k = 0; out->proven && k < part.next; k++)
            out->ext[out->next++] = part.ext[k];
        i = end + 1;
    }
}

/* An extension literal the gated part is also scanned for. */
static bool add_ext(const Src *p, size_t lit, YaraGatePatterns *pats)
{
    TextBuf raw = {0};
    if (!decode_text(p->text + tok(p, lit)->start + 1, tok_len(p, lit) - 2, &raw) ||
        strlen(raw.data) != raw.len) {
        free(raw.data);
        return false;  /* a NUL inside: the external, a C string, can never equal it */
    }
    char **e = array_reserve(pats->exts, sizeof(*e), pats->nexts + 1, &pats->exts_cap);
    if (!e) {
        free(raw.data);
        pats->oom = true;
        return false;
    }
    pats->exts = e;
    pats->exts[pats->nexts++] = raw.data;
    return true;
}

/* The rule's patterns added to pats when its condition needs strings that all have one (or
 * an extension). */
static bool rule_gated(Src *p, const Rule *r, YaraGatePatterns *pats)
{
    RuleDefs *d = malloc(sizeof(*d));  /* 6 KB: off the stack */
    Need need;
    bool gated = d && read_defs(p, r, d);
    if (gated) {
        p->depth = 0;
        need_or(p, r->cond, r->close, d, &need);
        gated = need.proven;
    }
    size_t mark = pats->count, ext_mark = pats->nexts;
    for (size_t k = 0; gated && k < d->n; k++)
        gated = !need.in[k] || def_patterns(p, &d->def[k], pats);
    for (size_t k = 0; gated && k < need.next; k++)
        gated = add_ext(p, need.ext[k], pats);
    while (!gated && pats->count > mark)
        free(pats->expr[--pats->count]);  /* an ungated rule leaves no pattern behind */
    while (!gated && pats->nexts > ext_mark)
        free(pats->exts[--pats->nexts]);
    free(d);
    return gated;
}

/* ---- writing the two sources ---- */

/* The imports the rules use, then the rules; NULL when there is no rule (or on OOM). */
static char *finish(const Src *p, const TextBuf *rules, const bool *used, bool *oom)
{
    if (!rules->data)
        return NULL;
    TextBuf out = {0};
    for (size_t m = 0; m < p->nimports; m++) {
        if (!used[m])
            continue;
        const Tok *s = tok(p, p->imports[m]);
        text_buf_puts(&out, "import ");
        text_buf_put(&out, p->text + s->start, s->end - s->start);
        text_buf_puts(&out, "\n");
    }
    text_buf_put(&out, rules->data, rules->len);
    if (out.failed || rules->failed) {
        free(out.data);
        *oom = true;
        return NULL;
    }
    return out.data;
}

/* Each rule, verbatim, into out[1] when gated (its patterns added) or out[0]. */
static void split_rules(Src *p, YaraGatePatterns *pats, TextBuf out[2], bool used[2][64],
                        YaraGateStats *st)
{
    for (size_t r = 0; r < p->nrules; r++) {
        const Rule *rule = &p->rules[r];
        int g = rule_gated(p, rule, pats);
        st->rules++;
        st->gated += (uint32_t)g;
        memset(p->import_used, 0, sizeof(p->import_used));
        ys_note_modules(p, rule->cond, rule->close);
        for (size_t m = 0; m < p->nimports; m++)
            used[g][m] |= p->import_used[m];
        size_t start = tok(p, rule->first)->start;
        text_buf_put(&out[g], p->text + start, tok(p, rule->close)->end - start);
        text_buf_puts(&out[g], "\n");
    }
}

bool yara_gate_split(const char *src, size_t len, YaraGatePatterns *pats, char **gated,
                     char **rest, YaraGateStats *st)
{
    *gated = *rest = NULL;
    Src p = {.text = src, .len = len};
    ys_lex(&p);
    if (!p.bad)
        ys_parse_file(&p);
    bool oom = false;
    if (!p.bad && ys_rules_independent(&p)) {
        TextBuf out[2] = {{0}, {0}};
        bool used[2][64] = {{false}};
        split_rules(&p, pats, out, used, st);
        *rest = finish(&p, &out[0], used[0], &oom);
        *gated = finish(&p, &out[1], used[1], &oom);
        free(out[0].data);
        free(out[1].data);
    } else {
        *rest = strndup(src, len);  /* rules tied together or not understood: all scanned */
        oom = !*rest;
    }
    free(p.tok);
    free(p.rules);
    if (oom || pats->oom) {
        free(*gated);
        free(*rest);
        *gated = *rest = NULL;
        return false;
    }
    return true;
}

void yara_gate_patterns_free(YaraGatePatterns *pats)
{
    for (size_t i = 0; i < pats->nexts; i++)
        free(pats->exts[i]);
    free(pats->exts);
    for (size_t i = 0; i < pats->count; i++)
        free(pats->expr[i]);
    free(pats->expr);
    free(pats->flags);
    *pats = (YaraGatePatterns){.unchecked = pats->unchecked};
}

/* ---- the Vectorscan pass ---- */

struct YaraGate {
    hs_database_t *db;       /* NULL when the gated rules need only extensions */
    char **exts;
    size_t nexts;
    uint64_t id;             /* never reused, unlike an address (yara_gate_scratch_fit) */
};

struct YaraGateScratch {
    hs_scratch_t *s;
    uint64_t fitted;         /* the gate last fitted (0: none) */
};

static atomic_uint_fast64_t gate_ids;

static YaraGate *gate_with_exts(char *const *exts, size_t n)
{
    YaraGate *g = calloc(1, sizeof(*g));
    if (!g || !(g->exts = calloc(n ? n : 1, sizeof(*g->exts)))) {
        free(g);
        return NULL;
    }
    g->id = atomic_fetch_add(&gate_ids, 1) + 1;
    for (; g->nexts < n; g->nexts++) {
        if (!(g->exts[g->nexts] = strdup(exts[g->nexts]))) {
            yara_gate_free(g);
            return NULL;
        }
    }
    return g;
}

static hs_database_t *compile_db(const YaraGatePatterns *pats)
{
    unsigned *ids = malloc(pats->count * sizeof(*ids));
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    for (size_t i = 0; ids && i < pats->count; i++)
        ids[i] = (unsigned)i;
    if (ids && hs_compile_multi((const char *const *)pats->expr, pats->flags, ids,
                                (unsigned)pats->count, HS_MODE_BLOCK, NULL, &db,
                                &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        db = NULL;
    }
    free(ids);
    return db;
}

YaraGate *yara_gate_compile(const YaraGatePatterns *pats)
{
    if ((!pats->count && !pats->nexts) || pats->oom)
        return NULL;
    YaraGate *g = gate_with_exts(pats->exts, pats->nexts);
    if (g && pats->count && !(g->db = compile_db(pats))) {
        yara_gate_free(g);  /* no database: the gated part is scanned for every file */
        g = NULL;
    }
    return g;
}

void yara_gate_free(YaraGate *g)
{
    if (!g)
        return;
    hs_free_database(g->db);
    for (size_t i = 0; i < g->nexts; i++)
        free(g->exts[i]);
    free(g->exts);
    free(g);
}

#define GATE_MAGIC "bongsu-gate-1\n"

/* GATE_MAGIC, the number of extensions and a newline, each extension and a NUL, then
 * Vectorscan's serialized database (nothing when there is none). */
bool yara_gate_serialize(const YaraGate *g, char **bytes, size_t *len)
{
    char *db = NULL;
    size_t db_len = 0;
    if (!g || (g->db && hs_serialize_database(g->db, &db, &db_len) != HS_SUCCESS))
        return false;
    FILE *f = open_memstream(bytes, len);
    if (!f) {
        free(db);
        return false;
    }
    fprintf(f, GATE_MAGIC "%zu\n", g->nexts);
    for (size_t i = 0; i < g->nexts; i++)
        fwrite(g->exts[i], 1, strlen(g->exts[i]) + 1, f);
    if (db_len)
        fwrite(db, 1, db_len, f);
    free(db);
    return fclose(f) == 0;
}

YaraGate *yara_gate_deserialize(const char *bytes, size_t len)
{
    size_t magic = strlen(GATE_MAGIC), n = 0;
    int used = 0;
    if (len <= magic || memcmp(bytes, GATE_MAGIC, magic) != 0 ||
        !memchr(bytes + magic, '\n', len - magic) ||
        sscanf(bytes + magic, "%zu\n%n", &n, &used) != 1 || !used || n > 4096)
        return NULL;
    const char *at = bytes + magic + used, *end = bytes + len;
    char *exts[4096];
    for (size_t i = 0; i < n; i++) {
        const char *nul = memchr(at, '\0', (size_t)(end - at));
        if (!nul)
            return NULL;
        exts[i] = (char *)at;
        at = nul + 1;
    }
    YaraGate *g = gate_with_exts(exts, n);
    if (g && at < end && hs_deserialize_database(at, (size_t)(end - at), &g->db) != HS_SUCCESS) {
        yara_gate_free(g);
        g = NULL;
    }
    return g;
}

YaraGateScratch *yara_gate_scratch_new(const YaraGate *g)
{
    if (!g)
        return NULL;
    YaraGateScratch *s = calloc(1, sizeof(*s));
    if (s && g->db && hs_alloc_scratch(g->db, &s->s) != HS_SUCCESS) {
        free(s);
        s = NULL;
    }
    return s;
}

YaraGateScratch *yara_gate_scratch_fit(const YaraGate *g, YaraGateScratch *s)
{
    if (!g || !g->db)
        return s;
    if (!s && !(s = calloc(1, sizeof(*s))))
        return NULL;
    if (s->fitted == g->id)
        return s;  /* hs_alloc_scratch rebuilds the scratch even when it fits: 400 k instr */
    hs_scratch_t *grown = s->s;
    bool ok = hs_alloc_scratch(g->db, &grown) == HS_SUCCESS;
    if (!ok && grown) {
        hs_free_scratch(grown);  /* left as it was: not fit for g; none is safer */
        grown = NULL;
    }
    s->s = grown;  /* NULL after a failed resize (Vectorscan freed the old one) */
    s->fitted = ok ? g->id : 0;
    return s;
}

void yara_gate_scratch_free(YaraGateScratch *s)
{
    if (!s)
        return;
    hs_free_scratch(s->s);
    free(s);
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    *(bool *)ctx = true;
    return 1;  /* one pattern is enough: stop */
}

bool yara_gate_hit(const YaraGate *g, YaraGateScratch *s, const uint8_t *data, size_t len,
                   const char *ext)
{
    if (!g)
        return true;
    for (size_t i = 0; ext && i < g->nexts; i++)
        if (strcmp(ext, g->exts[i]) == 0)
            return true;
    if (!g->db)
        return false;
    if (!s || !s->s || len > UINT32_MAX)
        return true;
    bool hit = false;
    hs_error_t rc = hs_scan(g->db, (const char *)(data ? data : (const uint8_t *)""),
                            (unsigned)len, 0, s->s, on_hit, &hit);
    return hit || (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED);
}
