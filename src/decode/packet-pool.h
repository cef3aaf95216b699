/*
 * packet-pool.h - recycled Packet objects with their byte buffers.
 *
 * Capture takes a packet from the pool, fills it and hands it down the pipeline; the worker
 * that finishes with it puts it back. The pool has a fixed size (max-pending-packets), which
 * is what bounds memory and gives back-pressure: when every packet is in flight, capture waits
 * (file mode) rather than allocating more. Pseudo packets (defrag, tunnels) come from the same
 * pool but never wait: capture leaves the last PACKET_POOL_RESERVE packets to them, so the
 * pseudo packets of the packet being decoded always find room even when every other packet
 * is queued to a worker.
 */
#ifndef BONGSU_PACKET_POOL_H
#define BONGSU_PACKET_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "decode/packet.h"

/* Enough for every pseudo packet one captured packet can produce (DECODE_MAX_PSEUDO). */
#define PACKET_POOL_RESERVE 8

typedef struct PacketPool {
    pthread_mutex_t lock;
    pthread_cond_t available;
    Packet **free_list;
    size_t free_count;
    size_t capacity;
    size_t reserve;     /* kept for try_get (pseudo packets) */
} PacketPool;

int packet_pool_init(PacketPool *pool, size_t capacity);
void packet_pool_destroy(PacketPool *pool);
/* Blocks until a packet beyond the reserve is free. */
Packet *packet_pool_get(PacketPool *pool);
/* NULL when none beyond the reserve is free. */
Packet *packet_pool_try_get(PacketPool *pool);
/* For pseudo packets: may take from the reserve; NULL only when the pool is empty. */
Packet *packet_pool_try_get_reserved(PacketPool *pool);
void packet_pool_put(PacketPool *pool, Packet *p);

#endif
