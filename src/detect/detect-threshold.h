/*
 * detect-threshold.h - alert rate control: the threshold and detection_filter keywords
 * (detect-threshold.c), threshold.config's suppress/threshold/event_filter/rate_filter
 * entries (detect-threshold-config.c), and the bounded table of their state.
 */
#ifndef BONGSU_DETECT_THRESHOLD_H
#define BONGSU_DETECT_THRESHOLD_H

#include <stdio.h>

#include "detect/detect-internal.h"

typedef enum ThresholdType { TH_LIMIT, TH_THRESHOLD, TH_BOTH, TH_DETECTION_FILTER,
                             TH_SUPPRESS, TH_RATE } ThresholdType;
typedef enum ThresholdTrack { TRACK_SRC, TRACK_DST, TRACK_RULE, TRACK_BOTH,
                              TRACK_EITHER } ThresholdTrack;

typedef struct ThresholdCtx {
    ThresholdType type;
    ThresholdTrack track;
    uint32_t count, seconds;
    uint32_t timeout;        /* rate_filter: seconds the new action holds */
    SigAction new_action;    /* rate_filter */
    AddrSet addrs;           /* suppress with track/ip */
    uint32_t id;             /* keeps this entry's state apart from others on one rule */
} ThresholdCtx;

/* State ids: the rule's own keywords; threshold.config entries count up from THRESHOLD_ID_CONFIG. */
enum { THRESHOLD_ID_KEYWORD = 0, THRESHOLD_ID_FILTER = 1, THRESHOLD_ID_CONFIG = 2 };

typedef struct ThresholdStore ThresholdStore;

/* memcap: bytes of tracking state at most; hash_size: buckets (rounded up to a power of 2). */
ThresholdStore *threshold_store_new(uint64_t memcap, uint32_t hash_size);
void threshold_store_free(ThresholdStore *s);
/* Events that found no room in the table (memcap reached); they did not alert, as in
 * Suricata when its host table is full. */
uint64_t threshold_store_memcap_drops(const ThresholdStore *s);
/* Takes ownership of a threshold.config entry (freed with the store). */
int threshold_store_adopt(ThresholdStore *s, ThresholdCtx *ctx);

/* Appends ctx to a rule's suppress or threshold list. */
int threshold_sig_add(Signature *sig, const ThresholdCtx *ctx);
/* The rule's threshold list from its own threshold/detection_filter keywords. */
int threshold_sig_init(Signature *sig);

/* A matching signature: whether it alerts now (counts the event). *action starts as the
 * rule's action; an active rate_filter replaces it. p may be NULL (then f's addresses). */
bool detect_threshold_allows(ThresholdStore *s, const Signature *sig, const Packet *p,
                             const Flow *f, uint64_t ts_usec, SigAction *action);

/* threshold.config (detect-threshold-config.c). Reads path and installs its entries on the
 * engine's signatures. Lines that do not parse are reported as "path:line: reason" and
 * skipped; returns how many, or -1 when the file cannot be opened. */
struct DetectEngine;
struct ConfNode;
int threshold_config_load(struct DetectEngine *de, const struct ConfNode *conf,
                          const char *path);
/* The same from an open stream; path only names it in messages. */
int threshold_config_read(struct DetectEngine *de, const struct ConfNode *conf, FILE *f,
                          const char *path);
/* Parses one logical line (no continuation) into ctx plus its gen_id/sig_id. 1 for a
 * blank/comment line, 0 for an entry, -1 with err. ip lists are resolved against conf. */
int threshold_config_parse_line(const char *line, const struct ConfNode *conf,
                                ThresholdCtx *ctx, uint32_t *gid, uint32_t *sid, char *err,
                                size_t errlen);

#endif
