"""End-to-end: a RST on a session that already lost data (Suricata's "lossy, be liberal").

Once a gap went to the app layer, Suricata takes a RST without its sequence and ACK checks,
and the RST's sequence number then counts as acknowledged: the data stored between the gap
and the RST still reaches the app layer, across the rest of the gap. Here a client POSTs a
1000-byte body: 60 body bytes, a hole the server acknowledges only in part, 100 more bytes,
then a RST whose sequence number lies far beyond anything sent. The expected fileinfo (size
counts the gap, state TRUNCATED, gaps true) was measured once with the reference Suricata 7
on the same packets; the test never runs it. Without the rule the RST is refused (its
sequence number is not the next one) and the file ends at the acknowledged part of the hole.
"""
import os
import tempfile

from e2elib import (check_eq, ether, finish, ipv4, of_type, run_bongsu, tcp, validate_schema,
                    write_pcap)

SYN, RST, PSH, ACK = 0x02, 0x04, 0x08, 0x10
CLI, SRV = "10.0.0.1", "192.0.2.7"
HEAD = b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
FIRST = HEAD + b"a" * 60
HOLE, LATER = 200, b"b" * 100


def build(path):
    c = lambda flags, seq, ack, data=b"": ether(ipv4(CLI, SRV, 6, tcp(40000, 80, seq, ack,
                                                                      flags, data)))
    s = lambda flags, seq, ack: ether(ipv4(SRV, CLI, 6, tcp(80, 40000, seq, ack, flags)))
    base = 1001
    later = base + len(FIRST) + HOLE
    pkts = [c(SYN, 1000, 0), s(SYN | ACK, 5000, 1001), c(ACK, 1001, 5001),
            c(PSH | ACK, base, 5001, FIRST), s(ACK, 5001, base + len(FIRST)),
            c(PSH | ACK, later, 5001, LATER),
            s(ACK, 5001, base + len(FIRST) + HOLE // 2),   # half the hole: a gap goes up
            c(RST | ACK, later + 5000, 5001)]
    return write_pcap(path, pkts)


def main():
    tmp = tempfile.mkdtemp(prefix="bongsu-lossy-")
    pcap = build(os.path.join(tmp, "lossy.pcap"))
    _, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "--runmode", "single"])
    validate_schema(events)
    files = [e["fileinfo"] for e in of_type(events, "fileinfo")]
    got = [(f.get("size"), f.get("state"), f.get("gaps")) for f in files]
    check_eq(got, [(60 + HOLE + len(LATER), "TRUNCATED", True)],
             "the RST after a gap is taken: the rest of the hole and the data behind it count")


if __name__ == "__main__":
    main()
    finish()
