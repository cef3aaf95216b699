/*
 * store_backend.h — the contract between store.c (the dispatcher behind store.h) and
 * the two storage backends. Each backend implements every store.h operation under its
 * own prefix and handle type (sq_/sq_store for SQLite, pg_/pg_store for PostgreSQL);
 * the list is written once, as a macro, so the two cannot drift apart.
 */
#ifndef BONGSU_HUB_STORE_BACKEND_H
#define BONGSU_HUB_STORE_BACKEND_H

#include "store.h"

typedef struct sq_store sq_store;
typedef struct pg_store pg_store;

#define HUB_STORE_BACKEND(P, T)                                                            \
    hub_status P##_open(const char *path, T **out);                                        \
    void P##_close(T *s);                                                                  \
    hub_status P##_token_add(T *s, const char *name, hub_role role, const char *hash_hex); \
    hub_status P##_token_revoke(T *s, const char *name);                                   \
    hub_status P##_token_lookup(T *s, const char *hash_hex, char *name_out,                \
                                size_t name_len, hub_role *role_out);                      \
    hub_status P##_token_list(T *s, hub_token_cb cb, void *ud);                            \
    void P##_share_write_lock(T *s, pthread_mutex_t *mu);                                  \
    hub_status P##_begin(T *s);                                                            \
    hub_status P##_commit(T *s, hub_commit_mark *mark);                                    \
    hub_status P##_durable(T *s, const hub_commit_mark *mark);                             \
    void P##_rollback(T *s);                                                               \
    hub_status P##_event_add(T *s, const char *sensor, int64_t received_us,                \
                             const hub_event_fields *f);                                   \
    hub_status P##_idem_get(T *s, const char *scope, const char *key, char **reply_out);   \
    hub_status P##_idem_put(T *s, const char *scope, const char *key, const char *reply);  \
    hub_status P##_idem_prune(T *s, int64_t before_us, int64_t *removed);                  \
    hub_status P##_idem_claim(T *s, const char *scope, const char *const *keys, size_t n,  \
                              bool *fresh);                                                \
    hub_status P##_retain(T *s, int64_t before_us, int64_t *dropped);                      \
    hub_status P##_events(T *s, const hub_event_filter *flt, hub_event_cb cb, void *ud);   \
    hub_status P##_pair_events(T *s, const hub_event_filter *flt, const hub_pair_read *pairs, \
                               size_t n, unsigned per_pair, hub_pair_cb cb, void *ud);     \
    hub_status P##_count_by(T *s, const hub_event_filter *flt, hub_dim dim,                \
                            unsigned limit, hub_count_cb cb, void *ud);                    \
    hub_status P##_time_range(T *s, const hub_event_filter *flt, int64_t *count,           \
                              int64_t *first_us, int64_t *last_us);

HUB_STORE_BACKEND(sq, sq_store)
HUB_STORE_BACKEND(pg, pg_store)

#endif
