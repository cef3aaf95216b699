/*
 * textbuf.h - the one growable text buffer of bongsu and bongsu-hub: see textbuf.c.
 */
#ifndef BONGSU_TEXTBUF_H
#define BONGSU_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Zero-initialise ({0}) to start empty. `data` is NUL-terminated once anything was appended.
 * `failed` latches when memory runs out; a caller may also set it to abandon the text (an
 * unprintable value, say). Appends after a failure do nothing, so callers check once at the
 * end (text_buf_take returns NULL) instead of after every append. */
typedef struct TextBuf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} TextBuf;

void text_buf_put(TextBuf *b, const void *p, size_t n);
void text_buf_puts(TextBuf *b, const char *s);
void text_buf_printf(TextBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string: '"' and '\\' escaped, control bytes as \u00XX, other
 * bytes (UTF-8 included) as they are. */
void text_buf_json_string(TextBuf *b, const char *s);
/* Hands over the NUL-terminated text ("" when nothing was appended) and leaves b empty;
 * NULL, with the memory freed, when the buffer failed. */
char *text_buf_take(TextBuf *b);
/* Frees the text and leaves b empty and usable. */
void text_buf_free(TextBuf *b);

#endif
