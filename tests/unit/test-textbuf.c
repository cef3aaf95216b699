/*
 * test-textbuf.c - the shared growable text buffer (src/common/textbuf.c): appends across
 * many growths, printf longer than its stack buffer, JSON escaping, take/free, and the
 * out-of-memory latch.
 *
 * The out-of-memory cases fail realloc for real: this test is linked with
 * -Wl,--wrap=realloc (tests/CMakeLists.txt), so __wrap_realloc below sits between
 * array_reserve and the allocator and refuses when `fail_realloc` is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/textbuf.h"

static bool fail_realloc;
static int realloc_calls;

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
    realloc_calls++;
    return fail_realloc ? NULL : __real_realloc(p, n);
}

static void test_put_grows(void **state)
{
    (void)state;
    TextBuf b = {0};
    char expect[5000];
    for (int i = 0; i < 1000; i++) {
        text_buf_put(&b, "abcde", 5);
        memcpy(expect + i * 5, "abcde", 5);
    }
    assert_false(b.failed);
    assert_int_equal(b.len, 5000);
    assert_true(b.cap > 5000);
    assert_memory_equal(b.data, expect, 5000);
    assert_int_equal(b.data[5000], '\0');
    text_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_printf_short_and_long(void **state)
{
    (void)state;
    TextBuf b = {0};
    text_buf_printf(&b, "%d-%s", 42, "x");
    assert_string_equal(b.data, "42-x");
    char big[2000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    text_buf_printf(&b, "[%s]", big); /* longer than the 512-byte stack buffer */
    assert_int_equal(b.len, 4 + 2 + 1999);
    assert_int_equal(b.data[4], '[');
    assert_int_equal(b.data[5 + 1998], 'q');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(strlen(b.data), b.len);
    text_buf_free(&b);
}

static void test_json_string(void **state)
{
    (void)state;
    TextBuf b = {0};
    text_buf_json_string(&b, "a\"b\\c\n\x01\xc3\xa9");
    char *s = text_buf_take(&b);
    assert_string_equal(s, "\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\"");
    free(s);
}

static void test_take_empty_and_reuse(void **state)
{
    (void)state;
    TextBuf b = {0};
    char *s = text_buf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    assert_null(b.data);
    text_buf_puts(&b, "again");
    s = text_buf_take(&b);
    assert_string_equal(s, "again");
    free(s);
}

/* A refused growth latches `failed`, keeps what was there, ignores later appends (even ones
 * that would fit), and take hands back NULL with the memory freed (ASan checks the leak). */
static void test_out_of_memory(void **state)
{
    (void)state;
    TextBuf b = {0};
    text_buf_puts(&b, "kept");
    size_t cap = b.cap;
    fail_realloc = true;
    realloc_calls = 0;
    char big[4096] = {0};
    text_buf_put(&b, big, sizeof big);
    fail_realloc = false;
    assert_int_equal(realloc_calls, 1);
    assert_true(b.failed);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "kept");
    assert_int_equal(b.cap, cap);
    text_buf_puts(&b, "x");
    text_buf_printf(&b, "%s", "y");
    text_buf_json_string(&b, "z");
    assert_int_equal(realloc_calls, 1);
    assert_int_equal(b.len, 4);
    assert_null(text_buf_take(&b));
    assert_null(b.data);
    assert_false(b.failed);
}

static void test_out_of_memory_first_append(void **state)
{
    (void)state;
    TextBuf b = {0};
    fail_realloc = true;
    text_buf_printf(&b, "%d", 7);
    fail_realloc = false;
    assert_true(b.failed);
    assert_null(b.data);
    assert_null(text_buf_take(&b));
}

/* A caller abandons the text by setting failed (the certificate printer does for
 * unprintable values); a size that would overflow latches it without allocating. */
static void test_failed_by_caller_and_overflow(void **state)
{
    (void)state;
    TextBuf b = {0};
    text_buf_puts(&b, "ab");
    b.failed = true;
    text_buf_puts(&b, "cd");
    assert_string_equal(b.data, "ab");
    text_buf_free(&b);
    text_buf_puts(&b, "ab");
    realloc_calls = 0;
    text_buf_put(&b, "", SIZE_MAX - 1);
    assert_true(b.failed);
    assert_int_equal(realloc_calls, 0);
    text_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_grows),
        cmocka_unit_test(test_printf_short_and_long),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_take_empty_and_reuse),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_out_of_memory_first_append),
        cmocka_unit_test(test_failed_by_caller_and_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
