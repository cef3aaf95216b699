/*
 * detect-iprep.h - IP reputation: categories and per-address (or netblock) scores loaded from
 * Suricata's reputation files (detect-iprep-file.c), and the iprep keyword (detect-iprep.c).
 */
#ifndef BONGSU_DETECT_IPREP_H
#define BONGSU_DETECT_IPREP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decode/packet.h"

struct ConfNode;

/* Category ids run from 0 to IPREP_MAX_CATEGORIES - 1, as in Suricata. */
#define IPREP_MAX_CATEGORIES 60

typedef struct IprepStore IprepStore;

IprepStore *iprep_store_new(void);
void iprep_store_free(IprepStore *s);
/* reputation-categories-file, then every reputation-files entry (relative to
 * default-reputation-path). Without a categories file there is no reputation (0). Lines in
 * error are reported as file:line and skipped; returns how many, or -1 when a file cannot be
 * read. */
int iprep_store_load(IprepStore *s, const struct ConfNode *conf);
/* "id,shortname,description" lines; returns lines in error. */
int iprep_read_categories(IprepStore *s, FILE *f, const char *name);
/* "address[/prefix],category id,score" lines; returns lines in error. Call iprep_store_finish
 * after the last file. */
int iprep_read_reputation(IprepStore *s, FILE *f, const char *name);
int iprep_store_finish(IprepStore *s);

/* Category id of a short name, or -1. */
int iprep_category(const IprepStore *s, const char *name);
/* The score of addr in category cat from its most specific netblock; -1 when no entry covers
 * the address. */
int iprep_lookup(const IprepStore *s, const Address *addr, int cat);

/* While rules load: the store the iprep keyword resolves category names against. */
void iprep_loading(IprepStore *s);

#endif
