/*
 * fuzz-text-util.h - the fuzz input as a C string, for targets whose code under test reads
 * text that it expects NUL-terminated (YARA sources; the rule line that leads
 * fuzz-rule-parse's input): libFuzzer's buffer has no terminator, and reading one past it is
 * exactly the overflow the sanitizer would report against the harness.
 */
#ifndef BONGSU_FUZZ_TEXT_UTIL_H
#define BONGSU_FUZZ_TEXT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'd copy of the input with a NUL after it (free it), or NULL when out of memory. */
static inline char *fuzz_text_copy(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

#endif /* BONGSU_FUZZ_TEXT_UTIL_H */
