"""End-to-end: malformed packets raise Suricata's decoder events, counted in stats and logged
as EVE anomaly events when eve-log.types.anomaly.types.decode is on (off in the stock config).
"""
import os
import tempfile

from e2elib import (check, check_eq, ether, finish, icmp, ipv4, last_stats, of_type, run_bongsu,
                    tcp, udp, validate_schema, write_pcap)

work = tempfile.mkdtemp(prefix="bongsu-anomaly-")
good_udp = ipv4("10.0.0.1", "10.0.0.2", 17, udp(1234, 53, b"q" * 12))
packets = [
    ether(good_udp),
    ether(good_udp[:30]),                                             # ipv4.trunc_pkt
    ether(b"\x45\x00\x00"),                                           # ipv4.pkt_too_small
    ether(ipv4("10.0.0.1", "10.0.0.2", 1, icmp(99, 0))),              # icmpv4.unknown_type
    ether(ipv4("10.0.0.1", "10.0.0.2", 1, icmp(0, 7))),               # icmpv4.unknown_code
    ether(ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1, 2, 0, 0, 2)[:12])),  # tcp.pkt_too_small
    ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, b"abc", length=4))),  # udp.len_invalid
    ether(b"\x60\x00\x00\x00\x00\x10\x11\x40" + b"\x00" * 36, 0x86DD),  # ipv6.trunc_pkt
    # record route with a pointer below 4: malformed (RFC 791: the smallest legal value is 4)
    ether(ipv4("10.0.0.1", "10.0.0.2", 253, b"", options=b"\x07\x07\x01\x00\x00\x00\x00\x00")),
    b"\x00\x11\x22",                                                  # ethernet.pkt_too_small
]
pcap = write_pcap(os.path.join(work, "anomalies.pcap"), packets)
expected = {
    "decoder.ipv4.trunc_pkt": 1,
    "decoder.ipv4.pkt_too_small": 1,
    "decoder.icmpv4.unknown_type": 1,
    "decoder.icmpv4.unknown_code": 1,
    "decoder.tcp.pkt_too_small": 1,
    "decoder.udp.len_invalid": 1,
    "decoder.ipv6.trunc_pkt": 1,
    "decoder.ipv4.opt_malformed": 1,
    "decoder.ethernet.pkt_too_small": 1,
}

# Stock configuration: events counted, not logged.
_, _, events, _ = run_bongsu(["-r", pcap, "-k", "none"])
check_eq(len(of_type(events, "anomaly")), 0, "decode anomalies are off in the stock config")
stats = last_stats(events)
for name, count in expected.items():
    _, layer, event = name.split(".")
    check_eq(stats.get("decoder", {}).get("event", {}).get(layer, {}).get(event), count,
             f"stats.decoder.event.{layer}.{event}")
check_eq(stats.get("decoder", {}).get("pkts"), len(packets), "stats.decoder.pkts")

# Decode anomalies switched on by index, as suricata-verify does.
_, _, events, _ = run_bongsu(["-r", pcap, "-k", "none",
                              "--set", "outputs.1.eve-log.types.2.anomaly.types.decode=yes"])
validate_schema(events)
anomalies = of_type(events, "anomaly")
got = {}
for e in anomalies:
    check_eq(e["anomaly"]["type"], "decode", "anomaly.type")
    got[e["anomaly"]["event"]] = got.get(e["anomaly"]["event"], 0) + 1
check_eq(got, expected, "anomaly events by name")
trunc = [e for e in anomalies if e["anomaly"]["event"] == "decoder.ipv4.trunc_pkt"]
check(trunc and trunc[0].get("pcap_cnt") == 2, "anomaly carries the packet's pcap_cnt")
icmp_ev = [e for e in anomalies if e["anomaly"]["event"] == "decoder.icmpv4.unknown_type"]
check(icmp_ev and icmp_ev[0].get("src_ip") == "10.0.0.1" and icmp_ev[0].get("icmp_type") == 99,
      "anomaly on a decodable packet carries its addresses")
finish()
