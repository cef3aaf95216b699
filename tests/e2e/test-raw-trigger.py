"""End-to-end: when bare-content rules of `alert http` (raw stream rules) are inspected, and
on which bytes, pinned to packet numbers measured once with the reference Suricata 7.0.10.

In IDS mode Suricata inspects a direction's raw stream at one of its own packets when the
HTTP parser asked for it (a request or response completed: HTPCallbackRequestComplete /
ResponseComplete trigger it for every transaction, a pipelined one completing behind a newer
one too), when a chunk's worth was acknowledged past the raw progress, or at the end. Its
window (StreamReassembleRawDo) cuts each contiguous run at the acknowledged edge counted
from the progress so far, so after a gap the run reaches into bytes not yet acknowledged,
and an alert's stream payload is cut the same way. The figures below were measured with
the reference on the same packets and are fixed here (the test never runs it). Cases:
 1. two pipelined requests in one segment, one response per segment: the first response's
    body matches at the first server packet after it completed (8), not only when the
    second completed (11);
 2. a response body over three segments, the pattern split across two of them;
 3. a response body lost to a gap the client acknowledged, then data after it: the first
    alert's payload holds both segments after the gap although only the first was
    acknowledged.
"""
import os
import tempfile

from e2elib import TcpConn, check_eq, finish, of_type, run_rules, write_pcap

TMP = tempfile.mkdtemp(prefix="bongsu-raw-trigger-")
ALERT = "outputs.1.eve-log.types.0.alert."

RULES = """\
alert http any any -> any any (msg:"resp body"; content:"XYZW"; sid:1;)
alert http any any -> any any (msg:"second req"; content:"GET /b"; sid:2;)
alert http any any -> any any (msg:"after gap"; content:"AAAA"; sid:3;)
alert http any any -> any any (msg:"last"; content:"QQQQ"; sid:4;)
alert http any any -> any any (msg:"a request"; content:"GET /"; sid:5;)
"""


def run(name, conn):
    pcap = write_pcap(os.path.join(TMP, name + ".pcap"), conn.pkts)
    events = run_rules(pcap, RULES, ["--set", ALERT + "payload-printable=yes"])
    return sorted((a["alert"]["signature_id"], a.get("pcap_cnt"), a.get("payload_printable"))
                  for a in of_type(events, "alert"))


def opened():
    c = TcpConn("10.0.0.1", "192.0.2.7", 40000, 80)
    c.open()
    return c


REQS = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
RESP1 = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nXYZWxyzw"
RESP2 = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nQQQQqqqq"

# 1. requests 4 (ACK 5), responses 6 (7) and 8 (9), close 10-12
c = opened()
c.exchange([(True, REQS.encode()), (False, RESP1.encode()), (False, RESP2.encode())])
c.close()
check_eq(run("pipelined", c), [
    (1, 8, RESP1), (2, 7, REQS), (4, 11, RESP1 + RESP2), (5, 7, REQS)],
    "pipelined: each completed response makes the stream inspected")

# 2. request 4 (5), response head and body start 6 (7), body 8 (9), body end 10 (11),
# second request 12 (13), its response 14 (15), close 16-18
c = opened()
c.exchange([(True, b"GET /c HTTP/1.1\r\nHost: h\r\n\r\n"),
            (False, b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n0123456789XY"),
            (False, b"ZW0123456789"), (False, b"abcdef"),
            (True, b"GET /d HTTP/1.1\r\nHost: h\r\n\r\n"),
            (False, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nQQQQ")])
c.close()
check_eq([(sid, cnt) for sid, cnt, _ in run("spanning", c)],
         [(1, 13), (4, 17), (5, 7), (5, 15)],
         "body over segments: the split pattern matches once the response completed")

# 3. request 4 (5), response head 6 (7), 40 bytes lost and acknowledged 8, "A"s 9 (10) and
# 11 (12), second request 13 (14), its response 15 (16), close 17-19
c = opened()
c.exchange([(True, b"GET /e HTTP/1.1\r\nHost: h\r\n\r\n"),
            (False, b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")])
c.sseq += 40
c.pkt(True, c.ACK)
c.exchange([(False, b"A" * 14), (False, b"A" * 14),
            (True, b"GET /f HTTP/1.1\r\nHost: h\r\n\r\n"),
            (False, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nQQQQ")])
c.close()
HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n[40 bytes missing]"
LAST = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nQQQQ"
check_eq(run("gap", c), [
    (3, 11, HEAD + "A" * 28), (3, 18, HEAD + "A" * 28 + LAST), (4, 18, HEAD + "A" * 28 + LAST),
    (5, 7, "GET /e HTTP/1.1\r\nHost: h\r\n\r\n"),
    (5, 16, "GET /e HTTP/1.1\r\nHost: h\r\n\r\nGET /f HTTP/1.1\r\nHost: h\r\n\r\n")],
    "gap: the window after it reaches past the acknowledged edge, its payload too")

finish()
