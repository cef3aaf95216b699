"""End-to-end: TLS on trafficgen traffic gives the EVE tls events Suricata 7 gives.

tests/data/tls-scenario.pcap was made with
    trafficgen --portable --out tls-scenario.pcap --bytes 2e4 --seed 21 --scenario s.json
where s.json injects five `tls` events (the SNIs in INJECTED; the fourth to 198.51.100.7)
among background traffic that has TLS 1.3 sessions of its own. The expectations were read
off the reference Suricata 7.0.10 on that capture (`reference-suricata -r tls-scenario.pcap
-k none --runmode single`, then again with ja3-fingerprints, ja4-fingerprints and the eve tls
ja4 option on): 9 tls events, one per TLS flow, each {"sni", "version": "TLS 1.3"} at the
packet that carried the first encrypted application data; app_layer.flow.tls 9 and
app_layer.tx.tls 0 (Suricata does not count TLS transactions); with fingerprints on, the JA3,
JA3S and JA4 below.
"""
import os

from e2elib import DATA, check, check_eq, finish, last_stats, of_type, run_bongsu, validate_schema

PCAP = os.path.join(DATA, "tls-scenario.pcap")

# client port: (pcap_cnt, sni)
TLS_EVENTS = {
    55870: (64, "www.ghue.com"),
    46659: (93, "mail.uvzp.kr"),
    51171: (100, "cdn.sqred.co.kr"),
    35752: (112, "www.nmswsgx.org"),
    60201: (117, "login.example-bank.com"),
    58073: (141, "c2.badactor-infra.org"),
    34688: (142, "xn--80ak6aa92e.com"),
    58468: (143, "updates.vendor.example"),
    38733: (144, "a.very.long.subdomain.chain.for.testing.example"),
}
INJECTED = {"login.example-bank.com", "c2.badactor-infra.org", "xn--80ak6aa92e.com",
            "updates.vendor.example", "a.very.long.subdomain.chain.for.testing.example"}

# Every session of this capture comes from the same client and server stacks.
JA3 = {"hash": "1614be32bf8ad137c69251c37958a856",
       "string": "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
                 "0-10-11-13-16-43-51,29-23-24,0"}
JA3S = {"hash": "f4febc55ea12b31ae17cfb7e614afda8", "string": "771,4865,43-51"}
JA4 = "t13d1507h2_8daaf6152771_fac2efa4a0c6"


def check_stock(events):
    tls = of_type(events, "tls")
    check_eq(len(tls), len(TLS_EVENTS), "tls events")
    check_eq({e["tls"]["sni"] for e in tls} & INJECTED, INJECTED, "injected SNIs logged")
    for e in tls:
        port = e["src_port"]
        check(port in TLS_EVENTS, f"tls event from unexpected client port {port}")
        if port not in TLS_EVENTS:
            continue
        pcap_cnt, sni = TLS_EVENTS[port]
        check_eq(e["tls"], {"sni": sni, "version": "TLS 1.3"}, f"{sni}: tls object")
        check_eq(e.get("pcap_cnt"), pcap_cnt, f"{sni}: logged at the packet Suricata logs it")
        check_eq((e["dest_port"], e["pkt_src"]), (443, "wire/pcap"), f"{sni}: header")
        check("tx_id" not in e, f"{sni}: tls events carry no tx_id")
    if any(e["tls"].get("sni") == "updates.vendor.example" for e in tls):
        vendor = [e for e in tls if e["tls"]["sni"] == "updates.vendor.example"][0]
        check_eq(vendor["dest_ip"], "198.51.100.7", "injected destination")
    stats = last_stats(events)["app_layer"]
    check_eq(stats["flow"].get("tls"), 9, "app_layer.flow.tls")
    check_eq(stats["tx"].get("tls"), 0, "app_layer.tx.tls (Suricata counts none)")
    check_eq(stats["error"]["tls"].get("parser"), 0, "app_layer.error.tls.parser")
    flows = [e for e in of_type(events, "flow") if e.get("app_proto") == "tls"]
    check_eq(len(flows), 9, "flows with app_proto tls")


# Stock configuration (extended tls logging, no fingerprints), valid against the schema.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single"])
validate_schema(events)
check_stock(events)
for e in of_type(events, "tls"):
    check("ja3" not in e["tls"] and "ja4" not in e["tls"], "no fingerprints unless enabled")

# Workers mode: TLS state is per flow, so nothing changes.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "workers"])
check_eq(len(of_type(events, "tls")), 9, "tls events in workers mode")

# Fingerprints on: JA3/JA3S in extended logging, JA4 with the eve tls ja4 option.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single",
                              "--set", "app-layer.protocols.tls.ja3-fingerprints=yes",
                              "--set", "app-layer.protocols.tls.ja4-fingerprints=yes",
                              "--set", "outputs.1.eve-log.types.5.tls.ja4=yes"])
validate_schema(events)
tls = of_type(events, "tls")
check_eq(len(tls), 9, "tls events with fingerprints")
for e in tls:
    sni = e["tls"].get("sni")
    check_eq(e["tls"].get("ja3"), JA3, f"{sni}: ja3")
    check_eq(e["tls"].get("ja3s"), JA3S, f"{sni}: ja3s")
    check_eq(e["tls"].get("ja4"), JA4, f"{sni}: ja4")

# Custom fields: only the listed ones, in any mode.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single",
                              "--set", "outputs.1.eve-log.types.5.tls.custom.0=sni"])
for e in of_type(events, "tls"):
    check_eq(list(e["tls"]), ["sni"], "custom: [sni] logs the SNI only")

# encryption-handling: bypass: Suricata stops reassembling at the first encrypted data and
# logs the session from the flush pseudo packet at that moment (no pcap_cnt).
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single",
                              "--set", "app-layer.protocols.tls.encryption-handling=bypass"])
tls = of_type(events, "tls")
check_eq(len(tls), 9, "tls events with bypass")
for e in tls:
    check_eq((e.get("pcap_cnt"), e["pkt_src"]), (None, "stream (detect/log)"),
             f"{e['tls'].get('sni')}: bypass flush header")

# TLS switched off: the flows are not TLS, and nothing is logged.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single",
                              "--set", "app-layer.protocols.tls.enabled=no"])
check_eq(len(of_type(events, "tls")), 0, "no tls events when the parser is off")

finish()
