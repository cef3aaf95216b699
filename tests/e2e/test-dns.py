"""End-to-end: DNS over UDP on trafficgen traffic gives the EVE dns events Suricata 7 gives.

tests/data/dns-scenario.pcap was made with
    trafficgen --portable --out dns-scenario.pcap --bytes 3e4 --seed 11 --scenario s.json
where s.json injects five `dns` events (the names in INJECTED) among the background traffic.
The expectations below were read off the reference Suricata 7.0.10 on that capture
(`reference-suricata -r dns-scenario.pcap -k none --runmode single`): 16 dns events (8
queries, 8 answers), app_layer.flow.dns_udp 8, app_layer.tx.dns_udp 16, and for each injected
name the query (at its own packet's time, tx_id 0) and the answer with its A record.
"""
import os

from e2elib import DATA, check, check_eq, finish, last_stats, of_type, run_bongsu, validate_schema

PCAP = os.path.join(DATA, "dns-scenario.pcap")

# name: (wire id, query pcap_cnt, query time, answer pcap_cnt, answer rdata)
INJECTED = {
    "update.example-cdn.net": (8931, 40, "2023-11-14T22:13:20.032275+0000", 92, "151.32.173.90"),
    "c2.badactor-infra.org": (7801, 52, "2023-11-14T22:13:20.034027+0000", 145, "23.249.252.83"),
    "xn--80ak6aa92e.com": (33664, 96, "2023-11-14T22:13:20.042524+0000", 108, "203.201.219.190"),
    "a.very.long.subdomain.chain.for.testing.dns-tunnel.example":
        (15748, 97, "2023-11-14T22:13:20.042524+0000", 127, "142.8.181.89"),
    "mail.example.org": (62202, 98, "2023-11-14T22:13:20.042524+0000", 130, "93.5.178.146"),
}


def dns_events(events, kind, name):
    return [e for e in of_type(events, "dns")
            if e["dns"].get("type") == kind and e["dns"].get("rrname") == name]


def check_version2(events):
    dns = of_type(events, "dns")
    check_eq(len(dns), 16, "dns events")
    check_eq(sum(e["dns"]["type"] == "query" for e in dns), 8, "query events")
    check_eq(sum(e["dns"]["type"] == "answer" for e in dns), 8, "answer events")
    for e in dns:
        check("tx_id" not in e, "dns events carry tx_id only inside dns")
        check_eq(e["dest_port"], 53, "dns events are oriented client to server")
    for name, (wire_id, q_cnt, q_time, a_cnt, rdata) in INJECTED.items():
        queries, answers = dns_events(events, "query", name), dns_events(events, "answer", name)
        check_eq(len(queries), 1, f"{name}: query events")
        check_eq(len(answers), 1, f"{name}: answer events")
        if len(queries) != 1 or len(answers) != 1:
            continue
        q, a = queries[0], answers[0]
        check_eq((q["pcap_cnt"], q["timestamp"]), (q_cnt, q_time), f"{name}: query packet")
        check_eq({k: q["dns"][k] for k in ("version", "id", "rrtype", "tx_id", "opcode")},
                 {"version": 2, "id": wire_id, "rrtype": "A", "tx_id": 0, "opcode": 0},
                 f"{name}: query fields")
        check_eq(a["pcap_cnt"], a_cnt, f"{name}: answer packet")
        check_eq({k: a["dns"].get(k) for k in ("id", "flags", "qr", "rd", "ra", "rcode")},
                 {"id": wire_id, "flags": "8180", "qr": True, "rd": True, "ra": True,
                  "rcode": "NOERROR"}, f"{name}: answer header")
        check_eq(a["dns"].get("answers"),
                 [{"rrname": name, "rrtype": "A", "ttl": 300, "rdata": rdata}],
                 f"{name}: answers")
        check_eq(a["dns"].get("grouped"), {"A": [rdata]}, f"{name}: grouped")
        check_eq(q["flow_id"], a["flow_id"], f"{name}: query and answer share the flow")
    stats = last_stats(events)["app_layer"]
    check_eq(stats["flow"].get("dns_udp"), 8, "app_layer.flow.dns_udp")
    check_eq(stats["tx"].get("dns_udp"), 16, "app_layer.tx.dns_udp")
    flows = [e for e in of_type(events, "flow") if e.get("app_proto") == "dns"]
    check_eq(len(flows), 8, "flows with app_proto dns")


# Stock configuration: Suricata 7's version 2 events, valid against its schema.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single"])
validate_schema(events)
check_version2(events)

# The same in workers mode: DNS state is per flow, so nothing changes.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "workers"])
check_eq(len(of_type(events, "dns")), 16, "dns events in workers mode")

# Version 3 on request: one event per message, "request"/"response" with a queries array.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single",
                              "--set", "outputs.1.eve-log.types.4.dns.version=3"])
dns = of_type(events, "dns")
check_eq(sorted(e["dns"]["type"] for e in dns), ["request"] * 8 + ["response"] * 8,
         "version 3 event types")
for e in dns:
    check_eq(e["dns"]["version"], 3, "version 3 events")
responses = [e for e in dns if e["dns"]["type"] == "response"
             and e["dns"]["queries"][0]["rrname"] == "mail.example.org"]
check_eq(len(responses), 1, "version 3 response for mail.example.org")
if responses:
    check_eq(responses[0]["dns"]["answers"][0]["rdata"], "93.5.178.146", "version 3 answer")
    check_eq(responses[0]["dns"]["tx_id"], 1, "version 3 tx_id of the response")

# Answers off: only the queries remain.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single",
                              "--set", "outputs.1.eve-log.types.4.dns.responses=no"])
check_eq(len(of_type(events, "dns")), 8, "dns events with responses: no")

finish()
