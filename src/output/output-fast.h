/*
 * output-fast.h - fast.log: one text line per alert, in Suricata's format (output-fast.c).
 */
#ifndef BONGSU_OUTPUT_FAST_H
#define BONGSU_OUTPUT_FAST_H

#include "output/output-alert.h"

/* Formats the alert's line into buf (always NUL-terminated); returns its length. p may be
 * NULL (then the flow's endpoints, client first), f may be NULL. */
size_t output_fast_format(char *buf, size_t size, const Packet *p, const Flow *f,
                          const AlertInfo *a);
/* Queues the alert's line on the writer when fast.log is on. */
void output_fast(EveWriter *w, const Packet *p, const Flow *f, const AlertInfo *a);

#endif
