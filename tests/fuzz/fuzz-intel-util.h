/*
 * fuzz-intel-util.h - what the three intel feed fuzz targets share: the actor knowledge base
 * loaded once, then the input given to one format's loader with a fresh store. Loading must
 * never crash, hang or leak, whatever the bytes; bad entries are reported and skipped.
 */
#ifndef BONGSU_FUZZ_INTEL_UTIL_H
#define BONGSU_FUZZ_INTEL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "build-info.h"
#include "intel/intel.h"

typedef int (*FuzzIntelLoader)(IntelStore *store, const char *path, const char *text, size_t len,
                               IntelLoadStats *stats, IntelReportFn report, void *ud);

static inline int fuzz_intel_load(FuzzIntelLoader load, const uint8_t *data, size_t size)
{
    static IntelActors *kb;
    if (!kb) {
        char err[256];
        kb = intel_actors_load(BONGSU_DATA_DIR "/actors.json", err, sizeof(err));
    }
    IntelStore *store = intel_store_new(kb);
    IntelLoadStats stats = {0};
    load(store, "fuzz", (const char *)data, size, &stats, NULL, NULL);
    intel_store_free(store);
    return 0;
}

#endif
