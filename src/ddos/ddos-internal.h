/*
 * ddos-internal.h - the detector's state, shared by the files of src/ddos only.
 *
 * A victim is a protected destination that has earned an exact entry: per-class packet
 * counts for the current and the previous second of packet time (a sliding one-second rate
 * is cur + prev * (1 - fraction of the current second elapsed), so a flood is seen as soon as
 * its rate crosses, not at the next second boundary), an EWMA baseline per class, and the
 * summaries that give the signs (sources, ports, source spread, TTLs). About 1.3 KiB each.
 */
#ifndef BONGSU_DDOS_INTERNAL_H
#define BONGSU_DDOS_INTERNAL_H

#include "ddos/ddos-classify.h"
#include "ddos/ddos-config.h"
#include "ddos/ddos-mitigate.h"
#include "ddos/ddos-sketch.h"
#include "ddos/ddos.h"

/* 4 x 64Ki counters (1 MiB): an average counter collects 1/65536 of the untracked
 * destinations' traffic, 15 packets/s at a million packets/s, far below admit-pps. */
#define DDOS_CMS_WIDTH 65536

typedef struct DdosVictim {
    Address addr;
    bool used, active;
    const DdosThresholds *thr;
    const DdosPrefix *prefix;
    uint64_t sec;                         /* packet-time second of cur[] */
    uint64_t last_seen_usec;
    uint32_t cur[DDOS_CLASS_COUNT], prev[DDOS_CLASS_COUNT];
    uint64_t cur_bytes, prev_bytes;
    DdosEwma baseline[DDOS_CLASS_COUNT];
    /* Signs, gathered since the victim last was quiet. */
    DdosTopK sources, src_ports, dst_ports;
    DdosSpread spread;
    uint64_t ttls[4];                     /* bitmap of TTL values */
    uint64_t syns, acks;                  /* handshakes begun and (at best) completed */
    /* The attack, while active. */
    DdosAttack attack;
    DdosClass trigger_class;
    bool adaptive_trigger;
    double threshold_pps;                 /* what the trigger class crossed */
    double baseline_pps;
    uint64_t start_usec, last_hot_usec, next_update_usec;
    uint64_t packets, bytes;              /* since start */
    double peak_pps, peak_bps;
} DdosVictim;

struct DdosDetector {
    const DdosConfig *cfg;
    EveWriter writer;
    DdosCms cms;                          /* this second's packets per protected address */
    uint64_t cms_sec, cms_total;
    DdosVictim *victims;
    uint32_t victim_count;                /* cfg->max_victims */
    uint32_t *index;                      /* open addressing: victim number + 1, 0 empty */
    uint32_t index_mask;
    DdosMitigator *mitigator;             /* NULL without commands */
    uint64_t now_usec;
    CounterSet *counters;                 /* the caller's, or own_counters */
    CounterSet own_counters;              /* when the caller gave none (tests) */
    uint32_t victims_used;
};

/* ddos.* counter ids (ddos-detect.c). */
typedef struct DdosCounterIds {
    CounterId packets;          /* packets to protected addresses */
    CounterId victims;          /* most destinations tracked exactly at once */
    CounterId victims_evicted;  /* idle entries given to a new heavy destination */
    CounterId victim_table_full;/* a heavy destination found every entry under attack */
    CounterId attacks_started, attacks_ended;
    CounterId mitigation_dropped; /* commands not run: the queue was full */
} DdosCounterIds;
extern DdosCounterIds ddos_ids;

/* Sliding one-second rate of class c at ts_usec, in packets/s. */
double ddos_victim_rate(const DdosVictim *v, DdosClass c, uint64_t ts_usec);
double ddos_victim_bps(const DdosVictim *v, uint64_t ts_usec);
void ddos_victim_signs(const DdosVictim *v, DdosSigns *signs);

/* ddos-log.c: the EVE ddos event, the start alert, the mitigation environment. */
void ddos_log_event(DdosDetector *d, const DdosVictim *v, const char *state, uint64_t ts_usec);
void ddos_log_alert(DdosDetector *d, const DdosVictim *v, const Packet *p);
void ddos_log_mitigation(DdosDetector *d, const DdosVictim *v, const char *state,
                         uint64_t ts_usec);

#endif
