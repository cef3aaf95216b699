/*
 * reply_arena.c — hiredis replies built in one arena per reply, for the hub worker.
 *
 * A worker's XREADGROUP reply holds a batch: thousands of entries, each an array of an
 * id and a field array of strings. hiredis builds every one of those objects with its
 * own malloc (about fourteen per entry) and frees them one by one: a fifth of the
 * worker's instructions went to malloc and free (callgrind, bench/RESULTS.md). Here a
 * reply's objects are carved out of a few large chunks, and freeing the reply frees the
 * chunks. The objects are hiredis's own redisReply, so readers of a reply see no
 * difference; only the free differs (hub_reply_free).
 *
 * The reader's object functions (redisReplyObjectFunctions) are hiredis's public hook for
 * this. The root of a reply (a task without a parent) is allocated first, at the start
 * of a new chunk, so the reply's address is also its arena's.
 */
#include "reply_arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES (256u << 10)

struct hub_arena_chunk {
    hub_arena_chunk *next;
    size_t used, cap;
    max_align_t data[]; /* the reply's objects, the root first */
};

static hub_arena_chunk *chunk_new(size_t need)
{
    size_t cap = need > CHUNK_BYTES ? need : CHUNK_BYTES;
    hub_arena_chunk *c = malloc(offsetof(hub_arena_chunk, data) + cap);
    if (c)
        *c = (hub_arena_chunk){.cap = cap};
    return c;
}

/* n bytes of the current reply's arena; the root object starts a new arena. */
static void *arena_alloc(const redisReadTask *task, size_t n, bool root_object)
{
    hub_reply_arena *a = task->privdata;
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    hub_arena_chunk *c = root_object ? NULL : a->last;
    if (!c || c->cap - c->used < n) {
        hub_arena_chunk *fresh = chunk_new(n);
        if (!fresh)
            return NULL;
        if (c)
            c->next = fresh;
        a->last = c = fresh;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

/* A new reply object of `type`, linked into its parent array. */
static redisReply *object_new(const redisReadTask *task, int type)
{
    redisReply *r = arena_alloc(task, sizeof *r, !task->parent);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->type = type;
    if (task->parent) {
        redisReply *parent = task->parent->obj;
        parent->element[task->idx] = r;
    }
    return r;
}

static void *create_string(const redisReadTask *task, char *str, size_t len)
{
    redisReply *r = object_new(task, task->type);
    char *copy = r ? arena_alloc(task, len + 1, false) : NULL;
    if (!copy)
        return NULL;
    memcpy(copy, str, len);
    copy[len] = '\0';
    r->str = copy;
    r->len = len;
    return r;
}

static void *create_array(const redisReadTask *task, int elements)
{
    redisReply *r = object_new(task, REDIS_REPLY_ARRAY);
    if (!r)
        return NULL;
    if (elements > 0 &&
        !(r->element = arena_alloc(task, (size_t)elements * sizeof *r->element, false)))
        return NULL;
    r->elements = elements > 0 ? (size_t)elements : 0;
    return r;
}

static void *create_integer(const redisReadTask *task, long long value)
{
    redisReply *r = object_new(task, REDIS_REPLY_INTEGER);
    if (r)
        r->integer = value;
    return r;
}

static void *create_nil(const redisReadTask *task)
{
    return object_new(task, REDIS_REPLY_NIL);
}

void hub_reply_free(redisReply *r)
{
    if (!r)
        return;
    hub_arena_chunk *c =
        (hub_arena_chunk *)((char *)r - offsetof(hub_arena_chunk, data));
    while (c) {
        hub_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

static void free_object(void *reply)
{
    hub_reply_free(reply);
}

static redisReplyObjectFunctions arena_functions = {
    create_string, create_array, create_integer, create_nil, free_object,
};

void hub_reply_arena_use(redisReader *r, hub_reply_arena *a)
{
    a->last = NULL;
    r->fn = &arena_functions;
    r->privdata = a;
}
