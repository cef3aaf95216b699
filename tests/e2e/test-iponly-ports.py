"""End-to-end: header-only rules and IPv4 fragments, pinned to packet numbers measured once
with the reference Suricata 7.0.10 on the same packets (the test never runs it).

 1. A rule made of its header alone is IP-only in Suricata 7 whether or not it names ports:
    it is checked on the first packet of each flow direction, so "alert tcp any any -> any
    80" alerts once per flow (on the SYN), not on every packet to port 80; the same holds
    for port lists, negated ports, bidirectional rules and flowbits-setting ones.
 2. An IPv4 fragment keeps its protocol: the protocol's rules with any ports see it, with
    ports 0 and no payload (an IP-only "alert udp any any -> any any", dsize:0, fragbits),
    its transport keywords do not match it (no header), and a rule on port 443 or with
    content sees only the reassembled datagram (logged without pcap_cnt, here 0), after
    which the flow's IP-only rules are done for that direction (none on packet 3).
 3. app-layer-protocol compares the protocol of the packet's direction; a rule made of it
    (and a flow direction) alone is Suricata's protocol-detection-only kind, tried once per
    direction when that direction's detection is news.
"""
import os
import tempfile

from e2elib import alert_keys, check_eq, ether, finish, http_and_opaque_flows, ipv4, udp

TMP = tempfile.mkdtemp(prefix="bongsu-iponly-ports-")


def alerts(name, pkts, rules):
    return alert_keys(os.path.join(TMP, name + ".pcap"), pkts, rules)


# 1. http_and_opaque_flows(): HTTP on 80 (1-10), opaque data on 7777 (11-22) and 9999 (23-34)
pkts = http_and_opaque_flows()
check_eq(alerts("header-only", pkts, """\
alert tcp any any -> any 80 (msg:"to 80"; sid:1;)
alert tcp any 80 -> any any (msg:"from 80"; sid:2;)
alert tcp any any -> any [7777,9999] (msg:"to list"; sid:3;)
alert tcp any any -> any !80 (msg:"not 80"; sid:4;)
alert tcp any any <> any 80 (msg:"bidir 80"; sid:5;)
alert ip any any -> any any (msg:"ip any"; sid:6;)
alert tcp any any -> any 80 (msg:"to 80 flowbits"; flowbits:set,x; sid:7;)
"""), [(1, 1), (2, 2), (3, 11), (3, 23), (4, 2), (4, 11), (4, 12), (4, 23), (4, 24), (5, 1),
       (5, 2), (6, 1), (6, 2), (6, 11), (6, 12), (6, 23), (6, 24), (7, 1)],
    "header-only rules with ports: once per flow direction")

# 2. a 1600-byte UDP datagram to port 443 in two fragments (1, 2), then a whole one (3)
SRC, DST = "10.0.0.1", "192.0.2.7"
dgram = udp(50000, 443, b"Q" * 1592)
frags = [ether(ipv4(SRC, DST, 17, dgram[:1480], ident=7, flags_frag=0x2000)),
         ether(ipv4(SRC, DST, 17, dgram[1480:], ident=7, flags_frag=1480 // 8)),
         ether(ipv4(SRC, DST, 17, udp(50000, 443, b"whole"), ident=8))]
check_eq(alerts("fragments", frags, """\
alert udp any any -> any any (msg:"udp, header only"; sid:50;)
alert udp any any -> any 443 (msg:"udp to 443, header only"; sid:51;)
alert udp any any -> any any (msg:"udp dsize 0"; dsize:0; sid:52;)
alert udp any any -> any any (msg:"udp more fragments"; fragbits:M; sid:53;)
alert udp any any -> any any (msg:"udp content"; content:"QQQQ"; sid:54;)
alert tcp any any -> any any (msg:"tcp not syn"; flags:!S; sid:55;)
alert ip any any -> any any (msg:"ip ttl"; ttl:64; sid:56;)
"""), [(50, 0), (50, 1), (50, 2), (51, 0), (52, 1), (52, 2), (53, 1), (54, 0), (56, 0),
       (56, 1), (56, 2), (56, 3)],
    "IPv4 fragments: their protocol's rules with any ports, no transport header")

# 3. app-layer-protocol: on the HTTP exchange (packets 1-10) the request is detected when the
# server acknowledges it (5), the response when the client does (7). The keyword compares
# the packet's direction's protocol (none yet to the client on 5); a rule of that keyword
# and a flow direction alone (protocol-detection-only) is tried once per direction, on the
# next packet that way (7, 9); with another match (dsize) on every packet.
check_eq(alerts("app-proto", pkts[:10], """\
alert ip any any -> any any (msg:"alp http"; app-layer-protocol:http; sid:1;)
alert tcp any any -> any any (msg:"alp http ts"; flow:to_server; app-layer-protocol:http; sid:2;)
alert ip any any -> any any (msg:"alp not http"; app-layer-protocol:!http; sid:3;)
alert tcp any any -> any any (msg:"alp http, flowbits"; app-layer-protocol:http; flowbits:set,a; sid:4;)
alert tcp any any -> any any (msg:"alp tls"; app-layer-protocol:tls; sid:5;)
alert tcp any any -> any any (msg:"alp http dsize"; app-layer-protocol:http; dsize:0; sid:6;)
"""), [(1, 7), (1, 9), (2, 7), (4, 7), (4, 9), (6, 7), (6, 8), (6, 9), (6, 10)],
    "app-layer-protocol: the direction's protocol; detection-only rules once per direction")

# 4. UDP: each side of a flow is detected on its own datagram, and that flags the datagram
# and both directions' next ones: a detection-only rule sees a DNS query (1), its response
# (2) and the second exchange (3, 4); a third (5, 6) no more
QNAME = b"\x07example\x03com\x00"
QUERY = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + QNAME + b"\x00\x01\x00\x01"
ANSWER = (b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + QNAME + b"\x00\x01\x00\x01" +
          b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x01")
dns = [ether(ipv4(SRC, DST, 17, udp(50001, 53, QUERY))), ether(ipv4(DST, SRC, 17, udp(53, 50001, ANSWER))),
       ether(ipv4(SRC, DST, 17, udp(50001, 53, QUERY))), ether(ipv4(DST, SRC, 17, udp(53, 50001, ANSWER))),
       ether(ipv4(SRC, DST, 17, udp(50001, 53, QUERY))), ether(ipv4(DST, SRC, 17, udp(53, 50001, ANSWER)))]
check_eq(alerts("dns", dns, """\
alert ip any any -> any any (msg:"alp dns"; app-layer-protocol:dns; sid:1;)
alert udp any any -> any any (msg:"alp dns to client"; flow:to_client; app-layer-protocol:dns; sid:2;)
"""), [(1, 1), (1, 2), (1, 3), (1, 4), (2, 2), (2, 4)],
    "UDP: a direction's detection flags its datagram and both directions' next")

finish()
