/*
 * detect-group.c - the list syntax shared by rule addresses and ports.
 *
 * "any", "x", "!x", "[x, y]", "![x, [y, !z]]", "$VAR" (from vars.address-groups or
 * vars.port-groups, expanded recursively) - each leaf is handed to a callback with whether
 * it ends up negated, so that nested negations ("!$EXTERNAL_NET" where EXTERNAL_NET is
 * "!$HOME_NET") resolve the way Suricata resolves them.
 */
#include "detect/detect-group.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define GROUP_MAX_DEPTH 16

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* Length of the element starting at s: up to the comma or bracket that ends it at depth 0. */
static size_t element_length(const char *s)
{
    int depth = 0;
    size_t i = 0;
    for (; s[i]; i++) {
        if (s[i] == '[')
            depth++;
        else if (s[i] == ']') {
            if (depth == 0)
                break;
            depth--;
        } else if (s[i] == ',' && depth == 0)
            break;
    }
    return i;
}

static int parse_element(const GroupParser *gp, const char *text, size_t len, bool negated,
                         int depth, char *err, size_t errlen);

static int parse_list(const GroupParser *gp, const char *s, size_t len, bool negated, int depth,
                      char *err, size_t errlen)
{
    size_t pos = 0;
    while (pos < len) {
        const char *start = skip_space(s + pos);
        pos = (size_t)(start - s);
        if (pos >= len)
            break;
        size_t n = element_length(start);
        if (n > len - pos)
            n = len - pos;
        if (parse_element(gp, start, n, negated, depth, err, errlen) != 0)
            return -1;
        pos += n;
        if (pos < len && s[pos] == ',')
            pos++;
    }
    return 0;
}

static int expand_var(const GroupParser *gp, const char *name, bool negated, int depth,
                      char *err, size_t errlen)
{
    char key[256];
    snprintf(key, sizeof(key), "%s.%s", gp->vars_section, name);
    const char *value = gp->conf ? conf_get(gp->conf, key) : NULL;
    if (!value) {
        snprintf(err, errlen, "variable \"$%s\" is not defined in %s", name, gp->vars_section);
        return -1;
    }
    return parse_element(gp, value, strlen(value), negated, depth + 1, err, errlen);
}

static int parse_element(const GroupParser *gp, const char *text, size_t len, bool negated,
                         int depth, char *err, size_t errlen)
{
    if (depth > GROUP_MAX_DEPTH) {
        snprintf(err, errlen, "address/port group nested too deeply (variable loop?)");
        return -1;
    }
    while (len && isspace((unsigned char)*text)) {
        text++;
        len--;
    }
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    if (len && *text == '!')
        return parse_element(gp, text + 1, len - 1, !negated, depth + 1, err, errlen);
    if (len >= 2 && text[0] == '[' && text[len - 1] == ']')
        return parse_list(gp, text + 1, len - 2, negated, depth + 1, err, errlen);
    char item[256];
    if (len == 0 || len >= sizeof(item)) {
        snprintf(err, errlen, "empty or oversized element in \"%.*s\"", (int)(len > 60 ? 60 : len),
                 text);
        return -1;
    }
    memcpy(item, text, len);
    item[len] = '\0';
    if (item[0] == '$')
        return expand_var(gp, item + 1, negated, depth, err, errlen);
    return gp->add_item(gp->set, item, negated, err, errlen);
}

int detect_group_parse(const GroupParser *gp, const char *text, char *err, size_t errlen)
{
    return parse_element(gp, text, strlen(text), false, 0, err, errlen);
}
