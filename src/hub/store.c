/*
 * store.c — store.h's entry points: picks the backend from the location at open time
 * and forwards every call to it. A URL scheme selects PostgreSQL; anything else is a
 * SQLite file name, so existing "--db hub.db" command lines keep working unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "store_backend.h"

struct hub_store {
    sq_store *sq; /* exactly one of the two is set */
    pg_store *pg;
};

#define CALL(s, fn, ...) ((s)->pg ? pg_##fn((s)->pg, __VA_ARGS__) : sq_##fn((s)->sq, __VA_ARGS__))

bool hub_store_is_pg(const char *path)
{
    return strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0;
}

hub_status hub_store_open(const char *path, hub_store **out)
{
    hub_store *s = calloc(1, sizeof *s);
    if (!s)
        return HUB_ERR_NOMEM;
    hub_status st = hub_store_is_pg(path) ? pg_open(path, &s->pg) : sq_open(path, &s->sq);
    if (st != HUB_OK) {
        free(s);
        return st;
    }
    *out = s;
    return HUB_OK;
}

void hub_store_close(hub_store *s)
{
    if (!s)
        return;
    if (s->pg)
        pg_close(s->pg);
    else
        sq_close(s->sq);
    free(s);
}

hub_status hub_store_token_add(hub_store *s, const char *name, hub_role role,
                               const char *hash_hex)
{
    return CALL(s, token_add, name, role, hash_hex);
}

hub_status hub_store_token_revoke(hub_store *s, const char *name)
{
    return CALL(s, token_revoke, name);
}

hub_status hub_store_token_lookup(hub_store *s, const char *hash_hex, char *name_out,
                                  size_t name_len, hub_role *role_out)
{
    return CALL(s, token_lookup, hash_hex, name_out, name_len, role_out);
}

hub_status hub_store_token_list(hub_store *s, hub_token_cb cb, void *ud)
{
    return CALL(s, token_list, cb, ud);
}

void hub_store_share_write_lock(hub_store *s, pthread_mutex_t *mu)
{
    CALL(s, share_write_lock, mu);
}

hub_status hub_store_begin(hub_store *s)
{
    return s->pg ? pg_begin(s->pg) : sq_begin(s->sq);
}

hub_status hub_store_commit(hub_store *s)
{
    return s->pg ? pg_commit(s->pg, NULL) : sq_commit(s->sq, NULL);
}

hub_status hub_store_commit_early(hub_store *s, hub_commit_mark *mark)
{
    return s->pg ? pg_commit(s->pg, mark) : sq_commit(s->sq, mark);
}

hub_status hub_store_durable(hub_store *s, const hub_commit_mark *mark)
{
    return CALL(s, durable, mark);
}

void hub_store_rollback(hub_store *s)
{
    if (s->pg)
        pg_rollback(s->pg);
    else
        sq_rollback(s->sq);
}

hub_status hub_store_event_add(hub_store *s, const char *sensor, int64_t received_us,
                               const hub_event_fields *f)
{
    return CALL(s, event_add, sensor, received_us, f);
}

hub_status hub_store_idem_get(hub_store *s, const char *scope, const char *key,
                              char **reply_out)
{
    return CALL(s, idem_get, scope, key, reply_out);
}

hub_status hub_store_idem_put(hub_store *s, const char *scope, const char *key,
                              const char *reply)
{
    return CALL(s, idem_put, scope, key, reply);
}

hub_status hub_store_idem_prune(hub_store *s, int64_t before_us, int64_t *removed)
{
    return CALL(s, idem_prune, before_us, removed);
}

hub_status hub_store_idem_claim(hub_store *s, const char *scope, const char *const *keys,
                                size_t n, bool *fresh)
{
    return CALL(s, idem_claim, scope, keys, n, fresh);
}

hub_status hub_store_retain(hub_store *s, int64_t before_us, int64_t *dropped)
{
    return CALL(s, retain, before_us, dropped);
}

hub_status hub_store_events(hub_store *s, const hub_event_filter *flt, hub_event_cb cb,
                            void *ud)
{
    return CALL(s, events, flt, cb, ud);
}

hub_status hub_store_pair_events(hub_store *s, const hub_event_filter *flt,
                                 const hub_pair_read *pairs, size_t n, unsigned per_pair,
                                 hub_pair_cb cb, void *ud)
{
    return CALL(s, pair_events, flt, pairs, n, per_pair, cb, ud);
}

hub_status hub_store_count_by(hub_store *s, const hub_event_filter *flt, hub_dim dim,
                              unsigned limit, hub_count_cb cb, void *ud)
{
    return CALL(s, count_by, flt, dim, limit, cb, ud);
}

hub_status hub_store_time_range(hub_store *s, const hub_event_filter *flt, int64_t *count,
                                int64_t *first_us, int64_t *last_us)
{
    return CALL(s, time_range, flt, count, first_us, last_us);
}

hub_status hub_store_count(hub_store *s, const hub_event_filter *flt, int64_t *out)
{
    int64_t a, b;
    return hub_store_time_range(s, flt, out, &a, &b);
}
