"""e2elib: shared helpers for bongsu's end-to-end tests.

Runs the built binary on a capture, loads the EVE log, validates every line against
Suricata's EVE schema (../shared/schema), and builds small pcaps byte by byte for cases that
need hand-made packets (malformed headers, truncated files). The environment variables BONGSU,
SRC_DIR and BUILD_DIR come from CTest.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

BONGSU = os.environ.get("BONGSU", "build/bongsu")
SRC_DIR = os.environ.get("SRC_DIR", os.getcwd())
SCHEMA = os.path.join(SRC_DIR, "..", "shared", "schema", "suricata-eve.schema.json")
DATA = os.path.join(SRC_DIR, "tests", "data")

failures = []


def check(cond, what):
    """Record a failed expectation without stopping, so one run shows every problem."""
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def check_eq(actual, expected, what):
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def finish():
    if failures:
        print(f"{len(failures)} expectation(s) failed")
        sys.exit(1)
    print("all expectations held")
    sys.exit(0)


def run_bongsu(args, expect_rc=0):
    """Runs bongsu with args in a fresh log dir; returns (rc, stderr, events, logdir)."""
    logdir = tempfile.mkdtemp(prefix="bongsu-e2e-")
    cmd = [BONGSU, "-l", logdir] + args
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if expect_rc is not None:
        check_eq(proc.returncode, expect_rc, "exit status of " + " ".join(cmd) +
                 "\nstderr: " + proc.stderr[-2000:])
    events = read_eve(os.path.join(logdir, "eve.json"))
    return proc.returncode, proc.stderr, events, logdir


def run_rules(pcap, rules_text, extra_args=()):
    """bongsu over pcap with rules_text as its only rules (written beside the pcap),
    checksums not checked, one worker, plus extra_args; returns the events, checked
    against Suricata's EVE schema."""
    rules = pcap + ".rules"
    with open(rules, "w") as f:
        f.write(rules_text)
    _, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "--runmode", "single", "-S", rules] +
                                 list(extra_args))
    validate_schema(events)
    return events


def read_eve(path):
    events = []
    if not os.path.exists(path):
        return events
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                events.append(json.loads(line))
            except ValueError as e:
                check(False, f"{path}:{n}: not JSON: {e}")
    return events


def validate_schema(events):
    """Every event of a type Suricata has must validate against Suricata's schema."""
    import jsonschema
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    bad = 0
    for e in events:
        errors = list(validator.iter_errors(e))
        if errors:
            bad += 1
            if bad <= 3:
                check(False, f"schema: {errors[0].message} in {json.dumps(e)[:300]}")
    check_eq(bad, 0, "events failing the EVE schema")


def of_type(events, kind):
    return [e for e in events if e.get("event_type") == kind]


def last_stats(events):
    stats = of_type(events, "stats")
    check(len(stats) >= 1, "a stats event is written at the end")
    return stats[-1]["stats"] if stats else {}


# ---------------------------------------------------------------- hand-made packets

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ttl=64, ident=1, flags_frag=0, options=b"", total_len=None):
    ihl = (20 + len(options)) // 4
    length = total_len if total_len is not None else 20 + len(options) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, length, ident, flags_frag, ttl, proto, 0,
                      bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    hdr += options
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def udp(sport, dport, payload, length=None):
    return struct.pack("!HHHH", sport, dport, length if length is not None else 8 + len(payload),
                       0) + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", window=65535):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, window, 0, 0) + payload


def icmp(icmp_type, code, rest=b"\0\0\0\0", payload=b""):
    return struct.pack("!BBH", icmp_type, code, 0) + rest + payload


def ether(payload, ethertype=0x0800, vlans=()):
    frame = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb"
    for vid in vlans:
        frame += struct.pack("!HH", 0x8100, vid)
    return frame + struct.pack("!H", ethertype) + payload


def write_pcap(path, packets, linktype=1, start=1700000000.0, step=0.001):
    """packets: list of bytes, or (timestamp, bytes) pairs."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        t = start
        for pkt in packets:
            if isinstance(pkt, tuple):
                t, pkt = pkt
            else:
                t += step
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(pkt), len(pkt)))
            f.write(pkt)
    return path


# The control side of an FTP upload in passive mode, as TcpConn.exchange() pairs: log in, ask
# for passive mode (the 227 reply announces 192.0.2.9 port 5001), store up.bin.
FTP_PASSIVE_STOR = [(False, b"220 ready\r\n"), (True, b"USER a\r\n"), (False, b"331 pw\r\n"),
                    (True, b"PASS b\r\n"), (False, b"230 ok\r\n"), (True, b"PASV\r\n"),
                    (False, b"227 Entering Passive Mode (192,0,2,9,19,137).\r\n"),
                    (True, b"STOR up.bin\r\n"), (False, b"150 go ahead\r\n")]


class TcpConn:
    """One TCP connection from cli:sport to srv:dport, its packets (Ethernet frames) appended
    to `pkts` (a shared list keeps several connections in capture order); open() is the
    handshake, send() one data segment acknowledged at once, close() FIN, FIN, ACK."""
    SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10

    def __init__(self, cli, srv, sport, dport, pkts=None):
        self.cli, self.srv, self.sport, self.dport = cli, srv, sport, dport
        self.cseq, self.sseq = 1000, 5000
        self.pkts = [] if pkts is None else pkts

    def pkt(self, from_client, flags, data=b""):
        if from_client:
            p = tcp(self.sport, self.dport, self.cseq, self.sseq, flags, data)
            self.pkts.append(ether(ipv4(self.cli, self.srv, 6, p)))
            self.cseq += len(data) + (1 if flags & (self.SYN | self.FIN) else 0)
        else:
            p = tcp(self.dport, self.sport, self.sseq, self.cseq, flags, data)
            self.pkts.append(ether(ipv4(self.srv, self.cli, 6, p)))
            self.sseq += len(data) + (1 if flags & (self.SYN | self.FIN) else 0)

    def open(self):
        self.pkt(True, self.SYN)
        self.pkt(False, self.SYN | self.ACK)
        self.pkt(True, self.ACK)

    def send(self, from_client, data):
        self.pkt(from_client, self.PSH | self.ACK, data)
        self.pkt(not from_client, self.ACK)

    def exchange(self, lines):
        """send() each (from_client, data) pair in turn: a scripted dialogue."""
        for from_client, data in lines:
            self.send(from_client, data)

    def close(self):
        self.pkt(True, self.FIN | self.ACK)
        self.pkt(False, self.FIN | self.ACK)
        self.pkt(True, self.ACK)


def http_and_opaque_flows():
    """Packets of three TCP flows, for rules measured against the reference packet by
    packet: an HTTP exchange on 80 (packets 1-10: GET 4, ACK 5, response 6, ACK 7, close
    8-10), then opaque data to 7777 (11-22) and to 9999 (23-34): two 1500-byte client
    segments, each acknowledged, "ok" from the server, close."""
    pkts = []
    c = TcpConn("10.0.0.1", "192.0.2.7", 40000, 80, pkts)
    c.open()
    c.exchange([(True, b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"),
                (False, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd")])
    c.close()
    for port in (7777, 9999):
        c = TcpConn("10.0.0.2", "192.0.2.8", 40001, port, pkts)
        c.open()
        c.exchange([(True, b"A" * 1500), (True, b"B" * 1500), (False, b"ok")])
        c.close()
    return pkts


def alert_keys(pcap, pkts, rules, args=()):
    """Writes pkts to pcap, runs rules over it; the (sid, pcap_cnt) of each alert, sorted
    (pcap_cnt 0 where the event has none: a rebuilt or pseudo packet)."""
    write_pcap(pcap, pkts)
    return sorted((a["alert"]["signature_id"], a.get("pcap_cnt", 0))
                  for a in of_type(run_rules(pcap, rules, list(args)), "alert"))


# ---- TLS messages (crafted handshakes) -------------------------------------------------

def tls_record(hs_type, body):
    """A TLS handshake record holding one message."""
    msg = bytes([hs_type]) + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack(">H", len(msg)) + msg


def tls_client_hello(sni):
    """A TLS 1.2 ClientHello offering ciphers 0xc02f and 0x002f, with one SNI extension."""
    name = struct.pack(">BH", 0, len(sni)) + sni
    ext = struct.pack(">HHH", 0, len(name) + 2, len(name)) + name
    body = (b"\x03\x03" + bytes(32) + b"\x00" + struct.pack(">H", 4) + b"\xc0\x2f\x00\x2f" +
            b"\x01\x00" + struct.pack(">H", len(ext)) + ext)
    return tls_record(1, body)


def tls_server_hello():
    """A TLS 1.2 ServerHello choosing cipher 0xc02f (49199), no extensions."""
    return tls_record(2, b"\x03\x03" + bytes(32) + b"\x00" + b"\xc0\x2f" + b"\x00" + b"\x00\x00")


TLS_CCS = b"\x14\x03\x03\x00\x01\x01"                  # ChangeCipherSpec
TLS_APPDATA = b"\x17\x03\x03\x00\x10" + bytes(16)      # one encrypted record
