"""End-to-end: what counts as a packet's payload for Suricata's rule mask, pinned to packet
numbers measured once with the reference Suricata 7.0.10 on the same packets (the test never
runs it).

Suricata checks a rule's requirements against a mask of the packet before anything else:
payload, unless the packet's payload is not to be inspected; payload as well when raw stream
data is ready in the packet's direction (PKT_DETECT_HAS_STREAMDATA); else no payload. dsize
takes its requirement from its operator ("0" wants no payload; "!N", ">N", a range, "N>0"
want payload) and then compares the packet's own length. So:
 1. a bare ACK after which the stream is ready (a request complete and acknowledged, a chunk
    acknowledged) matches "dsize:!7" and not "dsize:0"; where the port's rule group has no
    raw stream rule (here: to-server on 7777), Suricata disabled raw reassembly and the ACK
    is payload-less again;
 2. once a TLS session is encrypted (encryption-handling default), its packets are not
    inspected at all: no packet or stream content matches, an encrypted record counts as no
    payload, and each direction's raw stream is ready once more (what was pending), then
    never again however much follows; with encryption-handling full everything goes on as
    before; with bypass the raw streams are flushed by a pseudo packet (pcap_cnt absent) and
    nothing is ready after.
"""
import os
import tempfile

from e2elib import (TLS_CCS, TcpConn, alert_keys, check_eq, finish, http_and_opaque_flows,
                    tls_client_hello, tls_server_hello)

TMP = tempfile.mkdtemp(prefix="bongsu-payload-mask-")

DSIZE = """\
alert tcp any any -> any any (msg:"no payload, to server"; flow:established,to_server; dsize:0; sid:1;)
alert tcp any any -> any any (msg:"no payload, to client"; flow:established,to_client; dsize:0; sid:2;)
alert tcp any any -> any any (msg:"not 7, to server"; flow:established,to_server; dsize:!7; sid:3;)
alert tcp any any -> any any (msg:"not 7, to client"; flow:established,to_client; dsize:!7; sid:4;)
"""


def alerts(name, pkts, rules, args=()):
    return alert_keys(os.path.join(TMP, name + ".pcap"), pkts, rules, args)


# 1. http_and_opaque_flows(): HTTP on 80 (1-10), opaque data on 7777 (11-22) and 9999 (23-34)
pkts = http_and_opaque_flows()
RAW_RULE = ('alert tcp any any -> any [80,9999] (msg:"raw stream rule"; content:"zq-never-zq"; '
            'sid:100;)\n')
check_eq(alerts("dsize", pkts, RAW_RULE + DSIZE), [
    (1, 8), (1, 10), (1, 19), (1, 20), (1, 22), (1, 32), (1, 34),
    (2, 5), (2, 15), (2, 17), (2, 27), (2, 29),
    (3, 4), (3, 7), (3, 14), (3, 16), (3, 26), (3, 28), (3, 31),
    (4, 6), (4, 9), (4, 18), (4, 21), (4, 30), (4, 33)],
    "stream data ready counts as payload, where the port group has raw stream rules")
# without any raw stream rule nothing is ever ready: every bare ACK is payload-less
check_eq([a for a in alerts("dsize-noraw", pkts, DSIZE) if a[0] in (1, 3) and a[1] in (7, 31)],
         [(1, 7), (1, 31)], "no raw stream rule: bare ACKs have no payload")

# 2. TLS: hello 4 (ACK 5), server hello + CCS 6 (7), client CCS + first encrypted record 8
# (9), records 10 (11), 12 (13), two records 14 (15), a bare ACK 16, close 17-19
APP = b"\x17\x03\x03\x00\x20" + b"ENCRYPTEDDATA-XYZW-0123456789abc"
c = TcpConn("10.0.0.1", "192.0.2.7", 40000, 443)
c.open()
c.exchange([(True, tls_client_hello(b"example.com")), (False, tls_server_hello() + TLS_CCS),
            (True, TLS_CCS + APP), (False, APP), (True, APP), (False, APP + APP)])
c.pkt(True, c.ACK)
c.close()
TLS_RULES = ('alert tcp any any -> any any (msg:"stream content"; content:"XYZW"; sid:100;)\n'
             'alert tcp-pkt any any -> any any (msg:"packet content"; content:"XYZW"; sid:101;)\n'
             + DSIZE)


def tls(mode):
    return alerts("tls-" + mode, c.pkts, TLS_RULES,
                  ["--set", "app-layer.protocols.tls.encryption-handling=" + mode])


check_eq(tls("default"), [
    (1, 15), (1, 16), (1, 17), (1, 19), (2, 5), (2, 13), (2, 18), (3, 4), (3, 7), (3, 8),
    (3, 11), (4, 6), (4, 9), (101, 8)],
    "encrypted TLS: no payload inspection from the packet after the first record on")
check_eq(tls("full"), [
    (1, 16), (1, 17), (1, 19), (2, 5), (3, 4), (3, 7), (3, 8), (3, 11), (3, 12), (3, 15),
    (4, 6), (4, 9), (4, 10), (4, 13), (4, 14), (4, 18), (100, 11), (100, 13), (100, 15),
    (100, 18), (101, 8), (101, 10), (101, 12), (101, 14)],
    "encryption-handling full: encrypted records are inspected")
check_eq(tls("bypass"), [
    (1, 11), (1, 15), (1, 16), (1, 17), (1, 19), (2, 5), (2, 9), (2, 13), (2, 18), (3, 4),
    (3, 7), (3, 8), (4, 6), (100, 0), (101, 8)],
    "encryption-handling bypass: a pseudo packet flushes the raw streams, then none is ready")

# 3. a long encrypted session: eight 1205-byte server records 10-25 (each acknowledged), a
# bare server ACK 26, three client records 27-32, bare ACKs 33 and 34, close 35-37; the
# raw streams are ready once (9 to the client, 11 to the server), never again
c = TcpConn("10.0.0.1", "192.0.2.7", 40000, 443)
c.open()


def record(n):
    return b"\x17\x03\x03" + n.to_bytes(2, "big") + b"E" * n


c.exchange([(True, tls_client_hello(b"example.com")), (False, tls_server_hello() + TLS_CCS),
            (True, TLS_CCS + record(20))] + [(False, record(1200))] * 8)
c.pkt(False, c.ACK)
c.exchange([(True, record(1200))] * 3)
c.pkt(True, c.ACK)
c.pkt(False, c.ACK)
c.close()
check_eq(alerts("tls-long", c.pkts, TLS_RULES), [
    (1, 13), (1, 15), (1, 17), (1, 19), (1, 21), (1, 23), (1, 25), (1, 33), (1, 35), (1, 37),
    (2, 5), (2, 26), (2, 28), (2, 30), (2, 32), (2, 34), (2, 36), (3, 4), (3, 7), (3, 8),
    (3, 11), (4, 6), (4, 9)],
    "encrypted session: each raw stream ready once, then never however much follows")

finish()
