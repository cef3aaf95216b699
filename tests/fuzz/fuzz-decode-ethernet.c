/*
 * fuzz-decode-ethernet.c - libFuzzer target: the input is one Ethernet frame.
 *
 * Everything reachable from Ethernet is fuzzed here: VLAN/QinQ, MPLS, PPPoE and PPP, IPv4
 * with options, IPv6 with extension headers, transports, ICMP, and the tunnels (GRE, ERSPAN,
 * VXLAN, Geneve, Teredo on any UDP port, IP-in-IP) whose pseudo packets are decoded in turn;
 * fragments go to defrag, whose trackers live for the whole input.
 */
#include "fuzz-decode-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_begin();
    fuzz_decode(data, size, LINKTYPE_ETHERNET, 1000000);
    fuzz_end();
    return 0;
}
