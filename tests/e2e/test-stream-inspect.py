"""End-to-end: TCP payload rules on the reassembled stream (raw stream inspection).

Hand-made connections, each with the rules it exercises. The expected alerts (which rule,
how many times, on which packet or on the flow-end pseudo packet, with which payload) were
measured once with the reference Suricata 7 on the same packets and are fixed here; the test
never runs it. What they pin down:
 1. a pattern split over two segments matches on the stream, once, at flow end (the chunk
    size was not reached), with the stream as payload; the same content as tcp-pkt does not;
 2. an overlapping retransmission with other bytes: the stream has what the target keeps
    (bsd: the first copy), tcp-pkt rules see each packet as sent;
 3. missing bytes the server acknowledged split the stream: nothing matches across them, and
    the alert payload names the gap ("[4 bytes missing]");
 4. a rule with an anchored content (depth) inspects the packet as well as the stream: two
    alerts on one flow; a rule with a TCP header keyword (flags) sees packets only;
 5. once the server has acknowledged a chunk (2560 bytes) the client's next packet carries
    the stream alert, before flow end;
 6. an app-layer rule without a sticky buffer (alert http ... content) is a stream rule of
    that protocol: on a request the server never acknowledged it matches at flow end, once
    the flush there made the flow HTTP; data on a RST is no stream data, so a
    flow:only_stream rule never sees it (a tcp-pkt rule does).
"""
import base64
import os
import tempfile

from e2elib import check, check_eq, ether, finish, ipv4, of_type, run_rules, tcp, write_pcap

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
TMP = tempfile.mkdtemp(prefix="bongsu-stream-inspect-")
ALERT = "outputs.1.eve-log.types.0.alert."
CLI, SRV = "10.0.0.1", "192.0.2.7"


def conn(name, script):
    """Handshake, then the script: ("c", offset, data) a client segment, ("s", offset) the
    server's ACK of the client's bytes up to offset. ISNs 1000 (client) and 5000 (server)."""
    c = lambda flags, seq, ack, data=b"": ether(ipv4(CLI, SRV, 6, tcp(40000, 9000, seq, ack,
                                                                      flags, data)))
    s = lambda flags, seq, ack: ether(ipv4(SRV, CLI, 6, tcp(9000, 40000, seq, ack, flags)))
    pkts = [c(SYN, 1000, 0), s(SYN | ACK, 5000, 1001), c(ACK, 1001, 5001)]
    for step in script:
        if step[0] == "c":
            pkts.append(c(PSH | ACK, 1001 + step[1], 5001, step[2]))
        else:
            pkts.append(s(ACK, 5001, 1001 + step[1]))
    return write_pcap(os.path.join(TMP, name + ".pcap"), pkts)


def run(pcap, rules_text):
    events = run_rules(pcap, rules_text, ["--set", ALERT + "payload=yes",
                                          "--set", ALERT + "payload-printable=yes"])
    by_sid = {}
    for a in of_type(events, "alert"):
        by_sid.setdefault(a["alert"]["signature_id"], []).append(a)
    return by_sid


def summary(alerts):
    return [(a.get("pcap_cnt"), a["pkt_src"], a.get("stream"), a.get("payload_printable"))
            for a in alerts]


# 1. "EVIL" split over two segments.
pcap = conn("split", [("c", 0, b"xxEV"), ("c", 4, b"ILyy"), ("s", 8)])
got = run(pcap, 'alert tcp any any -> any any (content:"EVIL"; sid:1;)\n'
                'alert tcp-pkt any any -> any any (content:"EVIL"; sid:2;)\n'
                'alert tcp any any -> any any (content:"EV"; sid:3;)\n')
check_eq(summary(got.get(1, [])), [(None, "stream (flow timeout)", 1, "xxEVILyy")],
         "split pattern: one stream alert at flow end, the stream as payload")
check_eq(len(got.get(2, [])), 0, "split pattern: no tcp-pkt alert")
check_eq(len(got.get(3, [])), 1, "a pattern inside one segment: one alert, not one per packet")
check_eq([a["direction"] for a in got.get(1, [])], ["to_server"],
         "the pseudo packet goes the data's way")

# 2. Exact overlap: GOOD then EVIL at the same sequence number (bsd keeps GOOD).
pcap = conn("overlap", [("c", 0, b"GOOD"), ("c", 0, b"EVIL"), ("s", 4)])
got = run(pcap, 'alert tcp any any -> any any (content:"EVIL"; sid:1;)\n'
                'alert tcp any any -> any any (content:"GOOD"; sid:2;)\n'
                'alert tcp-pkt any any -> any any (content:"EVIL"; sid:3;)\n'
                'alert tcp-stream any any -> any any (content:"GOOD"; sid:4;)\n')
check_eq(len(got.get(1, [])), 0, "overlap: the replaced bytes are not in the stream")
check_eq(summary(got.get(2, [])), [(None, "stream (flow timeout)", 1, "GOOD")],
         "overlap: the kept bytes match on the stream")
check_eq(summary(got.get(3, [])), [(5, "wire/pcap", 0, "EVIL")], "overlap: tcp-pkt sees the packet")
check_eq(len(got.get(4, [])), 1, "overlap: tcp-stream like tcp")

# 3. A 4-byte hole the server acknowledges anyway.
pcap = conn("gap", [("c", 0, b"VERY"), ("c", 8, b"DATA"), ("s", 12)])
got = run(pcap, 'alert tcp any any -> any any (content:"VERY"; sid:1;)\n'
                'alert tcp any any -> any any (content:"DATA"; sid:2;)\n'
                'alert tcp any any -> any any (content:"VERYGOODDATA"; sid:3;)\n'
                'alert tcp any any -> any any (content:"YD"; sid:4;)\n')
gap_payload = "VERY[4 bytes missing]DATA"
check_eq(summary(got.get(1, [])), [(None, "stream (flow timeout)", 1, gap_payload)],
         "gap: data before it matches, the payload names the gap")
check_eq(base64.b64decode(got[1][0]["payload"]), gap_payload.encode(), "gap: base64 payload")
check_eq(len(got.get(2, [])), 1, "gap: data after it matches")
check_eq(len(got.get(3, [])) + len(got.get(4, [])), 0, "gap: nothing matches across it")

# 4. Anchored content and header keywords.
pcap = conn("anchored", [("c", 0, b"OCSCvpn"), ("s", 7)])
got = run(pcap, 'alert tcp any any -> any any (flow:established,to_server; content:"OCSC"; '
                'depth:4; sid:1;)\n'
                'alert tcp any any -> any any (flags:PA; content:"OCSC"; sid:2;)\n'
                'alert tcp any any -> any any (content:"vpn"; sid:3;)\n')
check_eq(sorted(summary(got.get(1, [])), key=str),
         sorted([(4, "wire/pcap", 0, "OCSCvpn"), (None, "stream (flow timeout)", 1, "OCSCvpn")],
                key=str), "depth: the packet, then the stream")
check_eq(summary(got.get(2, [])), [(4, "wire/pcap", 0, "OCSCvpn")], "flags: packet only")
check_eq(summary(got.get(3, [])), [(None, "stream (flow timeout)", 1, "OCSCvpn")],
         "plain content: stream only")

# 5. A chunk's worth acknowledged: the client's next packet inspects it.
big = b"A" * 1400 + b"MARKER" + b"B" * 1400
pcap = conn("chunk", [("c", 0, big[:1460]), ("c", 1460, big[1460:]), ("s", len(big)),
                      ("c", len(big), b"z")])
got = run(pcap, 'alert tcp any any -> any any (content:"MARKER"; sid:1;)\n')
check_eq([(a.get("pcap_cnt"), a["pkt_src"], a.get("stream")) for a in got.get(1, [])],
         [(7, "wire/pcap", 1)], "chunk: the client's packet after the ACK carries the alert")

# 6. Unacknowledged HTTP request; data on a RST.
pcap = conn("http-unacked", [("c", 0, b"GET /evil HTTP/1.1\r\nHost: a\r\n\r\n")])
got = run(pcap, 'alert http any any -> any any (content:"/evil"; sid:1;)\n')
check_eq([(a.get("pcap_cnt"), a["pkt_src"], a.get("app_proto")) for a in got.get(1, [])],
         [(None, "stream (flow timeout)", "http")], "alert http, raw content: at flow end")
c = lambda flags, seq, ack, data=b"": ether(ipv4(CLI, SRV, 6, tcp(40000, 9000, seq, ack,
                                                                  flags, data)))
pcap = write_pcap(os.path.join(TMP, "rst-data.pcap"),
                  [c(SYN, 1000, 0), ether(ipv4(SRV, CLI, 6, tcp(9000, 40000, 5000, 1001,
                                                                 SYN | ACK))),
                   c(ACK, 1001, 5001), c(RST | ACK, 1001, 5001, b"Access Denied")])
got = run(pcap, 'alert tcp any any -> any any (flow:only_stream; content:"Denied"; sid:2;)\n'
                'alert tcp-pkt any any -> any any (content:"Denied"; sid:3;)\n')
check_eq(len(got.get(2, [])), 0, "RST data: not stream data")
check_eq([a.get("pcap_cnt") for a in got.get(3, [])], [4], "RST data: the packet has it")
finish()
