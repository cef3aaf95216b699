/*
 * detect-engine.h - the loaded rule set and its groups (see detect-engine.c, detect-load.c).
 */
#ifndef BONGSU_DETECT_ENGINE_H
#define BONGSU_DETECT_ENGINE_H

#include "detect/detect-internal.h"

enum { DETECT_GROUP_TCP, DETECT_GROUP_UDP, DETECT_GROUP_ICMP, DETECT_GROUP_OTHER,
       DETECT_GROUP_COUNT };

typedef struct SigGroup {
    uint32_t *sigs;
    uint32_t count;
} SigGroup;

struct DetectEngine {
    Signature **sigs;
    uint32_t count;
    SigGroup packet_groups[DETECT_GROUP_COUNT];
    SigGroup tx_groups[ALPROTO_MAX];
};

struct DetectThread {
    const DetectEngine *de;
    CounterSet *counters;
    EveWriter *eve;
};

int detect_engine_build_groups(DetectEngine *de);

#endif
