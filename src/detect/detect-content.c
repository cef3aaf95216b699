/*
 * detect-content.c - content and its modifiers: nocase, offset, depth, distance, within,
 * startswith, endswith, fast_pattern, rawbytes.
 *
 * A content pattern is text with |hex| parts ("GET |20|/"). Modifiers apply to the content
 * just before them. Inspection tries each position of the pattern in its window and, when
 * later relative matches fail, the next position (Suricata's recursive inspection), so
 * `content:"a"; content:"b"; distance:0; within:3;` finds an "a" followed closely by a "b"
 * even when an earlier "a" is followed by nothing.
 */
#include "detect/detect-content.h"
#include "common/textutil.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INSPECT_MAX_DEPTH 64

/* Decodes "text|41 42|more" with \" \; \\ escapes into bytes. */
int content_decode(const char *text, uint8_t **out, uint32_t *out_len, char *err, size_t errlen)
{
    size_t n = strlen(text);
    uint8_t *buf = malloc(n + 1);
    if (!buf)
        return -1;
    uint32_t len = 0;
    bool in_hex = false;
    int nibble = -1;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == '|') {
            if (in_hex && nibble >= 0) {
                snprintf(err, errlen, "odd number of hex digits");
                free(buf);
                return -1;
            }
            in_hex = !in_hex;
            continue;
        }
        if (in_hex) {
            if (isspace((unsigned char)c))
                continue;
            int v = text_hex_value((unsigned char)c);
            if (v < 0) {
                snprintf(err, errlen, "invalid hex character '%c'", c);
                free(buf);
                return -1;
            }
            if (nibble < 0) {
                nibble = v;
            } else {
                buf[len++] = (uint8_t)(nibble << 4 | v);
                nibble = -1;
            }
            continue;
        }
        if (c == '\\') {
            char next = i + 1 < n ? text[i + 1] : '\0';
            if (next != '"' && next != ';' && next != '\\' && next != ':') {
                snprintf(err, errlen, "invalid escape \"\\%c\" (only \\\" \\; \\: \\\\)", next);
                free(buf);
                return -1;
            }
            c = text[++i];
        } else if (c == '"' || c == ';') {
            snprintf(err, errlen, "unescaped '%c' in content", c);
            free(buf);
            return -1;
        }
        buf[len++] = (uint8_t)c;
    }
    if (in_hex) {
        snprintf(err, errlen, "unterminated |hex| section");
        free(buf);
        return -1;
    }
    if (len == 0) {
        snprintf(err, errlen, "empty content");
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* Strips the surrounding quotes of an option value and a leading '!' negation. */
static const char *unquote(const char *value, bool *negated, char *buf, size_t buflen)
{
    *negated = false;
    while (*value == ' ')
        value++;
    if (*value == '!') {
        *negated = true;
        value++;
        while (*value == ' ')
            value++;
    }
    size_t len = strlen(value);
    if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
        value++;
        len -= 2;
    }
    if (len >= buflen)
        len = buflen - 1;
    memcpy(buf, value, len);
    buf[len] = '\0';
    return buf;
}

static void content_free(void *ctx)
{
    ContentCtx *cd = ctx;
    if (cd) {
        free(cd->pattern);
        free(cd->lower);
    }
    free(cd);
}

int64_t content_find(const ContentCtx *cd, const uint8_t *buf, uint32_t from, uint32_t limit)
{
    if (limit < cd->len || from > limit - cd->len)
        return -1;
    if (!cd->nocase) {
        const uint8_t *hit = memmem(buf + from, limit - from, cd->pattern, cd->len);
        return hit ? hit - buf : -1;
    }
    uint8_t first = cd->lower[0];
    for (uint32_t pos = from; pos + cd->len <= limit; pos++) {
        if ((uint8_t)tolower(buf[pos]) != first)
            continue;
        uint32_t i = 1;
        while (i < cd->len && (uint8_t)tolower(buf[pos + i]) == cd->lower[i])
            i++;
        if (i == cd->len)
            return pos;
    }
    return -1;
}

/* The window [start, limit) the pattern must lie in, or false when it is empty. */
static bool content_window(const ContentCtx *cd, const InspectState *st, uint32_t *start,
                           uint32_t *limit)
{
    int64_t lo = 0, hi = st->len;
    if (cd->flags & CONTENT_RELATIVE) {
        int64_t distance = (cd->flags & CONTENT_DISTANCE) ? detect_value_get(&cd->distance, st) : 0;
        lo = (int64_t)st->prev_end + distance;
        if (cd->flags & CONTENT_WITHIN)
            hi = (int64_t)st->prev_end + distance + detect_value_get(&cd->within, st);
    } else {
        if (cd->flags & CONTENT_OFFSET)
            lo = detect_value_get(&cd->offset, st);
        if (cd->flags & CONTENT_DEPTH)
            hi = lo + detect_value_get(&cd->depth, st);
    }
    if (lo < 0)
        lo = 0;
    if (hi > st->len)
        hi = st->len;
    if (lo > hi)
        return false;
    *start = (uint32_t)lo;
    *limit = (uint32_t)hi;
    return true;
}

/* endswith: the only candidate is the one ending at the buffer's end. */
static int64_t content_search(const ContentCtx *cd, const InspectState *st, uint32_t start,
                              uint32_t limit)
{
    if (!(cd->flags & CONTENT_ENDS_WITH))
        return content_find(cd, st->buf, start, limit);
    if (limit != st->len || st->len < cd->len || st->len - cd->len < start)
        return -1;
    return content_find(cd, st->buf, st->len - cd->len, limit);
}

static bool content_inspect(InspectState *st, const SigMatch *sm)
{
    const ContentCtx *cd = sm->ctx;
    uint32_t start, limit;
    bool windowed = content_window(cd, st, &start, &limit);
    if (cd->flags & CONTENT_NEGATED) {
        bool found = windowed && content_search(cd, st, start, limit) >= 0;
        return !found && detect_inspect_list(st, sm->next);
    }
    if (!windowed || st->depth > INSPECT_MAX_DEPTH)
        return false;
    uint32_t saved_prev = st->prev_end;
    int64_t pos = content_search(cd, st, start, limit);
    while (pos >= 0 && st->steps++ < INSPECT_STEP_LIMIT) {
        st->prev_end = (uint32_t)pos + cd->len;
        st->depth++;
        bool rest = detect_inspect_list(st, sm->next);
        st->depth--;
        if (rest)
            return true;
        st->prev_end = saved_prev;
        /* Only a relative match after this one can profit from another position. */
        if (!sm->next || !sm->next->relative || (cd->flags & CONTENT_ENDS_WITH))
            return false;
        pos = content_find(cd, st->buf, (uint32_t)pos + 1, limit);
    }
    return false;
}

static int content_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                         size_t errlen)
{
    if (!value) {
        snprintf(err, errlen, "needs a pattern");
        return -1;
    }
    size_t vlen = strlen(value);
    char *text = malloc(vlen + 1);
    ContentCtx *cd = calloc(1, sizeof(ContentCtx));
    bool negated;
    if (!text || !cd) {
        free(text);
        free(cd);
        return -1;
    }
    unquote(value, &negated, text, vlen + 1);
    int rc = content_decode(text, &cd->pattern, &cd->len, err, errlen);
    free(text);
    if (rc != 0) {
        free(cd);
        return -1;
    }
    cd->offset.var = cd->depth.var = cd->distance.var = cd->within.var = -1;
    if (negated)
        cd->flags |= CONTENT_NEGATED;
    if (!sig_append(sig, SIG_LIST_PAYLOAD, kw, cd)) {
        content_free(cd);
        return -1;
    }
    sig->last_content = cd;
    return 0;
}

static bool content_is_relative(const void *ctx)
{
    return (((const ContentCtx *)ctx)->flags & CONTENT_RELATIVE) != 0;
}

/* The content a modifier applies to: the last content of the rule, even with other
 * keywords after it ("content:"x"; bsize:3; fast_pattern;") or after a legacy buffer
 * modifier moved it ("content:"x"; http_header; fast_pattern;"), as in Suricata. */
static ContentCtx *last_content(Signature *sig, char *err, size_t errlen)
{
    if (!sig->last_content)
        snprintf(err, errlen, "must follow a content");
    return sig->last_content;
}

static int fast_pattern_setup(Signature *sig, ContentCtx *cd, const char *value, char *err,
                              size_t errlen)
{
    if (sig->flags & SIG_FLAG_HAS_FAST_PATTERN) {
        snprintf(err, errlen, "only one content of a rule can be the fast_pattern");
        return -1;
    }
    sig->flags |= SIG_FLAG_HAS_FAST_PATTERN;
    cd->flags |= CONTENT_FAST_PATTERN;
    if (!value)
        return 0;
    if (strcmp(value, "only") == 0) {
        cd->flags |= CONTENT_FAST_PATTERN_ONLY;
        return 0;
    }
    unsigned off, len;
    char extra;
    if (sscanf(value, "%u , %u %c", &off, &len, &extra) != 2 || len == 0 ||
        off + len > cd->len) {
        snprintf(err, errlen, "\"%s\" is not \"only\" or offset,length within the content",
                 value);
        return -1;
    }
    cd->flags |= CONTENT_FAST_PATTERN_CHOP;
    cd->fp_offset = (uint16_t)off;
    cd->fp_len = (uint16_t)len;
    return 0;
}

static int flag_modifier(const char *n, ContentCtx *cd, char *err, size_t errlen)
{
    if (strcmp(n, "nocase") == 0) {
        if (cd->nocase) {
            snprintf(err, errlen, "used twice on one content");
            return -1;
        }
        cd->nocase = true;
        free(cd->lower);
        cd->lower = malloc(cd->len);
        if (!cd->lower)
            return -1;
        for (uint32_t i = 0; i < cd->len; i++)
            cd->lower[i] = (uint8_t)tolower(cd->pattern[i]);
        return 0;
    }
    if (strcmp(n, "startswith") == 0) {
        if (cd->flags & (CONTENT_OFFSET | CONTENT_DEPTH | CONTENT_RELATIVE)) {
            snprintf(err, errlen, "cannot be combined with offset, depth, distance or within");
            return -1;
        }
        cd->flags |= CONTENT_DEPTH | CONTENT_OFFSET | CONTENT_STARTS_WITH;
        cd->offset = (DetectValue){0, -1};
        cd->depth = (DetectValue){cd->len, -1};
        return 0;
    }
    cd->flags |= CONTENT_ENDS_WITH;  /* endswith */
    return 0;
}

/* offset, depth, distance, within: a number or a byte_extract variable. */
static int position_modifier(Signature *sig, const char *n, ContentCtx *cd, const char *value,
                             char *err, size_t errlen)
{
    static const struct {
        const char *name;
        uint32_t flag;
        size_t field;
        int64_t min;
    } mods[] = {
        {"offset", CONTENT_OFFSET, offsetof(ContentCtx, offset), 0},
        {"depth", CONTENT_DEPTH, offsetof(ContentCtx, depth), 1},
        {"distance", CONTENT_DISTANCE | CONTENT_RELATIVE, offsetof(ContentCtx, distance), -65535},
        {"within", CONTENT_WITHIN | CONTENT_RELATIVE, offsetof(ContentCtx, within), 1},
    };
    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
        if (strcmp(n, mods[i].name) != 0)
            continue;
        uint32_t own = mods[i].flag & ~(uint32_t)CONTENT_RELATIVE;
        if (cd->flags & CONTENT_STARTS_WITH) {
            snprintf(err, errlen, "cannot be combined with startswith");
            return -1;
        }
        if (cd->flags & own) {
            snprintf(err, errlen, "used twice on one content");
            return -1;
        }
        DetectValue *v = (DetectValue *)((char *)cd + mods[i].field);
        if (detect_value_parse(sig, value, mods[i].min, 1 << 24, v, err, errlen) != 0)
            return -1;
        if (v->var < 0 && (own == CONTENT_DEPTH || own == CONTENT_WITHIN) &&
            v->value < (int64_t)cd->len) {
            snprintf(err, errlen, "%s %lld is smaller than the content (%u bytes)", n,
                     (long long)v->value, cd->len);
            return -1;
        }
        cd->flags |= mods[i].flag;
    }
    if ((cd->flags & CONTENT_RELATIVE) && (cd->flags & (CONTENT_OFFSET | CONTENT_DEPTH))) {
        snprintf(err, errlen, "cannot mix relative (distance/within) and absolute (offset/depth)");
        return -1;
    }
    return 0;
}

static int modifier_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                          size_t errlen)
{
    ContentCtx *cd = last_content(sig, err, errlen);
    if (!cd)
        return -1;
    const char *n = kw->name;
    if (strcmp(n, "rawbytes") == 0)
        return 0; /* packet payloads are already raw */
    if (strcmp(n, "fast_pattern") == 0)
        return fast_pattern_setup(sig, cd, value, err, errlen);
    if (strcmp(n, "nocase") == 0 || strcmp(n, "startswith") == 0 || strcmp(n, "endswith") == 0)
        return flag_modifier(n, cd, err, errlen);
    if ((cd->flags & CONTENT_NEGATED) && (cd->flags & CONTENT_FAST_PATTERN) &&
        strcmp(n, "offset") != 0 && strcmp(n, "depth") != 0) {
        snprintf(err, errlen, "a negated fast_pattern content cannot be relative");
        return -1;
    }
    return position_modifier(sig, n, cd, value, err, errlen);
}

const DetectKeyword detect_kw_content = {
    .name = "content", .setup = content_setup, .inspect = content_inspect,
    .free_ctx = content_free, .is_relative = content_is_relative};
const DetectKeyword detect_kw_content_modifiers[] = {
    {.name = "nocase", .setup = modifier_setup},
    {.name = "offset", .setup = modifier_setup},
    {.name = "depth", .setup = modifier_setup},
    {.name = "distance", .setup = modifier_setup},
    {.name = "within", .setup = modifier_setup},
    {.name = "startswith", .setup = modifier_setup},
    {.name = "endswith", .setup = modifier_setup},
    {.name = "fast_pattern", .setup = modifier_setup},
    {.name = "rawbytes", .setup = modifier_setup},
    {.name = NULL},
};
