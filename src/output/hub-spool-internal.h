/*
 * hub-spool-internal.h - what the spool writer and the sender share.
 */
#ifndef BONGSU_HUB_SPOOL_INTERNAL_H
#define BONGSU_HUB_SPOOL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "output/hub-spool.h"

struct HubSpool {
    HubSpoolConfig cfg;
    char instance[40];
    /* writer side (the EVE log's lock protects it) */
    FILE *file;
    char open_path[4200];
    uint64_t current_seq, next_seq;
    time_t opened_at;
    /* sender side */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    time_t drain_deadline;
    RedisSink *redis;        /* to_redis: the connection, kept between segments */
};

int hub_sender_start(HubSpool *sp);
void hub_sender_wake(HubSpool *sp);
void hub_sender_stop(HubSpool *sp, uint32_t drain_sec);

#endif
