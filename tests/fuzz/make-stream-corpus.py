#!/usr/bin/python3
"""Seeds for fuzz-stream (see the record format in fuzz-stream.c): ordinary connections,
every overlap policy, midstream and one-sided pickups, RSTs, gaps and the depth limit."""
import os
import struct
import sys

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def rec(flags, to_server, seq, ack, payload=b"", step=1, ts=0):
    return struct.pack(">BBhhBB", flags, (len(payload) << 1) | to_server, seq, ack, step,
                       ts) + payload


def handshake(ts=0):
    return (rec(SYN, 1, 0, 0, ts=ts) + rec(SYN | ACK, 0, 0, 1, ts=ts) +
            rec(ACK, 1, 1, 1, ts=ts))


def exchange():
    req, resp = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\nhello"
    n, m = 1 + len(req), 1 + len(resp)
    return (rec(ACK | PSH, 1, 1, 1, req) + rec(ACK | PSH, 0, 1, n, resp) + rec(ACK, 1, n, m) +
            rec(FIN | ACK, 0, m, n) + rec(FIN | ACK, 1, n, m + 1) + rec(ACK, 0, m + 1, n + 1))


def overlaps():
    segs = [(0, b"GET /"), (6, b"aa"), (10, b"bbb"), (13, b"ccc"), (16, b"dd"), (19, b"ee"),
            (21, b"ff"), (24, b"ggg"), (5, b"1111"), (9, b"222"), (13, b"33"), (16, b"444"),
            (19, b"55"), (22, b"66"), (25, b"7"), (27, b" HTTP/1.0\r\n\r\n")]
    out = b"".join(rec(ACK | PSH, 1, 1 + off, 1, d) for off, d in segs)
    return out + rec(ACK, 0, 1, 41)


seeds = {"http-close": bytes([0]) + handshake() + exchange(),
         "timestamps": bytes([0]) + handshake(ts=9) + rec(ACK, 1, 1, 1, b"x", ts=3),
         "midstream": bytes([0x10]) + rec(ACK | PSH, 1, 100, 50, b"data") + rec(ACK, 0, 50, 104),
         "midstream-synack": bytes([0x10]) + rec(SYN | ACK, 0, 0, 1) + rec(ACK, 1, 1, 1, b"q"),
         "async": bytes([0x20]) + rec(SYN, 1, 0, 0) + rec(ACK, 1, 1, 1, b"one way"),
         "rst": bytes([0]) + handshake() + rec(RST | ACK, 0, 1, 1) + rec(SYN, 1, 500, 0),
         "gap-depth": bytes([0x40]) + handshake() + rec(ACK, 1, 1, 1, b"a" * 40) +
         rec(ACK, 1, 61, 1, b"b" * 40) + rec(ACK, 0, 1, 101),
         "wrap": bytes([0]) + handshake() + b"".join(
             rec(ACK, 1, 1 + 100 * i, 1, bytes([65 + i]) * 100) for i in range(4)) +
         rec(ACK, 0, 1, 401)}
for policy in range(12):
    seeds[f"overlap-{policy}"] = bytes([policy | 0x80]) + handshake() + overlaps()
outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                             "corpus", "fuzz-stream")
os.makedirs(outdir, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)
