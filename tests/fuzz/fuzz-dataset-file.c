/*
 * fuzz-dataset-file.c - libFuzzer target for dataset files.
 *
 * The first byte picks the set's type (string, md5, sha256, ipv4, ip); the rest is a dataset
 * file. It is read into a small set (tight memcap and buckets, so the limits are hit too); when
 * it loads, every value is written back in the file format and read into a second set, which
 * must come out the same size: what bongsu saves, it can load.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "detect/detect-dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_back(void *ud, const uint8_t *v, uint32_t len)
{
    FILE **f = ud;
    dataset_write_value(f[0], (DatasetType)(uintptr_t)f[1], v, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_ERROR);
    if (size < 1)
        return 0;
    DatasetType type = (DatasetType)(data[0] % 5);
    Dataset *d = dataset_create(type, 64 * 1024, 16);
    FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
    char err[256];
    int n = in ? dataset_read(d, in, "fuzz", err, sizeof(err)) : -1;
    if (in)
        fclose(in);
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = n > 0 ? open_memstream(&text, &text_len) : NULL;
    if (out) {
        FILE *ctx[2] = {out, (FILE *)(uintptr_t)type};
        dataset_for_each(d, write_back, ctx);
        fclose(out);
        Dataset *again = dataset_create(type, 64 * 1024, 16);
        FILE *back = fmemopen(text, text_len, "r");
        if (back) {
            if (dataset_read(again, back, "saved", err, sizeof(err)) < 0 ||
                dataset_count(again) != dataset_count(d))
                abort();  /* a saved set must load back the same */
            fclose(back);
        }
        dataset_destroy(again);
        free(text);
    }
    dataset_destroy(d);
    return 0;
}
