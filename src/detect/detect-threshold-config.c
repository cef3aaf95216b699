/*
 * detect-threshold-config.c - threshold.config: sensor-side suppress, threshold/event_filter
 * and rate_filter entries, installed on the loaded rules as Suricata 7 does.
 *
 *   suppress gen_id G, sig_id S[, track by_src|by_dst|by_either, ip <addr|CIDR|[list]|$VAR>]
 *   threshold|event_filter gen_id G, sig_id S, type limit|threshold|both,
 *       track by_src|by_dst|by_rule|by_both, count N, seconds T
 *   rate_filter gen_id G, sig_id S, track by_src|by_dst|by_rule|by_both, count N,
 *       seconds T, new_action alert|drop|pass|reject|sdrop|log, timeout T
 *
 * '#' starts a comment line; a line ending in '\' continues on the next. sig_id 0 means
 * every rule of gen_id, and gen_id 0 with sig_id 0 every rule; a sig_id without a gen_id is
 * an error. The interplay with a rule's own threshold/detection_filter follows Suricata:
 * suppress combines with anything (without an ip it turns the rule into noalert); a
 * threshold entry for one rule replaces the rule's last threshold; a rate_filter for one
 * rule, and any entry for many rules, leaves a rule that already has a threshold alone.
 * A line that does not parse is reported as file:line and skipped, like a bad rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/textutil.h"
#include "config/config.h"
#include "detect/detect-address.h"
#include "detect/detect-engine.h"
#include "detect/detect-threshold-settings.h"

#define LINE_MAX_LEN 65536

/* Settings each entry kind needs, and may have. */
static int check_kind(ThresholdType kind, const ThresholdSettings *st, char *err,
                      size_t errlen)
{
    const unsigned ids = TS_GEN_ID | TS_SIG_ID;
    unsigned need = ids | TS_TRACK | TS_COUNT | TS_SECONDS, allowed;
    if (kind == TH_SUPPRESS) {
        need = ids;
        if (st->seen & (TS_TRACK | TS_IP))
            need |= TS_TRACK | TS_IP;
        allowed = ids | TS_TRACK | TS_IP;
    } else if (kind == TH_RATE) {
        need |= TS_NEW_ACTION | TS_TIMEOUT;
        allowed = need;
    } else {
        need |= TS_TYPE;
        allowed = need;
    }
    if (threshold_settings_expect(st, need, allowed, err, errlen) != 0)
        return -1;
    bool track_ok = kind == TH_SUPPRESS ? st->track != TRACK_RULE && st->track != TRACK_BOTH
                                        : st->track != TRACK_EITHER;
    if ((st->seen & TS_TRACK) && !track_ok) {
        snprintf(err, errlen, "track %s is not allowed in %s",
                 st->track == TRACK_EITHER ? "by_either"
                 : st->track == TRACK_RULE ? "by_rule" : "by_both",
                 kind == TH_SUPPRESS ? "suppress" : "threshold or rate_filter");
        return -1;
    }
    if (kind != TH_SUPPRESS && kind != TH_RATE && st->count == 0) {
        snprintf(err, errlen, "invalid count \"0\"");
        return -1;
    }
    if (st->sig_id && !st->gen_id) {
        snprintf(err, errlen, "sig_id %u with gen_id 0: name the rule's gen_id", st->sig_id);
        return -1;
    }
    return 0;
}

static int entry_kind(const char *word, ThresholdType *kind)
{
    if (strcasecmp(word, "suppress") == 0)
        *kind = TH_SUPPRESS;
    else if (strcasecmp(word, "rate_filter") == 0)
        *kind = TH_RATE;
    else if (strcasecmp(word, "threshold") == 0 || strcasecmp(word, "event_filter") == 0)
        *kind = TH_LIMIT;  /* the type setting says which */
    else
        return -1;
    return 0;
}

int threshold_config_parse_line(const char *line, const ConfNode *conf, ThresholdCtx *ctx,
                                uint32_t *gid, uint32_t *sid, char *err, size_t errlen)
{
    memset(ctx, 0, sizeof(*ctx));
    line += strspn(line, " \t");
    if (!*line || *line == '#')
        return 1;
    char word[32];
    size_t n = strcspn(line, " \t");
    snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) ? n : sizeof(word) - 1), line);
    ThresholdType kind;
    if (entry_kind(word, &kind) != 0) {
        snprintf(err, errlen, "unknown entry \"%s\" (suppress, threshold, event_filter, "
                              "rate_filter)", word);
        return -1;
    }
    ThresholdSettings st;
    if (threshold_settings_parse(line + n, &st, err, errlen) != 0 ||
        check_kind(kind, &st, err, errlen) != 0)
        return -1;
    ctx->type = kind == TH_LIMIT ? st.type : kind;
    ctx->track = (st.seen & TS_TRACK) ? st.track : TRACK_RULE;
    ctx->count = st.count;
    ctx->seconds = st.seconds;
    ctx->timeout = st.timeout;
    ctx->new_action = st.new_action;
    *gid = st.gen_id;
    *sid = st.sig_id;
    if ((st.seen & TS_IP) && addr_set_parse(&ctx->addrs, st.ip, conf, err, errlen) != 0) {
        char why[512];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "ip \"%s\": %s", st.ip, why);
        return -1;
    }
    return 0;
}

typedef struct InstallCounts {
    uint32_t rules, kept;    /* rules given the entry; rules whose own threshold won */
} InstallCounts;

/* One rule: the entry joins its lists as Suricata's rules decide (see the top comment). */
static int install_on(Signature *sig, const ThresholdCtx *ctx, bool single, InstallCounts *c)
{
    if (ctx->type == TH_SUPPRESS) {
        c->rules++;
        if (ctx->track == TRACK_RULE) {
            sig->flags |= SIG_FLAG_NOALERT;
            return 0;
        }
        return threshold_sig_add(sig, ctx);
    }
    if (sig->th_count && (!single || ctx->type == TH_RATE)) {
        c->kept++;
        return 0;
    }
    if (single && sig->th_count)
        sig->th_count--;   /* this entry replaces the rule's last threshold */
    c->rules++;
    return threshold_sig_add(sig, ctx);
}

static Signature *find_sig(const DetectEngine *de, uint32_t gid, uint32_t sid)
{
    for (uint32_t i = 0; i < de->count; i++)
        if (de->sigs[i]->sid == sid && de->sigs[i]->gid == gid)
            return de->sigs[i];
    return NULL;
}

static int install(DetectEngine *de, const ThresholdCtx *ctx, uint32_t gid, uint32_t sid,
                   const char *where)
{
    InstallCounts c = {0, 0};
    if (sid) {
        Signature *sig = find_sig(de, gid, sid);
        if (!sig) {
            log_warning("%s: no rule %u:%u to apply this entry to", where, gid, sid);
            return 0;
        }
        if (install_on(sig, ctx, true, &c) != 0)
            return -1;
        if (c.kept)
            log_warning("%s: rule %u:%u has its own threshold or detection_filter, which wins",
                        where, gid, sid);
        return 0;
    }
    for (uint32_t i = 0; i < de->count; i++)
        if ((!gid || de->sigs[i]->gid == gid) && install_on(de->sigs[i], ctx, false, &c) != 0)
            return -1;
    if (c.kept)
        log_info("%s: %u rules keep their own threshold or detection_filter", where, c.kept);
    return 0;
}

/* One logical line: parsed, handed to the store, installed. 1 when it was in error. */
static int load_line(DetectEngine *de, const ConfNode *conf, const char *line,
                     const char *where)
{
    char err[1024];
    ThresholdCtx parsed;
    uint32_t gid = 0, sid = 0;
    int rc = threshold_config_parse_line(line, conf, &parsed, &gid, &sid, err, sizeof(err));
    if (rc > 0)
        return 0;
    if (rc < 0) {
        log_warning("%s: %s", where, err);
        addr_set_free(&parsed.addrs);
        return 1;
    }
    ThresholdCtx *ctx = malloc(sizeof(*ctx));
    if (!ctx || threshold_store_adopt(de->thresholds, ctx) != 0) {
        free(ctx);
        addr_set_free(&parsed.addrs);
        return 1;
    }
    uint32_t id = ctx->id;
    *ctx = parsed;
    ctx->id = id;
    return install(de, ctx, gid, sid, where) != 0;
}

int threshold_config_load(DetectEngine *de, const ConfNode *conf, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int errors = threshold_config_read(de, conf, f, path);
    fclose(f);
    return errors;
}

typedef struct ConfigFileCtx {
    DetectEngine *de;
    const ConfNode *conf;
    const char *path;
    int entries, errors;
} ConfigFileCtx;

static void on_config_line(void *ud, const char *line, int lineno)
{
    ConfigFileCtx *c = ud;
    char where[4200];
    snprintf(where, sizeof(where), "%s:%d", c->path, lineno);
    c->entries++;
    c->errors += load_line(c->de, c->conf, line, where);
}

int threshold_config_read(DetectEngine *de, const ConfNode *conf, FILE *f, const char *path)
{
    ConfigFileCtx c = {de, conf, path, 0, 0};
    if (text_read_joined_lines(f, LINE_MAX_LEN, on_config_line, &c) != 0)
        return -1;
    log_info("threshold-file %s: %d entries, %d in error", path, c.entries - c.errors, c.errors);
    return c.errors;
}
