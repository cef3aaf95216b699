/*
 * test-mime.c - unit tests of the MIME parser (mime.c): a multipart message with a text
 * part (quoted-printable, soft line breaks, an invalid "=") and a base64 attachment whose
 * decoded bytes must be exact; nested multiparts (an attachment inside an inner multipart,
 * the outer boundary closing both); headers folded over lines and which are the message's
 * own; a non-multipart message that is itself an attachment; invalid base64; and the limits
 * (nesting past MIME_DEPTH_MAX, an overlong header) raising their events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "applayer/mime.h"

typedef struct Seen {
    char headers[4096];
    char files[2048];        /* "name:" then the decoded bytes, "|" at each file's end */
    size_t files_len;        /* the decoded bytes may hold NULs */
    char text[2048];         /* text lines, each followed by "\n" */
    uint32_t events[MIME_EV_MAX];
} Seen;

static void cat(char *dst, size_t cap, const void *d, size_t len)
{
    size_t have = strlen(dst);
    assert_true(have + len < cap);
    memcpy(dst + have, d, len);
    dst[have + len] = '\0';
}

static void on_header(void *ud, const uint8_t *n, uint32_t nl, const uint8_t *v, uint32_t vl)
{
    Seen *s = ud;
    cat(s->headers, sizeof(s->headers), n, nl);
    cat(s->headers, sizeof(s->headers), "=", 1);
    cat(s->headers, sizeof(s->headers), v, vl);
    cat(s->headers, sizeof(s->headers), ";", 1);
}

static void file_cat(Seen *s, const void *d, size_t len)
{
    assert_true(s->files_len + len < sizeof(s->files));
    memcpy(s->files + s->files_len, d, len);
    s->files_len += len;
}

static void on_begin(void *ud, const uint8_t *name, uint32_t len)
{
    Seen *s = ud;
    file_cat(s, name, len);
    file_cat(s, ":", 1);
}

static void on_data(void *ud, const uint8_t *d, uint32_t len)
{
    Seen *s = ud;
    file_cat(s, d, len);
}

static void on_end(void *ud)
{
    Seen *s = ud;
    file_cat(s, "|", 1);
}

static void on_text(void *ud, const uint8_t *line, uint32_t len)
{
    Seen *s = ud;
    cat(s->text, sizeof(s->text), line, len);
    cat(s->text, sizeof(s->text), "\n", 1);
}

static void on_event(void *ud, MimeEvent ev)
{
    ((Seen *)ud)->events[ev]++;
}

/* Parses `msg` (lines ending in "\r\n") and returns what the sink saw. */
static void parse(const char *msg, Seen *s)
{
    memset(s, 0, sizeof(*s));
    MimeSink sink = {s, on_header, on_begin, on_data, on_end, on_text, on_event};
    MimeParser *m = mime_new(&sink);
    assert_non_null(m);
    const char *p = msg;
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        mime_line(m, (const uint8_t *)p, (uint32_t)len);
        p += len + (eol ? 2 : 0);
    }
    mime_end(m);
    mime_free(m);
}

static void test_multipart(void **unused)
{
    (void)unused;
    Seen s;
    parse("From: A <a@x>\r\n"
          "To: b@x,\r\n c@x\r\n"
          "Content-Type: multipart/mixed;\r\n\tboundary=\"B1\"\r\n"
          "\r\n"
          "preamble http://not.a.part/\r\n"
          "--B1\r\n"
          "Content-Type: text/plain\r\n"
          "Content-Transfer-Encoding: quoted-printable\r\n"
          "\r\n"
          "see HTTP://Host.Example/P?q=3D1 ok=\r\n"
          "more a=zz\r\n"
          "--B1\r\n"
          "Content-Type: application/octet-stream; name=\"n.bin\"\r\n"
          "Content-Disposition: attachment; filename=\"a.exe\"\r\n"
          "Content-Transfer-Encoding: base64\r\n"
          "\r\n"
          "TVqQAAMA\r\n"
          "QUJD\r\n"
          "--B1--\r\n"
          "epilogue\r\n",
          &s);
    /* folded headers are unfolded; only the message's own headers are reported */
    assert_string_equal(s.headers, "From=A <a@x>;To=b@x, c@x;"
                                   "Content-Type=multipart/mixed;\tboundary=\"B1\";");
    assert_int_equal(s.files_len, 16);
    assert_memory_equal(s.files, "a.exe:MZ\x90\0\3\0ABC|", 16);
    /* the soft break joins the lines; "=zz" is invalid: the "=" dropped */
    assert_string_equal(s.text, "see HTTP://Host.Example/P?q=1 okmore azz\n");
    assert_int_equal(s.events[MIME_EV_INVALID_QP], 1);
    assert_int_equal(s.events[MIME_EV_INVALID_BASE64], 0);
}

/* An attachment in an inner multipart; the outer closing boundary ends both. Plain
 * (7bit) content keeps the line breaks between its lines, not the one before the
 * boundary. */
static void test_nested(void **unused)
{
    (void)unused;
    Seen s;
    parse("Content-Type: multipart/mixed; boundary=outer\r\n"
          "\r\n"
          "--outer\r\n"
          "Content-Type: multipart/alternative; boundary=inner\r\n"
          "\r\n"
          "--inner\r\n"
          "Content-Disposition: attachment; filename=t.txt\r\n"
          "\r\n"
          "line1\r\n"
          "line2\r\n"
          "--outer--\r\n",
          &s);
    assert_string_equal(s.files, "t.txt:line1\r\nline2|");
    assert_int_equal(s.files_len, strlen("t.txt:line1\r\nline2|"));
}

/* A message that is one attachment; a bad base64 character raises the event once. */
static void test_single_part(void **unused)
{
    (void)unused;
    Seen s;
    parse("Content-Type: application/zip; name=z.zip\r\n"
          "Content-Transfer-Encoding: base64\r\n"
          "\r\n"
          "QU!J\r\n"
          "D!!!\r\n",
          &s);
    assert_string_equal(s.files, "z.zip:ABC|");
    assert_int_equal(s.events[MIME_EV_INVALID_BASE64], 1);
}

static void test_limits(void **unused)
{
    (void)unused;
    char msg[8192] = "";
    for (int i = 0; i < 12; i++) {
        char part[128];
        snprintf(part, sizeof(part), "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n"
                                     "--b%d\r\n", i, i);
        strcat(msg, part);
    }
    strcat(msg, "Content-Disposition: attachment; filename=deep\r\n\r\nx\r\n");
    Seen s;
    parse(msg, &s);
    assert_true(s.events[MIME_EV_MALFORMED_MSG] >= 1);

    char big[3000 + 64];
    memset(big, 0, sizeof(big));
    strcpy(big, "Subject: ");
    memset(big + strlen(big), 'a', 3000);
    strcat(big, "\r\n\r\nbody\r\n");
    parse(big, &s);
    assert_int_equal(s.events[MIME_EV_LONG_HEADER_VALUE], 1);
    assert_string_equal(s.text, "body\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_single_part),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
