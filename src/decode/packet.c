/*
 * packet.c - packet buffer management and event recording (see packet.h).
 */
#include "decode/packet.h"

#include <stdlib.h>
#include <string.h>

int packet_set_data(Packet *p, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                    uint64_t ts_usec, uint64_t pcap_cnt, int datalink)
{
    uint8_t *buf = p->buf;
    uint32_t buf_size = p->buf_size;
    if (caplen > buf_size) {
        /* Grow in steps so a pool settles at the snaplen after the first few packets. */
        uint32_t want = caplen < 2048 ? 2048 : caplen;
        uint8_t *grown = realloc(buf, want);
        if (!grown)
            return -1;
        buf = grown;
        buf_size = want;
    }
    /* Clear everything decoded from the previous use, keep the buffer. */
    memset(p, 0, sizeof(*p));
    p->buf = buf;
    p->buf_size = buf_size;
    if (caplen)
        memcpy(p->buf, data, caplen);
    p->len = caplen;
    p->wire_len = wire_len;
    p->ts_usec = ts_usec;
    p->pcap_cnt = pcap_cnt;
    p->datalink = datalink;
    return 0;
}

void packet_free(Packet *p)
{
    free(p->buf);
    p->buf = NULL;
    p->buf_size = 0;
}

void packet_add_event(Packet *p, DecodeEvent event)
{
    if (p->event_count < PKT_MAX_EVENTS)
        p->events[p->event_count++] = (uint16_t)event;
}

bool packet_has_event(const Packet *p, DecodeEvent event)
{
    for (int i = 0; i < p->event_count; i++)
        if (p->events[i] == event)
            return true;
    return false;
}
