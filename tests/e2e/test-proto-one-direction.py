"""End-to-end: a direction no probe recognises, while the other one was (Suricata's
APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION, app_proto_tc "failed").

Suricata hands such a direction's bytes to the protocol the other direction found, raises
the proto_detect event on the packet that does it and logs the direction's app_proto_ts/tc
as "failed" (flow records and alerts). Expectations read off reference-suricata (Suricata
7.0.10, -k none --runmode single) on these crafted captures: an FTP and an SMTP greeting
(no protocol recognises a "220"), an HTTP request answered with junk, a ClientHello
answered with text, and a normal HTTP exchange (no event, no app_proto_tc). The SMTP client
that speaks first raises NO_SERVER_WELCOME_MESSAGE at each of its commands (packets 5 and
9: a reply answering a command is no welcome), not at the replies.
"""
import os
import tempfile

from e2elib import TcpConn, check_eq, finish, of_type, run_bongsu, validate_schema, write_pcap

TMP = tempfile.mkdtemp(prefix="bongsu-one-direction-")
HELLO = bytes.fromhex("16030100310100002d0303") + b"\0" * 32 + bytes.fromhex("000002002f0100")
ONE = "APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION"
CASES = [
    ("ftp", 21, [(False, b"220 ftp ready\r\n"), (True, b"USER anon\r\n"), (False, b"331 pw\r\n"),
                 (True, b"QUIT\r\n"), (False, b"221 bye\r\n")],
     [(7, ONE)], "failed"),
    ("smtp", 25, [(True, b"EHLO x\r\n"), (False, b"250 ok\r\n"), (True, b"QUIT\r\n"),
                  (False, b"221 bye\r\n")],
     [(5, "NO_SERVER_WELCOME_MESSAGE"), (7, ONE), (9, "NO_SERVER_WELCOME_MESSAGE")], "failed"),
    ("http", 80, [(True, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"), (False, b"JUNKJUNKJUNK\r\n\r\n")],
     [(7, ONE)], "failed"),
    ("tls", 443, [(True, HELLO), (False, b"garbage garbage garbage\r\n")], [(7, ONE)], "failed"),
    ("http", 80, [(True, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                  (False, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")], [], None),
]
for n, (proto, port, dialogue, anomalies, tc) in enumerate(CASES):
    c = TcpConn("10.0.0.1", "192.0.2.25", 40100 + n, port)
    c.open()
    c.exchange(dialogue)
    c.close()
    pcap = write_pcap(os.path.join(TMP, f"{n}-{proto}.pcap"), c.pkts)
    _, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "--runmode", "single"])
    validate_schema(events)
    check_eq([(a["pcap_cnt"], a["anomaly"]["event"]) for a in of_type(events, "anomaly")],
             anomalies, f"{n} {proto}: anomalies")
    check_eq([(e.get("app_proto"), e.get("app_proto_ts"), e.get("app_proto_tc"))
              for e in of_type(events, "flow")], [(proto, None, tc)],
             f"{n} {proto}: flow app_proto")
finish()
