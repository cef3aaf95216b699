/*
 * log.c - diagnostics on stderr (see log.h). Lines are written with a single fprintf so that
 * messages from several threads never interleave mid-line.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

static LogLevel current_level = LOG_NOTICE;

void log_set_level(LogLevel level)
{
    current_level = level;
}

void log_msg(LogLevel level, const char *fmt, ...)
{
    static const char *const prefix[] = {"error", "warning", "notice", "info", "debug"};
    if (level > current_level)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "bongsu: %s: %s\n", prefix[level], line);
}
