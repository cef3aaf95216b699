/*
 * detect-meta.c - keywords that describe a rule rather than match: msg, sid, rev, gid,
 * classtype, priority, reference, metadata, target, noalert, alert (pass rules), config,
 * prefilter.
 */
#include "detect/detect-keywords.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-classification.h"
#include "output/output-alert.h"

static int parse_u32(const char *value, uint32_t *out, char *err, size_t errlen)
{
    char *end;
    if (!value || !*value) {
        snprintf(err, errlen, "needs a number");
        return -1;
    }
    unsigned long v = strtoul(value, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (*end || v > UINT32_MAX) {
        snprintf(err, errlen, "invalid number \"%s\"", value);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* msg:"text with \; and \" escapes" */
static int msg_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                     size_t errlen)
{
    (void)kw;
    if (!value) {
        snprintf(err, errlen, "needs a string");
        return -1;
    }
    size_t len = strlen(value);
    if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
        value++;
        len -= 2;
    }
    char *msg = malloc(len + 1);
    if (!msg)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (value[i] == '\\' && i + 1 < len)
            i++;
        msg[n++] = value[i];
    }
    msg[n] = '\0';
    free(sig->msg);
    sig->msg = msg;
    return 0;
}

static int number_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                        size_t errlen)
{
    uint32_t v;
    if (parse_u32(value, &v, err, errlen) != 0)
        return -1;
    if (strcmp(kw->name, "sid") == 0) {
        if (v == 0) {
            snprintf(err, errlen, "sid 0 is not allowed");
            return -1;
        }
        sig->sid = v;
    } else if (strcmp(kw->name, "rev") == 0) {
        sig->rev = v;
    } else if (strcmp(kw->name, "gid") == 0) {
        sig->gid = v;
    } else {
        if (v < 1 || v > 255) {
            snprintf(err, errlen, "priority must be 1..255");
            return -1;
        }
        sig->priority = (int)v;
    }
    return 0;
}

static int classtype_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                           size_t errlen)
{
    (void)kw;
    const Classification *c = value ? classification_find(value) : NULL;
    if (!c) {
        snprintf(err, errlen, "unknown classtype \"%s\" (not in classification.config)",
                 value ? value : "");
        return -1;
    }
    free(sig->classtype);
    sig->classtype = strdup(c->name);
    sig->class_desc = c->description;
    if (!sig->priority)
        sig->priority = c->priority;
    return 0;
}

/* metadata:key value, key value; kept as arrays of values per key, as EVE shows them. */
static int metadata_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                          size_t errlen)
{
    (void)kw;
    (void)err;
    (void)errlen;
    if (!value)
        return 0;
    char *copy = strdup(value);
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*item))
            item++;
        char *space = item;
        while (*space && !isspace((unsigned char)*space))
            space++;
        char *val = space;
        if (*space) {
            *space = '\0';
            val = space + 1;
            while (isspace((unsigned char)*val))
                val++;
        }
        size_t vlen = strlen(val);
        while (vlen && isspace((unsigned char)val[vlen - 1]))
            val[--vlen] = '\0';
        if (*item)
            sig->metadata = alert_metadata_add(sig->metadata, item, val);
    }
    free(copy);
    return 0;
}

static int target_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                        size_t errlen)
{
    (void)kw;
    if (value && strcmp(value, "src_ip") == 0) {
        sig->target = 1;
    } else if (value && strcmp(value, "dest_ip") == 0) {
        sig->target = 2;
    } else {
        snprintf(err, errlen, "target is src_ip or dest_ip");
        return -1;
    }
    return 0;
}

static int noalert_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                         size_t errlen)
{
    (void)kw;
    (void)value;
    (void)err;
    (void)errlen;
    sig->flags |= SIG_FLAG_NOALERT;
    return 0;
}

/* alert: a pass rule that still logs its alert (Suricata 7's "alert" keyword, which adds
 * the alert action to the rule's own); on an alert rule it changes nothing. */
static int alert_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                       size_t errlen)
{
    (void)kw;
    if (value) {
        snprintf(err, errlen, "alert takes no value");
        return -1;
    }
    sig->flags |= SIG_FLAG_PASS_ALERT;
    return 0;
}

/* prefilter: Suricata's hint to prefilter on the keyword before it. It changes which rules
 * are tried first, never what matches, and bongsu picks its own prefilter, so it is taken
 * and has no effect. */
static int prefilter_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    (void)kw;
    (void)sig;
    if (value) {
        snprintf(err, errlen, "prefilter takes no value");
        return -1;
    }
    return 0;
}

/* reference:type,id - shown by consumers that read rules; nothing to match. */
static int reference_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    (void)kw;
    (void)sig;
    if (!value || !strchr(value, ',')) {
        snprintf(err, errlen, "reference is type,value");
        return -1;
    }
    return 0;
}

/* config:logging disable, type tx, scope tx (the "config" action's keyword): a matching
 * transaction is kept out of the EVE log. Flow-scoped logging control is not supported and
 * leaves the rule inert. */
static int config_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                        size_t errlen)
{
    (void)kw;
    char sub[32], act[32], type[32], scope[32];
    if (!value || sscanf(value, " %31s %31[^,], type %31[^,], scope %31s", sub, act, type,
                         scope) != 4 || strcmp(sub, "logging") != 0 ||
        strcmp(act, "disable") != 0 || (strcmp(type, "tx") && strcmp(type, "flow")) ||
        (strcmp(scope, "tx") && strcmp(scope, "flow"))) {
        snprintf(err, errlen, "expected \"logging disable, type tx|flow, scope tx|flow\"");
        return -1;
    }
    sig->flags |= strcmp(type, "tx") == 0 && strcmp(scope, "tx") == 0 ? SIG_FLAG_TX_NOLOG
                                                                        : SIG_FLAG_INERT;
    return 0;
}

const DetectKeyword detect_meta_keywords[] = {
    {.name = "config", .setup = config_setup},
    {.name = "msg", .setup = msg_setup},
    {.name = "sid", .setup = number_setup},
    {.name = "rev", .setup = number_setup},
    {.name = "gid", .setup = number_setup},
    {.name = "priority", .setup = number_setup},
    {.name = "classtype", .setup = classtype_setup},
    {.name = "metadata", .setup = metadata_setup},
    {.name = "target", .setup = target_setup},
    {.name = "noalert", .setup = noalert_setup},
    {.name = "alert", .setup = alert_setup},
    {.name = "reference", .setup = reference_setup},
    {.name = "prefilter", .setup = prefilter_setup},
    {.name = NULL},
};
