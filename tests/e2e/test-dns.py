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
import struct
import tempfile

from e2elib import (DATA, check, check_eq, ether, finish, ipv4, last_stats, of_type, run_bongsu,
                    tcp, udp, validate_schema, write_pcap)

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



def dns_message(flags, answer=None):
    """www.example.com A, with one A record when answer (4 bytes) is given."""
    msg = struct.pack(">HHHHHH", 0x1234, flags, 1, 1 if answer else 0, 0, 0)
    msg += b"\x03www\x07example\x03com\x00" + struct.pack(">HH", 1, 1)
    if answer:
        msg += struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + answer
    return msg


work = tempfile.mkdtemp(prefix="bongsu-dns-")
server, client = "10.16.1.1", "10.16.1.11"

# A flow whose first datagram is the server's answer (from port 53): Suricata's port-based
# probing looks at the server's port only, so it is not DNS ("failed")...
pcap = write_pcap(os.path.join(work, "reversed.pcap"), [
    ether(ipv4(server, client, 17, udp(53, 40000, dns_message(0x8180, b"\x01\x02\x03\x04"))))])
_, _, events, _ = run_bongsu(["-r", pcap, "-k", "none"])
check_eq(len(of_type(events, "dns")), 0, "server first: no dns events")
check_eq([(f["src_ip"], f.get("app_proto")) for f in of_type(events, "flow")],
         [(server, "failed")], "server first: a failed flow from the server")
# ...unless stream.midstream is on: then it looks the other way round, and the flow is turned
# around so that the client is the one that asked.
_, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "--set", "stream.midstream=true"])
check_eq([(e["dns"]["type"], e["src_ip"], e["dest_ip"]) for e in of_type(events, "dns")],
         [("answer", client, server)], "midstream: the answer, oriented client to server")
check_eq([(f["src_ip"], f.get("app_proto")) for f in of_type(events, "flow")], [(client, "dns")],
         "midstream: the flow record starts at the client")

# Junk first: the client's direction fails detection, the server's answer makes the flow DNS,
# and the client's next query is parsed (its transaction comes after the answer's).
pcap = write_pcap(os.path.join(work, "junk-first.pcap"), [
    ether(ipv4(client, server, 17, udp(40000, 53, b"junk"))),
    ether(ipv4(server, client, 17, udp(53, 40000, dns_message(0x8180, b"\x01\x02\x03\x04")))),
    ether(ipv4(client, server, 17, udp(40000, 53, dns_message(0x0100)))),
])
_, _, events, _ = run_bongsu(["-r", pcap, "-k", "none"])
check_eq([(e["dns"]["type"], e["dns"].get("tx_id")) for e in of_type(events, "dns")],
         [("answer", None), ("query", 1)], "junk first: the answer, then the query as tx 1")
check_eq([f.get("app_proto") for f in of_type(events, "flow")], ["dns"], "junk first: a dns flow")
stats = last_stats(events)["app_layer"]
check_eq((stats["flow"].get("failed_udp"), stats["flow"].get("dns_udp")), (1, 0),
         "junk first: counted as failed on its first datagram, as Suricata")

# DNS over TCP: a 6 KB query of 300 questions in one segment, larger than what protocol
# detection buffers (all of it must still reach the parser), and its answer. Suricata 7 logs
# one query event per question.
def framed(msg):
    return struct.pack(">H", len(msg)) + msg


query = struct.pack(">HHHHHH", 0x4242, 0x0100, 300, 0, 0, 0)
for i in range(300):
    query += b"\x03q%02d\x07example\x03com\x00" % (i % 100) + struct.pack(">HH", 1, 1)
answer = struct.pack(">HHHHHH", 0x4242, 0x8180, 1, 1, 0, 0) + b"\x03q00\x07example\x03com\x00"
answer += struct.pack(">HH", 1, 1) + struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + b"\x05\x06\x07\x08"
q, a = framed(query), framed(answer)
c, s = "10.0.0.1", "10.0.0.2"
pcap = write_pcap(os.path.join(work, "tcp.pcap"), [
    ether(ipv4(c, s, 6, tcp(40001, 53, 1000, 0, 0x02))),
    ether(ipv4(s, c, 6, tcp(53, 40001, 5000, 1001, 0x12))),
    ether(ipv4(c, s, 6, tcp(40001, 53, 1001, 5001, 0x10))),
    ether(ipv4(c, s, 6, tcp(40001, 53, 1001, 5001, 0x18, q))),
    ether(ipv4(s, c, 6, tcp(53, 40001, 5001, 1001 + len(q), 0x10))),
    ether(ipv4(s, c, 6, tcp(53, 40001, 5001, 1001 + len(q), 0x18, a))),
    ether(ipv4(c, s, 6, tcp(40001, 53, 1001 + len(q), 5001 + len(a), 0x11))),
    ether(ipv4(s, c, 6, tcp(53, 40001, 5001 + len(a), 1002 + len(q), 0x11))),
    ether(ipv4(c, s, 6, tcp(40001, 53, 1002 + len(q), 5002 + len(a), 0x10))),
])
rules = os.path.join(work, "tcp.rules")
with open(rules, "w") as f:
    f.write('alert dns any any -> any any (dns.query; content:"q00.example"; sid:1;)\n')
_, _, events, _ = run_bongsu(["-r", pcap, "-k", "none", "-S", rules])
# A one-direction transaction is inspected going its way (Suricata's tx direction): the query,
# parsed when the server acknowledged it (packet 5), alerts on the client's next packet (7),
# as the reference does (dns.query does not match the answer there either).
check_eq([(e.get("pcap_cnt"), e["direction"], e["tx_id"]) for e in of_type(events, "alert")],
         [(7, "to_server", 0)], "tcp: the query's alert on the client's next packet")
dns = of_type(events, "dns")
check_eq(sum(e["dns"]["type"] == "query" for e in dns), 300, "tcp: one query event per question")
check_eq([e["dns"].get("answers") for e in dns if e["dns"]["type"] == "answer"],
         [[{"rrname": "q00.example.com", "rrtype": "A", "ttl": 60, "rdata": "5.6.7.8"}]],
         "tcp: the answer")
stats = last_stats(events)["app_layer"]
check_eq((stats["flow"].get("dns_tcp"), stats["tx"].get("dns_tcp")), (1, 2),
         "tcp: app_layer.flow.dns_tcp and tx.dns_tcp")

finish()
