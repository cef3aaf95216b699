/*
 * detect-threshold-settings.c - parsing "name value" lists for thresholds.
 *
 * The threshold/detection_filter keywords ("type limit, track by_src, count 1, seconds 60")
 * and threshold.config lines ("gen_id 1, sig_id 2, track by_src, ip [10.0.0.0/8, $NET]")
 * use one syntax; the callers decide which names each form needs. Commas inside an ip list's
 * brackets do not separate settings.
 */
#include "detect/detect-threshold-settings.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct NamedValue {
    const char *name;
    int value;
} NamedValue;

static const NamedValue types[] = {{"limit", TH_LIMIT}, {"threshold", TH_THRESHOLD},
                                   {"both", TH_BOTH}, {NULL, 0}};
static const NamedValue tracks[] = {{"by_src", TRACK_SRC}, {"by_dst", TRACK_DST},
                                    {"by_rule", TRACK_RULE}, {"by_both", TRACK_BOTH},
                                    {"by_either", TRACK_EITHER}, {NULL, 0}};
/* rate_filter's new_action: Suricata parses sdrop and log but treats them as drop/alert. */
static const NamedValue actions[] = {{"alert", SIG_ACTION_ALERT}, {"drop", SIG_ACTION_DROP},
                                     {"pass", SIG_ACTION_PASS}, {"reject", SIG_ACTION_REJECT},
                                     {"sdrop", SIG_ACTION_DROP}, {"log", SIG_ACTION_ALERT},
                                     {NULL, 0}};

static int lookup(const NamedValue *table, const char *name, int *out)
{
    for (; table->name; table++) {
        if (strcmp(table->name, name) == 0) {
            *out = table->value;
            return 0;
        }
    }
    return -1;
}

static int parse_u32(const char *val, uint32_t *out)
{
    char *end;
    if (!isdigit((unsigned char)val[0]))
        return -1;
    unsigned long long v = strtoull(val, &end, 10);
    if (*end || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int set_named(const char *key, const char *val, const NamedValue *table, int *out,
                     const char *choices, char *err, size_t errlen)
{
    if (lookup(table, val, out) == 0)
        return 0;
    snprintf(err, errlen, "unknown %s \"%s\" (%s)", key, val, choices);
    return -1;
}

static int set_number(ThresholdSettings *st, unsigned bit, const char *key, const char *val,
                      char *err, size_t errlen)
{
    uint32_t *slots[] = {&st->gen_id, &st->sig_id, &st->count, &st->seconds, &st->timeout};
    unsigned bits[] = {TS_GEN_ID, TS_SIG_ID, TS_COUNT, TS_SECONDS, TS_TIMEOUT};
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        if (bits[i] == bit) {
            if (parse_u32(val, slots[i]) == 0)
                return 0;
            snprintf(err, errlen, "invalid %s \"%s\"", key, val);
            return -1;
        }
    }
    return -1;
}

static const char *const names[] = {"gen_id", "sig_id", "type", "track", "count", "seconds",
                                    "new_action", "timeout", "ip"};

/* One "name value" item. */
static int parse_item(ThresholdSettings *st, char *item, char *err, size_t errlen)
{
    char *key = item + strspn(item, " \t");
    char *val = key + strcspn(key, " \t");
    if (*val)
        *val++ = '\0';
    val += strspn(val, " \t");
    char *end = val + strlen(val);
    while (end > val && isspace((unsigned char)end[-1]))
        *--end = '\0';
    unsigned bit = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(key, names[i]) == 0)
            bit = 1u << i;
    if (!bit || !*val || (bit != TS_IP && strpbrk(val, " \t"))) {
        snprintf(err, errlen, bit ? "\"%s %s\" is not \"name value\"" : "unknown setting \"%s\"",
                 key, val);
        return -1;
    }
    if (st->seen & bit) {
        snprintf(err, errlen, "%s given twice", key);
        return -1;
    }
    st->seen |= bit;
    int v = 0, rc = 0;
    if (bit == TS_TYPE) {
        rc = set_named(key, val, types, &v, "limit, threshold, both", err, errlen);
        st->type = (ThresholdType)v;
    } else if (bit == TS_TRACK) {
        rc = set_named(key, val, tracks, &v, "by_src, by_dst, by_rule, by_both", err, errlen);
        st->track = (ThresholdTrack)v;
    } else if (bit == TS_NEW_ACTION) {
        rc = set_named(key, val, actions, &v, "alert, drop, pass, reject", err, errlen);
        st->new_action = (SigAction)v;
    } else if (bit == TS_IP) {
        snprintf(st->ip, sizeof(st->ip), "%s", val);
    } else {
        rc = set_number(st, bit, key, val, err, errlen);
    }
    return rc;
}

int threshold_settings_parse(const char *text, ThresholdSettings *out, char *err,
                             size_t errlen)
{
    memset(out, 0, sizeof(*out));
    size_t len = strlen(text);
    char *buf = malloc(len + 1);
    if (!buf)
        return -1;
    memcpy(buf, text, len + 1);
    int depth = 0, rc = 0;
    char *item = buf;
    for (char *c = buf;; c++) {
        depth += *c == '[' ? 1 : *c == ']' ? -1 : 0;
        if (*c && (*c != ',' || depth > 0))
            continue;
        bool last = !*c;
        *c = '\0';
        if (item[strspn(item, " \t")] && (rc = parse_item(out, item, err, errlen)) != 0)
            break;
        if (last)
            break;
        item = c + 1;
    }
    free(buf);
    return rc;
}

int threshold_settings_expect(const ThresholdSettings *st, unsigned need, unsigned allowed,
                              char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        unsigned bit = 1u << i;
        if ((st->seen & bit) && !(allowed & bit)) {
            snprintf(err, errlen, "%s is not allowed here", names[i]);
            return -1;
        }
    }
    if ((st->seen & need) == need)
        return 0;
    size_t n = (size_t)snprintf(err, errlen, "needs");
    const char *sep = " ";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && n < errlen; i++) {
        if (need & (1u << i)) {
            n += (size_t)snprintf(err + n, errlen - n, "%s%s", sep, names[i]);
            sep = ", ";
        }
    }
    return -1;
}
