#!/usr/bin/env python3
"""make-decode-corpus.py - write the seed corpora of the decoder fuzz targets.

Each seed is one hand-built packet (or, for fuzz-defrag, a sequence of fragments) that
reaches a different decoder path: every link layer, VLAN/MPLS/PPPoE, IPv4 options, IPv6
extension headers, transports, ICMP, the tunnels, and fragments. Starting libFuzzer from
valid packets lets it reach deep layers in seconds. The files are checked in; rerun this
script (from anywhere) only to change the seeds:  python3 tests/fuzz/make-decode-corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(proto, payload, ident=1, frag=0, opts=b""):
    hlen = 20 + len(opts)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | hlen // 4, 0, hlen + len(payload), ident, frag,
                      64, proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + opts
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(nh, payload):
    src = bytes.fromhex("20010db8000000000000000000000001")
    dst = bytes.fromhex("20010db8000000000000000000000002")
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + src + dst + payload


def udp(sp, dp, payload=b""):
    return struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload


def tcp(sp, dp, flags=0x02, opts=b"", payload=b""):
    hlen = 20 + len(opts)
    return struct.pack("!HHIIBBHHH", sp, dp, 1000, 0, (hlen // 4) << 4, flags, 65535, 0,
                       0) + opts + payload


def eth(ethertype, payload):
    return bytes(range(12)) + struct.pack("!H", ethertype) + payload


def icmp(t, c, body=b""):
    return struct.pack("!BBHHH", t, c, 0, 0x1234, 1) + body


def ipv4_packets():
    """Network-layer packets, keyed by seed name."""
    inner = ipv4(17, udp(1111, 2222, b"abc"))
    tcp_opts = bytes([2, 4, 5, 180, 1, 3, 3, 7, 4, 2, 8, 10]) + bytes(8) + bytes([1, 1, 0, 0])
    return {
        "ipv4-udp": ipv4(17, udp(1000, 53, b"\x12\x34\x01\x00\x00\x01")),
        "ipv4-tcp-opts": ipv4(6, tcp(1234, 80, 0x02, tcp_opts)),
        "ipv4-opts-bug7414": ipv4(17, udp(5060, 5060, b"x" * 8),
                                  opts=bytes.fromhex("8202f1350000deadbeefaa00")),
        "ipv4-opts-rr-ts": ipv4(17, udp(1, 2), opts=bytes([7, 7, 4, 0, 0, 0, 0, 68, 12, 5, 1]) +
                                bytes(9) + bytes([0])),
        "ipv4-icmp-echo": ipv4(1, icmp(8, 0, b"ping")),
        "ipv4-icmp-unreach": ipv4(1, icmp(3, 3, inner[:28])),
        "ipv4-icmp-timestamp": ipv4(1, icmp(13, 0, bytes(12))),
        "ipv4-gre-ipv4": ipv4(47, b"\x00\x00\x08\x00" + inner),
        "ipv4-gre-keyseq-ipv6": ipv4(47, bytes.fromhex("b00086dd000000000000002a00000001") +
                                     ipv6(17, udp(1111, 2222))),
        "ipv4-gre-teb": ipv4(47, b"\x00\x00\x65\x58" + eth(0x0800, inner)),
        "ipv4-gre-pptp": ipv4(47, bytes.fromhex("3001880b") + struct.pack("!HH", len(inner) + 4, 7) +
                              b"\x00\x00\x00\x01\xff\x03\x00\x21" + inner),
        "ipv4-gre-erspan1": ipv4(47, b"\x00\x00\x88\xbe" + eth(0x0800, inner)),
        "ipv4-gre-erspan2": ipv4(47, b"\x10\x00\x88\xbe\x00\x00\x00\x01" +
                                 bytes.fromhex("1017000000000000") + eth(0x0800, inner)),
        "ipv4-gre-vlan": ipv4(47, b"\x00\x00\x81\x00" + b"\x00\x64\x08\x00" + inner),
        "ipv4-vxlan": ipv4(17, udp(50000, 4789, bytes.fromhex("0800000000002a00") +
                                   eth(0x0800, inner))),
        "ipv4-geneve": ipv4(17, udp(50000, 6081, bytes.fromhex("0000080000002a00") + inner)),
        "ipv4-geneve-opts-teb": ipv4(17, udp(50000, 6081, bytes.fromhex("020065580000070001020301") +
                                             bytes(4) + eth(0x0800, inner))),
        "ipv4-ipv6-6in4": ipv4(41, ipv6(17, udp(1111, 2222))),
        "ipv4-esp": ipv4(50, bytes(16)),
        "ipv4-sctp": ipv4(132, struct.pack("!HHII", 5000, 80, 1, 0)),
        "ipv4-fragment": ipv4(17, udp(1, 2, b"a" * 8), ident=9, frag=0x2000),
    }


def ipv6_packets():
    fh = bytes([17, 0, 0, 1, 0, 0, 0, 7])
    return {
        "ipv6-udp": ipv6(17, udp(1000, 53, b"\x12\x34")),
        "ipv6-tcp": ipv6(6, tcp(1234, 443)),
        "ipv6-hop-ra": ipv6(0, bytes([17, 0, 5, 2, 0, 0, 0, 0]) + udp(1, 2)),
        "ipv6-dst-rh-ah": ipv6(60, bytes([43, 0, 1, 4, 0, 0, 0, 0]) +
                               bytes([51, 0, 0, 0, 0, 0, 0, 0]) +
                               bytes([17, 1, 0, 0]) + bytes(8) + udp(1, 2)),
        "ipv6-fragment": ipv6(44, fh + udp(1, 2, b"a" * 8)),
        "ipv6-icmp-echo": ipv6(58, icmp(128, 0, b"ping")),
        "ipv6-icmp-mld": ipv6(58, icmp(131, 0, bytes(16))),
        "ipv6-icmp-unreach": ipv6(58, icmp(1, 4, ipv6(17, udp(1, 2)))),
        "ipv6-ipip": ipv6(4, ipv4(17, udp(1, 2))),
        "ipv6-in-ipv6": ipv6(41, ipv6(17, udp(1, 2))),
        "ipv6-gre": ipv6(47, b"\x00\x00\x08\x00" + ipv4(17, udp(1, 2))),
        "ipv6-none": ipv6(59, b""),
    }


def ethernet_frames(ip4, ip6):
    frames = {"eth-" + k: eth(0x0800, v) for k, v in ip4.items()}
    frames.update({"eth-" + k: eth(0x86DD, v) for k, v in ip6.items()})
    udp4 = ip4["ipv4-udp"]
    frames.update({
        "eth-arp": eth(0x0806, bytes(28)),
        "eth-vlan": eth(0x8100, b"\x00\x64\x08\x00" + udp4),
        "eth-qinq": eth(0x88A8, b"\x00\x64\x81\x00\x00\xc8\x08\x00" + udp4),
        "eth-mpls": eth(0x8847, b"\x00\x3e\x80\x40\x00\x7d\x01\x40" + udp4),
        "eth-mpls-pw": eth(0x8847, b"\x00\x3e\x81\x40" + bytes(4) + eth(0x0800, udp4)),
        "eth-pppoe-session": eth(0x8864, b"\x11\x00\x00\x01" + struct.pack("!H", len(udp4) + 2) +
                                 b"\x00\x21" + udp4),
        "eth-pppoe-discovery": eth(0x8863, b"\x11\x09\x00\x00\x00\x04\x01\x01\x00\x00"),
    })
    return frames


def defrag_sequences():
    """fuzz-defrag inputs: a policy byte, then records of 2-byte length, 1-byte time step
    (0.1 s) and a raw IP packet."""
    def rec(pkt, step=0):
        return struct.pack("!HB", len(pkt), step) + pkt

    def v4frag(ident, off, data, mf):
        return ipv4(17, data, ident=ident, frag=(0x2000 if mf else 0) | off // 8)

    first = udp(1000, 53, b"a" * 8)[:8] + b"a" * 8
    seqs = {
        "v4-in-order": [v4frag(1, 0, first, True), v4frag(1, 16, b"b" * 16, True),
                        v4frag(1, 32, b"c" * 8, False)],
        "v4-reverse": [v4frag(2, 32, b"c" * 8, False), v4frag(2, 16, b"b" * 16, True),
                       v4frag(2, 0, first, True)],
    }
    novak = [(0, 24, "A"), (32, 16, "B"), (48, 24, "C"), (80, 8, "D"), (104, 16, "E"),
             (120, 24, "F"), (144, 16, "G"), (160, 16, "H"), (176, 8, "I"), (8, 32, "J"),
             (48, 24, "K"), (72, 24, "L"), (96, 24, "M"), (128, 8, "N"), (152, 8, "O"),
             (160, 8, "P"), (176, 16, "Q")]
    seqs["v4-overlap-novak"] = [v4frag(3, off, fill.encode() * n, i != 16)
                                for i, (off, n, fill) in enumerate(novak)]

    def v6frag(ident, off, data, mf, dstopts=False):
        ext = bytes([44, 0, 1, 4, 0, 0, 0, 0]) if dstopts else b""
        fh = bytes([17, 0]) + struct.pack("!HI", off | (1 if mf else 0), ident)
        return ipv6(60 if dstopts else 44, ext + fh + data)

    seqs["v6-in-order"] = [v6frag(5, 0, first, True), v6frag(5, 16, b"b" * 8, False)]
    seqs["v6-unfragmentable"] = [v6frag(6, 16, b"b" * 8, False, True),
                                 v6frag(6, 0, first, True, True)]
    # The first byte picks the overlap policy: 0 bsd, 1 bsd-right, 2 linux, 3 windows,
    # 4 solaris, 5 first, 6 last (DefragPolicy).
    out = {}
    for name, pkts in seqs.items():
        out[name] = b"\0" + b"".join(rec(p) for p in pkts)
    for policy in range(1, 7):
        out["v4-overlap-novak-policy%d" % policy] = bytes([policy]) + out["v4-overlap-novak"][1:]
    out["v4-timeout"] = (b"\0" + rec(v4frag(7, 0, first, True)) +
                         rec(v4frag(7, 16, b"b" * 8, False), 250))
    return out


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name + ".bin"), "wb") as f:
            f.write(data)


def main():
    ip4, ip6 = ipv4_packets(), ipv6_packets()
    raw = dict(ip4)
    raw.update(ip6)
    write("fuzz-decode-raw", raw)
    write("fuzz-decode-ethernet", ethernet_frames(ip4, ip6))
    sll = {}
    for name, pkt in list(ip4.items())[:6] + list(ip6.items())[:4]:
        proto = 0x0800 if pkt[0] >> 4 == 4 else 0x86DD
        sll["sll-" + name] = b"\x00\x00\x00\x01\x00\x06" + bytes(8) + struct.pack("!H", proto) + pkt
        sll["sll2-" + name] = struct.pack("!H", proto) + bytes(18) + pkt
    write("fuzz-decode-sll", sll)
    write("fuzz-defrag", defrag_sequences())


if __name__ == "__main__":
    main()
