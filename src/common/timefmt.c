/*
 * timefmt.c - EVE timestamps (see timefmt.h).
 *
 * localtime_r is the expensive part, and events cluster in few seconds, so the formatted
 * date/time prefixes of recent seconds are cached per thread.
 */
#include "common/timefmt.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Flow records carry start and end times of many different seconds, so one cached second
 * missed half the time; a small direct-mapped cache keeps the seconds in use. */
#define TIMEFMT_CACHE_SLOTS 16

typedef struct CachedSecond {
    time_t sec;
    char date[24];
    char zone[8];
    uint8_t date_len, zone_len;
} CachedSecond;

static const CachedSecond *cached_second(time_t sec)
{
    static _Thread_local CachedSecond cache[TIMEFMT_CACHE_SLOTS];
    static _Thread_local bool cache_ready;
    if (!cache_ready) {
        for (int i = 0; i < TIMEFMT_CACHE_SLOTS; i++)
            cache[i].sec = (time_t)-1;
        cache_ready = true;
    }
    CachedSecond *slot = &cache[(uint64_t)sec % TIMEFMT_CACHE_SLOTS];
    if (slot->sec != sec) {
        struct tm tm;
        localtime_r(&sec, &tm);
        slot->date_len = (uint8_t)strftime(slot->date, sizeof(slot->date), "%Y-%m-%dT%H:%M:%S", &tm);
        slot->zone_len = (uint8_t)strftime(slot->zone, sizeof(slot->zone), "%z", &tm);
        slot->sec = sec;
    }
    return slot;
}

void timefmt_iso(uint64_t ts_usec, char buf[TIMEFMT_BUF_SIZE])
{
    const CachedSecond *second = cached_second((time_t)(ts_usec / 1000000));
    unsigned usec = (unsigned)(ts_usec % 1000000);
    /* Assembled by hand: snprintf here was a visible share of writing flow records. */
    char *out = buf;
    memcpy(out, second->date, second->date_len);
    out += second->date_len;
    *out++ = '.';
    for (int digit = 5; digit >= 0; digit--) {
        out[digit] = (char)('0' + usec % 10);
        usec /= 10;
    }
    out += 6;
    memcpy(out, second->zone, second->zone_len);
    out[second->zone_len] = '\0';
}
