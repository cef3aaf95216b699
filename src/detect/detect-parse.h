/*
 * detect-parse.h - rule text to Signature (see detect-parse.c).
 */
#ifndef BONGSU_DETECT_PARSE_H
#define BONGSU_DETECT_PARSE_H

#include "detect/detect-internal.h"

struct ConfNode;
/* NULL with err filled when the rule is invalid; sid is in the returned signature. */
Signature *signature_parse(const char *rule, const struct ConfNode *conf, char *err,
                           size_t errlen);
/* Checks after all options: sid present, buffers consistent. */
int signature_finish(Signature *sig, char *err, size_t errlen);
/* The sid written in a rule's text, for error messages about rules that do not parse. */
uint32_t rule_text_sid(const char *rule);

#endif
