/*
 * textutil.c - trimming, comma-separated fields, and the "logical line" reading that Suricata's rule files and
 * threshold.config share: a line ending in a backslash continues on the next one, blank lines
 * and lines starting with '#' are skipped, and a logical line keeps the number of the physical
 * line it began on so errors can name file:line.
 */
#include "common/textutil.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Physical lines longer than this are read in pieces (and joined like any other text). */
#define PHYSICAL_LINE_MAX 65536

char *text_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

int text_split_commas(char *s, char **fields, int n)
{
    int count = 0;
    char *save = NULL;
    for (char *f = strtok_r(s, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (count == n)
            return n + 1;
        fields[count++] = text_trim(f);
    }
    return count;
}

/* Appends line (n bytes) to the logical line being built, up to max_len. */
static void append(char *logical, size_t *len, size_t max_len, const char *line, size_t n)
{
    if (*len + n + 1 >= max_len)
        n = *len + 1 < max_len ? max_len - *len - 1 : 0;
    memcpy(logical + *len, line, n);
    *len += n;
    logical[*len] = '\0';
}

int text_read_joined_lines(FILE *f, size_t max_len, TextLineFn fn, void *ud)
{
    char *logical = malloc(max_len), *line = malloc(PHYSICAL_LINE_MAX);
    if (!logical || !line) {
        free(logical);
        free(line);
        return -1;
    }
    size_t len = 0;
    int lineno = 0, start = 0;
    logical[0] = '\0';
    while (fgets(line, PHYSICAL_LINE_MAX, f)) {
        lineno++;
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        bool continues = n && line[n - 1] == '\\';
        if (continues)
            line[--n] = '\0';
        if (!len)
            start = lineno;
        append(logical, &len, max_len, line, n);
        if (continues)
            continue;
        const char *text = logical + strspn(logical, " \t");
        if (*text && *text != '#')
            fn(ud, text, start);
        len = 0;
        logical[0] = '\0';
    }
    free(logical);
    free(line);
    return 0;
}

int text_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int text_base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}
