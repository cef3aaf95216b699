/*
 * detect-datarep.c - datarep:<name>, <op>, <value>[, type <t>, load <file>, memcap <size>,
 * hashsize <n>];
 *
 * A dataset whose file gives each value a reputation ("value,rep", rep 0..65535): the rule
 * holds when the sticky buffer (after its transforms) is in the set and its reputation
 * compares with <value> as <op> says (>, < or ==). A value not in the set never matches. The
 * set is the same named set the dataset keyword uses (detect-dataset.c), so the two can share
 * it. The options follow Suricata 7: name, operator and value first, in that order, then
 * "key value" options; load needs a type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/textutil.h"
#include "config/config.h"
#include "detect/detect-dataset.h"
#include "detect/detect-keywords.h"

typedef enum DatarepOp { DR_GT, DR_LT, DR_EQ } DatarepOp;

typedef struct DatarepCtx {
    Dataset *set;
    DatarepOp op;
    uint16_t value;
} DatarepCtx;

typedef struct DatarepOptions {
    int type;
    char load[2048];
    uint64_t memcap;
    uint32_t hashsize;
} DatarepOptions;

static int parse_op(const char *s, DatarepOp *op)
{
    static const char *const ops[] = {">", "<", "=="};
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, ops[i]) == 0) {
            *op = (DatarepOp)i;
            return 0;
        }
    }
    return -1;
}

/* "type X", "load F", "memcap N", "hashsize N"; unknown keys are ignored as in Suricata. */
static int parse_option(char *item, DatarepOptions *o)
{
    char *val = item + strcspn(item, " \t");
    if (!*val)
        return -1;
    *val++ = '\0';
    val = text_trim(val);
    char *end = NULL;
    if (strcmp(item, "type") == 0)
        return (o->type = dataset_type_parse(val)) >= 0 ? 0 : -1;
    if (strcmp(item, "load") == 0)
        snprintf(o->load, sizeof(o->load), "%s", val);
    else if (strcmp(item, "memcap") == 0 && conf_parse_size(val, &o->memcap) != 0)
        o->memcap = 0;
    else if (strcmp(item, "hashsize") == 0)
        o->hashsize = (uint32_t)strtoul(val, &end, 10);
    return 0;
}

static int parse_head(char *fields[3], DatarepCtx *ctx)
{
    char *end = NULL;
    unsigned long v = fields[2] ? strtoul(fields[2], &end, 10) : 0;
    if (!fields[0] || !*fields[0] || strpbrk(fields[0], " \t") || !fields[1] ||
        parse_op(fields[1], &ctx->op) != 0 || !end || end == fields[2] || *end || v > 65535)
        return -1;
    ctx->value = (uint16_t)v;
    return 0;
}

static int datarep_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                         size_t errlen)
{
    if (!sig_in_sticky_buffer(sig)) {
        snprintf(err, errlen, "needs a sticky buffer before it");
        return -1;
    }
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    char *save = NULL, *fields[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        char *f = strtok_r(i ? NULL : buf, ",", &save);
        fields[i] = f ? text_trim(f) : NULL;
    }
    DatarepCtx ctx = {0};
    DatarepOptions o = {.type = -1};
    int bad = parse_head(fields, &ctx);
    for (char *item = strtok_r(NULL, ",", &save); !bad && item; item = strtok_r(NULL, ",", &save))
        bad = parse_option(text_trim(item), &o);
    if (bad || (o.load[0] && o.type < 0)) {
        snprintf(err, errlen, "expected <name>, <>|<|==>, <value>[, type <t>, load <file>]");
        return -1;
    }
    ctx.set = dataset_for_rule(fields[0], o.type, o.load, o.memcap, o.hashsize, err, errlen);
    DatarepCtx *copy = ctx.set ? malloc(sizeof(*copy)) : NULL;
    if (!copy)
        return -1;
    *copy = ctx;
    if (!sig_append(sig, SIG_LIST_PAYLOAD, kw, copy)) {
        free(copy);
        return -1;
    }
    return 0;
}

static bool datarep_inspect(InspectState *st, const SigMatch *sm)
{
    const DatarepCtx *ctx = sm->ctx;
    uint16_t rep;
    if (!st->len || !dataset_lookup_rep(ctx->set, st->buf, st->len, &rep))
        return false;
    bool ok = ctx->op == DR_GT ? rep > ctx->value : ctx->op == DR_LT ? rep < ctx->value
                                                                       : rep == ctx->value;
    return ok && detect_inspect_list(st, sm->next);
}

const DetectKeyword detect_datarep_keywords[] = {
    {.name = "datarep", .setup = datarep_setup, .inspect = datarep_inspect},
    {.name = NULL},
};
