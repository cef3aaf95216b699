/*
 * test-txring.c - unit tests for the transaction window (src/applayer/app-layer-txring.c) that
 * FTP, SMB and SMTP keep their transactions in: ids only grow, a full window refuses, taking or
 * removing a transaction moves the window past freed ids, and the tx_count/tx_get hooks read a
 * ring at the start of a parser state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "applayer/app-layer-txring.h"

typedef struct FakeState {
    AppTxRing txs; /* first, as the hooks need */
    int other;
} FakeState;

static int items[APP_TX_RING_MAX + 1];

static void ids_grow_and_full_window_refuses(void **state)
{
    (void)state;
    static AppTxRing r;
    uint64_t id = 99;
    for (uint32_t i = 0; i < APP_TX_RING_MAX; i++) {
        assert_true(app_tx_ring_add(&r, &items[i], &id));
        assert_int_equal(id, i);
    }
    assert_false(app_tx_ring_add(&r, &items[APP_TX_RING_MAX], &id));
    assert_ptr_equal(app_tx_ring_take(&r, 0), &items[0]);
    assert_null(app_tx_ring_get(&r, 0));
    assert_null(app_tx_ring_take(&r, 0)); /* already gone */
    assert_true(app_tx_ring_add(&r, &items[APP_TX_RING_MAX], &id));
    assert_int_equal(id, APP_TX_RING_MAX);
    assert_ptr_equal(app_tx_ring_get(&r, APP_TX_RING_MAX), &items[APP_TX_RING_MAX]);
    assert_null(app_tx_ring_get(&r, APP_TX_RING_MAX + 1)); /* never made */
}

static void take_out_of_order_moves_base_past_freed(void **state)
{
    (void)state;
    static AppTxRing r;
    uint64_t id;
    for (int i = 0; i < 3; i++)
        assert_true(app_tx_ring_add(&r, &items[i], &id));
    assert_ptr_equal(app_tx_ring_take(&r, 1), &items[1]);
    assert_int_equal(r.base, 0); /* 0 still live */
    assert_ptr_equal(app_tx_ring_take(&r, 0), &items[0]);
    assert_int_equal(r.base, 2);
    assert_ptr_equal(app_tx_ring_get(&r, 2), &items[2]);
}

static void state_hooks_read_the_leading_ring(void **state)
{
    (void)state;
    static FakeState s;
    uint64_t id;
    assert_int_equal(app_tx_ring_state_count(&s), 0);
    assert_true(app_tx_ring_add(&s.txs, &items[5], &id));
    assert_true(app_tx_ring_add(&s.txs, &items[6], &id));
    assert_int_equal(app_tx_ring_state_count(&s), 2);
    assert_ptr_equal(app_tx_ring_state_get(&s, 1), &items[6]);
    app_tx_ring_remove(&s.txs, 0);
    assert_null(app_tx_ring_state_get(&s, 0));
    assert_int_equal(app_tx_ring_state_count(&s), 2); /* ids are never reused */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ids_grow_and_full_window_refuses),
        cmocka_unit_test(take_out_of_order_moves_base_past_freed),
        cmocka_unit_test(state_hooks_read_the_leading_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
