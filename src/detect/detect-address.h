/*
 * detect-address.h - rule address sets (see detect-address.c).
 */
#ifndef BONGSU_DETECT_ADDRESS_H
#define BONGSU_DETECT_ADDRESS_H

#include "detect/detect-internal.h"

struct ConfNode;
int addr_set_parse(AddrSet *set, const char *text, const struct ConfNode *conf, char *err,
                   size_t errlen);
bool addr_set_match(const AddrSet *set, const Address *a);
bool addr_set_is_any(const AddrSet *set);
void addr_set_free(AddrSet *set);

#endif
