"""End-to-end: the TCP stream engine against what Suricata 7 reports.

1. tests/data/mixed.pcap (trafficgen, see test-flows.py): every TCP session and flow state,
   the tcp.* counters and the app-layer records that depend on reassembly, as the reference
   Suricata 7.0.10 logs them; the same in workers mode.
2. Hand-made connections (built below): midstream data, a RST and a FIN without a session, a
   RST-closed and a half-closed connection, a lone SYN, a SYN/ACK resent with another ACK, a
   packet far outside the window, a retransmission. Flow states, flags, stream anomaly events
   and counters are the reference's for the same packets, with and without
   stream.midstream and checksum validation.
3. One request cut into overlapping segments, reassembled under each host-os-policy: the URL
   logged is the one the reference logs.
Expected values were measured with the reference and are fixed here; the test never runs it.
"""
import os
import tempfile

from e2elib import (DATA, check, check_eq, ether, finish, ipv4, last_stats, of_type,
                    run_bongsu, tcp, validate_schema, write_pcap)

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
TMP = tempfile.mkdtemp(prefix="bongsu-stream-")
STREAM_ANOMALIES = "outputs.1.eve-log.types.2.anomaly.types.stream=yes"


def tcp_counters(stats, names):
    t = stats.get("tcp", {})
    return {n: t.get(n) for n in names}


# ---------------------------------------------------------------- 1. trafficgen traffic
MIXED = os.path.join(DATA, "mixed.pcap")
for mode in (["--runmode", "single"], ["--runmode", "workers", "--set", "threading.workers=3"]):
    _, _, ev, _ = run_bongsu(["-r", MIXED, "-k", "none"] + mode)
    validate_schema(ev)
    tcp_flows = [e for e in of_type(ev, "flow") if e["proto"] == "TCP"]
    check_eq(len(tcp_flows), 50, f"{mode[1]}: TCP flow records")
    check(all(e["flow"]["state"] == "closed" and e["tcp"].get("state") == "closed"
              and e["tcp"]["tcp_flags"] == "1b" for e in tcp_flows),
          f"{mode[1]}: every TCP session ends closed with flags 1b, as in the reference")
    check(all(e["tcp"].get("ts_max_regions") == 1 and e["tcp"].get("tc_max_regions") == 1
              for e in tcp_flows), f"{mode[1]}: one streaming region per direction")
    stats = last_stats(ev)
    check_eq(tcp_counters(stats, ["sessions", "syn", "synack", "rst", "midstream_pickups",
                                  "overlap", "reassembly_gap", "stream_depth_reached",
                                  "invalid_checksum", "ssn_memcap_drop",
                                  "segment_memcap_drop"]),
             {"sessions": 50, "syn": 50, "synack": 50, "rst": 0, "midstream_pickups": 0,
              "overlap": 0, "reassembly_gap": 0, "stream_depth_reached": 0,
              "invalid_checksum": 0, "ssn_memcap_drop": 0, "segment_memcap_drop": 0},
             f"{mode[1]}: tcp counters")
    check_eq(stats.get("flow", {}).get("end", {}).get("tcp_state", {}).get("closed"), 50,
             f"{mode[1]}: flow.end.tcp_state.closed")
    # Requests and responses reach the parsers whole and in order: as many records as the
    # reference writes.
    check_eq({k: len(of_type(ev, k)) for k in ("http", "tls", "fileinfo")},
             {"http": 22, "tls": 28, "fileinfo": 22}, f"{mode[1]}: app-layer records")

# ---------------------------------------------------------------- 2. hand-made connections
C, S = "10.1.0.1", "10.1.0.2"


def c(port, seq, ack, fl, data=b""):
    return ether(ipv4(C, S, 6, tcp(port, 80, seq, ack, fl, data)))


def s(port, seq, ack, fl, data=b""):
    return ether(ipv4(S, C, 6, tcp(80, port, seq, ack, fl, data)))


def handshake(port):
    return [c(port, 100, 0, SYN), s(port, 900, 101, SYN | ACK), c(port, 101, 901, ACK)]


ODD = write_pcap(os.path.join(TMP, "odd.pcap"), [
    c(40001, 5000, 7000, ACK | PSH, b"hello"), s(40001, 7000, 5005, ACK),
    c(40002, 1, 2, RST | ACK),
    *handshake(40003), c(40003, 101, 901, ACK | PSH, b"abc"), s(40003, 901, 104, RST | ACK),
    *handshake(40004), c(40004, 101, 901, FIN | ACK),
    c(40005, 100, 0, SYN),
    *handshake(40006)[:2], s(40006, 900, 555, SYN | ACK),
    c(40007, 1, 2, FIN | ACK),
    *handshake(40008), c(40008, 101 + 900000, 901, ACK | PSH, b"far"),
    *handshake(40009), c(40009, 101, 901, ACK | PSH, b"xyz"),
    c(40009, 101, 901, ACK | PSH, b"xyz"), s(40009, 901, 104, ACK),
])
# client port -> (flow.state, tcp.state, tcp_flags, tcp_flags_ts, tcp_flags_tc)
WANT_FLOWS = {
    40001: ("new", None, "00", "00", "00"),
    40002: ("new", None, "00", "00", "00"),
    40003: ("closed", "closed", "1e", "1a", "16"),
    40004: ("established", "close_wait", "13", "13", "12"),
    40005: ("new", "syn_sent", "02", "02", "00"),
    40006: ("new", "syn_recv", "12", "02", "12"),
    40007: ("new", None, "00", "00", "00"),
    40008: ("established", "established", "1a", "1a", "12"),
    40009: ("established", "established", "1a", "1a", "12"),
}
_, _, ev, _ = run_bongsu(["-r", ODD, "-k", "none", "--set", STREAM_ANOMALIES])
validate_schema(ev)
got = {}
for e in of_type(ev, "flow"):
    t = e["tcp"]
    got[e["src_port"]] = (e["flow"]["state"], t.get("state"), t["tcp_flags"], t["tcp_flags_ts"],
                          t["tcp_flags_tc"])
check_eq(got, WANT_FLOWS, "hand-made connections: flow and TCP states and flags")
anomalies = sorted((e["src_port"], e["anomaly"]["type"], e["anomaly"]["event"])
                   for e in of_type(ev, "anomaly"))
check_eq(anomalies, [(80, "stream", "stream.3whs_synack_resend_with_diff_ack"),
                     (40002, "stream", "stream.rst_but_no_session"),
                     (40007, "stream", "stream.fin_but_no_session"),
                     (40008, "stream", "stream.est_packet_out_of_window")],
         "stream anomaly events")
check_eq(tcp_counters(last_stats(ev), ["sessions", "syn", "synack", "rst", "midstream_pickups",
                                       "overlap", "reassembly_gap", "invalid_checksum"]),
         {"sessions": 6, "syn": 6, "synack": 6, "rst": 2, "midstream_pickups": 0, "overlap": 1,
          "reassembly_gap": 0, "invalid_checksum": 0}, "hand-made connections: tcp counters")

_, _, ev, _ = run_bongsu(["-r", ODD, "-k", "none", "--set", "stream.midstream=true"])
check_eq(tcp_counters(last_stats(ev), ["sessions", "midstream_pickups"]),
         {"sessions": 7, "midstream_pickups": 1}, "stream.midstream=true picks up a session")
picked = [e for e in of_type(ev, "flow") if e["src_port"] == 40001]
check(picked and picked[0]["tcp"].get("state") == "established"
      and picked[0]["flow"]["state"] == "established", "the midstream session is established")

# The hand-made packets carry no TCP checksum: with validation (-k all, or the default auto
# mode on a short capture) the stream engine ignores every one of them.
for args in (["-k", "all"], []):
    _, _, ev, _ = run_bongsu(["-r", ODD] + args)
    check_eq(tcp_counters(last_stats(ev), ["sessions", "invalid_checksum", "syn"]),
             {"sessions": 0, "invalid_checksum": 27, "syn": 6},
             f"checksum validation {args or 'auto'}")

# ---------------------------------------------------------------- 3. overlap policies
OLD = [(6, b"aa"), (10, b"bbb"), (13, b"ccc"), (16, b"dd"), (19, b"ee"), (21, b"ff"),
       (24, b"ggg")]
NEW = [(5, b"1111"), (9, b"222"), (13, b"33"), (16, b"444"), (19, b"55"), (22, b"66"),
       (25, b"7")]
SUFFIX = b" HTTP/1.0\r\nHost: x\r\n\r\n"
RESP = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
END = 27 + len(SUFFIX)
pk = [c(41000, 1000, 0, SYN), s(41000, 5000, 1001, SYN | ACK), c(41000, 1001, 5001, ACK),
      c(41000, 1001, 5001, ACK | PSH, b"GET /")]
pk += [c(41000, 1001 + off, 5001, ACK | PSH, d) for off, d in OLD + NEW]
pk += [c(41000, 1001 + 27, 5001, ACK | PSH, SUFFIX), s(41000, 5001, 1001 + END, ACK | PSH, RESP),
       c(41000, 1001 + END, 5001 + len(RESP), ACK)]
OVERLAP = write_pcap(os.path.join(TMP, "overlap.pcap"), pk)
WANT_URL = {
    "bsd": "/1111222bcccdd4eeff6ggg", "linux": "/1111222bccc444eeff6ggg",
    "old-linux": "/1111222bccc44455ff6ggg", "solaris": "/11112bbbccc44455f66ggg",
    "hpux10": "/1111222bcccdd4eeff6ggg", "hpux11": "/11112bbbccc44455f66ggg",
    "irix": "/1111222bcccdd4eeff6ggg", "macos": "/1111222bcccdd4eeff6ggg",
    "windows": "/1111222bcccdd4eeff6ggg", "vista": "/1aa12bbbcccdd4eeff6ggg",
    "windows2k3": "/1111222bcccdd4eeff6ggg", "bsd-right": "/1111222bcccdd4eeff6ggg",
    "old-solaris": "/11112bbbccc44455f66ggg",
}
for policy, url in WANT_URL.items():
    # The stock configuration maps 0.0.0.0/0 to windows; move that aside for the others.
    sets = [] if policy == "windows" else [
        "--set", "host-os-policy.windows.0=192.0.2.1/32",
        "--set", f"host-os-policy.{policy}.0=0.0.0.0/0"]
    _, _, ev, _ = run_bongsu(["-r", OVERLAP, "-k", "none"] + sets)
    urls = [e["http"].get("url") for e in of_type(ev, "http")]
    check_eq(urls, [url], f"host-os-policy {policy}: reassembled URL")
    overlaps = last_stats(ev).get("tcp", {}).get("overlap")
    check_eq(overlaps, 7, f"host-os-policy {policy}: tcp.overlap")
finish()
