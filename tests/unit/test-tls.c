/*
 * test-tls.c - unit tests of the TLS parser on real handshakes.
 *
 * The fixtures (tests/data/tls/NAME.chunks, made by make-tls-fixtures.py from conformance
 * captures) are the payloads of one TCP connection in capture order. Each is replayed through
 * the parser whole, a byte at a time, and cut in two at every byte offset, and must always
 * give the fields the reference Suricata 7 logged for the same connection (its EVE output with
 * JA3 and JA4 turned on, copied below): certificate subject, issuer, serial, fingerprint and
 * validity, SNI, version, JA3/JA3S strings and hashes, JA4, the client certificate. Smaller
 * tests cover detection, SSLv2 hellos, malformed records and the formatting helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "applayer/app-layer-tls-internal.h"
#include "config/config.h"

typedef struct Expect {
    const char *fixture;
    const char *subject, *issuer, *serial, *fingerprint, *sni, *version, *notbefore, *notafter;
    const char *ja3_hash, *ja3_string, *ja3s_hash, *ja3s_string, *ja4, *client_subject;
} Expect;

/* From the reference's EVE "tls" events (ja3-fingerprints, ja4-fingerprints and eve ja4 on). */
static const Expect expects[] = {
    {"tls12-github",
     "C=US, ST=California, L=San Francisco, O=GitHub, Inc., CN=www.github.com",
     "C=US, O=DigiCert Inc, OU=www.digicert.com, CN=DigiCert SHA2 High Assurance Serve"
     "r CA",
     "08:3A:84:59:2F:77:F2:E7:95:1B:F8:87:CE:DE:C9:66",
     "cc:aa:48:48:66:46:0e:91:53:2c:9c:7c:23:2a:b1:74:4d:29:9d:33",
     "raw.githubusercontent.com",
     "TLS 1.2",
     "2017-03-23T00:00:00",
     "2020-05-13T12:00:00",
     "316193effb467e51d0301cabd36b69e0",
     "771,49196-49200-49195-49199-52393-52392-163-159-162-158-52394-49327-49325-49188-"
     "49192-49162-49172-49315-49311-107-106-57-56-49326-49324-49187-49191-49161-49171-"
     "49314-49310-103-64-51-50-49267-49271-49266-49270-196-195-190-189-136-135-69-68-1"
     "57-156-49313-49309-49312-49308-61-60-53-47-192-186-132-65-255,0-11-10-35-22-23-1"
     "3-21,29-23-25-24,0-1-2",
     "098e26e2609212ac1bfac552fbe04127",
     "771,49199,65281-0-11-35-23",
     "t12d620800_106a9de34958_ce8ec278e0aa",
     NULL},
    {"tls12-selks",
     "C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS",
     "C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS",
     "00:97:E6:47:09:8E:EA:C9:B4",
     "3a:0b:3b:23:15:2c:44:5c:27:ac:6a:0c:41:d6:fa:74:af:b4:09:5b",
     NULL,
     "TLS 1.2",
     "2015-02-12T18:07:27",
     "2025-02-09T18:07:27",
     "308b0bd904abbef5e0034a1ff7a78920",
     "771,49195-49199-158-49162-49161-49171-49172-49159-49169-51-50-57-156-47-53-10-5-"
     "4,65281-10-11-35-13172-16-30032-5-18-13,23-24-25,0",
     "ccc514751b175866924439bdbb5bba34",
     "771,49199,65281-11-35",
     "t12i1810s1_27d4652c4487_06a4338d0495",
     NULL},
    {"tls13-draft19",
     NULL,
     NULL,
     NULL,
     NULL,
     "localhost",
     "TLS 1.3 draft-19",
     NULL,
     NULL,
     "0e870cb29dd59424064948532781a7f6",
     "771,4866-255,0-11-10-35-13-22-23-43-45-40,29-23-25-24,0-1-2",
     "cd05e941742c0d4f628a68716ca021f9",
     "32531,4866,40",
     "t00d021000_9d5106e3f751_c5203e7bca43",
     NULL},
    {"tls13-draft28",
     NULL,
     NULL,
     NULL,
     NULL,
     "localhost",
     "TLS 1.3 draft-28",
     NULL,
     NULL,
     "43202faa1c8c1760d6f7f4bd9adde4ab",
     "771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49"
     "172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-1"
     "1-13-22-23-35-51-43-65281-0-45,23,0",
     "15af977ce25de452b96affa2addb1036",
     "771,4866,43-51",
     "t00d291200_723694b0fccc_aaaa04918165",
     NULL},
    {"tls13-google",
     NULL,
     NULL,
     NULL,
     NULL,
     "ipv4.google.com",
     "TLS 1.3",
     NULL,
     NULL,
     "e690df036922288311144cc96acf6515",
     "771,4866-4867-4865-4868-49196-49200-52393-52392-49325-49195-49199-49324-49187-49"
     "191-49162-49172-49161-49171-157-49309-156-49308-61-60-53-47-159-52394-49311-158-"
     "49310-107-103-57-51-255,0-11-10-13172-16-22-23-49-13-43-45-51-21,29-23-30-25-24,"
     "0-1-2",
     "907bf3ecef1c987c889946b737b43de8",
     "771,4866,51-43",
     "t13d3613h2_018971650b2c_e7e754ef087b",
     NULL},
    {"tls-client-cert",
     "C=HU, ST=Budapest, L=Budapest, O=TLSClientAuthSampleServer, CN=SampleServer",
     "C=HU, ST=Budapest, L=Budapest, O=TLSClientAuthSampleCA, CN=SampleRoot",
     "00:C7:D4:28:8B:80:E0:1E:25",
     "06:39:f9:5d:fe:81:53:c4:9d:f0:ac:80:3e:2d:42:07:e8:96:de:09",
     "localhost",
     "TLS 1.2",
     "2018-04-14T20:55:27",
     "2018-05-14T20:55:27",
     "2a26b1a62e40d25d4de3babc9d532f30",
     "771,52244-52243-52245-49200-49196-49192-49188-49172-49162-163-159-107-106-57-56-"
     "65413-196-195-136-135-129-49202-49198-49194-49190-49167-49157-157-61-53-192-132-"
     "49199-49195-49191-49187-49171-49161-162-158-103-64-51-50-190-189-69-68-49201-491"
     "97-49193-49189-49166-49156-156-60-47-186-65-49170-49160-22-19-49165-49155-10-255"
     ",0-11-10-13-13172-16-21,14-13-25-28-11-12-27-24-9-10-26-22-23-8-6-7-20-21-4-5-18"
     "-19-1-2-3-15-16-17,0-1-2",
     "a9e3ed16ee3208291487c8d2aa2ad924",
     "771,49200,0-65281-11",
     "t12d6707h2_2955a3196ffa_c83f907a73d3",
     "C=HU, ST=Budapest, L=Budapest, O=TLSClientAuthSampleClient, CN=SampleClientJane"},
    {"tls-pre-1970",
     "OU=vd, CN=fkp.samsungcloudsolution.com",
     "C=KR, ST=Kyunggido, L=Suwon, O=Samsung Electronics, OU=SW2 SISC, CN=ROOT CA SISC"
     " FKP2_PLUS",
     "32",
     "71:cd:fe:08:7f:3d:2a:18:32:69:38:fa:bd:64:7b:c6:cf:cc:44:8e",
     "fkp.samsungcloudsolution.com",
     "TLSv1",
     "1969-12-31T00:00:00",
     "2038-12-31T00:10:03",
     "f271b89dfd3fc1647182ed19a5c37285",
     "769,5-47-53-10-255,0-35,,",
     "6b96cf9c27b0223177b0e9f135fe4899",
     "769,5,65281-35",
     "t10d050200_0d2501948096_94264683603e",
     NULL},
    {"tls-hello-frag",
     "CN=www.google.com",
     "C=US, O=Google Trust Services LLC, CN=GTS CA 1C3",
     "00:BB:2A:80:CC:14:FC:DD:BC:12:02:B2:A0:86:BD:1D:17",
     "27:2e:56:1b:56:00:b7:8d:84:07:c7:62:41:02:94:f3:9a:a0:c3:5e",
     "www.google.com",
     "TLS 1.2",
     "2022-07-18T08:25:34",
     "2022-10-10T08:25:33",
     "a64c29923906f2a1be278be1da0714fa",
     "771,49200-49196-49192-49188-49172-49162-165-163-161-159-107-106-105-104-57-56-55"
     "-54-136-135-134-133-49202-49198-49194-49190-49167-49157-157-61-53-132-49199-4919"
     "5-49191-49187-49171-49161-164-162-160-158-103-64-63-62-51-50-49-48-154-153-152-1"
     "51-69-68-67-66-49201-49197-49193-49189-49166-49156-156-60-47-150-65-49170-49160-"
     "22-19-16-13-49165-49155-10-7-255,0-11-10-13-15-13172-16-21,23-25-24-22,0-1-2",
     "a27e76e64afe9199440ad714848966f8",
     "771,49195,65281-11-16",
     "t12d8008h2_9cedc1f1428b_046e095b7c4a",
     NULL},
    {"tls-duplicate-hello",
     NULL,
     NULL,
     NULL,
     NULL,
     "localhost",
     "TLS 1.3",
     NULL,
     NULL,
     "43202faa1c8c1760d6f7f4bd9adde4ab",
     "771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49"
     "172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-1"
     "1-13-22-23-35-51-43-65281-0-45,23,0",
     "f4febc55ea12b31ae17cfb7e614afda8",
     "771,4865,43-51",
     "t13d582400_6d6243a3a798_468664775a54",
     NULL},
    {"tls-noissuer",
     "C=US, ST=Arizona, L=Scottsdale, streetAddress=, postalCode=6565, CN=localhost",
     "",
     "00:99:EB:86:2A:01:F8:48:DD:B2:A6:39:F2:1A:FC:03:54",
     "fa:5f:67:f7:3e:6e:24:53:e8:17:5d:7f:bc:a6:bc:20:66:fb:62:12",
     NULL,
     "TLS 1.2",
     "2021-12-26T00:39:18",
     "2024-12-25T00:39:18",
     "bcd93fc89dba4639942325c540ce598c",
     "771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-4919"
     "1-103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,11-10-13172-16-22-23"
     "-13,29-23-30-25-24,0-1-2",
     "2de81c22ea32a57162df5cb08d4a2795",
     "771,49199,65281-16-11",
     "t12i2807h2_d943125447b4_dd0a478c1db3",
     NULL},
};

typedef struct Chunks {
    uint8_t *data;
    size_t len;
} Chunks;

static Chunks load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tls/%s.chunks", TESTS_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    Chunks c = {malloc(1 << 20), 0};
    assert_non_null(c.data);
    c.len = fread(c.data, 1, 1 << 20, f);
    fclose(f);
    assert_true(c.len > 0);
    return c;
}

static AppLayerThread thread;

static int feed(TlsState *s, bool to_server, const uint8_t *data, uint32_t len)
{
    AppLayerCtx ctx = {.thread = &thread};
    return app_layer_tls_parser.parse(s, &ctx, to_server, data, len, 0);
}

/* Replays the chunks: in pieces of `piece` bytes (0: whole chunks), and with the chunk that
 * holds stream offset `cut` (0: none) cut in two there. Stops after stream offset `stop`
 * (0: at the end); *done_at (if given) gets the offset after which the handshake was done. */
static TlsState *replay(const Chunks *c, uint32_t piece, size_t cut, size_t stop,
                        size_t *done_at)
{
    TlsState *s = app_layer_tls_parser.state_new();
    size_t pos = 0, offset = 0;
    while (pos + 5 <= c->len) {
        bool to_server = c->data[pos] == 0;
        uint32_t n = (uint32_t)c->data[pos + 1] << 24 | (uint32_t)c->data[pos + 2] << 16 |
                     (uint32_t)c->data[pos + 3] << 8 | c->data[pos + 4];
        const uint8_t *p = c->data + pos + 5;
        assert_true(pos + 5 + n <= c->len);
        uint32_t done = 0;
        while (done < n) {
            uint32_t take = piece ? piece : n;
            if (cut > offset + done && cut < offset + n && take > cut - offset - done)
                take = (uint32_t)(cut - offset - done);
            if (take > n - done)
                take = n - done;
            feed(s, to_server, p + done, take);
            done += take;
        }
        offset += n;
        pos += 5 + (size_t)n;
        if (done_at && !*done_at && (s->flags & TLS_FLAG_HANDSHAKE_DONE))
            *done_at = offset;
        if (stop && offset >= stop)
            break;
    }
    return s;
}

static void expect_str(json_t *o, const char *key, const char *want)
{
    const char *got = json_string_value(json_object_get(o, key));
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
}

static void check(const TlsState *s, const Expect *e)
{
    json_t *o = tls_alert_json((void *)s, (void *)s);
    expect_str(o, "subject", e->subject);
    expect_str(o, "issuerdn", e->issuer);
    expect_str(o, "serial", e->serial);
    expect_str(o, "fingerprint", e->fingerprint);
    expect_str(o, "sni", e->sni);
    expect_str(o, "version", e->version);
    expect_str(o, "notbefore", e->notbefore);
    expect_str(o, "notafter", e->notafter);
    json_t *ja3 = json_object_get(o, "ja3"), *ja3s = json_object_get(o, "ja3s");
    expect_str(ja3, "hash", e->ja3_hash);
    expect_str(ja3, "string", e->ja3_string);
    expect_str(ja3s, "hash", e->ja3s_hash);
    expect_str(ja3s, "string", e->ja3s_string);
    expect_str(json_object_get(o, "client"), "subject", e->client_subject);
    json_decref(o);
    char ja4[37];
    assert_non_null(s->client.ja4);
    tls_ja4_string(s->client.ja4, ja4);
    assert_string_equal(ja4, e->ja4);
    assert_true(s->flags & TLS_FLAG_HANDSHAKE_DONE);
}

static void test_fixtures_whole_and_bytewise(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
        Chunks c = load(expects[i].fixture);
        for (uint32_t piece = 0; piece <= 1; piece++) {
            TlsState *s = replay(&c, piece, 0, 0, NULL);
            check(s, &expects[i]);
            app_layer_tls_parser.state_free(s);
        }
        free(c.data);
    }
}

static void test_fixtures_cut_everywhere(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
        Chunks c = load(expects[i].fixture);
        /* cutting after the handshake changes nothing: stop where it was done */
        size_t done_at = 0;
        app_layer_tls_parser.state_free(replay(&c, 0, 0, 0, &done_at));
        assert_true(done_at > 0);
        for (size_t cut = 1; cut < done_at; cut++) {
            TlsState *s = replay(&c, 0, cut, done_at, NULL);
            check(s, &expects[i]);
            app_layer_tls_parser.state_free(s);
        }
        free(c.data);
    }
}

static void test_probe(void **unused)
{
    (void)unused;
    const uint8_t hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
    const uint8_t server[] = {0x16, 0x03, 0x03, 0x00, 0x5a};
    const uint8_t sslv2[] = {0x80, 0x2e, 0x01, 0x03, 0x01};
    assert_int_equal(app_layer_tls_parser.probe(hello, sizeof(hello), true), ALPROTO_TLS);
    assert_int_equal(app_layer_tls_parser.probe(server, sizeof(server), false), ALPROTO_TLS);
    assert_int_equal(app_layer_tls_parser.probe(sslv2, sizeof(sslv2), true), ALPROTO_TLS);
    assert_int_equal(app_layer_tls_parser.probe(hello, 2, true), ALPROTO_UNKNOWN);
    assert_int_equal(app_layer_tls_parser.probe((const uint8_t *)"GET / HTTP/1.1", 14, true),
                     ALPROTO_FAILED);
    /* a ClientHello record header is not a server's first bytes */
    const uint8_t ch_to_client[] = {0x01, 0x03, 0x01};
    assert_int_equal(app_layer_tls_parser.probe(ch_to_client, 3, false), ALPROTO_FAILED);
}

static void test_sslv2_compatible_hello(void **unused)
{
    (void)unused;
    /* 2-byte header, CLIENT-HELLO, version 3.1, 3 cipher specs, no session id, 16-byte
     * challenge */
    uint8_t rec[2 + 1 + 2 + 6 + 9 + 16] = {0x80, 0x1f, 0x01, 0x03, 0x01, 0x00, 0x09,
                                            0x00, 0x00, 0x00, 0x10};
    TlsState *s = app_layer_tls_parser.state_new();
    assert_int_equal(feed(s, true, rec, sizeof(rec)), 0);
    assert_int_equal(s->client.version, 0x0301);
    assert_true(s->flags & TLS_FLAG_CLIENT_HELLO);
    app_layer_tls_parser.state_free(s);
}

static void test_malformed_records(void **unused)
{
    (void)unused;
    const uint8_t zero_len[] = {0x16, 0x03, 0x03, 0x00, 0x00};
    const uint8_t bad_version[] = {0x16, 0x05, 0x05, 0x00, 0x01, 0x00};
    const uint8_t too_long[] = {0x17, 0x03, 0x03, 0x50, 0x00};
    const uint8_t bad_type[] = {0x30, 0x03, 0x03, 0x00, 0x01, 0x00};
    const uint8_t *bad[] = {zero_len, bad_version, too_long, bad_type};
    const uint32_t lens[] = {sizeof(zero_len), sizeof(bad_version), sizeof(too_long),
                             sizeof(bad_type)};
    /* each raises Suricata's event, which app-layer-event rules can ask for */
    const char *events[] = {"invalid_record_length", "invalid_record_version",
                            "invalid_record_length", "invalid_record_type"};
    for (size_t i = 0; i < 4; i++) {
        TlsState *s = app_layer_tls_parser.state_new();
        assert_int_equal(feed(s, true, bad[i], lens[i]), -1);
        assert_true(app_layer_tls_parser.tx_has_event(s, events[i]));
        assert_false(app_layer_tls_parser.tx_has_event(s, "invalid_sni_type"));
        app_layer_tls_parser.state_free(s);
    }
    /* a record ending inside a handshake message header */
    const uint8_t short_hs[] = {0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00};
    TlsState *s = app_layer_tls_parser.state_new();
    assert_int_equal(feed(s, true, short_hs, sizeof(short_hs)), -1);
    app_layer_tls_parser.state_free(s);
}

static void test_application_data_ends_handshake(void **unused)
{
    (void)unused;
    const uint8_t app[] = {0x17, 0x03, 0x03, 0x00, 0x04, 1, 2};
    TlsState *s = app_layer_tls_parser.state_new();
    assert_false(app_layer_tls_parser.tx_done(s, true));
    assert_int_equal(feed(s, false, app, sizeof(app)), 0);
    assert_true(app_layer_tls_parser.tx_done(s, true));
    /* the rest of the encrypted record is only counted past */
    assert_int_equal(feed(s, false, app + 5, 2), 0);
    assert_false(s->server.in_body);
    app_layer_tls_parser.state_free(s);
}

/* Suricata's events for undecodable certificates (bug-1450 captures): a length beyond the
 * data is an invalid certificate, a header cut short an invalid length. */
static void test_certificate_errors(void **unused)
{
    (void)unused;
    const uint8_t content[] = {0x30, 0x06, 0x30, 0x84, 0xff, 0xff, 0xff, 0xfa, 0x04};
    const uint8_t header[] = {0x30, 0x05, 0x30, 0x84, 0xff, 0xff, 0xff, 0xfa, 0x04};
    TlsCertInfo info;
    const char *err = tls_cert_decode(content, sizeof(content), &info);
    assert_non_null(err);
    assert_string_equal(err, "INVALID_CERTIFICATE");
    err = tls_cert_decode(header, sizeof(header), &info);
    assert_non_null(err);
    assert_string_equal(err, "CERTIFICATE_INVALID_LENGTH");
    assert_null(info.subject);
}

static void test_format_helpers(void **unused)
{
    (void)unused;
    char buf[32], v[20];
    assert_true(tls_format_time(-86400, buf));
    assert_string_equal(buf, "1969-12-31T00:00:00");
    assert_true(tls_format_time(2177367003, buf));
    assert_string_equal(buf, "2038-12-31T00:10:03");
    assert_false(tls_format_time(INT64_C(400000000000), buf));
    tls_version_string(0x7f13, v);
    assert_string_equal(v, "TLS 1.3 draft-19");
    tls_version_string(0x7f01, v);
    assert_string_equal(v, "TLS 1.3 draft-<16");
    tls_version_string(0x0301, v);
    assert_string_equal(v, "TLSv1");
    tls_version_string(0x1234, v);
    assert_string_equal(v, "0x1234");
    /* attribute type names as x509-parser prints them, odd OIDs included */
    assert_string_equal(tls_oid_name("2.5.4.3"), "CN");
    assert_string_equal(tls_oid_name("1.2.840.113549.1.9.1"), "Email");
    assert_string_equal(tls_oid_name("2.5.4.9"), "streetAddress");
    assert_string_equal(tls_oid_name("2.5.29.17"), "subjectAltName");
    assert_null(tls_oid_name("1.2.3.4"));
    assert_true(tls_is_grease(0x3a3a));
    assert_false(tls_is_grease(0x3a4a));
}

/* The parser's settings for these tests: fingerprints on, plus an optional --set. */
static void configure(const char *extra)
{
    ConfNode *conf = conf_new_default();
    char err[256];
    assert_int_equal(conf_set(conf, "app-layer.protocols.tls.ja3-fingerprints=yes", err,
                              sizeof(err)), 0);
    assert_int_equal(conf_set(conf, "app-layer.protocols.tls.ja4-fingerprints=yes", err,
                              sizeof(err)), 0);
    if (extra)
        assert_int_equal(conf_set(conf, extra, err, sizeof(err)), 0);
    app_layer_tls_parser.configure(conf);
    conf_free(conf);
}

static void test_bypass_stops_at_encrypted_data(void **unused)
{
    (void)unused;
    configure("app-layer.protocols.tls.encryption-handling=bypass");
    const uint8_t app[] = {0x17, 0x03, 0x03, 0x00, 0x01, 0xaa, 0x17, 0x03, 0x03};
    TlsState *s = app_layer_tls_parser.state_new();
    assert_int_equal(feed(s, false, app, sizeof(app)), 0);
    assert_true(s->bypassed);
    /* the next record's header was not read: parsing stopped */
    assert_int_equal(s->server.hdr_have, 0);
    app_layer_tls_parser.state_free(s);
    configure(NULL);
    s = app_layer_tls_parser.state_new();
    assert_int_equal(feed(s, false, app, sizeof(app)), 0);
    assert_false(s->bypassed);
    assert_int_equal(s->server.hdr_have, 3);
    app_layer_tls_parser.state_free(s);
}

static int setup(void **unused)
{
    (void)unused;
    configure(NULL);
    return 0;
}

/* tls.certs: each certificate of the server's chain on its own, as DER; none to the server
 * when the client sent no certificate. */
static void test_certs_buffer(void **unused)
{
    (void)unused;
    tls_register_buffers();
    int id = applayer_buffer_id("tls.certs");
    assert_true(id >= 0);
    assert_true(applayer_buffer_is_multi(id));
    Chunks c = load("tls12-github");
    TlsState *s = replay(&c, 0, 0, 0, NULL);
    const uint8_t *d, *first;
    uint32_t n, first_len, idx = 0;
    assert_true(applayer_buffer_get(id, s, s, false, &first, &first_len));
    while (applayer_buffer_get_nth(id, s, s, false, idx, &d, &n)) {
        assert_true(n > 4 && d[0] == 0x30 && d[1] == 0x82);   /* a DER SEQUENCE */
        assert_int_equal(n, 4u + ((uint32_t)d[2] << 8 | d[3]));
        if (idx == 0)
            assert_ptr_equal(d, first);
        idx++;
    }
    assert_non_null(s->server.chain);
    assert_int_equal(idx, s->server.chain->count);
    assert_true(idx >= 2);
    assert_false(applayer_buffer_get_nth(id, s, s, true, 0, &d, &n));
    app_layer_tls_parser.state_free(s);
    free(c.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_whole_and_bytewise),
        cmocka_unit_test(test_fixtures_cut_everywhere),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_certs_buffer),
        cmocka_unit_test(test_sslv2_compatible_hello),
        cmocka_unit_test(test_malformed_records),
        cmocka_unit_test(test_application_data_ends_handshake),
        cmocka_unit_test(test_format_helpers),
        cmocka_unit_test(test_certificate_errors),
        cmocka_unit_test(test_bypass_stops_at_encrypted_data),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
