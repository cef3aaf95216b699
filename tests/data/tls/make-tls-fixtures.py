#!/usr/bin/python3
"""make-tls-fixtures.py - cut TLS conversations out of conformance captures into fixtures.

Each fixture is the application payload of one TCP connection in capture order, as a list of
chunks: 1 byte direction (0 to server, 1 to client), 4 bytes big-endian length, the bytes.
Retransmitted bytes are dropped (sequence numbers), so the chunks are what a stream engine
would hand to the app layer. The unit tests (tests/unit/test-tls.c) replay them through the
TLS parser, and the fuzz target fuzz-tls reads the same format, so they double as its seeds.

The same fixtures seed the fuzz corpora: tests/fuzz/corpus/fuzz-tls/ gets a copy of each,
tests/fuzz/corpus/fuzz-x509/ every certificate found in them (DER).

usage: make-tls-fixtures.py  (writes *.chunks next to this script from ../shared/conformance)
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "..", "..", "..", "..", "shared", "conformance", "cases")

# fixture name: (case, capture file, server port, client port or None for the first flow)
FIXTURES = {
    "tls12-github": ("bug-2646-01", "input.pcap", 443, None),
    "tls12-selks": ("bug-7286-tls-metadata-01", "input.pcap", 443, None),
    "tls13-draft19": ("tls13-draft19", "tls13_draft19.pcap", 443, None),
    "tls13-draft28": ("tls13-draft28", "tls13_draft28.pcap", 4433, None),
    "tls13-google": ("community-id-ipv4", "input.pcap", 443, None),
    "tls-client-cert": ("tls-client-cert-01", "tls-client-auth.pcap", 8081, None),
    "tls-pre-1970": ("tls-pre-1970", "input.pcap", 443, None),
    "tls-hello-frag": ("tls-client-hello-frag-01", "dump_mtu300.pcap", 443, None),
    "tls-duplicate-hello": ("tls-duplicate-hello", "input.pcap", 8443, None),
    "tls-noissuer": ("tls-cert-noissuer", "tls.pcap", 443, None),
}


def packets(path):
    data = open(path, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        yield linktype, data[off + 16:off + 16 + incl]
        off += 16 + incl


def tcp_of(linktype, frame):
    """(src, dst, sport, dport, seq, flags, payload) or None."""
    if linktype == 1:
        etype, off = struct.unpack(">H", frame[12:14])[0], 14
        while etype == 0x8100:
            etype, off = struct.unpack(">H", frame[off + 2:off + 4])[0], off + 4
    elif linktype == 0:
        etype, off = (0x0800 if frame[0] == 2 else 0x86DD), 4
    else:
        etype, off = (0x0800 if frame[0] >> 4 == 4 else 0x86DD), 0
    if etype == 0x0800:
        ihl = (frame[off] & 15) * 4
        total = struct.unpack(">H", frame[off + 2:off + 4])[0]
        if frame[off + 9] != 6:
            return None
        src, dst = frame[off + 12:off + 16], frame[off + 16:off + 20]
        seg = frame[off + ihl:off + total]
    elif etype == 0x86DD:
        plen = struct.unpack(">H", frame[off + 4:off + 6])[0]
        if frame[off + 6] != 6:
            return None
        src, dst = frame[off + 8:off + 24], frame[off + 24:off + 40]
        seg = frame[off + 40:off + 40 + plen]
    else:
        return None
    sport, dport, seq = struct.unpack(">HHI", seg[:8])
    doff = (seg[12] >> 4) * 4
    return src, dst, sport, dport, seq, seg[13], seg[doff:]


def extract(path, server_port, client_port):
    chunks, next_seq, flow = [], {}, None
    for linktype, frame in packets(path):
        t = tcp_of(linktype, frame)
        if not t:
            continue
        src, dst, sport, dport, seq, flags, payload = t
        if server_port not in (sport, dport):
            continue
        key = (src, sport, dst, dport) if dport == server_port else (dst, dport, src, sport)
        if flow is None and (client_port is None or key[1] == client_port):
            flow = key
        if key != flow:
            continue
        to_client = sport == server_port
        if flags & 0x02:  # SYN
            next_seq[to_client] = (seq + 1) & 0xFFFFFFFF
            continue
        if not payload or to_client not in next_seq:
            continue
        skip = (next_seq[to_client] - seq) & 0xFFFFFFFF
        if skip >= len(payload) or skip > 0x7FFFFFFF:
            continue  # retransmission, or a hole the fixture cannot fill
        payload = payload[skip:]
        next_seq[to_client] = (next_seq[to_client] + len(payload)) & 0xFFFFFFFF
        chunks.append(struct.pack(">BI", int(to_client), len(payload)) + payload)
    return b"".join(chunks)


def direction_bytes(blob, to_client):
    out, pos = b"", 0
    while pos + 5 <= len(blob):
        d, n = struct.unpack(">BI", blob[pos:pos + 5])
        if d == to_client:
            out += blob[pos + 5:pos + 5 + n]
        pos += 5 + n
    return out


def certificates(stream):
    """DER certificates of the plaintext Certificate messages in one direction."""
    hs, pos = b"", 0
    while pos + 5 <= len(stream):
        ctype, length = stream[pos], struct.unpack(">H", stream[pos + 3:pos + 5])[0]
        if ctype == 22:
            hs += stream[pos + 5:pos + 5 + length]
        elif ctype == 20:
            break  # encrypted from here on
        pos += 5 + length
    certs, pos = [], 0
    while pos + 4 <= len(hs):
        mtype, mlen = hs[pos], int.from_bytes(hs[pos + 1:pos + 4], "big")
        body = hs[pos + 4:pos + 4 + mlen]
        if mtype == 11 and len(body) >= 3:
            i = 3
            while i + 3 <= len(body):
                n = int.from_bytes(body[i:i + 3], "big")
                certs.append(body[i + 3:i + 3 + n])
                i += 3 + n
        pos += 4 + mlen
    return certs


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    corpus = os.path.join(HERE, "..", "..", "fuzz", "corpus")
    for name, (case, pcap, port, cport) in sorted(FIXTURES.items()):
        blob = extract(os.path.join(CASES, case, pcap), port, cport)
        if not blob:
            sys.exit("%s: no payload found" % name)
        write(os.path.join(HERE, name + ".chunks"), blob)
        write(os.path.join(corpus, "fuzz-tls", name), blob)
        certs = certificates(direction_bytes(blob, 1)) + certificates(direction_bytes(blob, 0))
        for i, der in enumerate(certs):
            write(os.path.join(corpus, "fuzz-x509", "%s-%d.der" % (name, i)), der)
        print("%s: %d bytes, %d certificates" % (name, len(blob), len(certs)))


if __name__ == "__main__":
    main()
