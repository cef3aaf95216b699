/*
 * test-intel.c - threat intelligence: actor resolution, feed loading (CSV, STIX, MISP) with
 * error locations, normalisation, and every lookup kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "build-info.h"
#include "intel/intel-match.h"
#include "intel/intel.h"

static IntelActors *kb;

typedef struct Reports {
    int count;
    char last_where[512], last_reason[512];
    char all[8192];
} Reports;

static void record(void *ud, const char *where, const char *reason)
{
    Reports *r = ud;
    r->count++;
    snprintf(r->last_where, sizeof(r->last_where), "%s", where);
    snprintf(r->last_reason, sizeof(r->last_reason), "%s", reason);
    size_t n = strlen(r->all);
    snprintf(r->all + n, sizeof(r->all) - n, "%s: %s\n", where, reason);
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    kb = intel_actors_load(BONGSU_DATA_DIR "/actors.json", err, sizeof(err));
    return kb ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    intel_actors_free(kb);
    return 0;
}

static const char *actor_name(int id)
{
    const IntelActor *a = intel_actor(kb, id);
    return a ? a->name : "(none)";
}

static void test_actor_aliases(void **state)
{
    (void)state;
    assert_string_equal(actor_name(intel_actors_resolve(kb, "HIDDEN COBRA")), "Lazarus Group");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "hidden cobra")), "Lazarus Group");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "Lazarus")), "Lazarus Group");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "Diamond Sleet")), "Lazarus Group");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "G0032")), "Lazarus Group");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "Velvet Chollima")), "Kimsuky");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "thallium")), "Kimsuky");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "Onyx Sleet")), "Andariel");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "Silent Chollima")), "Andariel");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "APT 38")), "APT38");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "BlueNoroff")), "APT38");
    assert_string_equal(actor_name(intel_actors_resolve(kb, "Ricochet Chollima")), "APT37");
    assert_int_equal(intel_actors_resolve(kb, "Fancy Bear"), -1);
    assert_string_equal(intel_actor(kb, intel_actors_resolve(kb, "Kimsuky"))->mitre_group_id,
                        "G0094");
    /* Free text: whole words only. */
    assert_string_equal(actor_name(intel_actors_find_in_text(kb, "ET MALWARE Kimsuky BabyShark CnC")),
                        "Kimsuky");
    assert_int_equal(intel_actors_find_in_text(kb, "ET POLICY zincite mining"), -1);
}

static void test_csv_feed(void **state)
{
    (void)state;
    IntelStore *s = intel_store_new(kb);
    IntelLoadStats st = {0};
    Reports r = {0};
    assert_int_equal(intel_load_file(s, TESTS_DATA_DIR "/intel/feed.csv", &st, record, &r), 0);
    assert_int_equal(st.added, 13);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.errors, 3);
    assert_non_null(strstr(r.all, "feed.csv:16: invalid IP address"));
    assert_non_null(strstr(r.all, "feed.csv:17: md5 must be 32 hex digits"));
    assert_non_null(strstr(r.all, "feed.csv:18: unknown indicator type \"banana\""));

    Address a = {.family = AF_INET};
    inet_pton(AF_INET, "203.0.113.7", a.addr);
    int64_t hit = intel_lookup_ip(s, &a);
    assert_true(hit >= 0);
    const IntelIndicator *ind = intel_store_get(s, (uint32_t)hit);
    assert_string_equal(actor_name(ind->actor), "Lazarus Group");
    assert_int_equal(ind->confidence, 80);
    assert_string_equal(intel_store_string(s, ind->techniques), "T1071.001;T1105");
    inet_pton(AF_INET, "198.51.100.200", a.addr);
    hit = intel_lookup_ip(s, &a);
    assert_true(hit >= 0);
    assert_string_equal(actor_name(intel_store_get(s, (uint32_t)hit)->actor), "Kimsuky");
    inet_pton(AF_INET, "198.51.101.1", a.addr);
    assert_int_equal(intel_lookup_ip(s, &a), -1);
    Address v6 = {.family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8:aa:1::5", v6.addr);
    assert_string_equal(actor_name(intel_store_get(s, (uint32_t)intel_lookup_ip(s, &v6))->actor),
                        "Andariel");
    inet_pton(AF_INET6, "2001:db8::66", v6.addr);
    assert_string_equal(actor_name(intel_store_get(s, (uint32_t)intel_lookup_ip(s, &v6))->actor),
                        "APT38");

    /* Domains match themselves and their subdomains, not lookalikes. */
    assert_true(intel_lookup_domain(s, "evil.example", 12) >= 0);
    assert_true(intel_lookup_domain(s, "a.b.EVIL.example.", 17) >= 0);
    assert_int_equal(intel_lookup_domain(s, "notevil.example", 15), -1);
    assert_true(intel_lookup_domain(s, "x.wild.example", 14) >= 0);
    /* The duplicate kept the first actor. */
    hit = intel_lookup_domain(s, "evil.example", 12);
    assert_string_equal(actor_name(intel_store_get(s, (uint32_t)hit)->actor), "APT37");

    const char *url = "bad.example/Path/x.php";
    assert_true(intel_lookup_value(s, INTEL_URL, url, strlen(url)) >= 0);
    assert_true(intel_lookup_value(s, INTEL_MD5, "0123456789abcdef0123456789ABCDEF", 32) >= 0);
    assert_true(intel_lookup_value(s, INTEL_JA4, "t13d1516h2_8daaf6152771_b186095e22b6", 36) >= 0);
    assert_true(intel_lookup_value(s, INTEL_EMAIL, "spear@phish.example", 19) >= 0);
    assert_int_equal(intel_lookup_value(s, INTEL_SHA1, "00", 2), -1);
    intel_store_free(s);
}

static void test_stix_bundle(void **state)
{
    (void)state;
    IntelStore *s = intel_store_new(kb);
    IntelLoadStats st = {0};
    Reports r = {0};
    assert_int_equal(intel_load_file(s, TESTS_DATA_DIR "/intel/bundle.json", &st, record, &r), 0);
    assert_int_equal(st.added, 3);
    assert_int_equal(st.errors, 1);
    assert_non_null(strstr(r.last_where, "indicator--cccccccc-0000-4000-8000-000000000003"));
    Address a = {.family = AF_INET};
    inet_pton(AF_INET, "192.0.2.10", a.addr);
    const IntelIndicator *ind = intel_store_get(s, (uint32_t)intel_lookup_ip(s, &a));
    assert_string_equal(actor_name(ind->actor), "Lazarus Group"); /* via ZINC */
    assert_string_equal(intel_store_string(s, ind->techniques), "T1071.001");
    int64_t d = intel_lookup_domain(s, "c2.stix.example", 15);
    assert_true(d >= 0);
    const char *h = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    ind = intel_store_get(s, (uint32_t)intel_lookup_value(s, INTEL_SHA256, h, 64));
    assert_string_equal(actor_name(ind->actor), "Kimsuky"); /* from labels */
    intel_store_free(s);
}

static void test_misp_event(void **state)
{
    (void)state;
    IntelStore *s = intel_store_new(kb);
    IntelLoadStats st = {0};
    Reports r = {0};
    assert_int_equal(intel_load_file(s, TESTS_DATA_DIR "/intel/misp-event.json", &st, record, &r), 0);
    assert_int_equal(st.added, 5);
    assert_int_equal(st.errors, 1);
    assert_non_null(strstr(r.last_where, "a0000000-0000-4000-8000-000000000005"));
    Address a = {.family = AF_INET};
    inet_pton(AF_INET, "192.0.2.50", a.addr);
    assert_string_equal(actor_name(intel_store_get(s, (uint32_t)intel_lookup_ip(s, &a))->actor),
                        "Andariel");
    int64_t ja3 = intel_lookup_value(s, INTEL_JA3, "cccccccccccccccccccccccccccccccc", 32);
    assert_string_equal(actor_name(intel_store_get(s, (uint32_t)ja3)->actor), "Lazarus Group");
    assert_true(intel_lookup_value(s, INTEL_SHA1, "dddddddddddddddddddddddddddddddddddddddd", 40) >= 0);
    assert_true(intel_lookup_domain(s, "misp-c2.example", 15) >= 0);
    intel_store_free(s);
}

static void test_rule_attribution(void **state)
{
    (void)state;
    json_t *md = json_pack("{s:[s]}", "malware_family", "AppleJeus");
    intel_attribute_metadata(kb, &md, "ET MALWARE something");
    assert_string_equal(json_string_value(json_array_get(json_object_get(md, "actor"), 0)),
                        "AppleJeus");
    json_decref(md);
    md = NULL;
    intel_attribute_metadata(kb, &md, "ET MALWARE Lazarus APT Related CnC Activity");
    assert_string_equal(json_string_value(json_array_get(json_object_get(md, "mitre_group_id"), 0)),
                        "G0032");
    json_decref(md);
    md = NULL;
    intel_attribute_metadata(kb, &md, "ET POLICY curl User-Agent");
    assert_null(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actor_aliases),
        cmocka_unit_test(test_csv_feed),
        cmocka_unit_test(test_stix_bundle),
        cmocka_unit_test(test_misp_event),
        cmocka_unit_test(test_rule_attribution),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
