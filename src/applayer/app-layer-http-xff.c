/*
 * app-layer-http-xff.c - the client address a proxy put in an X-Forwarded-For style header,
 * for the xff option of EVE alerts.
 *
 * As Suricata: the configured header of the request (or else of the response) holds a comma
 * separated list of addresses; a forward deployment logs the first (the original client), a
 * reverse deployment the last (the hop in front of this proxy). Only a valid IPv4 or IPv6
 * address is used, so a forged header cannot put arbitrary text into an address field.
 */
#include <arpa/inet.h>
#include <string.h>

#include "applayer/app-layer-http.h"

static bool valid_ip(const char *s)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

/* The element of the list a deployment picks, without the spaces around it. */
static void pick(const uint8_t *v, uint32_t len, bool reverse, const uint8_t **item,
                 uint32_t *item_len)
{
    uint32_t start = 0, end = len;
    if (reverse) {
        for (uint32_t i = len; i > 0; i--)
            if (v[i - 1] == ',') {
                start = i;
                break;
            }
    } else {
        const uint8_t *comma = memchr(v, ',', len);
        if (comma)
            end = (uint32_t)(comma - v);
    }
    while (start < end && (v[start] == ' ' || v[start] == '\t'))
        start++;
    while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
        end--;
    *item = v + start;
    *item_len = end - start;
}

bool http_tx_xff_ip(void *txp, const char *header, bool reverse, char *out, size_t outlen)
{
    const HttpTx *tx = txp;
    uint32_t len = 0;
    const uint8_t *v = http_header_get(&tx->req.headers, header, &len);
    if (!v)
        v = http_header_get(&tx->resp.headers, header, &len);
    if (!v || !outlen)
        return false;
    const uint8_t *item;
    uint32_t item_len;
    pick(v, len, reverse, &item, &item_len);
    if (item_len == 0 || item_len >= outlen || item_len > INET6_ADDRSTRLEN)
        return false;
    memcpy(out, item, item_len);
    out[item_len] = '\0';
    return valid_ip(out);
}
