/*
 * test-smtp.c - unit tests of the SMTP parser: a whole mail session (banner, EHLO, MAIL,
 * RCPT, DATA with a dot-stuffed line, QUIT) delivered whole and a byte at a time, with the
 * EVE "smtp" objects of its two transactions (helo, mail_from, rcpt_to), pipelined
 * STARTTLS handing the flow over to TLS (and a refused one), replies without a welcome
 * (Suricata's NO_SERVER_WELCOME_MESSAGE on each), BDAT chunks whose bytes are not
 * commands, the line and command-queue limits (counted in smtp.memcap), and the probe.
 * Sessions run whole, a byte at a time and in 7-byte pieces (applayer-test-util.h).
 */
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-smtp.h"
#include "applayer-test-util.h"
#include "file/file.h"

typedef struct Env {
    AppTestEnv t;
    void *state;
} Env;

static void env_init(Env *e)
{
    smtp_register_counters();
    app_test_env_init(&e->t, ALPROTO_SMTP, 0);
    e->state = app_layer_smtp_parser.state_new();
    assert_non_null(e->state);
}

static void env_free(Env *e)
{
    app_layer_smtp_parser.state_free(e->state);
}

static void feed(Env *e, bool to_server, const char *text, size_t step)
{
    app_test_feed(&e->t, &app_layer_smtp_parser, e->state, to_server, text, strlen(text), step);
}

static void *tx(Env *e, uint64_t id)
{
    void *t = app_layer_smtp_parser.tx_get(e->state, id);
    assert_non_null(t);
    return t;
}

/* The transaction's "smtp" object as compact JSON. */
static void assert_tx_json(Env *e, uint64_t id, const char *want)
{
    json_t *o = app_layer_smtp_parser.tx_alert_json(e->state, tx(e, id));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, want);
    free(text);
    json_decref(o);
}

static bool has_event(Env *e, uint64_t id, const char *name)
{
    return app_layer_smtp_parser.tx_has_event(tx(e, id), name);
}

/* A second EHLO is dropped with DUPLICATE_FIELDS (the first is what EVE gives). */
static void test_duplicate_helo(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    feed(&e, true, "EHLO first\r\nMAIL FROM:<a@x>\r\nHELO second\r\nMAIL FROM:<b@x>\r\n", 1);
    assert_tx_json(&e, 0, "{\"helo\":\"first\",\"mail_from\":\"<a@x>\"}");
    assert_true(has_event(&e, 0, "duplicate_fields"));
    env_free(&e);
}

/* The message's body holds a dot-stuffed line ("..x") and a line "DATA" and "QUIT" that are
 * message text, not commands; the lone "." ends it. */
static void run_session(size_t step)
{
    Env e;
    env_init(&e);
    feed(&e, false, "220 mx.example ESMTP\r\n", step);
    feed(&e, true, "EHLO client.example\r\n", step);
    feed(&e, false, "250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n", step);
    feed(&e, true, "MAIL FROM: <a@example> SIZE=100\r\nRCPT TO:<b@example>\r\n"
                   "rcpt to:<c@example>\r\nDATA\r\n", step);
    feed(&e, false, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n", step);
    assert_int_equal(app_layer_smtp_parser.tx_count(e.state), 1);
    assert_tx_json(&e, 0, "{\"helo\":\"client.example\",\"mail_from\":\"<a@example>\","
                          "\"rcpt_to\":[\"<b@example>\",\"<c@example>\"]}");
    assert_false(app_layer_smtp_parser.tx_done(tx(&e, 0), true));
    feed(&e, true, "Subject: hi\r\n\r\n..x\r\nDATA\r\nQUIT\r\n.\r\n", step);
    assert_true(app_layer_smtp_parser.tx_done(tx(&e, 0), true));
    feed(&e, false, "250 queued\r\n", step);
    /* RSET ends its transaction when answered; QUIT does not (the flow's end does) */
    feed(&e, true, "RSET\r\n", step);
    assert_false(app_layer_smtp_parser.tx_done(tx(&e, 1), false));
    feed(&e, false, "250 reset\r\n", step);
    assert_true(app_layer_smtp_parser.tx_done(tx(&e, 1), false));
    feed(&e, true, "QUIT\r\n", step);
    feed(&e, false, "221 bye\r\n", step);
    assert_int_equal(app_layer_smtp_parser.tx_count(e.state), 3);
    assert_false(app_layer_smtp_parser.tx_done(tx(&e, 2), true));
    assert_tx_json(&e, 1, "{\"helo\":\"client.example\"}");
    for (uint64_t id = 0; id < 3; id++) {
        assert_false(has_event(&e, id, "unable_to_match_reply_with_request"));
        assert_false(has_event(&e, id, "no_server_welcome_message"));
        assert_false(has_event(&e, id, "invalid_reply"));
    }
    assert_false(e.t.app.change_requested);
    env_free(&e);
}

static void test_session(void **unused)
{
    (void)unused;
    app_test_whole_and_bytewise(run_session, 7);
}

/* A MIME message through DATA, whole and a byte at a time: its attachment is a file of the
 * transaction (the file keywords' tx_file), decoded (its bytes kept for file.data), with a
 * dot-stuffed line unstuffed ("..b" is ".b"), closed when the lone "." ends the message; a
 * bad quoted-printable "=" in the text part raises mime_invalid_qp on the transaction. */
static void run_mime(size_t step)
{
    Env e;
    env_init(&e);
    feed(&e, false, "220 mx\r\n", step);
    feed(&e, true, "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n", step);
    feed(&e, false, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n", step);
    feed(&e, true, "From: a@x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
                   "--zz\r\nContent-Type: text/plain\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\nbad =q\r\n"
                   "--zz\r\nContent-Disposition: attachment; filename=\"f.txt\"\r\n\r\n"
                   "a\r\n..b\r\n--zz--\r\n.\r\n", step);
    const File *f = app_layer_smtp_parser.tx_file(tx(&e, 0), true, 0);
    assert_non_null(f);
    assert_null(app_layer_smtp_parser.tx_file(tx(&e, 0), true, 1));
    assert_null(app_layer_smtp_parser.tx_file(tx(&e, 0), false, 0));
    assert_memory_equal(f->name, "f.txt", 5);
    assert_int_equal(f->name_len, 5);
    assert_int_equal(f->size, strlen("a\r\n.b"));
    /* file.data: the decoded bytes, kept once a rule reads file.data (run_mime asks) */
    const uint8_t *d;
    uint32_t n;
    assert_true(file_data_get(f, &d, &n));
    assert_int_equal(n, f->size);
    assert_memory_equal(d, "a\r\n.b", n);
    assert_int_equal(f->state, FILE_STATE_CLOSED);
    assert_true(has_event(&e, 0, "mime_invalid_qp"));
    assert_false(has_event(&e, 0, "mime_invalid_base64"));
    assert_true(app_layer_smtp_parser.tx_done(tx(&e, 0), true));
    assert_int_equal(counter_get(&e.t.counters, smtp_memcap_counter), 0);
    /* a second message whose header passes the MIME limit: the event, and smtp.memcap */
    char big[2200];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    feed(&e, true, "DATA\r\nSubject: ", step);
    feed(&e, true, big, step);
    feed(&e, true, "\r\n\r\nbody\r\n.\r\n", step);
    assert_true(has_event(&e, 1, "mime_long_header_value"));
    assert_int_equal(counter_get(&e.t.counters, smtp_memcap_counter), 1);
    env_free(&e);
}

static void test_mime(void **unused)
{
    (void)unused;
    file_data_request();
    app_test_whole_and_bytewise(run_mime, 7);
}

/* EHLO and STARTTLS pipelined: the 220 answering STARTTLS (not the one answering EHLO)
 * hands the flow over, expecting TLS; what follows is not SMTP's. A 454 refuses. */
static void test_starttls(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    feed(&e, false, "220 mx\r\n", APP_TEST_WHOLE);
    feed(&e, true, "EHLO c\r\nSTARTTLS\r\n", APP_TEST_WHOLE);
    feed(&e, false, "220 hello\r\n", APP_TEST_WHOLE);
    assert_false(e.t.app.change_requested);
    feed(&e, false, "220 go ahead\r\n\x16\x03\x01 not a reply\n", APP_TEST_WHOLE);
    assert_true(e.t.app.change_requested);
    assert_int_equal(e.t.app.proto_expect, ALPROTO_TLS);
    /* the bytes after the 220 line in its chunk are handed to detection */
    assert_int_equal(e.t.app.change_rest, strlen("\x16\x03\x01 not a reply\n"));
    assert_false(has_event(&e, 0, "invalid_reply"));
    env_free(&e);

    env_init(&e);
    feed(&e, false, "220 mx\r\n", APP_TEST_WHOLE);
    feed(&e, true, "STARTTLS\r\n", APP_TEST_WHOLE);
    feed(&e, false, "454 not now\r\n", APP_TEST_WHOLE);
    assert_false(e.t.app.change_requested);
    assert_true(has_event(&e, 0, "tls_rejected"));
    env_free(&e);
}

/* Commands while no welcome was seen: the event at each (a reply answering a command is no
 * welcome), and the replies still answer the commands (the STARTTLS one hands over), as
 * the reference does; a first reply that is not a 220 is an invalid one. */
static void test_no_welcome(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    feed(&e, true, "EHLO\nSTARTTLS\n", APP_TEST_WHOLE);
    assert_true(has_event(&e, 0, "no_server_welcome_message"));
    feed(&e, false, "220 a\r\n", APP_TEST_WHOLE);
    assert_false(e.t.app.change_requested);
    feed(&e, false, "220 b\r\n", APP_TEST_WHOLE);
    assert_true(e.t.app.change_requested);
    env_free(&e);
    /* a reply nothing asked for, after the welcome */
    env_init(&e);
    feed(&e, false, "220 mx\r\n", APP_TEST_WHOLE);
    feed(&e, true, "NOOP\r\n", APP_TEST_WHOLE);
    feed(&e, false, "250 ok\r\n250 extra\r\nbogus\r\n", APP_TEST_WHOLE);
    assert_true(has_event(&e, 0, "unable_to_match_reply_with_request"));
    assert_true(has_event(&e, 0, "invalid_reply"));
    env_free(&e);
    env_init(&e);
    feed(&e, false, "554 go away\r\n", APP_TEST_WHOLE);
    feed(&e, true, "QUIT\r\n", APP_TEST_WHOLE);
    assert_true(has_event(&e, 0, "invalid_reply"));
    assert_false(has_event(&e, 0, "no_server_welcome_message"));
    env_free(&e);
}

/* BDAT's chunk is raw bytes: an LF or "QUIT" inside it is not a command line. LAST ends
 * neither the transaction (the next commands stay in it) nor makes a message of the chunk
 * (no MIME), as Suricata 7; a 250 answering RSET ends it, another reply does not. */
static void run_bdat(size_t step)
{
    Env e;
    env_init(&e);
    feed(&e, false, "220 mx\r\n", step);
    feed(&e, true, "MAIL FROM:<a@x>\r\nBDAT 11 LAST\r\nQUIT\r\nab\ncd", step);
    assert_int_equal(app_layer_smtp_parser.tx_count(e.state), 1);
    assert_false(app_layer_smtp_parser.tx_done(tx(&e, 0), true));
    assert_null(app_layer_smtp_parser.tx_alert_more(e.state, tx(&e, 0)));
    feed(&e, true, "NOOP\r\nRSET\r\n", step);
    assert_int_equal(app_layer_smtp_parser.tx_count(e.state), 1);
    feed(&e, false, "250 ok\r\n250 ok\r\n250 ok\r\n421 busy\r\n", step);
    assert_false(app_layer_smtp_parser.tx_done(tx(&e, 0), true));
    feed(&e, true, "RSET\r\n", step);
    feed(&e, false, "250 reset\r\n", step);
    assert_true(app_layer_smtp_parser.tx_done(tx(&e, 0), true));
    assert_false(has_event(&e, 0, "unable_to_match_reply_with_request"));
    env_free(&e);
}

static void test_bdat(void **unused)
{
    (void)unused;
    app_test_whole_and_bytewise(run_bdat, 7);
}

/* An overlong command line is cut (the event once), the rest up to its LF skipped; more
 * commands waiting than the queue holds are counted in smtp.memcap. */
static void test_limits(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    feed(&e, false, "220 mx\r\n", APP_TEST_WHOLE);
    size_t big = 10000;
    char *line = malloc(big + 3);
    assert_non_null(line);
    memset(line, 'A', big);
    memcpy(line + big, "\r\n", 3);
    feed(&e, true, line, APP_TEST_WHOLE);
    free(line);
    assert_true(has_event(&e, 0, "max_command_line_len_exceeded"));
    assert_false(has_event(&e, 0, "max_reply_line_len_exceeded"));
    assert_int_equal(counter_get(&e.t.counters, smtp_memcap_counter), 0);
    for (int i = 0; i < 70; i++)
        feed(&e, true, "NOOP\r\n", APP_TEST_WHOLE);
    /* one command waits already (the long line); 64 fit */
    assert_int_equal(counter_get(&e.t.counters, smtp_memcap_counter), 7);
    env_free(&e);
}

static void test_probe(void **unused)
{
    (void)unused;
    const AppLayerParser *p = &app_layer_smtp_parser;
    assert_int_equal(p->probe((const uint8_t *)"EHLO x\r\n", 8, true), ALPROTO_SMTP);
    assert_int_equal(p->probe((const uint8_t *)"helo x\r\n", 8, true), ALPROTO_SMTP);
    assert_int_equal(p->probe((const uint8_t *)"QUIT", 4, true), ALPROTO_SMTP);
    assert_int_equal(p->probe((const uint8_t *)"EH", 2, true), ALPROTO_UNKNOWN);
    assert_int_equal(p->probe((const uint8_t *)"GET / ", 6, true), ALPROTO_FAILED);
    assert_int_equal(p->probe((const uint8_t *)"220 mx\r\n", 8, false), ALPROTO_FAILED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_mime),
        cmocka_unit_test(test_duplicate_helo),
        cmocka_unit_test(test_no_welcome),
        cmocka_unit_test(test_bdat),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, app_test_free_counters);
}
