/*
 * detect-group.h - address/port group syntax (see detect-group.c).
 */
#ifndef BONGSU_DETECT_GROUP_H
#define BONGSU_DETECT_GROUP_H

#include <stdbool.h>
#include <stddef.h>

struct ConfNode;

typedef struct GroupParser {
    const struct ConfNode *conf;
    const char *vars_section;   /* "vars.address-groups" or "vars.port-groups" */
    void *set;
    int (*add_item)(void *set, const char *item, bool negated, char *err, size_t errlen);
} GroupParser;

int detect_group_parse(const GroupParser *gp, const char *text, char *err, size_t errlen);

#endif
