/*
 * test-reload.c - SIGHUP reload of the indicator store: built in the background, handed to
 * every worker, the old store freed only after all switched, a failed build keeps the old.
 * (Run under ASan, a premature or double free of a store fails this test.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "intel/intel-match.h"
#include "runtime/reload.h"
#include "runtime/worker.h"

static int builds;
static bool fail_build;

static IntelStore *build_store(void *ud)
{
    (void)ud;
    builds++;
    if (fail_build)
        return NULL;
    IntelStore *s = intel_store_new(NULL);
    IntelRecord rec = {.type = INTEL_DOMAIN, .value = "reloaded.example", .confidence = -1};
    char err[64];
    intel_store_add(s, &rec, err, sizeof(err));
    return s;
}

static void poll_until_switched(Reloader *r, Worker *w, int n, const IntelStore *old)
{
    for (int i = 0; i < 2000 && (r->building || r->retiring || intel_thread_store(w[0].intel) == old); i++) {
        reloader_poll(r, w, n, false);
        usleep(1000);
    }
}

static void test_reload_hands_over(void **state)
{
    (void)state;
    IntelStore *current = intel_store_new(NULL);
    Worker workers[2];
    memset(workers, 0, sizeof(workers));
    for (int i = 0; i < 2; i++)
        workers[i].intel = intel_thread_new(current, NULL, NULL);
    Reloader r;
    reloader_init(&r, build_store, NULL, &current);
    IntelStore *old = current;

    engine_reload_requested = 1;
    poll_until_switched(&r, workers, 2, old);
    assert_int_equal(builds, 1);
    assert_ptr_not_equal(current, old);
    for (int i = 0; i < 2; i++)
        assert_ptr_equal(intel_thread_store(workers[i].intel), current);
    assert_true(intel_lookup_domain(current, "a.reloaded.example", 18) >= 0);
    assert_null(r.retiring); /* the old store is gone */

    /* A failed build leaves the current store in place. */
    fail_build = true;
    IntelStore *kept = current;
    engine_reload_requested = 1;
    for (int i = 0; i < 2000 && (engine_reload_requested || r.building); i++) {
        reloader_poll(&r, workers, 2, false);
        usleep(1000);
    }
    assert_int_equal(builds, 2);
    assert_ptr_equal(current, kept);
    assert_ptr_equal(intel_thread_store(workers[0].intel), kept);

    reloader_finish(&r);
    for (int i = 0; i < 2; i++)
        intel_thread_free(workers[i].intel);
    intel_store_free(current);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_reload_hands_over)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
