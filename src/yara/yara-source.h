/*
 * yara-source.h - reading YARA rule source text: tokens, imports, rules and the and/or
 * structure of a condition, for the two modules that rewrite or analyse sources without
 * libyara's parser (yara-prefilter.c: the non-MZ rewrite; yara-gate.c: the literals a rule
 * needs). libyara 4.2 exposes no condition tree, so both read the text themselves.
 *
 * The source is cut into tokens (comments, strings, regexes and hex strings kept whole, so
 * their contents never look like syntax), then into imports and rules. Anything unexpected
 * sets Src.bad: the callers then use the file as it is.
 */
#ifndef BONGSU_YARA_SOURCE_H
#define BONGSU_YARA_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/textbuf.h"

typedef enum TokKind { T_IDENT, T_NUM, T_STR, T_REGEX, T_HEX, T_STRID, T_PUNCT } TokKind;

typedef struct Tok {
    TokKind kind;
    size_t start, end;
} Tok;

typedef struct Rule {
    size_t first, name, cond, close;  /* token indexes: first modifier, name, condition, '}' */
    bool has_strings, global;
} Rule;

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
    TextBuf out;
} Src;

bool ys_tok_is(const Src *p, size_t i, const char *s);
/* Tokens, then imports and rules; p->bad when something is not understood. */
void ys_lex(Src *p);
void ys_parse_file(Src *p);
/* False when a rule names another rule or is global: rules that cannot be taken apart. */
bool ys_rules_independent(const Src *p);
/* The token closing the bracket opened at i, SIZE_MAX when none. */
size_t ys_match_close(const Src *p, size_t i, const char *open, const char *close);
bool ys_is_open(const Src *p, size_t i);
bool ys_is_close(const Src *p, size_t i);
/* The one depth-0 token of [lo, hi) for which pred holds; SIZE_MAX for none, hi for several. */
size_t ys_find_top(const Src *p, size_t lo, size_t hi, bool (*pred)(const Src *, size_t));
bool ys_is_or(const Src *p, size_t i);
bool ys_is_and(const Src *p, size_t i);
/* The next part of [lo, hi) split at depth-0 separators: its end. */
size_t ys_part_end(const Src *p, size_t lo, size_t hi, bool (*sep)(const Src *, size_t));
/* [lo, hi) is one parenthesised expression. */
bool ys_wrapped(const Src *p, size_t lo, size_t hi);
/* Marks in p->import_used the imports that tokens [lo, hi) use (a module name and "."). */
void ys_note_modules(Src *p, size_t lo, size_t hi);

#endif
