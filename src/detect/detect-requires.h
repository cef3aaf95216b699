/*
 * detect-requires.h - checking a rule's "requires" before it is parsed (detect-requires.c).
 */
#ifndef BONGSU_DETECT_REQUIRES_H
#define BONGSU_DETECT_REQUIRES_H

#include <stdbool.h>
#include <stddef.h>

/* 0: no requires, or all met; 1: not met (the rule is skipped, not failed); -1: an
 * expression that does not parse (the rule fails; err says why). */
int detect_requires_check(const char *rule, bool ignore_unknown, char *err, size_t errlen);
/* ignore-unknown-requirements, for the requires keyword's own check at parse time. */
void detect_requires_configure(bool ignore_unknown);

#endif
