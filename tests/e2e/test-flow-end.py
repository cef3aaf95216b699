"""End-to-end: how a TCP flow's end shows in detection and logging, as Suricata 7 does it.

Every figure below (pcap_cnt, the direction of an alert, the flow records) was measured once
with the reference Suricata 7 on the same packets and is fixed here (the test never runs
it). What they pin down:
 1. a response that ends when the server closes the connection (no Content-Length) is
    complete on the packet that closes the session (the last ACK), and its http event is
    logged there, not at flow end (stream: EOF on a closed session);
 2. a flow left established gets a flow-end pseudo packet each way: a rule on the app-layer
    protocol alone alerts on both (pcap_cnt null), packet keywords (flow, dsize) never do;
    the http event of the transaction is logged on the packet that completed it (8), ahead
    of the ACK-driven inspection of its response side;
 3. with a -c file that sets no flow-timeouts, a session closed by RST times out after 10 s
    (Suricata's built-in value, not the stock yaml's 60 s): the peer's RST 15 s later starts
    a new flow, and the old one gets a pseudo packet only to the client, the direction whose
    transaction side was still uninspected;
 4. a pass rule that matches on a packet drops that packet's alerts of later rules (the
    app-layer rule's alert on the same packet is gone) and the flow's later ones.
"""
import os
import tempfile

from e2elib import check_eq, ether, finish, ipv4, of_type, run_rules, tcp, write_pcap

PSH, ACK, SYN, FIN, RST = 0x08, 0x10, 0x02, 0x01, 0x04
TMP = tempfile.mkdtemp(prefix="bongsu-flow-end-")
CLI, SRV = "10.0.0.1", "192.0.2.7"
REQ = b"GET /a HTTP/1.1\r\nHost: www.example.org\r\n\r\n"
CQ = 1001 + len(REQ)


def c(flags, seq, ack, data=b""):
    return ether(ipv4(CLI, SRV, 6, tcp(40000, 80, seq, ack, flags, data)))


def s(flags, seq, ack, data=b""):
    return ether(ipv4(SRV, CLI, 6, tcp(80, 40000, seq, ack, flags, data)))


def established(resp):
    """Handshake (1-3), request (4), server ACK (5), client ACK (6), response (7), client
    ACK (8)."""
    sq = 5001 + len(resp)
    return [c(SYN, 1000, 0), s(SYN | ACK, 5000, 1001), c(ACK, 1001, 5001),
            c(PSH | ACK, 1001, 5001, REQ), s(ACK, 5001, CQ), c(ACK, CQ, 5001),
            s(PSH | ACK, 5001, CQ, resp), c(ACK, CQ, sq)], sq


def run(name, packets, rules_text, config=None):
    pcap = write_pcap(os.path.join(TMP, name + ".pcap"), packets)
    return run_rules(pcap, rules_text, ["-c", config] if config else [])


def alerts(events, sid):
    return sorted((a.get("pcap_cnt") or 0, a["src_port"]) for a in of_type(events, "alert")
                  if a["alert"]["signature_id"] == sid)


def http_at(events):
    return [h.get("pcap_cnt") for h in of_type(events, "http")]


RULES = ('alert http any any -> any any (msg:"any http"; sid:1;)\n'
         'alert http any any -> any any (msg:"established"; flow:established; sid:2;)\n'
         'alert tcp any any -> any any (msg:"small"; dsize:<5; sid:3;)\n')
RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

# 1. the response ends with the connection
close_resp = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + b"x" * 50
sq = 5001 + len(close_resp)
events = run("close", [c(SYN, 1000, 0), s(SYN | ACK, 5000, 1001), c(ACK, 1001, 5001),
                       c(PSH | ACK, 1001, 5001, REQ), s(ACK, 5001, CQ),
                       s(PSH | ACK, 5001, CQ, close_resp), c(ACK, CQ, sq), s(FIN | ACK, sq, CQ),
                       c(FIN | ACK, CQ, sq + 1), s(ACK, sq + 1, CQ + 1)], RULES)
check_eq(http_at(events), [10], "close-delimited response: logged at the session's last ACK")
check_eq(alerts(events, 1), [(5, 80), (6, 80), (7, 40000), (8, 80), (9, 40000), (10, 80)],
         "close: no pseudo packet for a closed, fully inspected flow")

# 2. left established: pseudo packets both ways
pkts, sq = established(RESP)
events = run("established", pkts, RULES)
check_eq(alerts(events, 1), [(0, 80), (0, 40000), (5, 80), (6, 40000), (7, 80), (8, 40000)],
         "app-layer rule: one alert per pseudo packet, each direction")
check_eq(alerts(events, 2), [(5, 80), (6, 40000), (7, 80), (8, 40000)],
         "flow keyword: not on pseudo packets")
check_eq([a for a in alerts(events, 3) if a[0] == 0], [], "dsize: not on pseudo packets")
check_eq(http_at(events), [8], "http event on the packet that completed the transaction")

# 3. closed by RST, then the peer's RST after the closed timeout
cfg = os.path.join(TMP, "no-timeouts.yaml")
with open(cfg, "w") as f:
    f.write("%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
            "      filetype: regular\n      filename: eve.json\n"
            "      types:\n        - alert\n        - http\n        - flow\n")
t0 = 1700000000.0
timed = [(t0 + i * 0.001, p) for i, p in enumerate(pkts)]
timed += [(t0 + 0.01, c(RST | ACK, CQ, sq)), (t0 + 15.0, s(RST | ACK, sq, CQ))]
events = run("rst-timeout", timed, RULES, cfg)
check_eq(sorted((f["flow"]["reason"], f["flow"]["state"]) for f in of_type(events, "flow")),
         [("shutdown", "new"), ("timeout", "closed")],
         "the late RST starts a new flow; the closed one timed out")
check_eq(alerts(events, 1), [(0, 80), (5, 80), (6, 40000), (7, 80), (8, 40000), (9, 40000)],
         "timed-out flow: a pseudo packet to the client only")

# 4. a pass rule cuts the packet's queue
events = run("pass", pkts + [s(FIN | ACK, sq, CQ), c(FIN | ACK, CQ, sq + 1),
                             s(ACK, sq + 1, CQ + 1)],
             'alert http any any -> any any (msg:"any http"; sid:1;)\n'
             'pass http any any -> any any (http.host; content:"example"; sid:4;)\n')
check_eq(alerts(events, 1), [(5, 80)], "after the pass (packet 6), no alert of the flow")

finish()
