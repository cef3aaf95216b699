"""End-to-end: bad captures give a clear error naming the file and byte offset, never a crash
or a hang, and every event made before the error is kept.
"""
import os
import shutil
import tempfile

from e2elib import (DATA, check, check_eq, finish, last_stats, of_type, run_bongsu,
                    validate_schema, write_pcap, ether, ipv4, udp)

GOOD = os.path.join(DATA, "mixed.pcap")
work = tempfile.mkdtemp(prefix="bongsu-bad-")

# A capture cut in the middle of a packet record.
with open(GOOD, "rb") as f:
    data = f.read()
cut = os.path.join(work, "truncated.pcap")
with open(cut, "wb") as f:
    f.write(data[: len(data) // 2 + 7])
# Suricata reports a bad record and exits 0 with what came before it; so does bongsu.
rc, err, events, _ = run_bongsu(["-r", cut, "-k", "none", "--runmode", "single"], expect_rc=0)
check("truncated.pcap" in err and "byte offset" in err,
      f"error names the file and a byte offset (stderr: {err.strip()[:300]})")
validate_schema(events)
stats = last_stats(events)
got = stats.get("decoder", {}).get("pkts", 0)
check(300 < got < 1140, f"packets before the cut are processed (got {got})")
check(len(of_type(events, "flow")) > 0, "flows of the packets before the cut are logged")

# A record header claiming an absurd capture length.
bad_header = os.path.join(work, "badlen.pcap")
pkt = ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1000, 53, b"x" * 20)))
write_pcap(bad_header, [pkt, pkt])
with open(bad_header, "r+b") as f:
    f.seek(24 + 16 + len(pkt) + 8)           # second record's caplen field
    f.write((0x7FFFFFFF).to_bytes(4, "little"))
rc, err, events, _ = run_bongsu(["-r", bad_header, "-k", "none"], expect_rc=0)
check("badlen.pcap" in err and "byte offset" in err, f"corrupt record header is reported ({err.strip()[:300]})")
check_eq(last_stats(events).get("decoder", {}).get("pkts"), 1, "the packet before the corrupt record is kept")

# Not a capture at all.
garbage = os.path.join(work, "garbage.pcap")
with open(garbage, "wb") as f:
    f.write(b"this is not a pcap file\n" * 10)
rc, err, events, _ = run_bongsu(["-r", garbage], expect_rc=1)
check("garbage.pcap" in err, f"unreadable capture is named ({err.strip()[:200]})")

# Empty file and missing file.
empty = os.path.join(work, "empty.pcap")
open(empty, "wb").close()
rc, err, _, _ = run_bongsu(["-r", empty], expect_rc=1)
check("empty.pcap" in err, "empty capture is reported")
rc, err, _, _ = run_bongsu(["-r", os.path.join(work, "missing.pcap")], expect_rc=1)
check("missing.pcap" in err, "missing capture is reported")

# A directory: files in name order, as one capture; a bad file among them is reported and
# the others are still read.
d = os.path.join(work, "dir")
os.mkdir(d)
shutil.copy(GOOD, os.path.join(d, "b.pcap"))
write_pcap(os.path.join(d, "a.pcap"), [ether(ipv4("10.9.9.9", "10.8.8.8", 17, udp(5, 6, b"a")))],
           start=1600000000.0)
shutil.copy(garbage, os.path.join(d, "c.pcap"))
rc, err, events, _ = run_bongsu(["-r", d, "-k", "none", "--runmode", "single"], expect_rc=1)
check("c.pcap" in err, "bad file in a directory is named")
check_eq(last_stats(events).get("decoder", {}).get("pkts"), 1141, "all packets of the good files")
first_flow_src = [e["src_ip"] for e in of_type(events, "flow") if e["src_ip"] == "10.9.9.9"]
check_eq(len(first_flow_src), 1, "the first file (by name) is read too")

# A BPF filter keeps only what it matches.
rc, err, events, _ = run_bongsu(["-r", GOOD, "-k", "none", "--runmode", "single", "udp"])
check_eq(last_stats(events).get("decoder", {}).get("pkts"), 42, "BPF filter 'udp' (untagged UDP only, as libpcap and Suricata)")
rc, err, _, _ = run_bongsu(["-r", GOOD, "not a filter ((("], expect_rc=1)
check("BPF" in err, f"a bad BPF filter is reported ({err.strip()[:200]})")
finish()
