/*
 * test_event_keys.c — the per-batch table of event keys (event_keys.c): one row per
 * (kind, value, bucket) whatever the number of events and the table's growth, each
 * holding exactly its events (time and number in the batch); buckets rounded down
 * before 1970 too; the values copied (a caller's buffer is reused), NULL values skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_keys.h"

static const hub_key_row *find(const hub_keys *k, hub_key_kind kind, const char *value,
                               int64_t bucket_us)
{
    const hub_key_row *found = NULL;
    for (size_t i = 0; i < k->cap; i++) {
        const hub_key_row *r = &k->tab[i];
        if (r->value && r->kind == kind && r->bucket_us == bucket_us &&
            strcmp(r->value, value) == 0) {
            assert_null(found); /* one row per key */
            found = r;
        }
    }
    return found;
}

static void test_bucket(void **state)
{
    (void)state;
    assert_int_equal(hub_key_bucket(0), 0);
    assert_int_equal(hub_key_bucket(HUB_KEY_BUCKET_US - 1), 0);
    assert_int_equal(hub_key_bucket(HUB_KEY_BUCKET_US), HUB_KEY_BUCKET_US);
    assert_int_equal(hub_key_bucket(-1), -HUB_KEY_BUCKET_US);
    assert_int_equal(hub_key_bucket(-HUB_KEY_BUCKET_US), -HUB_KEY_BUCKET_US);
    assert_int_equal(hub_key_bucket(INT64_MIN), INT64_MIN); /* no overflow at the ends */
    assert_int_equal(hub_key_bucket(INT64_MIN + 1), INT64_MIN);
    assert_true(hub_key_bucket(INT64_MAX) > INT64_MAX - HUB_KEY_BUCKET_US);
    assert_int_equal(hub_key_bucket(INT64_MAX) % HUB_KEY_BUCKET_US, 0);
    /* aligned to days: a day is 144 buckets */
    assert_int_equal(INT64_C(86400000000) % HUB_KEY_BUCKET_US, 0);
}

static void test_rows(void **state)
{
    (void)state;
    hub_keys k = {0};
    char value[32];
    enum { HOSTS = 300, EVENTS = 3000 };
    const int64_t t0 = INT64_C(1699956000000000); /* a bucket's start */
    for (int i = 0; i < EVENTS; i++) {
        snprintf(value, sizeof value, "10.0.%d.%d", i % HOSTS / 250, i % HOSTS % 250);
        /* the second half of the events in the next bucket */
        int64_t ts = t0 + (i < EVENTS / 2 ? i : HUB_KEY_BUCKET_US + i);
        assert_int_equal(hub_keys_add(&k, HUB_KEY_SRC_IP, value, ts, (size_t)i), HUB_OK);
        assert_int_equal(hub_keys_add(&k, HUB_KEY_SENSOR, "s1", ts, (size_t)i), HUB_OK);
        assert_int_equal(hub_keys_add(&k, HUB_KEY_DEST_IP, NULL, ts, (size_t)i), HUB_OK);
        memset(value, 'x', sizeof value - 1); /* the caller's buffer is reused */
    }
    assert_int_equal(hub_keys_add(&k, HUB_KEY_DEST_IP, "10.0.0.1", -1, EVENTS), HUB_OK);
    assert_int_equal(k.used, 2 * HOSTS + 2 + 1);
    const hub_key_row *s1 = find(&k, HUB_KEY_SENSOR, "s1", t0);
    assert_non_null(s1);
    assert_int_equal(s1->n, EVENTS / 2);
    for (size_t j = 0; j < s1->n; j++) {
        assert_int_equal(s1->ev[j].ts_us, t0 + (int64_t)j);
        assert_int_equal(s1->ev[j].event, j);
    }
    const hub_key_row *h = find(&k, HUB_KEY_SRC_IP, "10.0.1.7", t0 + HUB_KEY_BUCKET_US);
    assert_non_null(h); /* host 257: events 1757, 2057, ..., 2957 */
    assert_int_equal(h->n, 5);
    assert_int_equal(h->ev[0].ts_us, t0 + HUB_KEY_BUCKET_US + 1757);
    assert_int_equal(h->ev[4].event, 2957);
    assert_null(find(&k, HUB_KEY_DEST_IP, "10.0.1.7", t0 + HUB_KEY_BUCKET_US));
    const hub_key_row *d = find(&k, HUB_KEY_DEST_IP, "10.0.0.1", -HUB_KEY_BUCKET_US);
    assert_non_null(d);
    assert_int_equal(d->n, 1);
    assert_int_equal(d->ev[0].event, EVENTS);
    hub_keys_clear(&k);
    assert_int_equal(k.used, 0);
    assert_int_equal(hub_keys_add(&k, HUB_KEY_SENSOR, "s2", 5, 0), HUB_OK); /* usable again */
    assert_int_equal(k.used, 1);
    hub_keys_clear(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
