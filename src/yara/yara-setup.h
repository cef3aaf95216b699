/*
 * yara-setup.h - which YARA rules and limits a run uses (see yara-setup.c).
 */
#ifndef BONGSU_YARA_SETUP_H
#define BONGSU_YARA_SETUP_H

#include "yara/yara-rules.h"
#include "yara/yara-scan.h"

struct ConfNode;
/* NULL when YARA is disabled or no rule loaded. *failed_files counts files left out. */
YaraRuleSet *yara_setup_rules(const struct ConfNode *conf, const IntelActors *kb,
                              const char *const *paths, int path_count, uint32_t *failed_files);
void yara_setup_scan_config(const struct ConfNode *conf, YaraScanConfig *cfg);

#endif
