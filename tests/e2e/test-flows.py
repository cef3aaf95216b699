"""End-to-end: flows and counters on trafficgen traffic match what Suricata 7 reports.

tests/data/mixed.pcap was made with `trafficgen --bytes 4e5 --seed 99 --vlan-frac 0.2
--frag-frac 0.1 --portable` (HTTP, TLS, DNS, ICMP, IPv6, VLANs). The expected numbers below
are the reference Suricata 7.0.10's output on that file (flow records and final stats). The
workers run mode must log exactly the same flows as the single run mode.
"""
import os

from e2elib import (DATA, check, check_eq, finish, last_stats, of_type, run_bongsu,
                    validate_schema)

PCAP = os.path.join(DATA, "mixed.pcap")


def flow_totals(flows):
    pkts, nbytes = {}, {}
    for e in flows:
        f = e["flow"]
        pkts[e["proto"]] = pkts.get(e["proto"], 0) + f["pkts_toserver"] + f["pkts_toclient"]
        nbytes[e["proto"]] = nbytes.get(e["proto"], 0) + f["bytes_toserver"] + f["bytes_toclient"]
    return pkts, nbytes


def flow_identity(e):
    f = e["flow"]
    return (e["src_ip"], e.get("src_port"), e["dest_ip"], e.get("dest_port"), e["proto"],
            tuple(e.get("vlan", [])), f["start"], f["pkts_toserver"], f["pkts_toclient"],
            f["bytes_toserver"], f["bytes_toclient"], f["state"])


_, _, single, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single"])
validate_schema(single)
flows = of_type(single, "flow")
check_eq(len(flows), 64, "flow records")
pkts, nbytes = flow_totals(flows)
check_eq(pkts, {"TCP": 1002, "UDP": 130, "ICMP": 8}, "packets per protocol in flow records")
check_eq(nbytes, {"TCP": 553513, "UDP": 74456, "ICMP": 720}, "bytes per protocol in flow records")
check(all(e["flow"]["reason"] == "shutdown" for e in flows), "flows still open at the end end by shutdown")
check(len({e["flow_id"] for e in flows}) == len(flows), "flow_id is unique per flow")

stats = last_stats(single)
decoder = stats.get("decoder", {})
for key, want in {"pkts": 1140, "bytes": 628689, "ipv4": 1047, "ipv6": 93, "ethernet": 1140,
                  "tcp": 1002, "udp": 130, "icmpv4": 8, "vlan": 223, "invalid": 0,
                  "avg_pkt_size": 551, "max_pkt_size": 1534}.items():
    check_eq(decoder.get(key), want, f"stats.decoder.{key}")
flow_stats = stats.get("flow", {})
for key, want in {"total": 64, "tcp": 50, "udp": 13, "icmpv4": 1}.items():
    check_eq(flow_stats.get(key), want, f"stats.flow.{key}")
check_eq(flow_stats.get("end", {}).get("state"), {"new": 0, "established": 14, "closed": 50},
         "stats.flow.end.state")

_, _, workers, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "workers",
                               "--set", "threading.workers=3"])
check_eq(sorted(map(flow_identity, of_type(workers, "flow"))),
         sorted(map(flow_identity, flows)), "workers mode logs the same flows as single mode")
check_eq(len(of_type(workers, "stats")), 1, "one final stats event in workers mode")
check_eq(last_stats(workers).get("decoder", {}).get("pkts"), 1140, "workers: stats.decoder.pkts")

_, _, with_cid, _ = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single",
                                "--set", "outputs.1.eve-log.community-id=true"])
cid_flows = of_type(with_cid, "flow")
check(cid_flows and all(e.get("community_id", "").startswith("1:") for e in cid_flows),
      "community-id: yes puts a Community ID on every flow record")
finish()
