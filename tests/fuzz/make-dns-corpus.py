#!/usr/bin/python3
"""make-dns-corpus.py - seed corpus for fuzz-dns from real DNS traffic.

Reads the DNS captures of the conformance corpus (../shared/conformance/cases/dns-*) and the
project's own sample captures, takes the payloads of UDP and TCP packets on a DNS port and
writes them in fuzz-dns's input format (see fuzz-dns.c): one file per capture and transport,
plus the same records with the version 3 and the filtered logger. Run from the project root:

    /usr/bin/python3 tests/fuzz/make-dns-corpus.py
"""
import glob
import hashlib
import os
import struct
import sys

DNS_PORTS = {53, 1053, 5353}
OUT = "tests/fuzz/corpus/fuzz-dns"


def packets(path):
    """(linktype, frame) for each record of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
                     b"\xa1\xb2\x3c\x4d"):
        return  # pcapng: none of the DNS captures use it
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        yield linktype, data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def ip_payload(linktype, frame):
    """(protocol, transport bytes) of an IPv4/IPv6 packet, or None."""
    if linktype == 1:
        ethertype, frame = struct.unpack(">H", frame[12:14])[0], frame[14:]
        while ethertype == 0x8100 and len(frame) >= 4:
            ethertype, frame = struct.unpack(">H", frame[2:4])[0], frame[4:]
    elif linktype == 113:
        ethertype, frame = struct.unpack(">H", frame[14:16])[0], frame[16:]
    elif linktype in (101, 12, 14):
        ethertype = 0x0800 if frame[:1] and frame[0] >> 4 == 4 else 0x86DD
    else:
        return None
    if ethertype == 0x0800 and len(frame) >= 20:
        ihl = (frame[0] & 15) * 4
        return frame[9], frame[ihl:struct.unpack(">H", frame[2:4])[0]]
    if ethertype == 0x86DD and len(frame) >= 40:
        return frame[6], frame[40:40 + struct.unpack(">H", frame[4:6])[0]]
    return None


def records(path):
    """{'udp': [...], 'tcp': [...]} of (to_server, payload)."""
    out = {"udp": [], "tcp": []}
    for linktype, frame in packets(path):
        ip = ip_payload(linktype, frame)
        if not ip:
            continue
        proto, seg = ip
        if proto == 17 and len(seg) >= 8:
            sport, dport = struct.unpack(">HH", seg[:4])
            body, kind = seg[8:], "udp"
        elif proto == 6 and len(seg) >= 20:
            sport, dport = struct.unpack(">HH", seg[:4])
            body, kind = seg[(seg[12] >> 4) * 4:], "tcp"
        else:
            continue
        if (sport in DNS_PORTS or dport in DNS_PORTS) and body:
            out[kind].append((dport in DNS_PORTS, body))
    return out


def encode(mode, recs):
    blob = bytes([mode])
    for to_server, body in recs:
        body = body[:65535]
        blob += bytes([1 if to_server else 0]) + struct.pack(">H", len(body)) + body
    return blob


def main():
    os.makedirs(OUT, exist_ok=True)
    captures = sorted(glob.glob("../shared/conformance/cases/dns-*/*.pcap"))
    captures += sorted(glob.glob("tests/data/*.pcap"))
    written = 0
    for path in captures:
        for kind, recs in records(path).items():
            if not recs:
                continue
            tcp = 1 if kind == "tcp" else 0
            for mode in (tcp, tcp | 2, tcp | 4):
                blob = encode(mode, recs[:64])
                name = hashlib.sha1(blob).hexdigest()[:16]
                with open(os.path.join(OUT, name), "wb") as f:
                    f.write(blob)
                written += 1
    print(f"{written} files in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
