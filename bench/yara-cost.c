/*
 * yara-cost.c - what each YARA rule file (or rule) costs libyara on a set of file bodies.
 *
 * bench/yara measures the whole sensor; this driver answers "which rules make the scanner
 * slow": each rule file given is compiled alone, in the form bongsu scans a body with (the
 * prefilter's non-MZ rewrite for bodies without an MZ header, the file itself for the
 * others), and every body of DIR is scanned with it as the scanner threads do (fast mode, no
 * try/catch), best of --runs by thread CPU time. A file holding one rule gives that rule's
 * cost (bench/yara-rule-cost splits a pack so). The first line is an empty rule set: libyara's
 * fixed per-scan cost, the floor under every other line.
 *
 *     build/yara-cost [--runs N] [--dump DIR] BODIES_DIR RULEFILE...
 * Output: one tab-separated line per rule file: usec (all bodies), usec per body, MB/s,
 * matches, path. --dump writes each non-MZ rewrite to DIR/<n>.yar. --pack: all rule files
 * together, each in its namespace, as bongsu loads them; --leave-one-out: that, then the pack
 * without each file in turn (what a file adds to the pack, not to an empty set).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yara.h>

#include "yara/yara-match.h"
#include "yara/yara-prefilter.h"
#include "yara/yara-rules.h"

typedef struct Body {
    uint8_t *data;
    size_t len;
    bool mz;
} Body;

typedef struct Bodies {
    Body *b;
    size_t n, cap, bytes;
} Bodies;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1))) {
            *len = fread(buf, 1, (size_t)size, f);
            buf[*len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static void bodies_add(Bodies *bs, const char *path)
{
    size_t len = 0;
    char *data = read_all(path, &len);
    if (!data)
        return;
    if (bs->n == bs->cap) {
        bs->cap = bs->cap ? bs->cap * 2 : 1024;
        bs->b = realloc(bs->b, bs->cap * sizeof(*bs->b));
        if (!bs->b)
            exit(1);
    }
    bs->b[bs->n++] = (Body){(uint8_t *)data, len, yara_prefilter_is_mz((uint8_t *)data, len)};
    bs->bytes += len;
}

/* Every regular file under dir (a file-store tree is two levels deep). */
static void bodies_read(Bodies *bs, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR && depth < 4)
            bodies_read(bs, path, depth + 1);
        else if (e->d_type == DT_REG && !strstr(e->d_name, ".json"))
            bodies_add(bs, path);
    }
    closedir(d);
}

static const char *const externals[] = {"filename", "filepath", "extension", "filetype", "owner"};

/* texts[i] (NULL ones skipped) each in its own namespace, as bongsu loads a pack. */
static YR_RULES *compile_many(char *const *texts, size_t n)
{
    YR_COMPILER *c = NULL;
    YR_RULES *rules = NULL;
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return NULL;
    for (size_t i = 0; i < sizeof(externals) / sizeof(externals[0]); i++)
        yr_compiler_define_string_variable(c, externals[i], "");
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        char ns[32];
        snprintf(ns, sizeof(ns), "ns%zu", i);
        ok = !texts[i] || yr_compiler_add_string(c, texts[i], ns) == 0;
    }
    if (ok)
        yr_compiler_get_rules(c, &rules);
    yr_compiler_destroy(c);
    return rules;
}

static YR_RULES *compile(const char *text)
{
    char *one = (char *)text;
    return compile_many(&one, 1);
}

static int count_match(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
    (void)ctx;
    (void)data;
    if (message == CALLBACK_MSG_RULE_MATCHING)
        (*(unsigned long *)user)++;
    return CALLBACK_CONTINUE;
}

static double thread_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One pass over the bodies: the non-MZ ones with plain, the MZ ones with full. */
static double scan_all(YR_SCANNER *plain, YR_SCANNER *full, const Bodies *bs)
{
    double start = thread_usec();
    for (size_t i = 0; i < bs->n; i++) {
        YR_SCANNER *sc = bs->b[i].mz ? full : plain;
        if (sc)
            yr_scanner_scan_mem(sc, bs->b[i].data, bs->b[i].len);
    }
    return thread_usec() - start;
}

static YR_SCANNER *scanner_for(YR_RULES *rules, unsigned long *matches)
{
    YR_SCANNER *sc = NULL;
    if (!rules || yr_scanner_create(rules, &sc) != ERROR_SUCCESS)
        return NULL;
    yr_scanner_set_flags(sc, SCAN_FLAGS_FAST_MODE | SCAN_FLAGS_NO_TRYCATCH);
    yr_scanner_set_callback(sc, count_match, matches);
    return sc;
}

static void dump(const char *dir, int index, const char *text)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%d.yar", dir, index);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Best time of runs over the bodies: non-MZ ones with plain, MZ ones with full. */
static void report(const char *label, YR_RULES *full, YR_RULES *plain, const Bodies *bs,
                   int runs)
{
    unsigned long matches = 0;
    YR_SCANNER *sf = scanner_for(full, &matches), *sp = scanner_for(plain, &matches);
    if (!sf || !sp) {
        printf("-\t-\t-\t-\t%s (does not compile)\n", label);
    } else {
        double best = 0;
        for (int r = 0; r < runs; r++) {
            matches = 0;
            double t = scan_all(sp, sf, bs);
            best = r == 0 || t < best ? t : best;
        }
        printf("%.0f\t%.2f\t%.1f\t%lu\t%s\n", best, best / (double)bs->n,
               (double)bs->bytes / best, matches, label);
        fflush(stdout);
    }
    if (sp)
        yr_scanner_destroy(sp);
    if (sf)
        yr_scanner_destroy(sf);
}

/* The non-MZ form of a source: the prefilter's rewrite, or the source itself. */
static char *non_mz(const char *text)
{
    YaraPrefilterStats ps = {0};
    char *rewritten = yara_prefilter_rewrite(text, strlen(text), &ps);
    return rewritten ? rewritten : strdup(text);
}

static void print_report(void *ud, const char *where, const char *message, bool error)
{
    (void)ud;
    fprintf(stderr, "%s: %s: %s\n", error ? "error" : "note", where, message);
}

/* The rule files as bongsu loads and scans them (yara_rules_load, yara_matcher_scan, a
 * bodies' file name "body"): what the other lines leave out, the externals and timeout. */
static void measure_bongsu(char *const *paths, size_t n, const Bodies *bs, int runs)
{
    YaraRuleSet *set = yara_rules_load((const char *const *)paths, n, NULL, NULL, print_report, NULL);
    YaraMatcher *m = set ? yara_matcher_new(set, 10) : NULL;
    YaraMatch *r = malloc(sizeof(*r));
    double best = 0;
    unsigned long matches = 0;
    for (int run = 0; m && r && run < runs; run++) {
        matches = 0;
        double start = thread_usec();
        for (size_t i = 0; i < bs->n; i++) {
            yara_matcher_scan(m, bs->b[i].data, bs->b[i].len, -1, "body", r);
            matches += r->count;
        }
        double t = thread_usec() - start;
        best = run == 0 || t < best ? t : best;
    }
    printf("%.0f\t%.2f\t%.1f\t%lu\t(as bongsu scans: yara_matcher_scan)\n", best,
           best / (double)bs->n, (double)bs->bytes / best, matches);
    free(r);
    yara_matcher_free(m);
    yara_rules_free(set);
}

/* One rule source alone. */
static void measure(const char *label, const char *text, const Bodies *bs, int runs,
                    const char *dump_dir, int index)
{
    char *plain_text = non_mz(text);
    if (dump_dir && plain_text)
        dump(dump_dir, index, plain_text);
    YR_RULES *full = compile(text), *plain = plain_text ? compile(plain_text) : NULL;
    report(label, full, plain, bs, runs);
    if (plain)
        yr_rules_destroy(plain);
    if (full)
        yr_rules_destroy(full);
    free(plain_text);
}

/* The whole pack, then the pack without each file in turn: what each file adds to it. */
static void leave_one_out(char **texts, size_t n, char *const *labels, const Bodies *bs,
                          int runs, bool pack_only)
{
    char **plain = calloc(n, sizeof(*plain));
    for (size_t i = 0; plain && i < n; i++)
        plain[i] = texts[i] ? non_mz(texts[i]) : NULL;
    for (size_t skip = pack_only ? n : 0; plain && skip <= n; skip++) {
        char *held = skip < n ? texts[skip] : NULL, *held_plain = skip < n ? plain[skip] : NULL;
        if (skip < n)
            texts[skip] = plain[skip] = NULL;
        YR_RULES *full = compile_many(texts, n), *pl = compile_many(plain, n);
        char label[4200];
        snprintf(label, sizeof(label), "%s%s", skip < n ? "without " : "(whole pack)",
                 skip < n ? labels[skip] : "");
        report(label, full, pl, bs, runs);
        if (full)
            yr_rules_destroy(full);
        if (pl)
            yr_rules_destroy(pl);
        if (skip < n) {
            texts[skip] = held;
            plain[skip] = held_plain;
        }
    }
    for (size_t i = 0; plain && i < n; i++)
        free(plain[i]);
    free(plain);
}

int main(int argc, char **argv)
{
    int runs = 5, i = 1;
    bool loo = false, pack = false;
    const char *dump_dir = NULL;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump_dir = argv[++i];
        else if (!strcmp(argv[i], "--leave-one-out"))
            loo = true;
        else if (!strcmp(argv[i], "--pack"))
            loo = pack = true;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: yara-cost [--runs N] [--dump DIR] [--leave-one-out|--pack] "
                        "BODIES_DIR RULEFILE...\n");
        return 2;
    }
    Bodies bs = {0};
    bodies_read(&bs, argv[i++], 0);
    if (!bs.n || yr_initialize() != ERROR_SUCCESS)
        return 1;
    fprintf(stderr, "%zu bodies, %zu bytes\n", bs.n, bs.bytes);
    printf("usec\tusec/body\tMB/s\tmatches\trules\n");
    measure("(empty rule set)", "rule empty { condition: false }", &bs, runs, NULL, 0);
    size_t n = (size_t)(argc - i);
    char **texts = calloc(n ? n : 1, sizeof(*texts));
    for (size_t k = 0; texts && k < n; k++) {
        size_t len = 0;
        texts[k] = read_all(argv[i + (int)k], &len);
        if (texts[k] && !loo)
            measure(argv[i + (int)k], texts[k], &bs, runs, dump_dir, (int)k);
    }
    if (texts && loo)
        leave_one_out(texts, n, argv + i, &bs, runs, pack);
    if (pack)
        measure_bongsu(argv + i, n, &bs, runs);
    for (size_t k = 0; texts && k < n; k++)
        free(texts[k]);
    free(texts);
    for (size_t b = 0; b < bs.n; b++)
        free(bs.b[b].data);
    free(bs.b);
    yr_finalize();
    return 0;
}
