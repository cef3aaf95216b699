/*
 * output-fast.c - fast.log, the one-line-per-alert text log Suricata writes next to EVE:
 *
 *   10/23/2023-14:12:55.123456  [**] [1:2001:3] msg [**] [Classification: desc]
 *       [Priority: 1] {TCP} 10.0.0.1:1234 -> 10.0.0.2:80
 *
 * (one line). As in Suricata 7: local time, month/day/year; two spaces, then "[wDrop] " for
 * a drop or reject in IDS mode; "(null)" as the classification of a rule without classtype;
 * "PROTO:%03u" for IP protocols without a name; ICMP type and code where ports would be;
 * IPv6 addresses written out in full. Lines queue on the thread's EveWriter and are written
 * with its EVE lines, so fast.log shares EVE's locking and flushing.
 */
#include "output/output-fast.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest line kept (Suricata's MAX_FASTLOG_ALERT_SIZE is 2048). */
#define FAST_LINE_MAX 2048

static void format_time(uint64_t ts_usec, char *buf, size_t size)
{
    time_t sec = (time_t)(ts_usec / 1000000u);
    struct tm tm;
    localtime_r(&sec, &tm);
    snprintf(buf, size, "%02d/%02d/%02d-%02d:%02d:%02d.%06u", tm.tm_mon + 1, tm.tm_mday,
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned)(ts_usec % 1000000u));
}

static const char *proto_name(uint8_t proto, char buf[16])
{
    char num[8];
    const char *name = eve_proto_name(proto, num);
    if (name != num)
        return name;
    snprintf(buf, 16, "PROTO:%03u", proto);
    return buf;
}

typedef struct Endpoints {
    Address src, dst;
    uint16_t sp, dp;
    uint8_t proto;
} Endpoints;

static void endpoints(const Packet *p, const Flow *f, Endpoints *e)
{
    memset(e, 0, sizeof(*e));
    if (p) {
        bool icmp = p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6;
        *e = (Endpoints){p->src, p->dst, icmp ? p->icmp_type : p->sp,
                         icmp ? p->icmp_code : p->dp, p->proto};
    } else if (f) {
        *e = (Endpoints){f->key.src, f->key.dst, f->key.sp, f->key.dp, f->key.proto};
    }
}

size_t output_fast_format(char *buf, size_t size, const Packet *p, const Flow *f,
                          const AlertInfo *a)
{
    char ts[96], src[64], dst[64], proto_buf[16];
    Endpoints e;
    endpoints(p, f, &e);
    format_time(p ? p->ts_usec : a->ts_usec, ts, sizeof(ts));
    eve_format_address(&e.src, src, sizeof(src));
    eve_format_address(&e.dst, dst, sizeof(dst));
    /* A rule without msg or classtype has none; Suricata prints the NULL as glibc does. */
    const char *category = a->category && *a->category ? a->category : "(null)";
    const char *msg = a->signature && *a->signature ? a->signature : "(null)";
    int n = snprintf(buf, size,
                     "%s  %s[**] [%u:%u:%u] %s [**] [Classification: %s] [Priority: %d] "
                     "{%s} %s:%u -> %s:%u\n",
                     ts, a->drop ? "[wDrop] " : "", a->gid, a->sid, a->rev,
                     msg, category, a->severity ? a->severity : 3,
                     proto_name(e.proto, proto_buf), src, e.sp, dst, e.dp);
    if (n < 0)
        return 0;
    if ((size_t)n >= size) { /* cut, but still one line */
        buf[size - 2] = '\n';
        return size - 1;
    }
    return (size_t)n;
}

void output_fast(EveWriter *w, const Packet *p, const Flow *f, const AlertInfo *a)
{
    if (!w->log || !w->log->fast || (!p && !f))
        return;
    if (!json_buffer_reserve(&w->fast, FAST_LINE_MAX))
        return;
    w->fast.len += output_fast_format(w->fast.data + w->fast.len, FAST_LINE_MAX, p, f, a);
    if (w->fast.len >= EVE_WRITER_FLUSH_AT)
        eve_writer_flush(w);
}
