/*
 * packet-pool.h - recycled Packet objects with their byte buffers.
 *
 * Capture takes a packet from the pool, fills it and hands it down the pipeline; the worker
 * that finishes with it puts it back. The pool has a fixed size (max-pending-packets), which
 * is what bounds memory and gives back-pressure: when every packet is in flight, capture waits
 * (file mode) rather than allocating more. Pseudo packets (defrag, tunnels) come from the same
 * pool but never wait; when none is free they are dropped and counted by the caller.
 */
#ifndef BONGSU_PACKET_POOL_H
#define BONGSU_PACKET_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "decode/packet.h"

typedef struct PacketPool {
    pthread_mutex_t lock;
    pthread_cond_t available;
    Packet **free_list;
    size_t free_count;
    size_t capacity;
} PacketPool;

int packet_pool_init(PacketPool *pool, size_t capacity);
void packet_pool_destroy(PacketPool *pool);
/* Blocks until a packet is free. */
Packet *packet_pool_get(PacketPool *pool);
/* NULL when none is free. */
Packet *packet_pool_try_get(PacketPool *pool);
void packet_pool_put(PacketPool *pool, Packet *p);

#endif
