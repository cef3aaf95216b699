/*
 * test-smb.c - unit tests of the SMB parser's file tracking.
 *
 * Messages are built here byte by byte after MS-SMB2 and MS-CIFS (NBSS record, header, the
 * command's fields), so each test says exactly what went over the wire: a file written over
 * SMB2 in two pieces, one read back, a write that skips an offset (a gap: TRUNCATED), data
 * seen twice, compounded commands, the same session fed a byte at a time, an SMB1
 * NT_CREATE_ANDX/WRITE_ANDX/CLOSE exchange like the one in the smb-eicar capture, an
 * oversized record (skipped and counted), the UTF-16 name conversion and the probe.
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

#include "applayer/app-layer-smb.h"

#include "applayer-test-util.h"

typedef struct Buf {
    uint8_t b[4096];
    uint32_t n;
} Buf;

static void put(Buf *m, const void *d, uint32_t n)
{
    memcpy(m->b + m->n, d, n);
    m->n += n;
}

static void put16(Buf *m, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(m, b, 2);
}

static void put32(Buf *m, uint32_t v)
{
    put16(m, (uint16_t)v);
    put16(m, (uint16_t)(v >> 16));
}

static void put64(Buf *m, uint64_t v)
{
    put32(m, (uint32_t)v);
    put32(m, (uint32_t)(v >> 32));
}

static void zeros(Buf *m, uint32_t n)
{
    memset(m->b + m->n, 0, n);
    m->n += n;
}

static void set32(Buf *m, uint32_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        m->b[at + i] = (uint8_t)(v >> (8 * i));
}

/* ---- SMB2 ---------------------------------------------------------------------------- */

static const uint8_t file_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void smb2_header(Buf *m, uint16_t cmd, bool response, uint64_t msg_id, uint32_t status)
{
    put(m, "\xfeSMB", 4);
    put16(m, 64);
    put16(m, 0);
    put32(m, status);
    put16(m, cmd);
    put16(m, 1);
    put32(m, response ? 1 : 0);
    put32(m, 0);        /* NextCommand */
    put64(m, msg_id);
    zeros(m, 64 - 32);
}

static void utf16(Buf *m, const char *s)
{
    for (; *s; s++)
        put16(m, (uint8_t)*s);
}

static void smb2_create_req(Buf *m, uint64_t id, const char *name)
{
    smb2_header(m, 5, false, id, 0);
    put16(m, 57);
    zeros(m, 42);               /* to NameOffset (body + 44) */
    put16(m, (uint16_t)(64 + 56)); /* the name follows the fixed part */
    put16(m, (uint16_t)(2 * strlen(name)));
    zeros(m, 8);                /* create contexts offset and length */
    utf16(m, name);
}

static void smb2_create_resp(Buf *m, uint64_t id, uint32_t status)
{
    smb2_header(m, 5, true, id, status);
    put16(m, 89);
    zeros(m, 62);
    put(m, file_id, 16);
    zeros(m, 8);
}

static void smb2_write_req(Buf *m, uint64_t id, uint64_t offset, const char *data)
{
    smb2_header(m, 9, false, id, 0);
    put16(m, 49);
    put16(m, 64 + 48);
    put32(m, (uint32_t)strlen(data));
    put64(m, offset);
    put(m, file_id, 16);
    zeros(m, 16);
    put(m, data, (uint32_t)strlen(data));
}

static void smb2_read_req(Buf *m, uint64_t id, uint64_t offset)
{
    smb2_header(m, 8, false, id, 0);
    put16(m, 49);
    zeros(m, 2);
    put32(m, 1000);
    put64(m, offset);
    put(m, file_id, 16);
    zeros(m, 17);
}

static void smb2_read_resp(Buf *m, uint64_t id, uint32_t status, const char *data)
{
    smb2_header(m, 8, true, id, status);
    put16(m, 17);
    uint8_t off = 64 + 16;
    put(m, &off, 1);
    zeros(m, 1);
    put32(m, (uint32_t)strlen(data));
    zeros(m, 8);
    put(m, data, (uint32_t)strlen(data));
}

static void smb2_close_req(Buf *m, uint64_t id)
{
    smb2_header(m, 6, false, id, 0);
    put16(m, 24);
    zeros(m, 6);
    put(m, file_id, 16);
}

/* NBSS session message around what fill() writes. */
static void record(Buf *out, void (*fill)(Buf *, void *), void *arg)
{
    uint32_t at = out->n;
    zeros(out, 4);
    fill(out, arg);
    uint32_t len = out->n - at - 4;
    out->b[at + 1] = (uint8_t)(len >> 16);
    out->b[at + 2] = (uint8_t)(len >> 8);
    out->b[at + 3] = (uint8_t)len;
}

typedef struct Env {
    AppTestEnv t;
    void *state;
} Env;

static void env_init(Env *e)
{
    smb_register_counters();
    app_test_env_init(&e->t, ALPROTO_SMB, 0);
    file_configure(NULL);
    e->state = app_layer_smb_parser.state_new();
}

static void env_free(Env *e)
{
    app_layer_smb_parser.state_free(e->state);
}

static void feed(Env *e, bool to_server, const Buf *b, size_t step)
{
    app_test_feed(&e->t, &app_layer_smb_parser, e->state, to_server, b->b, b->n, step);
}

static const File *tx_file(Env *e, uint64_t id, bool to_server)
{
    void *tx = app_layer_smb_parser.tx_get(e->state, id);
    assert_non_null(tx);
    return app_layer_smb_parser.tx_file(tx, to_server, 0);
}

/* ---- fill functions for record() ----------------------------------------------------- */

typedef struct Op {
    uint64_t id;
    uint64_t offset;
    const char *text;
    uint32_t status;
} Op;

static void f_create_req(Buf *m, void *a) { smb2_create_req(m, ((Op *)a)->id, ((Op *)a)->text); }
static void f_create_resp(Buf *m, void *a) { smb2_create_resp(m, ((Op *)a)->id, ((Op *)a)->status); }
static void f_write(Buf *m, void *a) { smb2_write_req(m, ((Op *)a)->id, ((Op *)a)->offset, ((Op *)a)->text); }
static void f_read_req(Buf *m, void *a) { smb2_read_req(m, ((Op *)a)->id, ((Op *)a)->offset); }
static void f_read_resp(Buf *m, void *a) { smb2_read_resp(m, ((Op *)a)->id, ((Op *)a)->status, ((Op *)a)->text); }
static void f_close(Buf *m, void *a) { smb2_close_req(m, ((Op *)a)->id); }

static void open_file(Env *e, const char *name, size_t step)
{
    Buf req = {.n = 0}, resp = {.n = 0};
    record(&req, f_create_req, &(Op){.id = 1, .text = name});
    record(&resp, f_create_resp, &(Op){.id = 1});
    feed(e, true, &req, step);
    feed(e, false, &resp, step);
}

static void write_session(size_t step)
{
    Env e;
    env_init(&e);
    open_file(&e, "dir\\a.txt", step);
    Buf w = {.n = 0};
    record(&w, f_write, &(Op){.id = 2, .offset = 0, .text = "0123456789"});
    record(&w, f_write, &(Op){.id = 3, .offset = 10, .text = "abcdefghij"});
    record(&w, f_close, &(Op){.id = 4});
    feed(&e, true, &w, step);
    assert_int_equal(app_layer_smb_parser.tx_count(e.state), 1);
    const File *f = tx_file(&e, 0, true);
    assert_non_null(f);
    assert_null(tx_file(&e, 0, false));
    assert_int_equal(f->state, FILE_STATE_CLOSED);
    assert_int_equal(f->size, 20);
    assert_false(f->gaps);
    assert_int_equal(f->name_len, strlen("dir\\a.txt"));
    assert_memory_equal(f->name, "dir\\a.txt", f->name_len);
    assert_true(app_layer_smb_parser.tx_done(app_layer_smb_parser.tx_get(e.state, 0), true));
    env_free(&e);
}

static void test_smb2_write(void **unused)
{
    (void)unused;
    app_test_whole_and_bytewise(write_session, 13);
}

static void test_smb2_read(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    open_file(&e, "r.bin", 4096);
    Buf req = {.n = 0}, resp = {.n = 0}, close = {.n = 0};
    record(&req, f_read_req, &(Op){.id = 7, .offset = 0});
    record(&resp, f_read_resp, &(Op){.id = 7, .status = 0x103, .text = ""}); /* interim */
    record(&resp, f_read_resp, &(Op){.id = 7, .text = "hello"});
    record(&resp, f_read_resp, &(Op){.id = 8, .text = "nobody asked"});
    record(&close, f_close, &(Op){.id = 9});
    feed(&e, true, &req, 4096);
    feed(&e, false, &resp, 4096);
    feed(&e, true, &close, 4096);
    const File *f = tx_file(&e, 0, false);
    assert_non_null(f);
    assert_int_equal(f->size, 5);
    assert_int_equal(f->state, FILE_STATE_CLOSED);
    assert_false(f->to_server);
    env_free(&e);
}

static void test_smb2_gap_and_overlap(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    open_file(&e, "g", 4096);
    Buf w = {.n = 0};
    record(&w, f_write, &(Op){.id = 2, .offset = 0, .text = "0123456789"});
    record(&w, f_write, &(Op){.id = 3, .offset = 5, .text = "56789ABCDE"}); /* 5 new */
    record(&w, f_write, &(Op){.id = 4, .offset = 25, .text = "xyz"});       /* 10 missing */
    record(&w, f_close, &(Op){.id = 5});
    feed(&e, true, &w, 4096);
    const File *f = tx_file(&e, 0, true);
    assert_int_equal(f->size, 28);
    assert_true(f->gaps);
    assert_int_equal(f->state, FILE_STATE_TRUNCATED);
    env_free(&e);
}

static void test_smb2_failed_create_and_compound(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    Buf req = {.n = 0}, resp = {.n = 0};
    record(&req, f_create_req, &(Op){.id = 1, .text = "denied"});
    record(&resp, f_create_resp, &(Op){.id = 1, .status = 0xc0000022});
    feed(&e, true, &req, 4096);
    feed(&e, false, &resp, 4096);
    Buf w = {.n = 0};
    record(&w, f_write, &(Op){.id = 2, .text = "data"});
    feed(&e, true, &w, 4096);
    assert_int_equal(app_layer_smb_parser.tx_count(e.state), 0); /* no name, no file */
    /* two writes compounded in one record (NextCommand) */
    open_file(&e, "c", 4096);
    Buf c = {.n = 4};
    memset(c.b, 0, 4);
    smb2_write_req(&c, 3, 0, "abcd");
    while ((c.n - 4) % 8)
        zeros(&c, 1);
    set32(&c, 4 + 20, c.n - 4);
    smb2_write_req(&c, 4, 4, "efgh");
    uint32_t len = c.n - 4;
    c.b[1] = (uint8_t)(len >> 16), c.b[2] = (uint8_t)(len >> 8), c.b[3] = (uint8_t)len;
    feed(&e, true, &c, 4096);
    const File *f = tx_file(&e, 0, true);
    assert_int_equal(f->size, 8);
    env_free(&e);
}

static void test_record_limit(void **unused)
{
    (void)unused;
    Env e;
    env_init(&e);
    open_file(&e, "big", 4096);
    /* a 2 MiB record: skipped whole, and the next record is still found */
    uint32_t big = 2u << 20;
    uint8_t hdr[4] = {0, (uint8_t)(big >> 16), (uint8_t)(big >> 8), (uint8_t)big};
    assert_int_equal(app_layer_smb_parser.parse(e.state, &e.t.ctx, true, hdr, 4, 0), 0);
    uint8_t *junk = calloc(1, big);
    assert_int_equal(app_layer_smb_parser.parse(e.state, &e.t.ctx, true, junk, big, 0), 0);
    free(junk);
    assert_int_equal(counter_get(&e.t.counters, smb_memcap_counter), 1);
    Buf w = {.n = 0};
    record(&w, f_write, &(Op){.id = 2, .text = "after"});
    feed(&e, true, &w, 4096);
    assert_int_equal(tx_file(&e, 0, true)->size, 5);
    env_free(&e);
}

/* ---- SMB1 ---------------------------------------------------------------------------- */

static void smb1_header(Buf *m, uint8_t cmd, bool response, uint16_t mid)
{
    put(m, "\xffSMB", 4);
    put(m, &cmd, 1);
    put32(m, 0);                           /* status */
    uint8_t flags = response ? 0x98 : 0x18;
    put(m, &flags, 1);
    put16(m, 0xc843);                      /* flags2: Unicode */
    zeros(m, 12);
    put16(m, 0x0800);                      /* TID */
    put16(m, 0x033f);                      /* PID */
    put16(m, 0x0800);                      /* UID */
    put16(m, mid);
}

static void f1_create_req(Buf *m, void *a)
{
    (void)a;
    smb1_header(m, 0xa2, false, 5);
    uint8_t wc = 24;
    put(m, &wc, 1);
    put(m, "\xff\x00\x00\x00\x00", 5);     /* AndX, reserved */
    put16(m, 14);                          /* NameLength: "\eicar" + NUL in UTF-16 */
    zeros(m, 48 - 7);
    put16(m, 15);                          /* byte count: pad + name */
    zeros(m, 1);                           /* pad to an even offset */
    utf16(m, "\\eicar");
    put16(m, 0);
}

static void f1_create_resp(Buf *m, void *a)
{
    (void)a;
    smb1_header(m, 0xa2, true, 5);
    uint8_t wc = 34;
    put(m, &wc, 1);
    put(m, "\xff\x00\x00\x00\x00", 5);
    put16(m, 0x4000);                      /* FID */
    zeros(m, 68 - 7);
    put16(m, 0);
}

static void f1_write(Buf *m, void *a)
{
    const char *text = a;
    smb1_header(m, 0x2f, false, 6);
    uint8_t wc = 14;
    put(m, &wc, 1);
    put(m, "\xff\x00\x00\x00", 4);
    put16(m, 0x4000);                      /* FID */
    put32(m, 0);                           /* offset */
    zeros(m, 4 + 2 + 2 + 2);               /* timeout, write mode, remaining, length high */
    put16(m, (uint16_t)strlen(text));
    put16(m, 32 + 1 + 28 + 2 + 1);         /* data offset: header, wc, words, bc, pad */
    put32(m, 0);                           /* offset high */
    put16(m, (uint16_t)(strlen(text) + 1));
    zeros(m, 1);
    put(m, text, (uint32_t)strlen(text));
}

static void f1_close(Buf *m, void *a)
{
    (void)a;
    smb1_header(m, 0x04, false, 7);
    uint8_t wc = 3;
    put(m, &wc, 1);
    put16(m, 0x4000);
    put32(m, 0xffffffff);
    put16(m, 0);
}

static void test_smb1_eicar(void **unused)
{
    (void)unused;
    static const char eicar[] =
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    Env e;
    env_init(&e);
    Buf req = {.n = 0}, resp = {.n = 0}, w = {.n = 0};
    record(&req, f1_create_req, NULL);
    record(&resp, f1_create_resp, NULL);
    record(&w, f1_write, (void *)eicar);
    record(&w, f1_close, NULL);
    feed(&e, true, &req, 4096);
    feed(&e, false, &resp, 4096);
    feed(&e, true, &w, 4096);
    const File *f = tx_file(&e, 0, true);
    assert_non_null(f);
    assert_int_equal(f->size, 68);
    assert_int_equal(f->state, FILE_STATE_CLOSED);
    assert_int_equal(f->name_len, 6);
    assert_memory_equal(f->name, "\\eicar", 6);
    env_free(&e);
}

static void test_names_and_probe(void **unused)
{
    (void)unused;
    uint8_t out[16];
    const uint8_t e_acute[] = {'a', 0, 0xe9, 0, 0x00, 0xd8, 'z', 0, 0, 0, 'x', 0};
    uint32_t n = smb_name_to_utf8(e_acute, sizeof(e_acute), true, out, sizeof(out));
    assert_int_equal(n, 5);
    assert_memory_equal(out, "a\xc3\xa9?z", 5);  /* stops at the NUL */
    assert_int_equal(smb_name_to_utf8((const uint8_t *)"abc", 3, false, out, 2), 2);
    AppProto (*probe)(const uint8_t *, uint32_t, bool) = app_layer_smb_parser.probe;
    assert_int_equal(probe((const uint8_t *)"\x00\x00\x00\x40\xfeSMB", 8, true), ALPROTO_SMB);
    assert_int_equal(probe((const uint8_t *)"\x00\x00\x00\x40\xffSMB", 8, false), ALPROTO_SMB);
    assert_int_equal(probe((const uint8_t *)"\x00\x00\x00", 3, true), ALPROTO_UNKNOWN);
    assert_int_equal(probe((const uint8_t *)"GET / HTTP/1.1", 14, true), ALPROTO_FAILED);
    assert_int_equal(probe((const uint8_t *)"\x00\x00\x00\x40\xfdSMB", 8, true), ALPROTO_FAILED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smb2_write),
        cmocka_unit_test(test_smb2_read),
        cmocka_unit_test(test_smb2_gap_and_overlap),
        cmocka_unit_test(test_smb2_failed_create_and_compound),
        cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_smb1_eicar),
        cmocka_unit_test(test_names_and_probe),
    };
    return cmocka_run_group_tests(tests, NULL, app_test_free_counters);
}
