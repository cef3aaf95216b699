"""End-to-end: indicators from a feed, named by aliases, produce one attributed alert per
injected contact (IP, DNS name, TLS SNI, URL, downloaded file's sha256) and none on clean
traffic; `bongsu intel` tools report what they load.

tests/data/intel/intel.pcap is `trafficgen --bytes 2e5 --seed 21 --portable --scenario
scenario.json` (both beside it): a TCP session to an indicator IP, a DNS query for a subdomain
of an indicator domain, a TLS session with an indicator SNI, an HTTP download from an
indicator URL and one whose body hashes to an indicator sha256. Each scenario event names the MITRE group its alert must carry.
"""
import json
import os
import subprocess

from e2elib import BONGSU, DATA, check, check_eq, finish, of_type, run_bongsu, validate_schema

INTEL = os.path.join(DATA, "intel")
scenario = json.load(open(os.path.join(INTEL, "scenario.json")))["events"]

_, err, events, _ = run_bongsu(["-r", os.path.join(INTEL, "intel.pcap"), "-k", "none",
                                "--runmode", "single",
                                "--intel", os.path.join(INTEL, "e2e-feed.csv")])
validate_schema(events)
alerts = [e for e in of_type(events, "alert") if e["alert"]["gid"] == 9]
check_eq(len(of_type(events, "alert")), len(alerts), "only intel alerts (no rules loaded)")
by_group = {}
for a in alerts:
    md = a["alert"].get("metadata", {})
    for gid in md.get("mitre_group_id", []):
        by_group[gid] = by_group.get(gid, 0) + 1
    check(a["alert"]["category"] == "Threat intelligence", "intel alert category")
    check(a["alert"]["signature"].startswith("BONGSU INTEL "), "intel alert signature")
    check("actor" in md and "intel_indicator" in md, f"attribution metadata in {md}")

# The IP contact needs no app-layer parser; DNS, TLS and HTTP need theirs (issue 5). Every
# injected event whose protocol bongsu parses must alert exactly once with its group.
parsed = {"tcp"}
for proto, name in (("dns", "dns"), ("tls", "tls"), ("http", "http")):
    if of_type(events, name):
        parsed.add(proto)
for ev in scenario:
    if ev["kind"] in parsed:
        check_eq(by_group.get(ev["expect_group"], 0), 1,
                 f"one alert attributed to {ev['expect_group']} for the injected {ev['kind']} event")
check_eq(sum(by_group.values()), len(alerts), "every intel alert is attributed")
check(len(alerts) <= len(scenario), "no alert on clean traffic")
tcp_alert = [a for a in alerts if a["alert"]["signature_id"] == 1]
check(tcp_alert and tcp_alert[0]["alert"]["metadata"]["actor"] == ["Andariel"] and
      tcp_alert[0]["alert"]["metadata"]["mitre_technique_id"] == ["T1071.001"],
      "the IP indicator (given as 'Onyx Sleet') alerts as Andariel with its technique")

# DNS answers are matching points too: an address only seen in an answer alerts on the DNS flow.
_, _, events, _ = run_bongsu(["-r", os.path.join(INTEL, "intel.pcap"), "-k", "none",
                              "--runmode", "single",
                              "--intel", os.path.join(INTEL, "answer-feed.csv")])
answer_alerts = of_type(events, "alert")
check_eq([(a.get("app_proto"), a["alert"]["metadata"]["intel_indicator"][0],
           a["alert"]["metadata"]["actor"][0]) for a in answer_alerts],
         [("dns", "ipv4:185.246.148.38", "TraderTraitor")],
         "an indicator address in a DNS answer alerts once, attributed (alias Jade Sleet)")

# TLS certificate fingerprints match sha1 indicators (capture from ../shared/conformance).
cert_pcap = os.path.join(os.path.dirname(DATA), "..", "..", "shared", "conformance", "cases",
                         "tls-eve-custom-fields", "tls-client-auth.pcap")
_, _, events, _ = run_bongsu(["-r", cert_pcap, "-k", "none", "--runmode", "single",
                              "--intel", os.path.join(INTEL, "cert-feed.csv")])
check_eq([a["alert"]["metadata"]["intel_indicator"][0] for a in of_type(events, "alert")],
         ["sha1:0639f95dfe8153c49df0ac803e2d4207e896de09"],
         "a certificate whose fingerprint is an indicator alerts once")

# A JA3 indicator turns JA3 computation on (off by default, as in Suricata) and matches.
_, _, events, _ = run_bongsu(["-r", cert_pcap, "-k", "none", "--runmode", "single",
                              "--intel", os.path.join(INTEL, "ja3-feed.csv")])
check_eq([a["alert"]["metadata"]["intel_indicator"][0] for a in of_type(events, "alert")],
         ["ja3:2a26b1a62e40d25d4de3babc9d532f30"], "a JA3 indicator alerts once")

# Tools.
p = subprocess.run([BONGSU, "intel", "check", os.path.join(INTEL, "feed.csv")],
                   capture_output=True, text=True)
check_eq(p.returncode, 1, "intel check exits 1 on a feed with bad lines")
for line in ("feed.csv:16:", "feed.csv:17:", "feed.csv:18:"):
    check(line in p.stderr, f"intel check reports {line}")
p = subprocess.run([BONGSU, "intel", "check", os.path.join(INTEL, "e2e-feed.csv")],
                   capture_output=True, text=True)
check(p.returncode == 0 and "APT37" in p.stdout and "Kimsuky" in p.stdout,
      "intel check: clean feed, counts by actor")
p = subprocess.run([BONGSU, "intel", "lookup", os.path.join(INTEL, "e2e-feed.csv"),
                    "x.update.evil-cdn.example"], capture_output=True, text=True)
check(p.returncode == 0 and "Kimsuky (G0094)" in p.stdout, f"intel lookup: {p.stdout}")
p = subprocess.run([BONGSU, "intel", "actors", "emerald sleet"], capture_output=True, text=True)
check(p.returncode == 0 and "Kimsuky" in p.stdout, "intel actors resolves an alias")
p = subprocess.run([BONGSU, "intel", "convert", "--to", "stix", os.path.join(INTEL, "e2e-feed.csv")],
                   capture_output=True, text=True)
bundle = json.loads(p.stdout) if p.returncode == 0 else {}
check_eq(len(bundle.get("objects", [])), 5, "intel convert --to stix: one indicator per row")
finish()
