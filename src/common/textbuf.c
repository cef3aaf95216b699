/*
 * textbuf.c - the one growable text buffer: names printed from certificates, YARA rule source
 * rewritten for libyara, the hub's JSON replies and SQL text.
 *
 * Each of those builds a string from many small pieces, where checking every append for an
 * allocation failure would bury the logic; the buffer latches the failure instead and the
 * caller checks once at the end. Growth goes through array_reserve (overflow-checked
 * doubling). The hub links this file too (library bongsu_base), so the sensor and the hub
 * share one implementation.
 */
#include "common/textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"

/* Room for n more bytes and the NUL; false (and failed latched) when there is none. */
static bool reserve(TextBuf *b, size_t n)
{
    if (b->failed)
        return false;
    if (n > (size_t)-1 - b->len - 1) {
        b->failed = true;
        return false;
    }
    char *p = array_reserve(b->data, 1, b->len + n + 1, &b->cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    return true;
}

void text_buf_put(TextBuf *b, const void *p, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void text_buf_puts(TextBuf *b, const char *s)
{
    text_buf_put(b, s, strlen(s));
}

/* Most pieces fit the stack buffer and are formatted once; longer ones a second time in place. */
void text_buf_printf(TextBuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        text_buf_put(b, tmp, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void text_buf_json_string(TextBuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    text_buf_put(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20)
            continue; /* copied with the rest of its run, one put per run */
        text_buf_put(b, run, (size_t)(p - run));
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            text_buf_put(b, e, 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            text_buf_put(b, e, 6);
        }
        run = p + 1;
    }
    text_buf_put(b, run, (size_t)(p - run));
    text_buf_put(b, "\"", 1);
}

char *text_buf_take(TextBuf *b)
{
    if (b->failed) {
        text_buf_free(b);
        return NULL;
    }
    if (!b->data)
        text_buf_put(b, "", 0);
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void text_buf_free(TextBuf *b)
{
    free(b->data);
    *b = (TextBuf){0};
}
