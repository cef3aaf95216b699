/*
 * detect-requires.c - the requires keyword: "requires: feature ja3, version >= 7.0.3 < 8;".
 *
 * A rule states what engine it needs; an engine that falls short skips the rule silently
 * (counted in rules_skipped, not rules_failed), whatever else the rule contains, so rules for
 * newer engines can share a file with older ones. The loader therefore checks requires
 * before parsing the rest of the rule (detect_requires_check), as Suricata 7 does in its
 * first, requires-only, pass.
 *
 * The expression, as Suricata 7.0 reads it: comma-separated requirements,
 *   feature <name>         the engine provides <name> (bongsu: ja3, ja4, and
 *                          output::file-store when the file-store output is on);
 *   version <alternatives> alternatives separated by '|', each one or more comparisons
 *                          (>=, >, <=, <) against a version of one to three numbers
 *                          (7 means 7.0.0), all of which must hold; one alternative must;
 *   anything else          unknown: the rule is skipped, unless ignore-unknown-requirements
 *                          is set.
 * A version given twice or a comparison that does not parse is an error (the rule fails).
 * bongsu answers as the Suricata release its behaviour follows, 7.0.10.
 */
#include "detect/detect-requires.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/textutil.h"
#include "detect/detect-keywords.h"
#include "file/file.h"

static const int engine_version[3] = {7, 0, 10};

typedef enum { REQ_MET = 0, REQ_UNMET = 1, REQ_BAD = -1 } ReqResult;

static int cmp_version(const int a[3], const int b[3])
{
    for (int i = 0; i < 3; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* "7", "7.0" or "7.0.3" (each part 0..255) at *s; advances past it. */
static bool parse_version(const char **s, int v[3])
{
    v[0] = v[1] = v[2] = 0;
    for (int i = 0; i < 3; i++) {
        if (!isdigit((unsigned char)**s))
            return false;
        char *end;
        long n = strtol(*s, &end, 10);
        if (n > 255)
            return false;
        v[i] = (int)n;
        *s = end;
        if (**s != '.')
            return **s == '\0' || isspace((unsigned char)**s) || **s == '|';
        (*s)++;
    }
    return false;
}

/* One comparison at *s ("< 8"); sets *holds. False when none parses there. */
static bool parse_comparison(const char **s, bool *holds)
{
    while (isspace((unsigned char)**s))
        (*s)++;
    const char *op = *s;
    if (*op != '<' && *op != '>')
        return false;
    bool eq = op[1] == '=';
    *s += eq ? 2 : 1;
    while (isspace((unsigned char)**s))
        (*s)++;
    int v[3];
    if (!parse_version(s, v))
        return false;
    int c = cmp_version(engine_version, v);
    *holds = *op == '>' ? (eq ? c >= 0 : c > 0) : (eq ? c <= 0 : c < 0);
    return true;
}

/* "alt | alt ...": REQ_MET when one alternative's comparisons all hold. */
static ReqResult check_version_expr(const char *s)
{
    bool any = false;
    for (;;) {
        bool all = true, holds;
        int count = 0;
        while (parse_comparison(&s, &holds)) {
            all = all && holds;
            count++;
        }
        if (!count)
            return REQ_BAD;
        any = any || all;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '\0')
            return any ? REQ_MET : REQ_UNMET;
        if (*s++ != '|')
            return REQ_BAD;
    }
}

static bool feature_provided(const char *name)
{
    if (strcmp(name, "ja3") == 0 || strcmp(name, "ja4") == 0)
        return true;
    return strcmp(name, "output::file-store") == 0 && file_store_wanted();
}

/* One "key value" requirement. */
static ReqResult check_one(char *req, bool ignore_unknown, bool *seen_version)
{
    char *key = text_trim(req);
    char *value = key;
    while (*value && (isalnum((unsigned char)*value) || *value == '-' || *value == '_'))
        value++;
    char saved = *value;
    *value = '\0';
    char *rest = saved ? text_trim(value + 1) : value;
    if (strcmp(key, "feature") == 0)
        return feature_provided(rest) ? REQ_MET : REQ_UNMET;
    if (strcmp(key, "version") == 0) {
        if (*seen_version)
            return REQ_BAD;
        *seen_version = true;
        return check_version_expr(rest);
    }
    return ignore_unknown ? REQ_MET : REQ_UNMET;
}

/* The whole expression: a bad part makes it bad, else any unmet part makes it unmet. */
static ReqResult check_expr(const char *value, bool ignore_unknown)
{
    char *copy = strdup(value ? value : "");
    if (!copy)
        return REQ_BAD;
    ReqResult result = REQ_MET;
    bool seen_version = false;
    char *save = NULL;
    for (char *req = strtok_r(copy, ",", &save); req; req = strtok_r(NULL, ",", &save)) {
        ReqResult r = check_one(req, ignore_unknown, &seen_version);
        if (r == REQ_BAD) {
            result = REQ_BAD;
            break;
        }
        if (r == REQ_UNMET)
            result = REQ_UNMET;
    }
    free(copy);
    return result;
}

static bool ignore_unknown_requirements;

/* Copies the value of option `name` that starts at opt (up to an unescaped ';') into out;
 * false when the option at opt is another one. */
static bool option_value(const char *opt, const char *name, char *out, size_t outlen)
{
    while (isspace((unsigned char)*opt))
        opt++;
    size_t n = strlen(name);
    if (strncmp(opt, name, n) != 0)
        return false;
    opt += n;
    while (isspace((unsigned char)*opt))
        opt++;
    if (*opt != ':')
        return false;
    size_t len = 0;
    for (opt++; *opt && *opt != ';' && len + 1 < outlen; opt++) {
        if (*opt == '\\' && opt[1])
            opt++;
        out[len++] = *opt;
    }
    out[len] = '\0';
    return true;
}

int detect_requires_check(const char *rule, bool ignore_unknown, char *err, size_t errlen)
{
    const char *c = strchr(rule, '(');
    int result = REQ_MET;
    while (c && result != REQ_BAD) {
        char value[1024];
        if (option_value(c + 1, "requires", value, sizeof(value))) {
            int r = check_expr(value, ignore_unknown);
            if (r != REQ_MET)
                result = r;
            if (r == REQ_BAD)
                snprintf(err, errlen, "requires: cannot parse \"%s\"", value);
        }
        /* the next option starts after an unescaped ';' */
        for (c++; *c && *c != ';'; c++)
            if (*c == '\\' && c[1])
                c++;
        if (!*c)
            break;
    }
    return result;
}

void detect_requires_configure(bool ignore_unknown)
{
    ignore_unknown_requirements = ignore_unknown;
}

static int requires_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                          size_t errlen)
{
    (void)kw;
    (void)sig;
    switch (check_expr(value, ignore_unknown_requirements)) {
    case REQ_MET:
        return 0;
    case REQ_UNMET:
        snprintf(err, errlen, "the engine does not meet the rule's requirements");
        return -1;
    default:
        snprintf(err, errlen, "cannot parse \"%s\"", value ? value : "");
        return -1;
    }
}

const DetectKeyword detect_requires_keywords[] = {
    {.name = "requires", .setup = requires_setup},
    {.name = NULL},
};
