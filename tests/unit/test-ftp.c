/*
 * test-ftp.c - unit tests of the FTP control parser, the expectation table and the ftp-data
 * parser.
 *
 * The control session is the one in the filestore-v2.9-stream-depth conformance capture
 * (greeting, USER, PASS, SYST, TYPE, PORT, RETR, the 150 and 226 replies, QUIT); its
 * transactions must come out as the reference Suricata 7 logged them (the "ftp" objects are
 * compared field by field), whether the bytes arrive whole, a byte at a time or cut in two
 * anywhere. Then: the port arguments of PORT/EPRT/227/229, the expectation a RETR leaves for
 * the data connection (active and passive), the file an ftp-data flow carries (closed at
 * EOF, truncated by file-store stream-depth), and the limits (overlong lines, too many
 * transactions), which must be counted in ftp.memcap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include "applayer/app-layer-ftp.h"
#include "config/config.h"

#include "applayer-test-util.h"

static const char server_text[] =
    "220-#########################################################\r\n"
    "220-Please upload your web files to the public_html directory.\r\n"
    "220-Note that letters are case sensitive.\r\n"
    "220-#########################################################\r\n"
    "220 This is a private system - No anonymous login\r\n"
    "331 User dlpuser@dlptest.com OK. Password required\r\n"
    "230-Your bandwidth usage is restricted\r\n"
    "230 OK. Current restricted directory is /\r\n"
    "215 UNIX Type: L8\r\n"
    "200 TYPE is now 8-bit binary\r\n"
    "200 PORT command successful\r\n"
    "150-Connecting to port 58895\r\n"
    "150 153.9 kbytes to download\r\n"
    "226-File successfully transferred\r\n"
    "226 0.113 seconds (measured here), 1.33 Mbytes per second\r\n"
    "221-Goodbye. You uploaded 0 and downloaded 154 kbytes.\r\n"
    "221 Logout.\r\n";

static const char client_text[] = "USER dlpuser@dlptest.com\r\n"
                                  "PASS SzMf7rTE4pCrf9dV286GuNe4N\r\n"
                                  "SYST\r\n"
                                  "TYPE I\r\n"
                                  "PORT 192,168,169,173,230,15\r\n"
                                  "RETR ACam_img_20200613_150004_619.fff\r\n"
                                  "QUIT\r\n";

/* The reference's "ftp" objects for this session, in transaction order. The greeting and the
 * 226 are transactions without a command. */
static const char *const expected_txs[] = {
    "{\"completion_code\":[\"220\",\"220\",\"220\",\"220\",\"220\"],\"reply\":[\"#######"
    "##################################################\",\"Please upload your web files "
    "to the public_html directory.\",\"Note that letters are case sensitive.\",\"##########"
    "###############################################\",\"This is a private system - No "
    "anonymous login\"],\"reply_received\":\"yes\",\"reply_truncated\":false}",
    "{\"command\":\"USER\",\"command_data\":\"dlpuser@dlptest.com\",\"command_truncated\":"
    "false,\"completion_code\":[\"331\"],\"reply\":[\"User dlpuser@dlptest.com OK. Password "
    "required\"],\"reply_received\":\"yes\",\"reply_truncated\":false}",
    "{\"command\":\"PASS\",\"command_data\":\"SzMf7rTE4pCrf9dV286GuNe4N\",\"command_truncated"
    "\":false,\"completion_code\":[\"230\",\"230\"],\"reply\":[\"Your bandwidth usage is "
    "restricted\",\"OK. Current restricted directory is /\"],\"reply_received\":\"yes\","
    "\"reply_truncated\":false}",
    "{\"command\":\"SYST\",\"completion_code\":[\"215\"],\"reply\":[\"UNIX Type: L8\"],"
    "\"reply_received\":\"yes\",\"reply_truncated\":false}",
    "{\"command\":\"TYPE\",\"command_data\":\"I\",\"command_truncated\":false,"
    "\"completion_code\":[\"200\"],\"reply\":[\"TYPE is now 8-bit binary\"],"
    "\"reply_received\":\"yes\",\"reply_truncated\":false}",
    "{\"command\":\"PORT\",\"command_data\":\"192,168,169,173,230,15\",\"command_truncated\":"
    "false,\"completion_code\":[\"200\"],\"reply\":[\"PORT command successful\"],"
    "\"dynamic_port\":58895,\"mode\":\"active\",\"reply_received\":\"yes\",\"reply_truncated"
    "\":false}",
    "{\"command\":\"RETR\",\"command_data\":\"ACam_img_20200613_150004_619.fff\","
    "\"command_truncated\":false,\"completion_code\":[\"150\",\"150\"],\"reply\":["
    "\"Connecting to port 58895\",\"153.9 kbytes to download\"],\"reply_received\":\"yes\","
    "\"reply_truncated\":false}",
    "{\"completion_code\":[\"226\",\"226\"],\"reply\":[\"File successfully transferred\","
    "\"0.113 seconds (measured here), 1.33 Mbytes per second\"],\"reply_received\":\"yes\","
    "\"reply_truncated\":false}",
    "{\"command\":\"QUIT\",\"completion_code\":[\"221\",\"221\"],\"reply\":[\"Goodbye. You "
    "uploaded 0 and downloaded 154 kbytes.\",\"Logout.\"],\"reply_received\":\"yes\","
    "\"reply_truncated\":false}",
};

#define N_EXPECTED (sizeof(expected_txs) / sizeof(expected_txs[0]))

typedef AppTestEnv Env;

static void set_v4(Address *a, uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3)
{
    memset(a, 0, sizeof(*a));
    a->family = AF_INET;
    a->addr[0] = a0, a->addr[1] = a1, a->addr[2] = a2, a->addr[3] = a3;
}

/* The control connection: client 192.168.169.173:41552, server 35.209.241.59:21. */
static void env_init(Env *e)
{
    ftp_register_counters();
    app_test_env_init(e, ALPROTO_FTP, 1000000);
    set_v4(&e->flow.key.src, 192, 168, 169, 173);
    set_v4(&e->flow.key.dst, 35, 209, 241, 59);
    e->flow.key.sp = 41552;
    e->flow.key.dp = 21;
    e->flow.flow_id = 4242;
    ftp_expect_clear();
}

static void feed(Env *e, void *state, bool to_server, const char *text, size_t len, size_t step)
{
    app_test_feed(e, &app_layer_ftp_parser, state, to_server, text, len, step);
}

static char *tx_text(void *state, uint64_t id)
{
    void *tx = app_layer_ftp_parser.tx_get(state, id);
    assert_non_null(tx);
    json_t *o = app_layer_ftp_parser.tx_alert_json(state, tx);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

/* The real session's order: the greeting, then each command before its reply. */
static void replay_session(Env *e, void *state, size_t step)
{
    const char *c = client_text, *sv = server_text;
    /* greeting: 5 lines */
    const char *greet_end = strstr(sv, "331 ");
    feed(e, state, false, sv, (size_t)(greet_end - sv), step);
    sv = greet_end;
    while (*c) {
        const char *c_end = strstr(c, "\r\n") + 2;
        feed(e, state, true, c, (size_t)(c_end - c), step);
        /* the reply: up to the next final line ("NNN ") */
        const char *r = sv;
        while (!(r[3] == ' '))
            r = strstr(r, "\r\n") + 2;
        r = strstr(r, "\r\n") + 2;
        if (strncmp(c, "RETR", 4) == 0) { /* the 226 follows the 150 */
            r = strstr(r, "226 ");
            r = strstr(r, "\r\n") + 2;
        }
        feed(e, state, false, sv, (size_t)(r - sv), step);
        sv = r;
        c = c_end;
    }
}

static void check_session(size_t step)
{
    Env e;
    env_init(&e);
    void *state = app_layer_ftp_parser.state_new();
    replay_session(&e, state, step);
    assert_int_equal(app_layer_ftp_parser.tx_count(state), N_EXPECTED);
    for (uint64_t id = 0; id < N_EXPECTED; id++) {
        char *s = tx_text(state, id);
        assert_string_equal(s, expected_txs[id]);
        free(s);
        assert_true(app_layer_ftp_parser.tx_done(app_layer_ftp_parser.tx_get(state, id), false));
    }
    app_layer_ftp_parser.state_free(state);
}

static void test_session_deliveries(void **unused)
{
    (void)unused;
    app_test_whole_and_bytewise(check_session, 7);
}

static void test_port_arguments(void **unused)
{
    (void)unused;
#define U(s) (const uint8_t *)(s), (uint32_t)strlen(s)
    assert_int_equal(ftp_parse_port_args(U("192,168,169,173,230,15")), 58895);
    assert_int_equal(ftp_parse_port_args(U(" 10,0,0,1,0,21")), 21);
    assert_int_equal(ftp_parse_port_args(U("10,0,0,1,256,1")), 0);
    assert_int_equal(ftp_parse_port_args(U("10,0,0,1,4")), 0);
    assert_int_equal(ftp_parse_port_args(U("x")), 0);
    assert_int_equal(ftp_parse_eprt_args(U("|1|132.235.1.2|6275|")), 6275);
    assert_int_equal(ftp_parse_eprt_args(U("|2|1080::8:800:200C:417A|5282|")), 5282);
    assert_int_equal(ftp_parse_eprt_args(U("|1|132.235.1.2|99999|")), 0);
    assert_int_equal(ftp_parse_eprt_args(U("|1|132.235.1.2|")), 0);
    assert_int_equal(ftp_parse_pasv_reply(U("227 Entering Passive Mode (10,0,0,2,4,1).")), 1025);
    assert_int_equal(ftp_parse_pasv_reply(U("227 Entering Passive Mode")), 0);
    assert_int_equal(ftp_parse_epsv_reply(U("229 Entering Extended Passive Mode (|||6446|)")),
                     6446);
    assert_int_equal(ftp_parse_epsv_reply(U("229 Entering Extended Passive Mode (|||x|)")), 0);
#undef U
}

static void test_probe(void **unused)
{
    (void)unused;
    AppProto (*probe)(const uint8_t *, uint32_t, bool) = app_layer_ftp_parser.probe;
    assert_int_equal(probe((const uint8_t *)"USER bob\r\n", 10, true), ALPROTO_FTP);
    assert_int_equal(probe((const uint8_t *)"user bob\r\n", 10, true), ALPROTO_FTP);
    assert_int_equal(probe((const uint8_t *)"US", 2, true), ALPROTO_UNKNOWN);
    assert_int_equal(probe((const uint8_t *)"GET / HTTP/1.1", 14, true), ALPROTO_FAILED);
    assert_int_equal(probe((const uint8_t *)"220 hello\r\n", 11, false), ALPROTO_FAILED);
}

/* The data connection a RETR after PORT announces: from the server (any port) to the
 * client's port 58895; met once, and only by that pair. */
static void test_active_expectation(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    void *state = app_layer_ftp_parser.state_new();
    replay_session(&e, state, 1u << 20);
    Flow data;
    memset(&data, 0, sizeof(data));
    data.key.proto = IPPROTO_TCP;
    data.key.src = e.flow.key.src; /* the client: wrong way for active mode */
    data.key.dst = e.flow.key.dst;
    data.key.sp = 20;
    data.key.dp = 58895;
    FtpExpectInfo info;
    assert_false(ftp_expect_take(&data, &info));
    data.key.src = e.flow.key.dst;
    data.key.dst = e.flow.key.src;
    data.key.dp = 58896;
    assert_false(ftp_expect_take(&data, &info));
    data.key.dp = 58895;
    assert_true(ftp_expect_take(&data, &info));
    assert_int_equal(info.name_len, strlen("ACam_img_20200613_150004_619.fff"));
    assert_memory_equal(info.name, "ACam_img_20200613_150004_619.fff", info.name_len);
    assert_string_equal(info.command, "RETR");
    assert_int_equal(info.parent_flow_id, 4242);
    assert_false(ftp_expect_take(&data, &info));
    app_layer_ftp_parser.state_free(state);
}

static void test_passive_expectation(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    void *state = app_layer_ftp_parser.state_new();
    const char *c1 = "EPSV\r\n", *r1 = "229 Entering Extended Passive Mode (|||6446|)\r\n";
    const char *c2 = "STOR up.bin\r\n";
    feed(&e, state, true, c1, strlen(c1), 100);
    feed(&e, state, false, r1, strlen(r1), 100);
    feed(&e, state, true, c2, strlen(c2), 100);
    char *s = tx_text(state, 0);
    assert_non_null(strstr(s, "\"dynamic_port\":6446,\"mode\":\"passive\""));
    free(s);
    Flow data;
    memset(&data, 0, sizeof(data));
    data.key.proto = IPPROTO_TCP;
    data.key.src = e.flow.key.src;
    data.key.dst = e.flow.key.dst;
    data.key.sp = 50000;
    data.key.dp = 6446;
    FtpExpectInfo info;
    assert_true(ftp_expect_take(&data, &info));
    assert_string_equal(info.command, "STOR");
    assert_int_equal(info.name_len, 6);
    app_layer_ftp_parser.state_free(state);
}

static void test_line_limit(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    void *state = app_layer_ftp_parser.state_new();
    size_t n = 5000;
    char *line = malloc(n + 2);
    memcpy(line, "STOR ", 5);
    memset(line + 5, 'a', n - 5);
    memcpy(line + n, "\r\n", 2);
    feed(&e, state, true, line, n + 2, 1000);
    free(line);
    char *s = tx_text(state, 0);
    assert_non_null(strstr(s, "\"command_truncated\":true"));
    free(s);
    assert_int_equal(counter_get(&e.counters, ftp_memcap_counter), 1);
    app_layer_ftp_parser.state_free(state);
}

static void test_transaction_limit(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    void *state = app_layer_ftp_parser.state_new();
    for (int i = 0; i < 300; i++)
        feed(&e, state, true, "NOOP\r\n", 6, 6);
    assert_int_equal(app_layer_ftp_parser.tx_count(state), 256);
    assert_int_equal(counter_get(&e.counters, ftp_memcap_counter), 44);
    /* freeing the oldest makes room again */
    app_layer_ftp_parser.tx_free(state, 0);
    feed(&e, state, true, "NOOP\r\n", 6, 6);
    assert_int_equal(app_layer_ftp_parser.tx_count(state), 257);
    app_layer_ftp_parser.state_free(state);
}

/* An ftp-data flow: the bytes are the file named by the control connection. */
static void run_data_flow(Env *e, uint32_t chunk, uint32_t total, FileState want_state,
                          uint64_t want_size)
{
    FtpExpectInfo *info = calloc(1, sizeof(*info));
    memcpy(info->name, "f.bin", 5);
    info->name_len = 5;
    memcpy(info->command, "RETR", 5);
    AppLayerFlow app = {.proto = ALPROTO_FTPDATA, .expect = info};
    e->flow.app = &app;
    const AppLayerParser *p = &app_layer_ftpdata_parser;
    void *state = p->state_new();
    uint8_t *buf = calloc(1, chunk);
    for (uint32_t sent = 0; sent < total; sent += chunk)
        assert_int_equal(p->parse(state, &e->ctx, true, buf, chunk, 0), 0);
    assert_int_equal(p->parse(state, &e->ctx, true, NULL, 0, APP_FLAG_EOF), 0);
    void *tx = p->tx_get(state, 0);
    assert_true(p->tx_done(tx, true));
    const File *f = p->tx_file(tx, true, 0);
    assert_non_null(f);
    assert_null(p->tx_file(tx, false, 0));
    assert_int_equal(f->state, want_state);
    assert_int_equal(f->size, want_size);
    assert_memory_equal(f->name, "f.bin", 5);
    /* a truncated file is stored too (named by the sha256 of what arrived), as Suricata */
    assert_int_equal(f->stored, file_store_stream_depth() != 0);
    json_t *o = p->tx_alert_json(state, tx);
    assert_string_equal(json_string_value(json_object_get(o, "command")), "RETR");
    json_decref(o);
    p->state_free(state);
    free(buf);
    free(info);
    e->flow.app = NULL;
}

static void test_data_file(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    file_configure(NULL);
    run_data_flow(&e, 1420, 1420 * 10, FILE_STATE_CLOSED, 14200);
}

static void test_data_stream_depth(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    char dir[] = "/tmp/bongsu-test-ftp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char yaml[512], err[256];
    snprintf(yaml, sizeof(yaml),
             "outputs:\n  - file-store:\n      version: 2\n      enabled: yes\n"
             "      force-filestore: yes\n      stream-depth: 10000\n      dir: %s\n", dir);
    ConfNode *conf = conf_new_empty();
    assert_int_equal(conf_load_string(conf, yaml, "test", err, sizeof(err)), 0);
    file_configure(conf);
    assert_int_equal(file_store_stream_depth(), 10000);
    /* 7 chunks of 1420 = 9940 fit; the 8th would pass 10000 */
    run_data_flow(&e, 1420, 1420 * 20, FILE_STATE_TRUNCATED, 9940);
    file_configure(NULL);
    assert_int_equal(file_store_stream_depth(), 0);
    conf_free(conf);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_deliveries),
        cmocka_unit_test(test_port_arguments),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_active_expectation),
        cmocka_unit_test(test_passive_expectation),
        cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_transaction_limit),
        cmocka_unit_test(test_data_file),
        cmocka_unit_test(test_data_stream_depth),
    };
    return cmocka_run_group_tests(tests, NULL, app_test_free_counters);
}
