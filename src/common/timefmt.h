/*
 * timefmt.h - Suricata's EVE timestamp format, "2023-11-14T22:13:20.123456+0000".
 *
 * Local time with a numeric offset, as Suricata writes it (tests run with TZ=UTC).
 */
#ifndef BONGSU_TIMEFMT_H
#define BONGSU_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_BUF_SIZE 40

/* Writes the timestamp for ts_usec (microseconds since the epoch) into buf. */
void timefmt_iso(uint64_t ts_usec, char buf[TIMEFMT_BUF_SIZE]);

#endif
