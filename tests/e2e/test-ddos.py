#!/usr/bin/python3
"""test-ddos: DDoS detection end to end on a trafficgen capture with nine injected floods.

tests/data/ddos/floods.pcap holds clean traffic and spoofed floods of every trafficgen type
(syn, udp, icmp, dns-amp, ntp-amp, memcached-amp on IPv4 victims; syn, icmp, ntp-amp on IPv6
ones), several at once on different victims; floods-truth.json says when each began. With
thresholds scaled to the fixture's rates, each flood must give exactly one `start` within 1 s
of its first packet naming the right victim and attack, an alert (gid 8) with attack and
victim in metadata, and an `end`; nothing may fire on the clean traffic or on other hosts.
Events must validate against schema/bongsu-eve.schema.json (Suricata's plus `ddos`). The
mitigation command must run once per start and end with the attack in its environment; the
runmodes must agree (the detector runs in the capture thread); ddos off gives no ddos events.
"""
import datetime
import ipaddress
import json
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2elib import DATA, SRC_DIR, check, check_eq, finish, of_type, run_bongsu  # noqa: E402

FIXTURE = os.path.join(DATA, "ddos")
PCAP = os.path.join(FIXTURE, "floods.pcap")
SCHEMA = os.path.join(SRC_DIR, "schema", "bongsu-eve.schema.json")
ATTACK = {"syn": "syn_flood", "udp": "udp_flood", "icmp": "icmp_flood",
          "dns-amp": "dns_amplification", "ntp-amp": "ntp_amplification",
          "memcached-amp": "memcached_amplification"}

CONFIG = """
ddos:
  enabled: yes
  protected: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "2001:db8:abcd::/48"]
  thresholds: {syn: 20, udp: 60, icmp: 20, dns: 20, ntp: 20, memcached: 20}
  admit-pps: 20
  update-interval: 1
  end-after: 2
  mitigation:
    on-start: [/bin/sh, -c, 'echo "$BONGSU_DDOS_STATE $BONGSU_DDOS_VICTIM $BONGSU_DDOS_ATTACK $BONGSU_DDOS_PROTO" >> %(log)s']
    on-end: [/bin/sh, -c, 'echo "$BONGSU_DDOS_STATE $BONGSU_DDOS_VICTIM $BONGSU_DDOS_ATTACK $BONGSU_DDOS_PROTO" >> %(log)s']
"""


def when(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def ip(text):
    return ipaddress.ip_address(text)


def validate(events):
    import jsonschema
    with open(SCHEMA, encoding="utf-8") as f:
        validator = jsonschema.Draft7Validator(json.load(f))
    bad = [e for e in events if list(validator.iter_errors(e))]
    for e in bad[:3]:
        check(False, f"schema: {next(validator.iter_errors(e)).message} in {json.dumps(e)[:300]}")
    check_eq(len(bad), 0, "events failing bongsu's EVE schema")


def packet_destinations(path):
    """(destination, packet time) of each Ethernet IPv4/IPv6 packet of the capture."""
    with open(path, "rb") as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack_from("<IIII", data, off)
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if frame[12:14] == b"\x08\x00":
            yield ipaddress.ip_address(frame[30:34]), sec + usec / 1e6
        elif frame[12:14] == b"\x86\xdd":
            yield ipaddress.ip_address(frame[38:54]), sec + usec / 1e6


def first_packets(path):
    """Packet time of the first packet to each destination."""
    first = {}
    for dst, ts in packet_destinations(path):
        first.setdefault(dst, ts)
    return first


def packets_to(path, destinations):
    return sum(1 for dst, _ in packet_destinations(path) if dst in destinations)


def check_flood(flood, ddos, alerts, first):
    victim = ip(flood["victim"])
    mine = [e for e in ddos if ip(e["ddos"]["victim"]) == victim]
    starts = [e for e in mine if e["ddos"]["state"] == "start"]
    ends = [e for e in mine if e["ddos"]["state"] == "end"]
    what = f"{flood['type']} flood on {flood['victim']}"
    check_eq(len(starts), 1, f"{what}: start events")
    check_eq(len(ends), 1, f"{what}: end events")
    if not starts or not ends:
        return
    start = starts[0]
    latency = when(start["timestamp"]) - flood["time"]
    print(f"{what}: start {latency:.3f} s after the truth's time, "
          f"{when(start['timestamp']) - first[victim]:.3f} s after the victim's first packet, "
          f"attack {start['ddos']['attack']}")
    check(0 <= latency <= 1.0, f"{what}: start {latency:.3f} s after the flood began")
    check_eq(start["ddos"]["attack"], ATTACK[flood["type"]], f"{what}: attack")
    check_eq(ip(start["dest_ip"]), victim, f"{what}: dest_ip")
    check(when(ends[0]["timestamp"]) >= flood["end"], f"{what}: end before the flood ended")
    check(ends[0]["ddos"]["packets"] <= flood["packets"], f"{what}: more packets than sent")
    if flood["type"] == "syn":  # by its end the whole flood is behind the signs
        check(ends[0]["ddos"]["signs"]["spoofed"], f"{what}: spoofed sources not recognised")
        check(ends[0]["ddos"]["signs"]["syn_unanswered"] > 0.9, f"{what}: SYNs answered")
    mine_alerts = [a for a in alerts if ip(a["alert"]["metadata"]["victim"][0]) == victim]
    check_eq(len(mine_alerts), 1, f"{what}: gid 8 alerts")
    if mine_alerts:
        check_eq(mine_alerts[0]["alert"]["metadata"]["attack"], [ATTACK[flood["type"]]],
                 f"{what}: alert metadata attack")


def ddos_counters(stderr):
    """The ddos.* counters of bongsu's run summary ("bongsu: ddos.packets N, ..."), the line
    of bongsu's own counters, which other modules' (smb.memcap) may share."""
    counters = {}
    for line in stderr.splitlines():
        if not line.startswith("bongsu: ") or "ddos." not in line:
            continue
        for item in line[len("bongsu: "):].split(", "):
            name, _, value = item.rpartition(" ")
            if name.startswith("ddos.") and value.isdigit():
                counters[name[len("ddos."):]] = int(value)
    return counters


def ddos_lines(events):
    return [json.dumps(e, sort_keys=True) for e in of_type(events, "ddos")]


def main():
    with open(os.path.join(FIXTURE, "floods-truth.json"), encoding="utf-8") as f:
        floods = [e for e in json.load(f)["events"] if e["kind"] == "flood"]
    tmp = tempfile.mkdtemp(prefix="bongsu-ddos-")
    mitigation_log = os.path.join(tmp, "mitigation.log")
    cfg = os.path.join(tmp, "ddos.yaml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(CONFIG % {"log": mitigation_log})

    # No rules: DDoS detection does not depend on them, and the alert is its own (gid 8).
    _, stderr, events, _ = run_bongsu(["-c", cfg, "-r", PCAP, "-k", "none", "--runmode",
                                       "single", "--disable-detection"])
    validate(events)
    ddos = of_type(events, "ddos")
    alerts = [e for e in of_type(events, "alert") if e["alert"]["gid"] == 8]
    first = first_packets(PCAP)
    for flood in floods:
        check_flood(flood, ddos, alerts, first)
    victims = {ip(f["victim"]) for f in floods}
    stray = [e for e in ddos if ip(e["ddos"]["victim"]) not in victims]
    check_eq(len(stray), 0, "ddos events for hosts nobody flooded")
    first = min(f["time"] for f in floods)
    check_eq(len([e for e in ddos if when(e["timestamp"]) < first]), 0,
             "ddos events during the clean traffic before the first flood")
    check(any(e["ddos"]["state"] == "update" for e in ddos), "no update events")
    # bongsu's own counters stay out of EVE stats (Suricata's schema is closed) and are
    # reported in the run summary.
    counters = ddos_counters(stderr)
    stats = of_type(events, "stats")
    check(stats and "ddos" not in stats[-1]["stats"], "EVE stats keep to Suricata's schema")
    check_eq(counters.get("attacks_started"), len(floods), "stats ddos.attacks_started")
    check_eq(counters.get("attacks_ended"), len(floods), "stats ddos.attacks_ended")
    check(counters.get("packets", 0) >= packets_to(PCAP, victims),
          f"stats ddos.packets {counters.get('packets')} counts every packet to the victims")
    check(counters.get("victims", 0) >= len(victims), "stats ddos.victims")
    check_eq(counters.get("mitigation_dropped"), 0, "stats ddos.mitigation_dropped")

    runs = []
    if os.path.exists(mitigation_log):
        with open(mitigation_log, encoding="utf-8") as f:
            runs = f.read().split("\n")
    check_eq(len([r for r in runs if r.startswith("start ")]), len(floods), "on-start runs")
    check_eq(len([r for r in runs if r.startswith("end ")]), len(floods), "on-end runs")
    check("start 10.0.0.50 syn_flood tcp" in runs, "on-start environment for the SYN flood")

    # Workers mode gives the same ddos events: the detector sees packets before dispatch.
    os.unlink(mitigation_log)
    _, _, workers, _ = run_bongsu(["-c", cfg, "-r", PCAP, "-k", "none", "--runmode", "workers",
                                   "--set", "threading.workers=3", "--disable-detection"])
    check_eq(ddos_lines(workers), ddos_lines(events), "ddos events in workers mode")

    _, _, off, _ = run_bongsu(["-r", PCAP, "-k", "none", "--disable-detection",
                               "--set", "ddos.enabled=no"])
    check_eq(len(of_type(off, "ddos")), 0, "ddos events with ddos disabled")
    # On by default, with default thresholds far above this fixture's 100-300 pps floods.
    _, default_err, default, _ = run_bongsu(["-r", PCAP, "-k", "none", "--disable-detection"])
    check(ddos_counters(default_err).get("packets", 0) > 0, "the detector runs by default")
    check_eq(len(of_type(default, "ddos")), 0, "no ddos events under the default thresholds")
    finish()


if __name__ == "__main__":
    main()
