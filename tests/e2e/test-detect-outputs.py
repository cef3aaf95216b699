"""End-to-end: threshold.config and the alert outputs on a hand-made capture.

UDP packets carrying "ALERTME" from three sources and an ICMP echo go through rules with
threshold.config entries: a suppress by source, a limit that replaces the rule's own, and a
rate_filter to reject. Checked: which alerts survive, the reject's EVE action, fast.log's
lines against the EVE alerts (Suricata's exact format), the alert's payload, payload_printable,
stream and packet fields, pcap_filename, the verdict, a rule's metadata, and that a bad threshold.config line is reported as file:line and
fails -T.
"""
import base64
import os
import re
import tempfile

from e2elib import (check, check_eq, ether, finish, icmp, ipv4, of_type, run_bongsu, udp,
                    validate_schema, write_pcap)

work = tempfile.mkdtemp(prefix="bongsu-e2e-detect-outputs-")
PAYLOAD = b"ALERTME\x00\x01"
packets = []
for i in range(6):
    for src in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        packets.append(ether(ipv4(src, "10.9.9.9", 17, udp(5000 + i, 53, PAYLOAD))))
packets.append(ether(ipv4("10.0.0.4", "10.9.9.9", 1, icmp(8, 0, b"\x00\x01\x00\x01", b"ping"))))
pcap = write_pcap(os.path.join(work, "in.pcap"), packets)

rules = os.path.join(work, "test.rules")
with open(rules, "w") as f:
    f.write('alert udp any any -> any any (msg:"suppressed for 10.0.0.1"; content:"ALERTME"; '
            'classtype:bad-unknown; sid:1; rev:2;)\n'
            'alert udp any any -> any any (msg:"limit from config"; content:"ALERTME"; '
            'threshold:type limit, track by_rule, count 10, seconds 60; sid:2;)\n'
            'alert udp any any -> any any (msg:"rate to reject"; content:"ALERTME"; sid:3;)\n'
            'alert icmp any any -> any any (itype:8; metadata: created_at 2024_01_01, '
            'former_category MALWARE, created_at 2025; sid:4;)\n')
threshold = os.path.join(work, "threshold.config")
with open(threshold, "w") as f:
    f.write("# e2e\n"
            "suppress gen_id 1, sig_id 1, track by_src, ip 10.0.0.1\n"
            "threshold gen_id 1, sig_id 2, type limit, track by_src, count 2, seconds 60\n"
            "rate_filter gen_id 1, sig_id 3, track by_rule, count 4, seconds 60, \\\n"
            "  new_action reject, timeout 60\n")

ALERT = "outputs.1.eve-log.types.0.alert."
args = ["-r", pcap, "-S", rules, "-k", "none", "--runmode", "single",
        "--set", "threshold-file=" + threshold, "--set", "outputs.0.fast.enabled=yes",
        "--set", ALERT + "payload=yes", "--set", ALERT + "payload-printable=yes",
        "--set", ALERT + "packet=yes", "--set", ALERT + "verdict=yes",
        "--set", "outputs.1.eve-log.pcap-file=yes"]
os.environ["TZ"] = "UTC"
_, err, events, logdir = run_bongsu(args)
validate_schema(events)
alerts = of_type(events, "alert")
by_sid = {}
for a in alerts:
    by_sid.setdefault(a["alert"]["signature_id"], []).append(a)

check_eq(sorted(a["src_ip"] for a in by_sid.get(1, [])), ["10.0.0.2"] * 6 + ["10.0.0.3"] * 6,
         "sid 1: suppressed from 10.0.0.1 only")
check_eq([a["alert"].get("metadata") for a in by_sid.get(4, [])],
         [{"created_at": ["2024_01_01", "2025"], "former_category": ["MALWARE"]}],
         "sid 4: the rule's metadata, repeated keys gathered in order")
check_eq(len(by_sid.get(2, [])), 6, "sid 2: the config's limit (2 per source) replaced the rule's")
actions = [a["alert"]["action"] for a in by_sid.get(3, [])]
check_eq(actions, ["allowed"] * 4 + ["blocked"] * 14, "sid 3: reject after 4 matches")

first = by_sid.get(1, [{}])[0]
check_eq(base64.b64decode(first.get("payload", "")), PAYLOAD, "payload is the UDP payload")
check_eq(first.get("payload_printable"), "ALERTME..", "payload_printable")
check_eq(first.get("stream"), 0, "stream 0 for a packet match")
packet = base64.b64decode(first.get("packet", ""))
check(packet.endswith(PAYLOAD) and len(packet) == 14 + 20 + 8 + len(PAYLOAD), "packet is the frame")
check_eq(first.get("packet_info"), {"linktype": 1}, "packet_info")
check_eq({a.get("pcap_filename") for a in alerts}, {pcap}, "pcap-file: pcap_filename on alerts")
check_eq({a.get("verdict", {}).get("action") for a in alerts}, {"alert"},
         "verdict: yes gives each alert the packet's verdict (no pass rule: alert)")

with open(os.path.join(logdir, "fast.log")) as f:
    lines = f.read().splitlines()
check_eq(len(lines), len(alerts), "one fast.log line per EVE alert")
line_re = re.compile(r"^\d\d/\d\d/\d{4}-\d\d:\d\d:\d\d\.\d{6}  (\[wDrop\] )?\[\*\*\] "
                     r"\[1:(\d+):(\d+)\] (.*) \[\*\*\] \[Classification: (.*)\] "
                     r"\[Priority: (\d)\] \{(\w+)\} ([\d.]+):(\d+) -> ([\d.]+):(\d+)$")
parsed = [line_re.match(line) for line in lines]
check(all(parsed), "every fast.log line has Suricata's format: " +
      repr([l for l, m in zip(lines, parsed) if not m][:2]))
if all(parsed):
    check_eq([int(m.group(2)) for m in parsed], [a["alert"]["signature_id"] for a in alerts],
             "fast.log lines in EVE's order")
    sid1 = next(m for m in parsed if m.group(2) == "1")
    check_eq((sid1.group(3), sid1.group(4), sid1.group(5), sid1.group(6), sid1.group(7)),
             ("2", "suppressed for 10.0.0.1", "Potentially Bad Traffic", "2", "UDP"), "sid 1's line")
    check_eq(sum(1 for m in parsed if m.group(1)), 14, "[wDrop] on the rejected alerts")
    icmp_line = next((m for m in parsed if m.group(2) == "4"), None)
    check(icmp_line and icmp_line.group(4) == "(null)" and icmp_line.group(7) == "ICMP" and
          icmp_line.group(9) == "8" and icmp_line.group(11) == "0",
          "ICMP: (null) msg, type and code in the port places")
    check(lines[0].startswith(
        __import__("time").strftime("%m/%d/%Y-", __import__("time").gmtime(1700000000))),
        "local time (TZ=UTC here), month/day/year")

# A bad line: reported with file and line, skipped, and fatal under -T.
with open(threshold, "a") as f:
    f.write("suppress gen_id 1, sig_id 1, track by_src, ip 10.0.0.300\n")
_, err, _, _ = run_bongsu(args)
check(threshold + ":6: ip \"10.0.0.300\"" in err, "the bad line is named file:line: " + err[-500:])
run_bongsu(args + ["-T"], expect_rc=1)

finish()
