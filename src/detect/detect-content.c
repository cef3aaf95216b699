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

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INSPECT_MAX_DEPTH 64

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

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
            int v = hex_value(c);
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
        if (c == '\\' && i + 1 < n)
            c = text[++i];
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
    if (cd)
        free(cd->pattern);
    free(cd);
}

static bool bytes_equal(const uint8_t *a, const uint8_t *b, uint32_t len, bool nocase)
{
    if (!nocase)
        return memcmp(a, b, len) == 0;
    for (uint32_t i = 0; i < len; i++)
        if (tolower(a[i]) != tolower(b[i]))
            return false;
    return true;
}

/* First position >= from where the pattern starts and ends within [.., limit). */
static int64_t find_from(const ContentCtx *cd, const uint8_t *buf, uint32_t from, uint32_t limit)
{
    if (limit < cd->len || from > limit - cd->len)
        return -1;
    uint8_t first = cd->pattern[0];
    for (uint32_t pos = from; pos + cd->len <= limit; pos++) {
        uint8_t b = buf[pos];
        if (cd->nocase ? tolower(b) != tolower(first) : b != first)
            continue;
        if (bytes_equal(buf + pos, cd->pattern, cd->len, cd->nocase))
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
        int64_t base = st->prev_end;
        lo = base + ((cd->flags & CONTENT_DISTANCE) ? cd->distance : 0);
        if (cd->flags & CONTENT_WITHIN)
            hi = base + ((cd->flags & CONTENT_DISTANCE) ? cd->distance : 0) + cd->within;
    } else {
        if (cd->flags & CONTENT_OFFSET)
            lo = cd->offset;
        if (cd->flags & CONTENT_DEPTH)
            hi = lo + cd->depth;
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

static bool content_inspect(InspectState *st, const SigMatch *sm)
{
    const ContentCtx *cd = sm->ctx;
    uint32_t start, limit;
    bool windowed = content_window(cd, st, &start, &limit);
    if (cd->flags & CONTENT_NEGATED) {
        bool found = windowed && find_from(cd, st->buf, start, limit) >= 0;
        return !found && detect_inspect_list(st, sm->next);
    }
    if (!windowed || st->depth > INSPECT_MAX_DEPTH)
        return false;
    uint32_t saved_prev = st->prev_end;
    int64_t pos = find_from(cd, st->buf, start, limit);
    while (pos >= 0) {
        uint32_t end = (uint32_t)pos + cd->len;
        if ((cd->flags & CONTENT_ENDS_WITH) && end != st->len) {
            pos = find_from(cd, st->buf, (uint32_t)pos + 1, limit);
            continue;
        }
        st->prev_end = end;
        st->depth++;
        bool rest = detect_inspect_list(st, sm->next);
        st->depth--;
        if (rest)
            return true;
        st->prev_end = saved_prev;
        pos = find_from(cd, st->buf, (uint32_t)pos + 1, limit);
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
    char text[8192];
    bool negated;
    unquote(value, &negated, text, sizeof(text));
    ContentCtx *cd = calloc(1, sizeof(ContentCtx));
    if (!cd || content_decode(text, &cd->pattern, &cd->len, err, errlen) != 0) {
        free(cd);
        return -1;
    }
    if (negated)
        cd->flags |= CONTENT_NEGATED;
    if (!sig_append(sig, SIG_LIST_PAYLOAD, kw, cd)) {
        content_free(cd);
        return -1;
    }
    return 0;
}

/* The content a modifier applies to: the last match of the current payload list. */
static ContentCtx *last_content(Signature *sig, char *err, size_t errlen)
{
    SigList *list = sig_payload_list(sig);
    if (list && list->tail && list->tail->keyword == &detect_kw_content)
        return list->tail->ctx;
    snprintf(err, errlen, "must follow a content");
    return NULL;
}

static int parse_int_value(const char *value, int32_t *out, char *err, size_t errlen)
{
    char *end;
    if (!value) {
        snprintf(err, errlen, "needs a number");
        return -1;
    }
    long v = strtol(value, &end, 10);
    while (*end == ' ')
        end++;
    if (*end || end == value || v < -65535 || v > 1 << 24) {
        /* byte_extract variables (distance:var) are not supported yet */
        snprintf(err, errlen, "invalid number \"%s\"", value);
        return -1;
    }
    *out = (int32_t)v;
    return 0;
}

static int modifier_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                          size_t errlen)
{
    ContentCtx *cd = last_content(sig, err, errlen);
    if (!cd)
        return -1;
    const char *n = kw->name;
    if (strcmp(n, "nocase") == 0) {
        cd->nocase = true;
        return 0;
    }
    if (strcmp(n, "rawbytes") == 0)
        return 0; /* packet payloads are already raw */
    if (strcmp(n, "fast_pattern") == 0) {
        cd->flags |= CONTENT_FAST_PATTERN;
        if (value && strcmp(value, "only") == 0)
            cd->flags |= CONTENT_FAST_PATTERN_ONLY;
        return 0;
    }
    if (strcmp(n, "startswith") == 0) {
        cd->flags |= CONTENT_DEPTH | CONTENT_OFFSET;
        cd->offset = 0;
        cd->depth = (int32_t)cd->len;
        return 0;
    }
    if (strcmp(n, "endswith") == 0) {
        cd->flags |= CONTENT_ENDS_WITH;
        return 0;
    }
    int32_t v;
    if (parse_int_value(value, &v, err, errlen) != 0)
        return -1;
    if (strcmp(n, "offset") == 0) {
        cd->offset = v;
        cd->flags |= CONTENT_OFFSET;
    } else if (strcmp(n, "depth") == 0) {
        if (v < (int32_t)cd->len) {
            snprintf(err, errlen, "depth %d is smaller than the content (%u bytes)", v, cd->len);
            return -1;
        }
        cd->depth = v;
        cd->flags |= CONTENT_DEPTH;
    } else if (strcmp(n, "distance") == 0) {
        cd->distance = v;
        cd->flags |= CONTENT_DISTANCE | CONTENT_RELATIVE;
    } else if (strcmp(n, "within") == 0) {
        if (v < (int32_t)cd->len) {
            snprintf(err, errlen, "within %d is smaller than the content (%u bytes)", v, cd->len);
            return -1;
        }
        cd->within = v;
        cd->flags |= CONTENT_WITHIN | CONTENT_RELATIVE;
    }
    if ((cd->flags & CONTENT_RELATIVE) && (cd->flags & (CONTENT_OFFSET | CONTENT_DEPTH))) {
        snprintf(err, errlen, "cannot mix relative (distance/within) and absolute (offset/depth)");
        return -1;
    }
    return 0;
}

const DetectKeyword detect_kw_content = {
    .name = "content", .setup = content_setup, .inspect = content_inspect,
    .free_ctx = content_free};
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
