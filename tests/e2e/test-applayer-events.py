"""End-to-end: rules on what the app layer and the decoder concluded, on hand-made captures.

Each capture holds one situation Suricata 7 is known to handle a given way (the conformance
cases http-auth-unrecognized, http-request-invalid, dns-v2-dns-invalid-opcode,
ipv6-malformed-fragments-*, ipv4-truncated, decode-vntag/nsh/chdlc show the same behaviour
on third-party captures):
* app-layer-event rules match the events a parser recorded on the transaction, and alerts
  about a transaction carry its tx_id and direction (a DNS response is its own transaction);
* a line after a complete request, in the same delivery, that does not start with a method is
  that request's body (REQUEST_BODY_UNEXPECTED), inspected as http.request_body;
* fragments and packets whose IP header is unusable are seen by decoder-event rules;
* VN-Tag, NSH and Cisco HDLC framing are decoded and counted.
"""
import os
import struct
import tempfile

from e2elib import (check, check_eq, ether, finish, ipv4, last_stats, of_type, run_bongsu, tcp,
                    udp, validate_schema, write_pcap)

TMP = tempfile.mkdtemp(prefix="bongsu-e2e-ale-")
CLI, SRV = "10.0.0.1", "10.0.0.2"
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def c(sport, seq, ack, flags, payload=b""):
    return ether(ipv4(CLI, SRV, 6, tcp(sport, 80, seq, ack, flags, payload)))


def s(sport, seq, ack, flags, payload=b""):
    return ether(ipv4(SRV, CLI, 6, tcp(80, sport, seq, ack, flags, payload)))


def http_session(port, request, response):
    """Handshake, the request, the response, each acknowledged."""
    rq, rs = 101 + len(request), 901 + len(response)
    return [c(port, 100, 0, SYN), s(port, 900, 101, SYN | ACK), c(port, 101, 901, ACK),
            c(port, 101, 901, ACK | PSH, request), s(port, 901, rq, ACK),
            s(port, 901, rq, ACK | PSH, response), c(port, rq, rs, ACK),
            c(port, rq, rs, FIN | ACK), s(port, rs, rq + 1, FIN | ACK), c(port, rq + 1, rs + 1, ACK)]


def write_rules(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def alerts(events, sid):
    return [e for e in of_type(events, "alert") if e["alert"]["signature_id"] == sid]


def run(pcap, rules, extra=()):
    _, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "--runmode", "single", "-S", rules]
                                 + list(extra))
    validate_schema(events)
    return events


# --- HTTP: transaction events and the stray body -------------------------------------------
RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
HTTP = write_pcap(os.path.join(TMP, "http.pcap"),
                  http_session(40001, b"GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Turbo x\r\n\r\n",
                               RESP) +
                  http_session(40002, b"POST /login HTTP/1.1\r\nHost: h\r\n\r\nlogin=foo&pw=bar\r\n",
                               RESP))
RULES = write_rules("http.rules", """\
alert http any any -> any any (flow:established,to_server; app-layer-event:http.request_auth_unrecognized; sid:1;)
alert http any any -> any any (app-layer-event:http.missing_host_header; sid:2;)
alert http any any -> any any (flow:established,to_server; http.request_body; content:"login=foo"; app-layer-event:http.request_body_unexpected; sid:3;)
""")
ev = run(HTTP, RULES)
a1 = alerts(ev, 1)
check_eq(len(a1), 1, "app-layer-event on an HTTP transaction event")
if a1:
    check_eq((a1[0].get("tx_id"), a1[0].get("direction"), a1[0]["src_port"]),
             (0, "to_server", 40001), "the alert is about the request's transaction")
check_eq(len(alerts(ev, 2)), 0, "an event the transaction did not raise does not match")
check_eq(len(alerts(ev, 3)), 1, "stray line after a request is its body, with the event")
check_eq(len([e for e in of_type(ev, "anomaly")
              if e["anomaly"].get("event") == "REQUEST_BODY_UNEXPECTED"]), 1,
         "REQUEST_BODY_UNEXPECTED logged once")

# --- DNS: query and response are transactions of their own --------------------------------
def dns_msg(ident, flags, answer=False):
    q = b"\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
    an = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([1, 2, 3, 4]) if answer else b""
    return struct.pack("!HHHHHH", ident, flags, 1, 1 if answer else 0, 0, 0) + q + an


DNS = write_pcap(os.path.join(TMP, "dns.pcap"), [
    ether(ipv4(CLI, SRV, 17, udp(5353, 53, dns_msg(7, 9 << 11)))),
    ether(ipv4(SRV, CLI, 17, udp(53, 5353, dns_msg(7, 0x8000 | 9 << 11, answer=True)))),
])
ev = run(DNS, write_rules("dns.rules",
                          "alert dns any any -> any any (app-layer-event:dns.invalid_opcode; sid:7;)\n"))
a7 = sorted((e.get("direction"), e.get("tx_id"), e["src_port"]) for e in alerts(ev, 7))
check_eq(a7, [("to_client", 1, 53), ("to_server", 0, 5353)],
         "a rule without direction alerts on the query and on the response")

# --- decoder events on fragments and on packets without a usable IP header ----------------
def ipv6_frag(payload, offset, more, ident=9):
    fh = struct.pack("!BBHI", 58, 0, offset | more, ident)
    body = fh + payload
    src = bytes.fromhex("20010db8000000000000000000000001")
    dst = bytes.fromhex("20010db8000000000000000000000002")
    return struct.pack("!IHBB", 0x60000000, len(body), 44, 64) + src + dst + body


first = ipv6_frag(b"\x80\x00\x00\x00" + b"A" * 12, 0, 1)
second = ipv6_frag(b"B" * 16, 16, 1)
truncated = ipv4(CLI, SRV, 17, udp(1, 2, b"x" * 40), total_len=1500)
DEC = write_pcap(os.path.join(TMP, "decoder.pcap"), [
    ether(first, ethertype=0x86DD), ether(second, ethertype=0x86DD),
    ether(second, ethertype=0x86DD), ether(truncated)])
ev = run(DEC, write_rules("dec.rules", """\
alert pkthdr any any -> any any (decode-event:ipv6.frag_overlap; sid:10;)
alert pkthdr any any -> any any (decode-event:ipv4.trunc_pkt; sid:11;)
"""))
a10 = alerts(ev, 10)
check_eq(len(a10), 1, "a duplicate fragment overlaps (alert on the fragment)")
if a10:
    check_eq(a10[0]["proto"], "IPv6-Frag", "a fragment's protocol is its fragment header")
a11 = alerts(ev, 11)
check_eq(len(a11), 1, "a truncated IPv4 packet still meets decoder-event rules")
if a11:
    check("src_ip" not in a11[0] and "src_port" not in a11[0], "no addresses when IP failed")

# --- VN-Tag, NSH, Cisco HDLC --------------------------------------------------------------
inner = ipv4(CLI, SRV, 17, udp(1000, 2000, b"data\n\n"))
vntag = struct.pack("!IH", 0, 0x0800) + inner
nsh1 = struct.pack("!HBB", 6, 1, 1) + struct.pack("!I", 0x102) + b"\0" * 16 + inner
nsh2 = struct.pack("!HBB", 2, 2, 1) + struct.pack("!I", 0x102) + inner
LINK = write_pcap(os.path.join(TMP, "link.pcap"), [
    ether(vntag, ethertype=0x8926), ether(nsh1, ethertype=0x894F), ether(nsh2, ethertype=0x894F)])
UDP_RULE = write_rules("udp.rules",
                       "alert udp any any -> any any (content:\"data|0a 0a|\"; sid:20;)\n")
ev = run(LINK, UDP_RULE)
check_eq(len(alerts(ev, 20)), 3, "the payload behind VN-Tag and NSH (MD types 1 and 2)")
dec = last_stats(ev).get("decoder", {})
check_eq((dec.get("vntag"), dec.get("nsh"), dec.get("ipv4")), (1, 2, 3), "vntag/nsh counters")
CHDLC = write_pcap(os.path.join(TMP, "chdlc.pcap"), [b"\x0f\x00\x08\x00" + inner], linktype=104)
ev = run(CHDLC, UDP_RULE)
check_eq(len(alerts(ev, 20)), 1, "Cisco HDLC frames are decoded")
check_eq(last_stats(ev).get("decoder", {}).get("chdlc"), 1, "decoder.chdlc")
finish()
