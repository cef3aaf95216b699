"""End-to-end: frame:http1.request / frame:http1.response rules on the reassembled stream.

Suricata's HTTP/1 frames are spans of the stream (a request from its request line to the end
of its body, a response likewise), not packets. One hand-made connection carries two
pipelined requests, the first split over three segments (the split falls inside the pattern),
and the server's two responses in one segment. The expected alerts were measured once with
the reference Suricata 7 on the same packets and are fixed here; the test never runs it:
 1. a pattern split over segments matches its request frame, once (not per segment);
 2. a request frame rule never sees the response bytes; a response frame rule alerts once
    per response frame that matches;
 3. frames follow each other: a request's frame ends where libhtp's finalize step stopped,
    at the last byte (the LF) of the next request's line, and the next frame starts there,
    so a pattern across that byte matches the raw stream (a plain tcp rule) but no frame,
    and startswith anchors at the LF.
"""
import os
import sys
import tempfile

from e2elib import (check_eq, ether, finish, ipv4, of_type, run_bongsu, tcp, validate_schema,
                    write_pcap)

SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10
TMP = tempfile.mkdtemp(prefix="bongsu-frames-")
CLI, SRV = "10.0.0.1", "192.0.2.7"

REQ1 = b"GET /malicious HTTP/1.1\r\nHost: x\r\n\r\n"
REQ2 = b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n"
RESP = (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def build(path):
    c = lambda flags, seq, ack, data=b"": ether(ipv4(CLI, SRV, 6, tcp(40000, 80, seq, ack,
                                                                      flags, data)))
    s = lambda flags, seq, ack, data=b"": ether(ipv4(SRV, CLI, 6, tcp(80, 40000, seq, ack,
                                                                      flags, data)))
    cseq, sseq = 1001, 5001
    pkts = [c(SYN, 1000, 0), s(SYN | ACK, 5000, 1001), c(ACK, 1001, 5001)]
    stream = REQ1 + REQ2
    for part in (stream[:7], stream[7:12], stream[12:]):   # "GET /ma" "lici" "ous ..."
        pkts.append(c(PSH | ACK, cseq, sseq, part))
        cseq += len(part)
    pkts.append(s(ACK, sseq, cseq))
    pkts.append(s(PSH | ACK, sseq, cseq, RESP))
    sseq += len(RESP)
    pkts.append(c(ACK, cseq, sseq))
    pkts += [c(FIN | ACK, cseq, sseq), s(FIN | ACK, sseq, cseq + 1), c(ACK, cseq + 1, sseq + 1)]
    return write_pcap(path, pkts)


RULES = """\
alert tcp any any -> any any (frame:http1.request; content:"/malicious"; sid:1;)
alert tcp any any -> any any (frame:http1.request; content:"200 OK"; sid:2;)
alert tcp any any -> any any (frame:http1.response; content:"200 OK"; sid:3;)
alert tcp any any -> any any (frame:http1.request; content:"|0d 0a 0d 0a|GET /second"; sid:4;)
alert tcp any any -> any any (frame:http1.request; content:"/second HTTP/1.1|0d 0a|Host"; sid:5;)
alert tcp any any -> any any (content:"/second HTTP/1.1|0d 0a|Host"; sid:6;)
alert tcp any any -> any any (frame:http1.request; content:"|0a|Host: x|0d 0a 0d 0a|"; startswith; sid:7;)
"""


def main():
    pcap = build(os.path.join(TMP, "frames.pcap"))
    rules = os.path.join(TMP, "frames.rules")
    with open(rules, "w") as f:
        f.write(RULES)
    _, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "--runmode", "single", "-S", rules])
    validate_schema(events)
    count = {}
    for a in of_type(events, "alert"):
        sid = a["alert"]["signature_id"]
        count[sid] = count.get(sid, 0) + 1
    # as the reference Suricata 7 alerted on these packets
    check_eq(count.get(1, 0), 1, "a pattern split over segments matches its request frame once")
    check_eq(count.get(2, 0), 0, "a request frame never holds the response's bytes")
    check_eq(count.get(3, 0), 2, "each response frame holds them: one alert per frame")
    check_eq(count.get(4, 0), 1, "a request's frame runs into the next request line")
    check_eq(count.get(5, 0), 0, "up to that line's last byte: no frame holds both lines")
    check_eq(count.get(6, 0), 1, "while the raw stream does")
    check_eq(count.get(7, 0), 1, "the next frame starts at that byte")
    if len(sys.argv) > 1:
        print(pcap)


if __name__ == "__main__":
    main()
    finish()
