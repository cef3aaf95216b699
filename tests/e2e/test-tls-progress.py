"""End-to-end: TLS rules on ClientHello/ServerHello buffers alert as early as Suricata 7's.

Suricata 7 registers tls.sni, ja3.hash, ja3.string and ja4.hash to the server, ja3s.* to the
client, at progress 0 of its TLS transaction (which completes only at the end of the flow):
such a rule is inspected at the first packet of its direction after the hello was parsed,
not when the handshake is done. bongsu gives its TLS parser a per-side progress (a hello
parsed) and registers those buffers with it (app-layer-tls.c tls_tx_progress,
app-layer-tls-buffers.c). The pcap_cnt figures below were measured once with the reference
Suricata 7 (`reference-suricata -r x.pcap -S rules -k none --runmode single` with ja3 and
ja4 fingerprints on) and are fixed here; the test never runs it. Cases:
 1. a crafted TLS 1.2 handshake whose ClientHello is acknowledged long before the handshake
    is done: the SNI and JA3 rules alert at the next client packet (6), the JA3S one at the
    next server packet after the ServerHello (11); a tls.sni rule limited to the client side
    never alerts (tls.sni has no to-client engine). Before this change bongsu inspected TLS
    rules only once the handshake was done, at the flow's end here.
 2. the TLS 1.3 sessions of tests/data/tls-scenario.pcap (see test-tls.py): hello rules at
    the first packet of their side after the hello (ja3s there arrives with the rest of the
    server's flight); rules with two hello buffers too.
"""
import os
import tempfile

from e2elib import (DATA, TLS_APPDATA, TLS_CCS, TcpConn, check_eq, finish, of_type, run_rules,
                    tls_client_hello, tls_server_hello, write_pcap)

TMP = tempfile.mkdtemp(prefix="bongsu-tls-progress-")
FINGERPRINTS = ["--set", "app-layer.protocols.tls.ja3-fingerprints=yes",
                "--set", "app-layer.protocols.tls.ja4-fingerprints=yes"]


def alerts(pcap, rules):
    """(sid, pcap_cnt, source port) of each alert bongsu raises on pcap with these rules."""
    events = run_rules(pcap, rules, FINGERPRINTS)
    return sorted((a["alert"]["signature_id"], a.get("pcap_cnt"), a["src_port"])
                  for a in of_type(events, "alert"))


# 1. handshake 1-3, ClientHello 4 (ACK 5), 3 bytes of a CCS 6 (7), ServerHello 8 (9), the
# rest of the CCS 10 (11), server CCS 12 (13), application data 14 (15) and 16 (17), close
c = TcpConn("10.0.0.1", "192.0.2.43", 40443, 443)
c.open()
c.exchange([(True, tls_client_hello(b"evil.example")), (True, TLS_CCS[:3]),
            (False, tls_server_hello()), (True, TLS_CCS[3:]), (False, TLS_CCS),
            (True, TLS_APPDATA), (False, TLS_APPDATA)])
c.close()
check_eq(alerts(write_pcap(os.path.join(TMP, "tls12.pcap"), c.pkts),
                'alert tls any any -> any any (msg:"sni"; tls.sni; content:"evil.example"; '
                'sid:1;)\n'
                'alert tls any any -> any any (msg:"ja3s"; ja3s.string; content:"771,49199,"; '
                'sid:3;)\n'
                'alert tls any any -> any any (msg:"ja3"; ja3.string; content:"771,"; sid:4;)\n'
                'alert tls any any -> any any (msg:"sni to client"; tls.sni; content:"evil"; '
                'flow:to_client; sid:5;)\n'),
         [(1, 6, 40443), (3, 11, 443), (4, 6, 40443)],
         "crafted TLS 1.2: hello rules at the next packet of their side after the hello")

# 2. the scenario capture's TLS 1.3 sessions
got = alerts(os.path.join(DATA, "tls-scenario.pcap"),
             'alert tls any any -> any any (msg:"sni"; tls.sni; '
             'content:"c2.badactor-infra.org"; sid:1;)\n'
             'alert tls any any -> any any (msg:"ja3+sni"; ja3.hash; '
             'content:"1614be32bf8ad137c69251c37958a856"; tls.sni; '
             'content:"login.example-bank.com"; sid:2;)\n'
             'alert tls any any -> any any (msg:"ja3s"; ja3s.hash; '
             'content:"f4febc55ea12b31ae17cfb7e614afda8"; sid:3;)\n'
             'alert tls any any -> any any (msg:"ja4+sni"; ja4.hash; '
             'content:"t13d1507h2_8daaf6152771_fac2efa4a0c6"; tls.sni; content:"updates"; sid:4;)\n'
             'alert tls any any -> any any (msg:"sni to server"; tls.sni; '
             'content:"xn--80ak6aa92e.com"; flow:to_server; sid:5;)\n')
# (sid, pcap_cnt, source port): client ports for to-server alerts, 443 for to-client ones
check_eq(got, [(1, 141, 58073), (2, 117, 60201),
               (3, 87, 443), (3, 129, 443), (3, 131, 443), (3, 145, 443), (3, 147, 443),
               (3, 171, 443), (3, 172, 443), (3, 173, 443), (3, 174, 443),
               (4, 143, 58468), (5, 142, 34688)],
         "hello rules at the first packet of their side after the hello, as the reference")
finish()
