/*
 * fuzz-yara-gate.c - libFuzzer target: any bytes as a YARA source file through the gate's
 * split (yara-gate.c: the condition proof and the strings turned into Vectorscan patterns),
 * which reads rule files that come from outside (--yara, yara.rules). Nothing may crash, hang
 * or read out of bounds; the halves it writes are split again, and when the patterns are few
 * they are compiled and run over the input itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-text-util.h"
#include "yara/yara-gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void split_again(const char *text)
{
    YaraGatePatterns pats = {0};
    YaraGateStats st = {0};
    char *gated = NULL, *rest = NULL;
    if (text && yara_gate_split(text, strlen(text), &pats, &gated, &rest, &st)) {
        free(gated);
        free(rest);
    }
    yara_gate_patterns_free(&pats);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = fuzz_text_copy(data, size);
    if (!src)
        return 0;
    YaraGatePatterns pats = {0};
    YaraGateStats st = {0};
    char *gated = NULL, *rest = NULL;
    if (yara_gate_split(src, size, &pats, &gated, &rest, &st)) {
        split_again(gated);
        split_again(rest);
        if (pats.count <= 16) {  /* compiling hundreds of patterns per input would be slow */
            YaraGate *g = yara_gate_compile(&pats);
            YaraGateScratch *s = yara_gate_scratch_new(g);
            yara_gate_hit(g, s, data, size, ".exe");
            char *bytes = NULL;
            size_t len = 0;
            if (yara_gate_serialize(g, &bytes, &len))
                yara_gate_free(yara_gate_deserialize(bytes, len));
            free(bytes);
            yara_gate_scratch_free(s);
            yara_gate_free(g);
        }
        free(gated);
        free(rest);
    }
    yara_gate_patterns_free(&pats);
    free(src);
    return 0;
}
