"""End-to-end: a rule is inspected on a transaction side as soon as the buffers it reads are
final there, not only when the side is complete.

Suricata 7 registers each buffer's inspect engine with a progress of the transaction (HTTP:
libhtp's request/response line, headers, body); at a packet of the side's direction it runs
the rules whose engines' progress the transaction has passed, and records each as decided.
So a POST's URI, method and header rules alert at the first client packet after the
request headers were parsed, even though the body comes later, and the status and response
header rules at the first server packet after the response headers were parsed; body rules
still wait for the body. The pcap_cnt figures below were measured once with the reference
Suricata 7.0.10 on the same packets and are fixed here (the test never runs it). Cases:
 1. POST with a Content-Length body in its own segment, response body in its own segment;
 2. request line alone, then headers, a chunked body with a trailer, a 100 Continue, the
    status line alone, then the response headers: a request line alone does not make the
    request rules run (Suricata's parser has not updated the transaction yet), a status line
    alone does make the status rules run; a header rule read before the headers ended still
    sees the headers that came later;
 3. a rule without a direction is run on each side it has engines for, as Suricata runs it
    per direction: http.header (both sides) and app-layer-event (no buffer) rules alert on
    the request at the client's packet and again on the response at the server's, each
    reading its own side's headers; one with a response-only buffer only on the response.
"""
import os
import tempfile

from e2elib import TcpConn, check_eq, finish, of_type, run_rules, write_pcap

TMP = tempfile.mkdtemp(prefix="bongsu-tx-progress-")

RULES = """\
alert http any any -> any any (msg:"uri"; flow:to_server; http.uri; content:"/up"; sid:1;)
alert http any any -> any any (msg:"method"; http.method; content:"POST"; sid:2;)
alert http any any -> any any (msg:"ua"; http.user_agent; content:"ua1"; sid:3;)
alert http any any -> any any (msg:"req body"; http.request_body; content:"0123"; sid:4;)
alert http any any -> any any (msg:"uri+body"; http.uri; content:"/up"; http.request_body; \
content:"0123"; sid:5;)
alert http any any -> any any (msg:"stat"; http.stat_code; content:"200"; sid:6;)
alert http any any -> any any (msg:"server"; http.server; content:"srv1"; sid:7;)
alert http any any -> any any (msg:"resp hdr"; flow:to_client; http.header; \
content:"Content-Length"; sid:8;)
alert http any any -> any any (msg:"resp body"; http.response_body; content:"abc"; sid:9;)
alert http any any -> any any (msg:"req hdr"; flow:to_server; http.header; \
content:"Content-Length"; sid:10;)
alert http any any -> any any (msg:"stat msg"; http.stat_msg; content:"OK"; sid:11;)
alert http any any -> any any (msg:"uri no"; http.uri; content:"/zz"; sid:12;)
alert http any any -> any any (msg:"host"; http.host; content:"a"; sid:13;)
"""


def run(name, segments):
    """segments: (from_client, data) pairs, each sent and acknowledged at once."""
    c = TcpConn("10.0.0.1", "192.0.2.7", 40000, 80)
    c.open()
    c.exchange(segments)
    c.close()
    events = run_rules(write_pcap(os.path.join(TMP, name + ".pcap"), c.pkts), RULES)
    return sorted((a["alert"]["signature_id"], a.get("pcap_cnt"))
                  for a in of_type(events, "alert"))


# 1. packets: handshake 1-3, headers 4 (ACK 5), body 6 (7), response headers 8 (9),
# response body 10 (11), close 12-14
check_eq(run("post", [
    (True, b"POST /up HTTP/1.1\r\nHost: a\r\nUser-Agent: ua1\r\nContent-Length: 10\r\n\r\n"),
    (True, b"0123456789"),
    (False, b"HTTP/1.1 200 OK\r\nServer: srv1\r\nContent-Length: 10\r\n\r\n"),
    (False, b"abcdefghij")]),
    [(1, 6), (2, 6), (3, 6), (4, 9), (5, 9), (6, 10), (7, 10), (8, 10), (9, 13), (10, 6),
     (11, 10), (13, 6)],
    "request rules after the request headers, response rules after the response headers")

# 2. request line 4 (5), headers 6 (7), chunk 8 (9), last chunk 10 (11), trailer 12 (13),
# 100 Continue 14 (15), status line 16 (17), response headers 18 (19), body 20 (21)
check_eq(run("split", [
    (True, b"POST /up HTTP/1.1\r\n"),
    (True, b"Host: a\r\nUser-Agent: ua1\r\nTransfer-Encoding: chunked\r\n\r\n"),
    (True, b"a\r\n0123456789\r\n"), (True, b"0\r\n"), (True, b"X-T: 1\r\n\r\n"),
    (False, b"HTTP/1.1 100 Continue\r\n\r\n"), (False, b"HTTP/1.1 200 OK\r\n"),
    (False, b"Server: srv1\r\nContent-Length: 10\r\n\r\n"), (False, b"abcdefghij")]),
    [(1, 8), (2, 8), (3, 8), (4, 15), (5, 15), (6, 18), (7, 20), (8, 20), (9, 23), (11, 18),
     (13, 8)],
    "line-only request waits for its headers; status line alone is inspected")

# 3. request 4 (5), response 6 (7), close 8-10
c = TcpConn("10.0.0.1", "192.0.2.7", 40000, 80)
c.open()
c.exchange([(True, b"GET /up HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nBadHeader\r\n\r\n"),
            (False, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nab")])
c.close()
pcap = write_pcap(os.path.join(TMP, "sides.pcap"), c.pkts)
events = run_rules(pcap,
                   'alert http any any -> any any (msg:"hdr"; http.header; content:"X-A"; sid:1;)\n'
                   'alert http any any -> any any (msg:"hdr+stat"; http.header; content:"X-A"; '
                   'http.stat_code; content:"200"; sid:2;)\n'
                   'alert http any any -> any any (msg:"req only hdr"; http.header; '
                   'content:"Host"; sid:3;)\n'
                   'alert http any any -> any any (msg:"event"; flow:established; '
                   'app-layer-event:http.request_field_missing_colon; sid:4;)\n')
check_eq(sorted((a["alert"]["signature_id"], a.get("pcap_cnt"), a["direction"])
                for a in of_type(events, "alert")),
         [(1, 7, "to_server"), (1, 9, "to_client"), (2, 9, "to_client"), (3, 7, "to_server"),
          (4, 7, "to_server"), (4, 9, "to_client")],
         "rules without a direction: once per side they have engines on")

finish()
