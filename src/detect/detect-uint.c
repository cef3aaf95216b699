/*
 * detect-uint.c - parsing and evaluating Suricata's unsigned comparisons (see detect-uint.h).
 *
 * Suricata 7 accepts spaces around the operator, a leading "!" before a range ("!1-5"), and
 * rejects ranges whose low end is not below the high end, since "A<>B" with B <= A+1 could
 * never match. Its generic parser (dsize, ttl, itype, tcp.mss, urilen, bsize, filesize...)
 * also refuses the four comparisons that hold for every value or none of the keyword's
 * type: "<0", ">=0", ">MAX" and "<=MAX" (the reference fails such a rule; bongsu did load
 * it, so "dsize:>=0" alerted on every packet). stream_size and iprep, which write the
 * operator apart, accept them, as the reference does. Every numeric keyword uses this one
 * parser so they agree on that syntax.
 */
#include "detect/detect-uint.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* A decimal (or 0x hex) number, then only spaces up to `end` (or the NUL). */
static int parse_number(const char *s, const char *end, uint64_t max, uint64_t *out)
{
    s = skip_space(s);
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *stop;
    unsigned long long v = strtoull(s, &stop, 0);
    if (errno || v > max)
        return -1;
    stop = (char *)skip_space(stop);
    if (end ? stop != end : *stop != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_range(const char *v, DetectUint *u, uint64_t max)
{
    const char *sep = strstr(v, "<>");
    size_t sep_len = 2;
    if (!sep) {
        sep = strchr(v + 1, '-');
        sep_len = 1;
    }
    if (!sep)
        return 1;
    if (parse_number(v, sep, max, &u->a) || parse_number(sep + sep_len, NULL, max, &u->b))
        return -1;
    return u->a < u->b ? 0 : -1;
}

static int parse_comparison(const char *text, DetectUint *u, uint64_t max)
{
    if (!text)
        return -1;
    const char *v = skip_space(text);
    static const struct {
        const char *prefix;
        DetectUintOp op;
    } ops[] = {{"<=", DU_LE}, {">=", DU_GE}, {"<>", DU_RANGE}, {"<", DU_LT}, {">", DU_GT},
               {"!", DU_NE}, {"=", DU_EQ}};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        size_t n = strlen(ops[i].prefix);
        if (strncmp(v, ops[i].prefix, n) != 0 || ops[i].op == DU_RANGE)
            continue;
        u->op = ops[i].op;
        if (u->op == DU_NE) {
            int rc = parse_range(skip_space(v + 1), u, max);
            if (rc <= 0) {
                u->op = DU_NOT_RANGE;
                return rc;
            }
            u->op = DU_NE;
        }
        return parse_number(v + n, NULL, max, &u->a);
    }
    int rc = parse_range(v, u, max);
    if (rc <= 0) {
        u->op = DU_RANGE;
        return rc;
    }
    u->op = DU_EQ;
    return parse_number(v, NULL, max, &u->a);
}

/* A comparison true for every value of [0, max], or for none. */
static bool trivial(const DetectUint *u, uint64_t max)
{
    return ((u->op == DU_LT || u->op == DU_GE) && u->a == 0) ||
           ((u->op == DU_GT || u->op == DU_LE) && u->a == max);
}

int detect_uint_parse(const char *text, DetectUint *u, uint64_t max)
{
    if (parse_comparison(text, u, max) != 0 || trivial(u, max))
        return -1;
    return 0;
}

bool detect_uint_match(const DetectUint *u, uint64_t v)
{
    switch (u->op) {
    case DU_EQ: return v == u->a;
    case DU_NE: return v != u->a;
    case DU_LT: return v < u->a;
    case DU_GT: return v > u->a;
    case DU_LE: return v <= u->a;
    case DU_GE: return v >= u->a;
    case DU_RANGE: return v > u->a && v < u->b;
    case DU_NOT_RANGE: return v <= u->a || v >= u->b;
    }
    return false;
}

int detect_uint_parse_op(const char *op, const char *num, DetectUint *u, uint64_t max)
{
    static const char *const ops[] = {"<", ">", "=", "!=", "<=", ">="};
    static const char *const as_uint[] = {"<", ">", "", "!", "<=", ">="};
    for (int i = 0; i < 6; i++) {
        if (strcmp(op, ops[i]) == 0) {
            char text[64];
            snprintf(text, sizeof(text), "%s%s", as_uint[i], num);
            return parse_comparison(text, u, max);
        }
    }
    return -1;
}
