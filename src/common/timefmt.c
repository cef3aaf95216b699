/*
 * timefmt.c - EVE timestamps (see timefmt.h).
 *
 * localtime_r is the expensive part, and consecutive events almost always fall in the same
 * second, so the formatted date/time prefix of the last second is cached per thread.
 */
#include "common/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void timefmt_iso(uint64_t ts_usec, char buf[TIMEFMT_BUF_SIZE])
{
    static _Thread_local time_t cached_sec = (time_t)-1;
    static _Thread_local char cached_date[24];
    static _Thread_local char cached_zone[8];

    time_t sec = (time_t)(ts_usec / 1000000);
    unsigned usec = (unsigned)(ts_usec % 1000000);
    if (sec != cached_sec) {
        struct tm tm;
        localtime_r(&sec, &tm);
        strftime(cached_date, sizeof(cached_date), "%Y-%m-%dT%H:%M:%S", &tm);
        strftime(cached_zone, sizeof(cached_zone), "%z", &tm);
        cached_sec = sec;
    }
    /* Assembled by hand: snprintf here was a visible share of writing flow records. */
    size_t date_len = strlen(cached_date), zone_len = strlen(cached_zone);
    if (date_len + 8 + zone_len >= TIMEFMT_BUF_SIZE) {
        snprintf(buf, TIMEFMT_BUF_SIZE, "%s.%06u%s", cached_date, usec, cached_zone);
        return;
    }
    char *out = buf;
    memcpy(out, cached_date, date_len);
    out += date_len;
    *out++ = '.';
    for (int digit = 5; digit >= 0; digit--) {
        out[digit] = (char)('0' + usec % 10);
        usec /= 10;
    }
    out += 6;
    memcpy(out, cached_zone, zone_len + 1);
}
