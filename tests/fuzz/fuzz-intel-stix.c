/*
 * fuzz-intel-stix.c - libFuzzer target: the input is a stix intel feed. Loading must never
 * crash, hang or leak, whatever the bytes; bad entries are reported and skipped.
 */
#include <stddef.h>
#include <stdint.h>

#include "build-info.h"
#include "intel/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static IntelActors *kb;
    if (!kb) {
        char err[256];
        kb = intel_actors_load(BONGSU_DATA_DIR "/actors.json", err, sizeof(err));
    }
    IntelStore *store = intel_store_new(kb);
    IntelLoadStats stats = {0};
    intel_load_stix(store, "fuzz", (const char *)data, size, &stats, NULL, NULL);
    intel_store_free(store);
    return 0;
}
