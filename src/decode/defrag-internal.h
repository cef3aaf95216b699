/*
 * defrag-internal.h - what defrag.c and defrag-policy.c share: a held fragment and the
 * overlap policy step. Not for use outside the defrag files.
 */
#ifndef BONGSU_DEFRAG_INTERNAL_H
#define BONGSU_DEFRAG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/defrag.h"

typedef struct DefragFrag {
    struct DefragFrag *prev, *next;
    uint32_t offset;   /* of the kept data within the fragmentable part */
    uint32_t data_len; /* bytes kept from offset on */
    uint32_t ltrim;    /* leading bytes that a preferred fragment later covered */
    uint32_t hdr_len;  /* header bytes stored before the data (offset 0 only) */
    bool more_frags;
    uint8_t bytes[];   /* hdr_len header bytes, then data_len data bytes */
} DefragFrag;

/* What one held fragment means for a new one [off, end) under a policy. */
typedef enum DefragStep {
    DEFRAG_STEP_NEXT,   /* no decision: look at the next held fragment */
    DEFRAG_STEP_INSERT, /* keep the new fragment (after *ltrim), stop looking */
    DEFRAG_STEP_DROP,   /* the new fragment brings nothing the policy keeps */
} DefragStep;

/* Applies `policy` to the held fragment `prev` (and its successor `next`): may grow *ltrim,
 * trim the held fragments' fronts, or set *drop_prev when the new one replaces `prev`. */
DefragStep defrag_policy_step(DefragPolicy policy, DefragFrag *prev, DefragFrag *next,
                              uint32_t off, uint32_t end, uint32_t *ltrim, bool *drop_prev);

/* The policy for a datagram to `dst` (4 or 16 bytes by family). */
DefragPolicy defrag_policy_for(const DefragConfig *cfg, uint8_t family, const uint8_t *dst);

#endif
