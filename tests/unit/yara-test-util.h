/*
 * yara-test-util.h - what the YARA unit tests share: a scratch directory for rule files,
 * writing one, and the text strings of a rule file (inputs that exercise its rules). Include
 * after cmocka.h (the helpers assert).
 */
#ifndef BONGSU_YARA_TEST_UTIL_H
#define BONGSU_YARA_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
