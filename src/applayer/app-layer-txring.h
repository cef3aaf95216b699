/*
 * app-layer-txring.h - a fixed-size window of a flow's live transactions, by id.
 *
 * Parsers whose transactions are small heap objects logged roughly in order (FTP, SMB)
 * keep them here: ids only grow, a transaction lives in slot id % APP_TX_RING_MAX, and at
 * most APP_TX_RING_MAX unfreed transactions exist at once, so a peer that never lets
 * transactions complete cannot make the flow's state grow (app_tx_ring_add fails instead
 * and the parser counts the limit hit). No allocation: the window is part of the state.
 * DNS does not use it: one TCP read may carry thousands of messages, all live until the
 * parse call returns, and a 2 KiB window in every (mostly one-query) DNS flow costs memory.
 */
#ifndef BONGSU_APP_LAYER_TXRING_H
#define BONGSU_APP_LAYER_TXRING_H

#include <stdbool.h>
#include <stdint.h>

#define APP_TX_RING_MAX 256u

typedef struct AppTxRing {
    void *slots[APP_TX_RING_MAX];
    uint64_t base, next;       /* ids below base are freed; next is the next id to give */
} AppTxRing;

/* The transaction with this id, NULL when freed or never made. */
void *app_tx_ring_get(const AppTxRing *r, uint64_t id);
/* Stores tx under the next id (returned in *id); false when the window is full. */
bool app_tx_ring_add(AppTxRing *r, void *tx, uint64_t *id);
/* Forgets the transaction (the caller frees it) and moves the window past freed ones. */
void app_tx_ring_remove(AppTxRing *r, uint64_t id);
/* Forgets the transaction with this id and returns it (the caller frees it); NULL if none. */
void *app_tx_ring_take(AppTxRing *r, uint64_t id);
/* Calls free_fn on every live transaction (state teardown). */
void app_tx_ring_clear(AppTxRing *r, void (*free_fn)(void *tx));

/* AppLayerParser's tx_count and tx_get, for a parser whose state begins with its AppTxRing
 * (the state's file checks that with a static assertion): the ids given so far, and the live
 * transaction by id. One pair of hooks instead of a copy in each parser. */
uint64_t app_tx_ring_state_count(void *state);
void *app_tx_ring_state_get(void *state, uint64_t id);

#endif
