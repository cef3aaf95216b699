/*
 * fuzz-hash-list.c - libFuzzer target for the hash list files of filemd5, filesha1 and
 * filesha256.
 *
 * The first byte picks the digest length (MD5, SHA-1, SHA-256); the rest is a list file. When
 * it loads, every digest read must be found again by the lookup the keywords use, which
 * checks the sort and the binary search together.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "detect/detect-file-keywords.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t lens[] = {16, 20, 32};
    if (size < 1)
        return 0;
    uint32_t len = lens[data[0] % 3];
    FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
    if (!in)
        return 0;
    uint8_t *digests = NULL;
    uint32_t count = 0;
    char err[256];
    int rc = file_hash_list_read(in, len, &digests, &count, "fuzz", err, sizeof(err));
    fclose(in);
    for (uint32_t i = 0; rc == 0 && i < count; i++)
        if (!file_hash_list_contains(digests, count, len, digests + (size_t)i * len))
            abort();  /* a listed digest must be found */
    free(digests);
    return 0;
}
