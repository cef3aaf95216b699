/*
 * test_reply_arena.c — replies built in arenas (reply_arena.c) read as hiredis's own:
 * a worker batch's shape, every reply type, strings longer than a chunk, a reply that
 * arrives in pieces, and one abandoned half-read (freed by the reader; the sanitizer
 * build checks that nothing leaks or is freed twice).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reply_arena.h"

static redisReader *arena_reader(hub_reply_arena *a)
{
    redisReader *r = redisReaderCreate();
    assert_non_null(r);
    hub_reply_arena_use(r, a);
    return r;
}

/* The reply to `wire`, fed in pieces of `step` bytes. */
static redisReply *read_reply(redisReader *r, const char *wire, size_t len, size_t step)
{
    void *reply = NULL;
    for (size_t off = 0; off < len; off += step) {
        size_t n = len - off < step ? len - off : step;
        assert_int_equal(redisReaderFeed(r, wire + off, n), REDIS_OK);
        assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
        if (off + n < len)
            assert_null(reply);
    }
    assert_non_null(reply);
    return reply;
}

/* XREADGROUP's shape: [[stream, [[id, [field, value, ...]], ...]]], in one piece and
 * byte by byte. */
static void test_batch_shape(void **state)
{
    (void)state;
    static const char wire[] =
        "*1\r\n*2\r\n$13\r\nbongsu:events\r\n*2\r\n"
        "*2\r\n$3\r\n1-0\r\n*4\r\n$3\r\neve\r\n$11\r\n{\"a\":\"b\\n\"}\r\n"
        "$6\r\nsensor\r\n$2\r\ns1\r\n"
        "*2\r\n$3\r\n2-0\r\n*-1\r\n";
    hub_reply_arena a = {0};
    redisReader *r = arena_reader(&a);
    for (size_t step = sizeof wire - 1; step >= 1; step = step == 1 ? 0 : 1) {
        redisReply *rep = read_reply(r, wire, sizeof wire - 1, step);
        assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
        assert_int_equal(rep->elements, 1);
        redisReply *stream = rep->element[0];
        assert_string_equal(stream->element[0]->str, "bongsu:events");
        redisReply *entries = stream->element[1];
        assert_int_equal(entries->elements, 2);
        redisReply *fields = entries->element[0]->element[1];
        assert_string_equal(entries->element[0]->element[0]->str, "1-0");
        assert_int_equal(fields->elements, 4);
        assert_string_equal(fields->element[1]->str, "{\"a\":\"b\\n\"}");
        assert_int_equal(fields->element[1]->len, 11);
        assert_string_equal(fields->element[3]->str, "s1");
        assert_int_equal(entries->element[1]->element[1]->type, REDIS_REPLY_NIL);
        hub_reply_free(rep);
    }
    redisReaderFree(r);
}

static void test_types(void **state)
{
    (void)state;
    hub_reply_arena a = {0};
    redisReader *r = arena_reader(&a);
    static const char *const wires[] = {"+OK\r\n", "-BUSYGROUP exists\r\n", ":42\r\n",
                                        "$-1\r\n", "*0\r\n"};
    static const int types[] = {REDIS_REPLY_STATUS, REDIS_REPLY_ERROR, REDIS_REPLY_INTEGER,
                                REDIS_REPLY_NIL, REDIS_REPLY_ARRAY};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        redisReply *rep = read_reply(r, wires[i], strlen(wires[i]), 64);
        assert_int_equal(rep->type, types[i]);
        if (types[i] == REDIS_REPLY_ERROR)
            assert_string_equal(rep->str, "BUSYGROUP exists");
        if (types[i] == REDIS_REPLY_INTEGER)
            assert_int_equal(rep->integer, 42);
        if (types[i] == REDIS_REPLY_ARRAY)
            assert_int_equal(rep->elements, 0);
        hub_reply_free(rep);
    }
    redisReaderFree(r);
}

/* Strings longer than an arena chunk get chunks of their own, in the same arena. */
static void test_long_strings(void **state)
{
    (void)state;
    size_t n = 700 * 1024;
    char *wire = malloc(3 * (n + 32) + 16), *w = wire;
    w += sprintf(w, "*3\r\n");
    for (int k = 0; k < 3; k++) {
        w += sprintf(w, "$%zu\r\n", n);
        memset(w, 'a' + k, n);
        w += n;
        w += sprintf(w, "\r\n");
    }
    hub_reply_arena a = {0};
    redisReader *r = arena_reader(&a);
    redisReply *rep = read_reply(r, wire, (size_t)(w - wire), 16384);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(rep->element[k]->len, n);
        assert_int_equal(rep->element[k]->str[0], 'a' + k);
        assert_int_equal(rep->element[k]->str[n - 1], 'a' + k);
        assert_int_equal(rep->element[k]->str[n], '\0');
    }
    hub_reply_free(rep);
    redisReaderFree(r);
    free(wire);
}

/* A reply abandoned half-read is freed with the reader. */
static void test_abandoned(void **state)
{
    (void)state;
    static const char part[] = "*3\r\n$3\r\nabc\r\n*2\r\n:1\r\n";
    hub_reply_arena a = {0};
    redisReader *r = arena_reader(&a);
    void *reply = NULL;
    assert_int_equal(redisReaderFeed(r, part, sizeof part - 1), REDIS_OK);
    assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
    assert_null(reply);
    redisReaderFree(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_shape),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_abandoned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
