/*
 * app-layer-txring.c - the transaction window of app-layer-txring.h.
 */
#include "applayer/app-layer-txring.h"

#include <stddef.h>

void *app_tx_ring_get(const AppTxRing *r, uint64_t id)
{
    if (id < r->base || id >= r->next)
        return NULL;
    return r->slots[id % APP_TX_RING_MAX];
}

bool app_tx_ring_add(AppTxRing *r, void *tx, uint64_t *id)
{
    if (r->next - r->base >= APP_TX_RING_MAX)
        return false;
    *id = r->next++;
    r->slots[*id % APP_TX_RING_MAX] = tx;
    return true;
}

void app_tx_ring_remove(AppTxRing *r, uint64_t id)
{
    if (id < r->base || id >= r->next)
        return;
    r->slots[id % APP_TX_RING_MAX] = NULL;
    while (r->base < r->next && !r->slots[r->base % APP_TX_RING_MAX])
        r->base++;
}

void *app_tx_ring_take(AppTxRing *r, uint64_t id)
{
    void *tx = app_tx_ring_get(r, id);
    if (tx)
        app_tx_ring_remove(r, id);
    return tx;
}

void app_tx_ring_clear(AppTxRing *r, void (*free_fn)(void *tx))
{
    for (uint64_t id = r->base; id < r->next; id++) {
        void *tx = r->slots[id % APP_TX_RING_MAX];
        if (tx)
            free_fn(tx);
        r->slots[id % APP_TX_RING_MAX] = NULL;
    }
    r->base = r->next;
}

uint64_t app_tx_ring_state_count(void *state)
{
    return ((const AppTxRing *)state)->next;
}

void *app_tx_ring_state_get(void *state, uint64_t id)
{
    return app_tx_ring_get(state, id);
}
