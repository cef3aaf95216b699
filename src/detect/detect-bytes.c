/*
 * detect-bytes.c - reading numbers out of the buffer: byte_test, byte_jump, byte_extract and
 * byte_math.
 *
 * All four read `nbytes` at an offset (from the buffer's start, or past the previous match
 * with "relative"), either as a big/little-endian binary number (1-8 bytes) or as text in
 * base 10/16/8 ("string,dec", up to 20 characters; byte_test with 0 reads the whole number
 * there, as Suricata), optionally masked with a bitmask (and
 * shifted right by the mask's trailing zeros, as Suricata does). byte_test compares the
 * number; byte_jump moves the "previous match" position by it; byte_extract and byte_math
 * store it (or the arithmetic result) in a rule variable that later keywords name in place
 * of a number (offset:var, byte_test value var...). Reads past the buffer fail the match.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-keywords.h"
#include "common/textutil.h"

typedef enum BytesKind { BK_TEST, BK_JUMP, BK_EXTRACT, BK_MATH } BytesKind;

typedef struct BytesCtx {
    BytesKind kind;
    DetectValue nbytes, offset;
    bool relative, little, string, negated, align, from_beginning, from_end;
    int base;
    uint64_t bitmask;
    char op;                 /* byte_test: < > = & ^ L(<=) G(>=); byte_math: + - * / l r */
    DetectValue value;       /* byte_test value, byte_math rvalue */
    int64_t multiplier, post_offset;
    int align_to;            /* byte_extract align 2|4: round the new position up */
    int var;                 /* byte_extract/byte_math result */
} BytesCtx;

#define MAX_ARGS 16

static int split_args(char *buf, char *args[MAX_ARGS])
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t && n < MAX_ARGS; t = strtok_r(NULL, ",", &save))
        args[n++] = text_trim(t);
    return n;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return -1;
    *out = strtoull(s, &end, 0);
    return *end ? -1 : 0;
}

/* The options shared by every byte_* keyword; returns 1 when `a` is not one of them. */
static int common_option(BytesCtx *ctx, const char *a, char *err, size_t errlen)
{
    char name[32], arg[64];
    int n = sscanf(a, "%31s %63s", name, arg);
    if (strcmp(a, "relative") == 0)
        ctx->relative = true;
    else if (strcmp(a, "little") == 0 || (n == 2 && strcmp(name, "endian") == 0 &&
                                          strcmp(arg, "little") == 0))
        ctx->little = true;
    else if (strcmp(a, "big") == 0 || (n == 2 && strcmp(name, "endian") == 0 &&
                                       strcmp(arg, "big") == 0))
        ctx->little = false;
    else if (strcmp(a, "string") == 0)
        ctx->string = true;
    else if (strcmp(a, "dec") == 0 || (n == 2 && !strcmp(name, "string") && !strcmp(arg, "dec")))
        ctx->base = 10, ctx->string = true;
    else if (strcmp(a, "hex") == 0 || (n == 2 && !strcmp(name, "string") && !strcmp(arg, "hex")))
        ctx->base = 16, ctx->string = true;
    else if (strcmp(a, "oct") == 0 || (n == 2 && !strcmp(name, "string") && !strcmp(arg, "oct")))
        ctx->base = 8, ctx->string = true;
    else if (n == 2 && strcmp(name, "bitmask") == 0) {
        if (parse_u64(arg, &ctx->bitmask) != 0 || !ctx->bitmask) {
            snprintf(err, errlen, "invalid bitmask \"%s\"", arg);
            return -1;
        }
    } else if (strcmp(a, "dce") == 0) {
        snprintf(err, errlen, "dce needs the DCERPC parser, which bongsu does not have");
        return -1;
    } else
        return 1;
    return 0;
}

/* The fewest bytes a keyword may read: byte_jump:0 jumps by post_offset only; byte_test:0
 * on a string reads the whole number there, as many digits as there are (Suricata's
 * unbounded string extraction; ET Open tests http.content_len so). */
static int64_t min_nbytes(const BytesCtx *ctx)
{
    return ctx->kind == BK_JUMP || (ctx->kind == BK_TEST && ctx->string) ? 0 : 1;
}

static int check_nbytes(BytesCtx *ctx, char *err, size_t errlen)
{
    if (ctx->nbytes.var >= 0)
        return 0;
    int64_t n = ctx->nbytes.value;
    int64_t min = min_nbytes(ctx);
    if (ctx->string ? (n < min || n > 20) : (n < min || n > 8)) {
        snprintf(err, errlen, "cannot read %lld bytes %s", (long long)n,
                 ctx->string ? "as a string (1-20; 0 for byte_test)"
                             : "as a binary number (1-8)");
        return -1;
    }
    if (ctx->string && !ctx->base)
        ctx->base = 10;
    return 0;
}

static int parse_test(Signature *sig, BytesCtx *ctx, char **a, int n, char *err, size_t errlen)
{
    if (n < 4) {
        snprintf(err, errlen, "expected nbytes,operator,value,offset[,options]");
        return -1;
    }
    const char *op = a[1];
    if (*op == '!') {
        ctx->negated = true;
        op = text_trim((char *)op + 1);
    }
    static const struct {
        const char *text;
        char op;
    } ops[] = {{"<=", 'L'}, {">=", 'G'}, {"<", '<'}, {">", '>'}, {"=", '='}, {"&", '&'},
               {"^", '^'}};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]) && !ctx->op; i++)
        if (strcmp(op, ops[i].text) == 0)
            ctx->op = ops[i].op;
    if (!ctx->op && ctx->negated && !*op)
        ctx->op = '=';
    if (!ctx->op) {
        snprintf(err, errlen, "unknown operator \"%s\"", a[1]);
        return -1;
    }
    if (detect_value_parse(sig, a[0], 0, 20, &ctx->nbytes, err, errlen) ||
        detect_value_parse(sig, a[2], 0, INT64_MAX, &ctx->value, err, errlen) ||
        detect_value_parse(sig, a[3], -65535, 65535, &ctx->offset, err, errlen))
        return -1;
    for (int i = 4; i < n; i++) {
        int rc = common_option(ctx, a[i], err, errlen);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            snprintf(err, errlen, "unknown option \"%s\"", a[i]);
            return -1;
        }
    }
    return check_nbytes(ctx, err, errlen);
}

static int parse_jump(Signature *sig, BytesCtx *ctx, char **a, int n, char *err, size_t errlen)
{
    if (n < 2) {
        snprintf(err, errlen, "expected nbytes,offset[,options]");
        return -1;
    }
    ctx->multiplier = 1;
    if (detect_value_parse(sig, a[0], 0, 20, &ctx->nbytes, err, errlen) ||
        detect_value_parse(sig, a[1], -65535, 65535, &ctx->offset, err, errlen))
        return -1;
    for (int i = 2; i < n; i++) {
        int rc = common_option(ctx, a[i], err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        long long v;
        char extra;
        if (strcmp(a[i], "align") == 0)
            ctx->align = true;
        else if (strcmp(a[i], "from_beginning") == 0)
            ctx->from_beginning = true;
        else if (strcmp(a[i], "from_end") == 0)
            ctx->from_end = true;
        else if (sscanf(a[i], "multiplier %lld %c", &v, &extra) == 1 && v > 0 && v <= 65535)
            ctx->multiplier = v;
        else if (sscanf(a[i], "post_offset %lld %c", &v, &extra) == 1 && v >= -65535 &&
                 v <= 65535)
            ctx->post_offset = v;
        else {
            snprintf(err, errlen, "unknown option \"%s\"", a[i]);
            return -1;
        }
    }
    if (ctx->from_beginning && ctx->from_end) {
        snprintf(err, errlen, "from_beginning and from_end together");
        return -1;
    }
    return check_nbytes(ctx, err, errlen);
}

static int parse_extract(Signature *sig, BytesCtx *ctx, char **a, int n, char *err,
                         size_t errlen)
{
    if (n < 3) {
        snprintf(err, errlen, "expected nbytes,offset,name[,options]");
        return -1;
    }
    ctx->multiplier = 1;
    if (detect_value_parse(sig, a[0], 0, 20, &ctx->nbytes, err, errlen) ||
        detect_value_parse(sig, a[1], -65535, 65535, &ctx->offset, err, errlen))
        return -1;
    for (int i = 3; i < n; i++) {
        int rc = common_option(ctx, a[i], err, errlen);
        if (rc < 0)
            return -1;
        long long v;
        char extra;
        if (rc == 0)
            continue;
        if (sscanf(a[i], "multiplier %lld %c", &v, &extra) == 1 && v > 0 && v <= 65535)
            ctx->multiplier = v;
        else if (sscanf(a[i], "align %lld %c", &v, &extra) == 1 && (v == 2 || v == 4))
            ctx->align_to = (int)v;
        else {
            snprintf(err, errlen, "unknown option \"%s\"", a[i]);
            return -1;
        }
    }
    if (check_nbytes(ctx, err, errlen) != 0)
        return -1;
    ctx->var = sig_var_add(sig, a[2], err, errlen);
    return ctx->var < 0 ? -1 : 0;
}

static int parse_math(Signature *sig, BytesCtx *ctx, char **a, int n, char *err, size_t errlen)
{
    const char *result = NULL;
    bool have_bytes = false, have_offset = false, have_rvalue = false;
    for (int i = 0; i < n; i++) {
        char name[32], arg[128];
        int k = sscanf(a[i], "%31s %127s", name, arg);
        int rc = common_option(ctx, a[i], err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        if (k == 2 && strcmp(name, "bytes") == 0) {
            have_bytes = detect_value_parse(sig, arg, 1, 10, &ctx->nbytes, err, errlen) == 0;
            if (!have_bytes)
                return -1;
        } else if (k == 2 && strcmp(name, "offset") == 0) {
            have_offset = detect_value_parse(sig, arg, -65535, 65535, &ctx->offset, err,
                                             errlen) == 0;
            if (!have_offset)
                return -1;
        } else if (k == 2 && strcmp(name, "oper") == 0) {
            static const char *const ops[] = {"+", "-", "*", "/", "<<", ">>"};
            static const char codes[] = "+-*/lr";
            for (int o = 0; o < 6; o++)
                if (strcmp(arg, ops[o]) == 0)
                    ctx->op = codes[o];
        } else if (k == 2 && strcmp(name, "rvalue") == 0) {
            have_rvalue = detect_value_parse(sig, arg, 0, UINT32_MAX, &ctx->value, err,
                                             errlen) == 0;
            if (!have_rvalue)
                return -1;
        } else if (k == 2 && strcmp(name, "result") == 0) {
            result = a[i] + (strstr(a[i], arg) - a[i]);
        } else {
            snprintf(err, errlen, "unknown option \"%s\"", a[i]);
            return -1;
        }
    }
    if (!have_bytes || !have_offset || !have_rvalue || !ctx->op || !result) {
        snprintf(err, errlen, "needs bytes, offset, oper (+ - * / << >>), rvalue and result");
        return -1;
    }
    if (check_nbytes(ctx, err, errlen) != 0)
        return -1;
    ctx->var = sig_var_add(sig, result, err, errlen);
    return ctx->var < 0 ? -1 : 0;
}

static int bytes_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                       size_t errlen)
{
    if (!value) {
        snprintf(err, errlen, "needs arguments");
        return -1;
    }
    char buf[512], *args[MAX_ARGS];
    snprintf(buf, sizeof(buf), "%s", value);
    int n = split_args(buf, args);
    BytesCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    ctx->var = -1;
    int rc;
    switch (kw->name[5]) {
    case 't': ctx->kind = BK_TEST; rc = parse_test(sig, ctx, args, n, err, errlen); break;
    case 'j': ctx->kind = BK_JUMP; rc = parse_jump(sig, ctx, args, n, err, errlen); break;
    case 'e': ctx->kind = BK_EXTRACT; rc = parse_extract(sig, ctx, args, n, err, errlen); break;
    default: ctx->kind = BK_MATH; rc = parse_math(sig, ctx, args, n, err, errlen); break;
    }
    if (rc != 0) {
        free(ctx);
        return -1;
    }
    return sig_append(sig, SIG_LIST_PAYLOAD, kw, ctx) ? 0 : -1;
}

/* The number written at p in ctx->base: nbytes characters, or with nbytes 0 as many as
 * form one (up to the 23 of the longest 64-bit octal, and avail); false when none do. */
static bool read_string(const BytesCtx *ctx, const uint8_t *p, uint32_t nbytes, uint32_t avail,
                        uint64_t *out)
{
    char text[24];
    uint32_t n = nbytes ? nbytes : avail < 23 ? avail : 23;
    memcpy(text, p, n);
    text[n] = '\0';
    if (nbytes && !isxdigit((unsigned char)text[0]))
        return false;
    char *end;
    errno = 0;
    *out = strtoull(text, &end, ctx->base);
    return end != text && errno != ERANGE;
}

/* Reads the number at start; false when it runs past the buffer or is not a number. */
static bool read_number(const BytesCtx *ctx, const uint8_t *p, uint32_t nbytes, uint32_t avail,
                        uint64_t *out)
{
    uint64_t v = 0;
    if (ctx->string) {
        if (!read_string(ctx, p, nbytes, avail, &v))
            return false;
    } else {
        for (uint32_t i = 0; i < nbytes; i++)
            v = ctx->little ? v | (uint64_t)p[i] << (8 * i) : v << 8 | p[i];
    }
    if (ctx->bitmask) {
        v &= ctx->bitmask;
        uint64_t m = ctx->bitmask;
        while (!(m & 1)) {
            m >>= 1;
            v >>= 1;
        }
    }
    *out = v;
    return true;
}

static bool test_holds(const BytesCtx *ctx, uint64_t v, uint64_t want)
{
    bool r;
    switch (ctx->op) {
    case '<': r = v < want; break;
    case '>': r = v > want; break;
    case 'L': r = v <= want; break;
    case 'G': r = v >= want; break;
    case '&': r = (v & want) != 0; break;
    case '^': r = (v ^ want) != 0; break;
    default: r = v == want; break;
    }
    return r != ctx->negated;
}

static bool math(const BytesCtx *ctx, uint64_t v, uint64_t r, uint64_t *out)
{
    switch (ctx->op) {
    case '+': *out = v + r; return true;
    case '-': *out = v - r; return true;
    case '*': *out = v * r; return true;
    case '/': if (!r) return false; *out = v / r; return true;
    case 'l': *out = r < 64 ? v << r : 0; return true;
    default: *out = r < 64 ? v >> r : 0; return true;
    }
}

static bool bytes_inspect(InspectState *st, const SigMatch *sm)
{
    const BytesCtx *ctx = sm->ctx;
    int64_t nbytes = detect_value_get(&ctx->nbytes, st);
    int64_t start = (ctx->relative ? (int64_t)st->prev_end : 0) + detect_value_get(&ctx->offset, st);
    if (nbytes < min_nbytes(ctx) || nbytes > (ctx->string ? 20 : 8) ||
        start < 0 || start + nbytes > (int64_t)st->len)
        return false;
    uint64_t v = 0;
    bool reads = nbytes || (ctx->string && ctx->kind == BK_TEST);
    if (reads && !read_number(ctx, st->buf + start, (uint32_t)nbytes,
                              st->len - (uint32_t)start, &v))
        return false;
    uint32_t saved_prev = st->prev_end;
    uint64_t saved_var = ctx->var >= 0 ? st->vars[ctx->var] : 0;
    switch (ctx->kind) {
    case BK_TEST:
        if (!test_holds(ctx, v, (uint64_t)detect_value_get(&ctx->value, st)))
            return false;
        break;
    case BK_EXTRACT:
        st->vars[ctx->var] = v * (uint64_t)ctx->multiplier;
        st->prev_end = (uint32_t)(start + nbytes);
        if (ctx->align_to && st->prev_end % (uint32_t)ctx->align_to)
            st->prev_end += (uint32_t)ctx->align_to - st->prev_end % (uint32_t)ctx->align_to;
        break;
    case BK_MATH:
        if (!math(ctx, v, (uint64_t)detect_value_get(&ctx->value, st), &st->vars[ctx->var]))
            return false;
        break;
    case BK_JUMP: {
        /* As Suricata 7: the value (times the multiplier) is aligned, not the position; a
         * jump before the buffer's start lands on it, one past its end fails. */
        int64_t base = ctx->from_beginning ? 0 : ctx->from_end ? (int64_t)st->len : start + nbytes;
        int64_t jump = (int64_t)v * ctx->multiplier;
        if (ctx->align && (jump & 3))
            jump += 4 - (jump & 3);
        int64_t pos = base + jump + ctx->post_offset;
        if (pos < 0)
            pos = 0;
        if (pos > (int64_t)st->len)
            return false;
        st->prev_end = (uint32_t)pos;
        break;
    }
    }
    if (detect_inspect_list(st, sm->next))
        return true;
    st->prev_end = saved_prev;
    if (ctx->var >= 0)
        st->vars[ctx->var] = saved_var;
    return false;
}

static bool bytes_is_relative(const void *ctx)
{
    return ((const BytesCtx *)ctx)->relative;
}

const DetectKeyword detect_bytes_keywords[] = {
    {.name = "byte_test", .setup = bytes_setup, .inspect = bytes_inspect,
     .is_relative = bytes_is_relative},
    {.name = "byte_jump", .setup = bytes_setup, .inspect = bytes_inspect,
     .is_relative = bytes_is_relative},
    {.name = "byte_extract", .setup = bytes_setup, .inspect = bytes_inspect,
     .is_relative = bytes_is_relative},
    {.name = "byte_math", .setup = bytes_setup, .inspect = bytes_inspect,
     .is_relative = bytes_is_relative},
    {.name = NULL},
};
