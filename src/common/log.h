/*
 * log.h - diagnostics on stderr.
 *
 * One small logger for the whole sensor: levels, a program prefix, printf formatting. The
 * quiet flag exists because the final summary line must be the only thing a script sees when
 * it asks for quiet operation.
 */
#ifndef BONGSU_LOG_H
#define BONGSU_LOG_H

typedef enum LogLevel { LOG_NONE = -1, LOG_ERROR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG } LogLevel;

void log_set_level(LogLevel level);
void log_msg(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)

#endif
