/*
 * intel-load.h - helpers shared by the feed loaders.
 */
#ifndef BONGSU_INTEL_LOAD_H
#define BONGSU_INTEL_LOAD_H

#include <jansson.h>
#include <stdio.h>

#include "intel/intel.h"

char *intel_trim(char *s);
void intel_report_error(IntelLoadStats *stats, IntelReportFn report, void *ud, const char *where,
                        const char *reason);
/* Parses a JSON feed; on a syntax error reports path:line and the reason and returns NULL. */
json_t *intel_parse_json(const char *path, const char *text, size_t len, IntelLoadStats *stats,
                         IntelReportFn report, void *ud);
/* Adds the record, counting it as added, duplicate or error (reported with where). */
void intel_add_record(IntelStore *store, const IntelRecord *rec, const char *where,
                      IntelLoadStats *stats, IntelReportFn report, void *ud);

int intel_load_csv_stream(IntelStore *store, const char *path, FILE *f, IntelLoadStats *stats,
                          IntelReportFn report, void *ud);

#endif
