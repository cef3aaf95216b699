/*
 * fuzz-decode-util.h - the decode harness the decoder fuzz targets share.
 *
 * Counters and a packet pool live for the whole fuzzing process; each input gets a fresh
 * defrag table with small limits (fuzz_begin/fuzz_end), so an input is reproducible on its
 * own and memory is balanced per input (libFuzzer's leak check stays quiet) while fragments
 * within one input still meet. fuzz_decode() decodes one captured packet and then every
 * pseudo packet it produced (tunnel inner packets, reassembled datagrams), the way the
 * worker loop does.
 */
#ifndef BONGSU_FUZZ_DECODE_UTIL_H
#define BONGSU_FUZZ_DECODE_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include "decode/decode.h"
#include "decode/defrag.h"
#include "decode/packet-pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FuzzDecoder {
    CounterSet counters;
    PacketPool pool;
    DefragTable *defrag;
    DecodeThread dt;
    Packet pkt;
} FuzzDecoder;

static FuzzDecoder fuzz_state;

/* Sets up what lives across inputs (once) and a fresh defrag table for this input, whose
 * overlap policy applies to every destination. */
static inline void fuzz_begin_with_policy(DefragPolicy policy)
{
    FuzzDecoder *fd = &fuzz_state;
    static int ready;
    if (!ready) {
        counters_reset_registry();
        decode_register_counters();
        defrag_register_counters();
        if (counter_set_init(&fd->counters) != 0 || packet_pool_init(&fd->pool, 64) != 0)
            abort();
        ready = 1;
    }
    DefragConfig cfg;
    defrag_config_default(&cfg);
    cfg.memcap = 4u << 20;
    cfg.trackers = 256;
    cfg.max_frags = 512;
    if (policy != DEFRAG_POLICY_BSD && (defrag_config_add_host(&cfg, "0.0.0.0/0", policy) != 0 ||
                                        defrag_config_add_host(&cfg, "::/0", policy) != 0))
        abort();
    fd->defrag = defrag_table_new(&cfg);
    if (!fd->defrag)
        abort();
    decode_thread_init(&fd->dt, &fd->counters, fd->defrag, &fd->pool);
}

static inline void fuzz_begin(void)
{
    fuzz_begin_with_policy(DEFRAG_POLICY_BSD);
}

static inline void fuzz_end(void)
{
    defrag_table_free(fuzz_state.defrag);
    fuzz_state.defrag = NULL;
}

/* Decodes data as one captured packet of `datalink`, then all pseudo packets. */
static inline void fuzz_decode(const uint8_t *data, size_t size, int datalink, uint64_t ts_usec)
{
    FuzzDecoder *fd = &fuzz_state;
    if (size > 65535)
        size = 65535;
    if (packet_set_data(&fd->pkt, data, (uint32_t)size, (uint32_t)size, ts_usec, 1, datalink))
        return;
    decode_packet(&fd->dt, &fd->pkt);
    Packet *p;
    while ((p = decode_take_pseudo(&fd->dt)) != NULL) {
        decode_pseudo_packet(&fd->dt, p);
        packet_pool_put(&fd->pool, p);
    }
}

#endif
