/*
 * yara-match.c - one thread's libyara scanners over a rule set (see yara-match.h).
 *
 * SCAN_FLAGS_FAST_MODE: a rule only needs to know whether a string matched, not every
 * occurrence, for the alerts bongsu writes. Matches beyond YARA_MAX_MATCHES stop the scan.
 * SCAN_FLAGS_NO_TRYCATCH: libyara's try/catch (exception.h) exists for mapped files that
 * shrink under the scan and process memory; it installs and restores SIGSEGV and SIGBUS
 * handlers around every scan - five system calls per file, a third of the scanner's system
 * time on small HTTP files - and, the handlers being process-wide, two scanner threads
 * restoring each other's leave a handler behind. Here the bytes are a buffer this process owns
 * or an unlinked spool file only it holds, so nothing can shrink them.
 * SCAN_FLAGS_REPORT_RULES_MATCHING: without it libyara calls back for every rule that did not
 * match too (137 calls per file for the DPRK pack), which on_message only ignores.
 */
#include "yara/yara-match.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yara.h>

#include "yara/yara-gate.h"
#include "yara/yara-prefilter.h"

struct YaraMatcher {
    const YaraRuleSet *rules;
    YR_SCANNER **scanners;   /* one per part; NULL where libyara could not make one */
    YaraGateScratch **gates; /* one per part with a gate (yara-gate.h), else NULL */
    size_t count;
};

typedef struct CallbackCtx {
    const YaraRuleSet *rules;
    size_t part;
    YaraMatch *out;
} CallbackCtx;

static int on_message(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
    (void)ctx;
    CallbackCtx *c = user;
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    const YaraRuleInfo *info = yara_rules_info(c->rules, c->part, data);
    if (info && c->out->count < YARA_MAX_MATCHES)
        c->out->hits[c->out->count++] = info;
    return c->out->count < YARA_MAX_MATCHES ? CALLBACK_CONTINUE : CALLBACK_ABORT;
}

YaraMatcher *yara_matcher_new(const YaraRuleSet *rules, uint32_t timeout)
{
    size_t n = yara_rules_parts(rules);
    YaraMatcher *m = calloc(1, sizeof(*m));
    if (!m || !(m->scanners = calloc(n ? n : 1, sizeof(*m->scanners))) ||
        !(m->gates = calloc(n ? n : 1, sizeof(*m->gates)))) {
        if (m)
            free(m->scanners);
        free(m);
        return NULL;
    }
    m->rules = rules;
    m->count = n;
    for (size_t i = 0; i < n; i++) {
        m->gates[i] = yara_gate_scratch_new(yara_rules_part_gate(rules, i));
        if (yr_scanner_create(yara_rules_part(rules, i), &m->scanners[i]) != ERROR_SUCCESS) {
            m->scanners[i] = NULL;
            continue;
        }
        yr_scanner_set_timeout(m->scanners[i], (int)timeout);
        yr_scanner_set_flags(m->scanners[i], SCAN_FLAGS_FAST_MODE | SCAN_FLAGS_NO_TRYCATCH |
                                                 SCAN_FLAGS_REPORT_RULES_MATCHING);
    }
    return m;
}

void yara_matcher_free(YaraMatcher *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++)
        if (m->scanners[i])
            yr_scanner_destroy(m->scanners[i]);
    for (size_t i = 0; i < m->count; i++)
        yara_gate_scratch_free(m->gates[i]);
    free(m->gates);
    free(m->scanners);
    free(m);
}

const YaraRuleSet *yara_matcher_rules(const YaraMatcher *m)
{
    return m->rules;
}

static const char *base_name(const char *name)
{
    const char *base = strrchr(name, '/');
    return base ? base + 1 : name;
}

/* The extension external: from the last dot of the base name, "" without one. */
static const char *extension(const char *name)
{
    const char *dot = strrchr(base_name(name), '.');
    return dot ? dot : "";
}

/* The THOR/LOKI externals some rules test (see yara-rules.c). */
static void define_externals(YR_SCANNER *sc, const char *name)
{
    yr_scanner_define_string_variable(sc, "filename", base_name(name));
    yr_scanner_define_string_variable(sc, "filepath", name);
    yr_scanner_define_string_variable(sc, "extension", extension(name));
}

/* Whether part i is scanned at all for a file that does (mz) or does not start with "MZ". */
static bool part_wanted(const YaraRuleSet *rules, size_t i, bool mz)
{
    return yara_rules_part_applies(rules, i, mz) && !yara_rules_part_empty(rules, i);
}

bool yara_rules_gated_out(const YaraRuleSet *rules, YaraGateScratch **scratch,
                          const uint8_t *data, size_t len, const char *name)
{
    bool mz = yara_prefilter_is_mz(data, len);
    for (size_t i = 0; i < yara_rules_parts(rules); i++) {
        if (!part_wanted(rules, i, mz))
            continue;
        const YaraGate *gate = yara_rules_part_gate(rules, i);
        if (!gate)
            return false;
        *scratch = yara_gate_scratch_fit(gate, *scratch);
        if (yara_gate_hit(gate, *scratch, data, len, extension(name)))
            return false;
    }
    return true;
}

void yara_matcher_scan(YaraMatcher *m, const uint8_t *head, size_t len, int fd, const char *name,
                       YaraMatch *out)
{
    static const uint8_t empty[1];
    out->count = 0;
    out->timeout = out->error = out->gate_skipped = false;
    uint8_t first[2];
    bool mz = fd >= 0 ? pread(fd, first, sizeof(first), 0) == (ssize_t)sizeof(first) &&
                            yara_prefilter_is_mz(first, sizeof(first))
                      : yara_prefilter_is_mz(head, len);
    for (size_t i = 0; i < m->count; i++) {
        if (!m->scanners[i] || !part_wanted(m->rules, i, mz))
            continue;
        const YaraGate *gate = yara_rules_part_gate(m->rules, i);
        if (gate && fd < 0 && !yara_gate_hit(gate, m->gates[i], head, len, extension(name))) {
            out->gate_skipped = true;  /* no rule of the part can match: libyara not asked */
            continue;
        }
        CallbackCtx c = {.rules = m->rules, .part = i, .out = out};
        yr_scanner_set_callback(m->scanners[i], on_message, &c);
        define_externals(m->scanners[i], name);
        int rc = fd >= 0 ? yr_scanner_scan_fd(m->scanners[i], fd)
                         : yr_scanner_scan_mem(m->scanners[i], head ? head : empty, len);
        if (rc == ERROR_SCAN_TIMEOUT)
            out->timeout = true;
        else if (rc != ERROR_SUCCESS && rc != ERROR_CALLBACK_ERROR)
            out->error = true;
    }
}
