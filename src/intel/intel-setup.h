/*
 * intel-setup.h - the knowledge base and feeds of a run (see intel-setup.c).
 */
#ifndef BONGSU_INTEL_SETUP_H
#define BONGSU_INTEL_SETUP_H

#include "intel/intel.h"

struct ConfNode;
IntelActors *intel_setup_actors(const struct ConfNode *conf);
/* NULL when intel is disabled. */
IntelStore *intel_setup_store(const struct ConfNode *conf, const IntelActors *kb,
                              const char *const *files, int file_count, IntelLoadStats *stats);

#endif
