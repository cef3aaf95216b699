/*
 * fuzz-yara-prefilter.c - libFuzzer target: any bytes as a YARA source file through the
 * prefilter's reader and rewriter (yara-prefilter.c), which reads rule files that come from
 * outside (--yara, yara.rules). Nothing may crash, hang or read out of bounds, and what it
 * writes must itself be read again without trouble (a rewrite of a rewrite).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-text-util.h"
#include "yara/yara-prefilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = fuzz_text_copy(data, size);
    if (!src)
        return 0;
    YaraPrefilterStats st = {0};
    char *out = yara_prefilter_rewrite(src, size, &st);
    if (out) {
        char *again = yara_prefilter_rewrite(out, strlen(out), &st);
        free(again);
    }
    free(out);
    free(src);
    yara_prefilter_is_mz(data, size);
    return 0;
}
