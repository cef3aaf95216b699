"""End-to-end: which transaction a packet or stream alert logs, and how an HTTP transaction
whose two sides are both still waiting at flow end is inspected, pinned to what the
reference Suricata 7.0.10 wrote for the same packets (measured once; the test never runs
it).

 1. Packet and stream alerts on an HTTP flow: a rule without stream content (flow only)
    logs no transaction; a stream match (tcp or http rule with a bare content, on either
    side, at flow end too) logs the first transaction its direction has not inspected yet,
    with "tx_guessed": true, even with a second request pipelined behind it.
 2. Request and response both complete, no packet after the response: at flow end each
    side is inspected on its own, so a rule on an app-layer event and no direction alerts
    once per side (TLS is the exception: its handshake is inspected once, test-tls-progress).
    A response header line without a colon raises no event (the request's does).
 3. UDP (DNS query and response): a rule of the protocol logs the message's transaction
    (the query's, then the response's), without "tx_guessed"; a plain udp rule none; the
    alerts come before the message's dns record.
"""
import os
import tempfile

from e2elib import (TcpConn, check_eq, ether, finish, ipv4, of_type, run_rules, udp,
                    write_pcap)

TMP = tempfile.mkdtemp(prefix="bongsu-alert-tx-")

STREAM_RULES = """\
alert http any any -> any any (msg:"any http"; flow:established; sid:3;)
alert tcp any any -> any any (msg:"tcp content"; content:"GET /a"; sid:20;)
alert http any any -> any any (msg:"http raw content"; content:"GET /a"; sid:21;)
alert tcp any any -> any any (msg:"resp content"; flow:established,to_client; content:"200 OK"; sid:22;)
"""

EVENT_RULES = """\
alert http any any -> any any (msg:"req nocolon"; app-layer-event:http.request_field_missing_colon; sid:1;)
alert http any any -> any any (msg:"resp nocolon"; app-layer-event:http.response_field_missing_colon; sid:2;)
alert http any any -> any any (msg:"any http"; flow:established; sid:3;)
alert http any any -> any any (msg:"uri"; http.uri; content:"/a"; sid:4;)
alert http any any -> any any (msg:"stat"; http.stat_code; content:"200"; sid:5;)
"""


def run(name, pkts, rules):
    return run_rules(write_pcap(os.path.join(TMP, name + ".pcap"), pkts), rules)


def alerts(name, conn, rules):
    events = run(name, conn.pkts, rules)
    return sorted(((a["alert"]["signature_id"], a.get("pcap_cnt") or 0, a.get("tx_id"),
                    a.get("tx_guessed")) for a in of_type(events, "alert")),
                  key=lambda t: (t[1] or 1 << 30, t[0]))


def exchange(request, response, last_ack):
    """Handshake 1-3, the request 4, the response 5 (acknowledging 4), then the client's
    ACK of the response 6 when last_ack; no close."""
    c = TcpConn("10.0.0.1", "10.0.0.2", 40000, 80)
    c.open()
    c.pkt(True, c.PSH | c.ACK, request)
    c.pkt(False, c.PSH | c.ACK, response)
    if last_ack:
        c.pkt(True, c.ACK)
    return c


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
STREAM_EXPECTED = [(3, 5, None, None), (3, 6, None, None), (20, 6, 0, True), (21, 6, 0, True),
                   (22, 0, 0, True)]
check_eq(alerts("one", exchange(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", OK, True),
                STREAM_RULES), STREAM_EXPECTED,
         "stream matches log the open transaction, packet matches none")
check_eq(alerts("pipelined", exchange(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                      b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n", OK, True),
                STREAM_RULES), STREAM_EXPECTED,
         "with a second request behind it, still the first uninspected transaction")

NOCOLON_REQ = b"GET /a HTTP/1.1\r\nHost: x\r\nBadHeaderNoColon\r\n\r\n"
NOCOLON_RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nAlsoNoColon\r\n\r\nok"
check_eq(alerts("pending", exchange(NOCOLON_REQ, NOCOLON_RESP, False), EVENT_RULES),
         [(3, 5, None, None), (1, 0, 0, None), (1, 0, 0, None), (4, 0, 0, None),
          (5, 0, 0, None)],
         "both sides pending at flow end: each inspected on its own")
check_eq(alerts("acked", exchange(NOCOLON_REQ, NOCOLON_RESP, True), EVENT_RULES),
         [(3, 5, None, None), (1, 6, 0, None), (3, 6, None, None), (4, 6, 0, None),
          (1, 0, 0, None), (5, 0, 0, None)],
         "request side at the client's ACK, response side at flow end")

DNS_RULES = """\
alert dns any any -> any any (msg:"dns content"; content:"example"; sid:30;)
alert udp any any -> any any (msg:"udp content"; content:"example"; sid:31;)
alert dns any any -> any any (msg:"dns nothing"; sid:32;)
"""
QNAME = b"\x07example\x03com\x00\x00\x01\x00\x01"
QUERY = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + QNAME
ANSWER = (b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + QNAME +
          b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04")
events = run("dns", [ether(ipv4("10.0.0.1", "10.0.0.53", 17, udp(5555, 53, QUERY))),
                     ether(ipv4("10.0.0.53", "10.0.0.1", 17, udp(53, 5555, ANSWER)))], DNS_RULES)
check_eq([(e["event_type"], e.get("pcap_cnt"), e.get("alert", {}).get("signature_id"),
           e.get("tx_id"), e.get("tx_guessed"), "dns" in e)
          for e in events if e["event_type"] in ("alert", "dns")],
         [("alert", 1, 30, 0, None, True), ("alert", 1, 31, None, None, False),
          ("alert", 1, 32, 0, None, True), ("dns", 1, None, None, None, True),
          ("alert", 2, 30, 1, None, True), ("alert", 2, 31, None, None, False),
          ("alert", 2, 32, 1, None, True), ("dns", 2, None, None, None, True)],
         "UDP: the protocol's rules log the message's transaction, before its record")
finish()
