/*
 * detect-prefilter.h - multi-pattern prefilter over fast patterns (see detect-prefilter.c).
 */
#ifndef BONGSU_DETECT_PREFILTER_H
#define BONGSU_DETECT_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Prefilter Prefilter;
typedef struct PrefilterBuilder PrefilterBuilder;

PrefilterBuilder *prefilter_builder_new(void);
/* Signature sig_num is a candidate when pattern (nocase: in any case) occurs. Returns 0,
 * 1 when the pattern cannot be used (all NUL bytes), -1 when out of memory. */
int prefilter_builder_add(PrefilterBuilder *b, uint32_t sig_num, const uint8_t *pattern,
                          uint32_t len, bool nocase);
bool prefilter_builder_empty(const PrefilterBuilder *b);
/* Compiles the database (and grows *scratch for it); frees the builder. NULL on failure. */
Prefilter *prefilter_build(PrefilterBuilder *b, void **scratch, char *err, size_t errlen);
void prefilter_builder_free(PrefilterBuilder *b);
void prefilter_free(Prefilter *pf);

/* Calls add(ud, sig_num) for each signature whose fast pattern occurs in buf (a signature
 * may be reported more than once; callers deduplicate). Returns false when scanning failed. */
typedef void (*PrefilterAddFn)(void *ud, uint32_t sig_num);
bool prefilter_scan(const Prefilter *pf, void *scratch, const uint8_t *buf, uint32_t len,
                    PrefilterAddFn add, void *ud);

void *prefilter_scratch_clone(void *proto);
void prefilter_scratch_free(void *scratch);

#endif
