/*
 * reply_arena.h — hiredis replies built in one arena per reply (see reply_arena.c).
 */
#ifndef BONGSU_HUB_REPLY_ARENA_H
#define BONGSU_HUB_REPLY_ARENA_H

#include <hiredis/hiredis.h>

typedef struct hub_arena_chunk hub_arena_chunk;

/* The state of one connection's replies; zero-initialise it, keep it as long as the
 * connection, and use it for that connection only. */
typedef struct {
    hub_arena_chunk *last; /* the chunk the reply being read allocates from */
} hub_reply_arena;

/* From now on, the replies of reader r (a connection's: c->reader) are built in
 * arenas. Each must be freed with hub_reply_free, never freeReplyObject. */
void hub_reply_arena_use(redisReader *r, hub_reply_arena *a);
/* Frees a reply of such a connection (NULL is fine). */
void hub_reply_free(redisReply *r);

#endif
