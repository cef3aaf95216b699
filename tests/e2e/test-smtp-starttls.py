"""End-to-end: SMTP hands its flow over to TLS after STARTTLS whatever the chunking.

The server's "220 ready" answering STARTTLS shares its segment with the TLS ServerHello that
follows it (a server that does not wait, or segments a capture merged). The bytes after the
220's line must reach TLS detection and the TLS parser: the ServerHello's JA3S is seen by a
ja3s.string rule, exactly as when the 220 has a segment of its own. Expectations were read
off reference-suricata (Suricata 7.0.10) on both captures (-k none --runmode single, the rule
below, ja3-fingerprints on): one alert (sid 1) with tls.ja3s {"hash":
"174e7e4992a63f6d419626d97363adb8", "string": "771,49199,"}, one smtp event {"helo":
"c.example"}, and the flow record app_proto "tls", app_proto_orig "smtp". Before the fix,
the merged capture gave no alert: the ServerHello was lost with the SMTP parser's state.
(The reference raises the alert a few packets earlier than bongsu does: that is TLS
transaction inspection timing, not checked here.)
"""
import os
import tempfile

from e2elib import (TLS_APPDATA as APPDATA, TLS_CCS as CCS, TcpConn, check_eq, finish, of_type,
                    run_bongsu, tls_client_hello, tls_server_hello, validate_schema, write_pcap)

TMP = tempfile.mkdtemp(prefix="bongsu-smtp-tls-")
SNI = b"mail.example.org"
JA3S = {"hash": "174e7e4992a63f6d419626d97363adb8", "string": "771,49199,"}


def capture(merged):
    c = TcpConn("10.0.0.1", "192.0.2.25", 40025, 25)
    c.open()
    c.exchange([(False, b"220 mx ESMTP\r\n"), (True, b"EHLO c.example\r\n"),
                (False, b"250-mx\r\n250 STARTTLS\r\n"), (True, b"STARTTLS\r\n")])
    if merged:
        c.send(False, b"220 ready\r\n" + tls_server_hello())
    else:
        c.exchange([(False, b"220 ready\r\n"), (False, tls_server_hello())])
    c.exchange([(True, tls_client_hello(SNI)), (False, CCS), (True, CCS), (True, APPDATA),
                (False, APPDATA)])
    c.close()
    name = "merged" if merged else "split"
    return write_pcap(os.path.join(TMP, f"smtp-starttls-{name}.pcap"), c.pkts)


RULES = os.path.join(TMP, "ja3s.rules")
with open(RULES, "w") as f:
    f.write('alert tls any any -> any any (msg:"ServerHello seen"; ja3s.string; '
            'content:"771,49199,"; sid:1;)\n')

for merged in (True, False):
    what = "220+ServerHello in one segment" if merged else "220 alone"
    _, _, events, _ = run_bongsu(["-r", capture(merged), "-k", "none", "--runmode", "single",
                                  "-S", RULES, "--set",
                                  "app-layer.protocols.tls.ja3-fingerprints=yes"])
    validate_schema(events)
    alerts = of_type(events, "alert")
    check_eq([a["alert"]["signature_id"] for a in alerts], [1], f"{what}: alerts")
    check_eq([a.get("tls", {}).get("ja3s") for a in alerts], [JA3S], f"{what}: alert tls.ja3s")
    check_eq([e["smtp"] for e in of_type(events, "smtp")], [{"helo": "c.example"}],
             f"{what}: smtp events")
    check_eq([(e.get("app_proto"), e.get("app_proto_orig")) for e in of_type(events, "flow")],
             [("tls", "smtp")], f"{what}: flow app_proto after the change")
finish()
