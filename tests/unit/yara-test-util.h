/*
 * yara-test-util.h - what the YARA unit tests share: a scratch directory for rule files and
 * writing one. Include after cmocka.h (the helpers assert).
 */
#ifndef BONGSU_YARA_TEST_UTIL_H
#define BONGSU_YARA_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

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

#endif
