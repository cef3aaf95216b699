/*
 * defrag-dump.c - print, as hex lines, every datagram bongsu's defrag reassembles from an
 * Ethernet pcap. Used by diff-decode-reference.py --reassembly (which compiles it against
 * src/) to compare reassembled bytes with the reference's; not part of the build.
 *
 *   defrag-dump FILE.pcap [NETWORK=OS ...]     e.g.  defrag-dump x.pcap 0.0.0.0/0=windows
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "decode/defrag.h"
#include "decode/packet-pool.h"

static int add_host_policies(DefragConfig *cfg, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            return -1;
        *eq = '\0';
        int policy = defrag_policy_from_os(eq + 1);
        if (policy < 0 || defrag_config_add_host(cfg, argv[i], (DefragPolicy)policy) != 0)
            return -1;
    }
    return 0;
}

static void print_reassembled(DecodeThread *dt, PacketPool *pool)
{
    Packet *p;
    while ((p = decode_take_pseudo(dt)) != NULL) {
        if (p->is_reassembled) {
            for (uint32_t i = 0; i < p->len; i++)
                printf("%02x", p->buf[i]);
            printf("\n");
        }
        packet_pool_put(pool, p);
    }
}

int main(int argc, char **argv)
{
    static uint8_t frame[65536 + 16];
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f || fread(frame, 1, 24, f) != 24) {
        fprintf(stderr, "usage: defrag-dump FILE.pcap [NETWORK=OS ...]\n");
        return 2;
    }
    DefragConfig cfg;
    defrag_config_default(&cfg);
    if (add_host_policies(&cfg, argc, argv) != 0) {
        fprintf(stderr, "defrag-dump: bad NETWORK=OS argument\n");
        return 2;
    }
    counters_reset_registry();
    decode_register_counters();
    defrag_register_counters();
    CounterSet counters;
    PacketPool pool;
    DefragTable *table = defrag_table_new(&cfg);
    if (counter_set_init(&counters) != 0 || packet_pool_init(&pool, 16) != 0 || !table)
        return 1;
    DecodeThread dt;
    decode_thread_init(&dt, &counters, table, &pool);
    Packet pkt = {0};
    uint32_t rec[4];
    for (uint64_t n = 1; fread(rec, sizeof(uint32_t), 4, f) == 4; n++) {
        if (rec[2] > sizeof(frame) || fread(frame, 1, rec[2], f) != rec[2])
            break;
        uint64_t ts = (uint64_t)rec[0] * 1000000 + rec[1];
        if (packet_set_data(&pkt, frame, rec[2], rec[3], ts, n, LINKTYPE_ETHERNET) != 0)
            break;
        decode_packet(&dt, &pkt);
        print_reassembled(&dt, &pool);
    }
    fclose(f);
    packet_free(&pkt);
    defrag_table_free(table);
    packet_pool_destroy(&pool);
    counter_set_free(&counters);
    return 0;
}
