/*
 * detect-file-keywords.h - the hash lists of filemd5/filesha1/filesha256
 * (detect-file-keywords.c), exposed for their fuzz target.
 */
#ifndef BONGSU_DETECT_FILE_KEYWORDS_H
#define BONGSU_DETECT_FILE_KEYWORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads a list of len-byte hex digests (one a line, leading; '#' lines and blank lines
 * skipped) into *digests, sorted, *count of them (the caller frees *digests, also on error).
 * -1 with err naming name:line on a line that is not one, or an empty list. */
int file_hash_list_read(FILE *f, uint32_t len, uint8_t **digests, uint32_t *count,
                        const char *name, char *err, size_t errlen);
bool file_hash_list_contains(const uint8_t *digests, uint32_t count, uint32_t len,
                             const uint8_t *digest);

#endif
