/*
 * textutil.h - small text helpers shared by the parsers of line-oriented files (rules,
 * threshold.config, reputation and dataset lists): see textutil.c.
 */
#ifndef BONGSU_TEXTUTIL_H
#define BONGSU_TEXTUTIL_H

#include <stddef.h>
#include <stdio.h>

/* The value of a hexadecimal digit (either case), -1 for any other byte. */
int text_hex_value(unsigned char c);

/* The value of a base64 alphabet character (RFC 4648, "+" and "/"), -1 for any other. */
int text_base64_value(unsigned char c);

/* Strips leading and trailing whitespace in place; returns the first kept character. */
char *text_trim(char *s);

/* Splits s in place at commas into at most n trimmed fields (empty ones skipped); returns
 * how many, or n + 1 when there are more. */
int text_split_commas(char *s, char **fields, int n);

/* Called with each logical line (backslash continuations joined, line ending removed,
 * leading blanks skipped) that is neither blank nor a '#' comment, and the number of the
 * physical line it starts on. */
typedef void (*TextLineFn)(void *ud, const char *line, int lineno);
/* Reads f to the end; a logical line longer than max_len is cut there. Returns 0, or -1 when
 * memory runs out. */
int text_read_joined_lines(FILE *f, size_t max_len, TextLineFn fn, void *ud);

#endif
