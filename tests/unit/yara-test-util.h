/*
 * yara-test-util.h - what the YARA unit tests share: a scratch directory for rule files,
 * writing one, the text strings of a rule file (inputs that exercise its rules), and one rule
 * file loaded twice with different options to compare what matches. Include after cmocka.h
 * (the helpers assert).
 */
#ifndef BONGSU_YARA_TEST_UTIL_H
#define BONGSU_YARA_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yara/yara-match.h"

static inline void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* dir (at least 64 bytes): a new directory /tmp/<prefix>-XXXXXX. */
static inline void make_scratch_dir(char *dir, size_t size, const char *prefix)
{
    snprintf(dir, size, "/tmp/%s-XXXXXX", prefix);
    assert_non_null(mkdtemp(dir));
}

static inline int remove_scratch_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Every text string of a rule file ("..." after `$x =`), joined by spaces. */
static inline void file_strings(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    size_t n = 0;
    out[0] = '\0';
    while (fgets(line, sizeof(line), f)) {
        const char *s = strchr(line, '$'), *eq = s ? strchr(s, '=') : NULL;
        const char *q = eq ? strchr(eq, '"') : NULL;
        const char *end = q ? strchr(q + 1, '"') : NULL;
        if (!end || memchr(q + 1, '\\', (size_t)(end - q - 1)) || n + (size_t)(end - q) + 2 >= cap)
            continue;
        memcpy(out + n, q + 1, (size_t)(end - q - 1));
        n += (size_t)(end - q - 1);
        out[n++] = ' ';
        out[n] = '\0';
    }
    fclose(f);
}

/* One rule file loaded with options a and with options b, and a matcher for each. */
typedef struct YaraPair {
    YaraRuleSet *a, *b;
    YaraMatcher *ma, *mb;
} YaraPair;

static inline void yara_pair_load(YaraPair *p, const char *path, const YaraLoadOptions *a,
                                  const YaraLoadOptions *b)
{
    const char *paths[] = {path};
    p->a = yara_rules_load_opts(paths, 1, NULL, a, NULL, NULL, NULL);
    p->b = yara_rules_load_opts(paths, 1, NULL, b, NULL, NULL, NULL);
    assert_non_null(p->a);
    assert_non_null(p->b);
    p->ma = yara_matcher_new(p->a, 10);
    p->mb = yara_matcher_new(p->b, 10);
    assert_non_null(p->ma);
    assert_non_null(p->mb);
}

static inline void yara_pair_free(YaraPair *p)
{
    yara_matcher_free(p->ma);
    yara_matcher_free(p->mb);
    yara_rules_free(p->a);
    yara_rules_free(p->b);
}

static inline int yara_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The rules matching data (a file called name) as "file:rule" lines, in scan order or sorted
 * (sets split in parts another way scan in another order); *gate_skipped (may be NULL): the
 * gated part was skipped. Returns how many matched. */
static inline size_t yara_matches_text(YaraMatcher *m, const uint8_t *data, size_t len,
                                       const char *name, bool sorted, char *out, size_t cap,
                                       bool *gate_skipped)
{
    YaraMatch r;
    yara_matcher_scan(m, data, len, -1, name, &r);
    assert_false(r.error || r.timeout);
    const char *lines[YARA_MAX_MATCHES];
    char text[YARA_MAX_MATCHES][256];
    for (size_t i = 0; i < r.count; i++) {
        snprintf(text[i], sizeof(text[i]), "%s:%s\n", r.hits[i]->file, r.hits[i]->name);
        lines[i] = text[i];
    }
    if (sorted)
        qsort(lines, r.count, sizeof(lines[0]), yara_cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < r.count; i++)
        strncat(out, lines[i], cap - strlen(out) - 1);
    if (gate_skipped)
        *gate_skipped = r.gate_skipped;
    return r.count;
}

#endif
