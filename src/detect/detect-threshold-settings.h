/*
 * detect-threshold-settings.h - the "name value, name value" list shared by the threshold
 * and detection_filter keywords and threshold.config lines (see detect-threshold-settings.c).
 */
#ifndef BONGSU_DETECT_THRESHOLD_SETTINGS_H
#define BONGSU_DETECT_THRESHOLD_SETTINGS_H

#include "detect/detect-threshold.h"

/* Which settings a list had (bit per name). */
enum {
    TS_GEN_ID = 1 << 0, TS_SIG_ID = 1 << 1, TS_TYPE = 1 << 2, TS_TRACK = 1 << 3,
    TS_COUNT = 1 << 4, TS_SECONDS = 1 << 5, TS_NEW_ACTION = 1 << 6, TS_TIMEOUT = 1 << 7,
    TS_IP = 1 << 8,
};

typedef struct ThresholdSettings {
    unsigned seen;
    uint32_t gen_id, sig_id, count, seconds, timeout;
    ThresholdType type;      /* TH_LIMIT, TH_THRESHOLD or TH_BOTH */
    ThresholdTrack track;
    SigAction new_action;
    char ip[1024];           /* the ip value as written: address, CIDR, list or $VAR */
} ThresholdSettings;

/* Parses text ("track by_src, count 1, ..."); -1 with err on an unknown name, a bad value or
 * a name given twice. */
int threshold_settings_parse(const char *text, ThresholdSettings *out, char *err,
                             size_t errlen);
/* Checks that every setting in `need` is present and none outside `allowed`. */
int threshold_settings_expect(const ThresholdSettings *st, unsigned need, unsigned allowed,
                              char *err, size_t errlen);

#endif
