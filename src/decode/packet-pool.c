/*
 * packet-pool.c - recycled Packet objects (see packet-pool.h).
 */
#include "decode/packet-pool.h"

#include <stdlib.h>
#include <string.h>

int packet_pool_init(PacketPool *pool, size_t capacity)
{
    memset(pool, 0, sizeof(*pool));
    pool->free_list = calloc(capacity, sizeof(Packet *));
    if (!pool->free_list)
        return -1;
    for (size_t i = 0; i < capacity; i++) {
        Packet *p = calloc(1, sizeof(Packet));
        if (!p)
            return -1;
        pool->free_list[pool->free_count++] = p;
    }
    pool->capacity = capacity;
    pool->reserve = capacity > 4 * PACKET_POOL_RESERVE ? PACKET_POOL_RESERVE : 0;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->available, NULL);
    return 0;
}

void packet_pool_destroy(PacketPool *pool)
{
    for (size_t i = 0; i < pool->free_count; i++) {
        packet_free(pool->free_list[i]);
        free(pool->free_list[i]);
    }
    free(pool->free_list);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->available);
    memset(pool, 0, sizeof(*pool));
}

Packet *packet_pool_get(PacketPool *pool)
{
    pthread_mutex_lock(&pool->lock);
    while (pool->free_count <= pool->reserve)
        pthread_cond_wait(&pool->available, &pool->lock);
    Packet *p = pool->free_list[--pool->free_count];
    pthread_mutex_unlock(&pool->lock);
    return p;
}

static Packet *try_get_above(PacketPool *pool, size_t keep)
{
    Packet *p = NULL;
    pthread_mutex_lock(&pool->lock);
    if (pool->free_count > keep)
        p = pool->free_list[--pool->free_count];
    pthread_mutex_unlock(&pool->lock);
    return p;
}

Packet *packet_pool_try_get(PacketPool *pool)
{
    return try_get_above(pool, pool->reserve);
}

Packet *packet_pool_try_get_reserved(PacketPool *pool)
{
    return try_get_above(pool, 0);
}

void packet_pool_put(PacketPool *pool, Packet *p)
{
    p->flow = NULL;
    pthread_mutex_lock(&pool->lock);
    pool->free_list[pool->free_count++] = p;
    pthread_cond_signal(&pool->available);
    pthread_mutex_unlock(&pool->lock);
}
