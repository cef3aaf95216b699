/*
 * sqlite_ckpt.h — a thread that checkpoints a SQLite database's WAL when a committing
 * connection asks it to, so that commits do not wait for checkpoints (sqlite_ckpt.c).
 */
#ifndef BONGSU_HUB_SQLITE_CKPT_H
#define BONGSU_HUB_SQLITE_CKPT_H

#include <pthread.h>
#include <stdbool.h>

typedef struct sq_ckpt sq_ckpt;

/* Starts the thread for the database file at path (its own connection); ckpt_pages is
 * the WAL length at which commits ask for a checkpoint; write_mu the lock the writers
 * share (NULL: none), which the checkpoint's last short pass takes. NULL when it cannot
 * run (an in-memory database, no memory): the caller then checkpoints itself. */
sq_ckpt *sq_ckpt_start(const char *path, int ckpt_pages, pthread_mutex_t *write_mu);

/* Asks for a checkpoint of a WAL now wal_pages long; returns at once. False when the
 * thread could not open its connection: the caller must checkpoint itself. */
bool sq_ckpt_kick(sq_ckpt *c, int wal_pages);

/* Stops and joins the thread (a checkpoint under way finishes first); c may be NULL. */
void sq_ckpt_stop(sq_ckpt *c);

#endif
