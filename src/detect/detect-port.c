/*
 * detect-port.c - rule ports: "80", "80:90", ":1024", "1024:", lists, negation, $VARS.
 */
#include "detect/detect-port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-group.h"

static int parse_port_number(const char *s, const char *end, uint16_t *out)
{
    if (s == end)
        return -1;
    long v = 0;
    for (const char *c = s; c < end; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        v = v * 10 + (*c - '0');
        if (v > 65535)
            return -1;
    }
    *out = (uint16_t)v;
    return 0;
}

static int parse_port_range(const char *item, PortRange *r)
{
    const char *colon = strchr(item, ':');
    const char *end = item + strlen(item);
    if (!colon) {
        if (parse_port_number(item, end, &r->lo) != 0)
            return -1;
        r->hi = r->lo;
        return 0;
    }
    r->lo = 0;
    r->hi = 65535;
    if (colon > item && parse_port_number(item, colon, &r->lo) != 0)
        return -1;
    if (colon + 1 < end && parse_port_number(colon + 1, end, &r->hi) != 0)
        return -1;
    return r->lo <= r->hi ? 0 : -1;
}

static int add_port_item(void *set_ptr, const char *item, bool negated, char *err, size_t errlen)
{
    PortSet *set = set_ptr;
    if (strcmp(item, "any") == 0) {
        if (negated) {
            snprintf(err, errlen, "\"!any\" matches no port");
            return -1;
        }
        set->any = true;
        return 0;
    }
    PortRange r;
    if (parse_port_range(item, &r) != 0) {
        snprintf(err, errlen, "invalid port \"%s\"", item);
        return -1;
    }
    PortRange **list = negated ? &set->exclude : &set->include;
    size_t *count = negated ? &set->exclude_count : &set->include_count;
    PortRange *grown = realloc(*list, (*count + 1) * sizeof(PortRange));
    if (!grown)
        return -1;
    grown[(*count)++] = r;
    *list = grown;
    return 0;
}

int port_set_parse(PortSet *set, const char *text, const struct ConfNode *conf, char *err,
                   size_t errlen)
{
    memset(set, 0, sizeof(*set));
    GroupParser gp = {conf, "vars.port-groups", set, add_port_item};
    if (detect_group_parse(&gp, text, err, errlen) != 0)
        return -1;
    if (set->include_count == 0)
        set->any = true;
    return 0;
}

bool port_set_match(const PortSet *set, uint16_t port)
{
    bool included = set->any;
    for (size_t i = 0; !included && i < set->include_count; i++)
        included = port >= set->include[i].lo && port <= set->include[i].hi;
    if (!included)
        return false;
    for (size_t i = 0; i < set->exclude_count; i++)
        if (port >= set->exclude[i].lo && port <= set->exclude[i].hi)
            return false;
    return true;
}

bool port_set_is_any(const PortSet *set)
{
    return set->any && set->include_count == 0 && set->exclude_count == 0;
}

void port_set_free(PortSet *set)
{
    free(set->include);
    free(set->exclude);
    memset(set, 0, sizeof(*set));
}
