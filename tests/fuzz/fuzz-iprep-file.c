/*
 * fuzz-iprep-file.c - libFuzzer target for the IP reputation files.
 *
 * The input is a categories file, a NUL byte, then a reputation file. Both are read into a
 * store, which is finished and asked about a few IPv4 and IPv6 addresses in every category:
 * the parsers, the netblock masking and the longest-prefix search all see hostile input, and a
 * lookup may only ever answer -1 or a score from 0 to 127.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "detect/detect-iprep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_part(IprepStore *s, const uint8_t *data, size_t size, bool categories)
{
    FILE *f = size ? fmemopen((void *)data, size, "r") : NULL;
    if (!f)
        return;
    if (categories)
        iprep_read_categories(s, f, "categories");
    else
        iprep_read_reputation(s, f, "reputation");
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_NONE);
    const uint8_t *nul = memchr(data, 0, size);
    size_t cats = nul ? (size_t)(nul - data) : size;
    IprepStore *s = iprep_store_new();
    read_part(s, data, cats, true);
    if (nul)
        read_part(s, nul + 1, size - cats - 1, false);
    iprep_store_finish(s);
    static const uint8_t probes[][5] = {
        {AF_INET, 10, 0, 0, 1}, {AF_INET, 192, 168, 1, 1}, {AF_INET, 0, 0, 0, 0},
        {AF_INET6, 0x20, 0x01, 0x0d, 0xb8}, {AF_INET6, 0xfe, 0x80, 0, 0}};
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        Address a;
        memset(&a, 0, sizeof(a));
        a.family = probes[i][0];
        memcpy(a.addr, probes[i] + 1, 4);
        for (int cat = 0; cat < IPREP_MAX_CATEGORIES; cat++) {
            int score = iprep_lookup(s, &a, cat);
            if (score < -1 || score > 127)
                abort();
        }
    }
    iprep_store_free(s);
    return 0;
}
