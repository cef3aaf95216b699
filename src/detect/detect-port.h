/*
 * detect-port.h - rule port sets (see detect-port.c).
 */
#ifndef BONGSU_DETECT_PORT_H
#define BONGSU_DETECT_PORT_H

#include "detect/detect-internal.h"

struct ConfNode;
int port_set_parse(PortSet *set, const char *text, const struct ConfNode *conf, char *err,
                   size_t errlen);
bool port_set_match(const PortSet *set, uint16_t port);
bool port_set_is_any(const PortSet *set);
void port_set_free(PortSet *set);

#endif
