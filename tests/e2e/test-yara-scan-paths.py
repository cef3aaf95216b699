"""End-to-end: the faster YARA scan paths change no result.

One trafficgen capture (made here from a scenario: for every file of the shipped DPRK pack, a
download made of that file's own text strings, once bare and once after an "MZ" header; a
3 MB download with a marker at its end; the same payload downloaded three times) is run with
the defaults (prefilter, gate, result cache, 1 MB buffer then a spool file), and again with each
of them off, and with two scanner threads. The YARA alerts and the fileinfo sids must be the
same every time, and enough of them (not a vacuous agreement). Also: the 3 MB file was
spooled and matched, the repeated payload was served from the cache, and with
yara.fileinfo-rules: yes fileinfo lists the rule names (bongsu's schema; Suricata's fileinfo
is closed, so the default output keeps only its sid list).
"""
import glob
import json
import os
import re
import subprocess
import tempfile

from e2elib import SRC_DIR, check, check_eq, finish, of_type, run_bongsu, validate_schema

PACK = os.path.join(SRC_DIR, "data", "yara")
E2E_RULES = os.path.join(SRC_DIR, "tests", "data", "yara", "rules")
TRAFFICGEN = os.path.join(SRC_DIR, "..", "shared", "tools", "trafficgen")
BONGSU_SCHEMA = os.path.join(SRC_DIR, "schema", "bongsu-eve.schema.json")
STRING = re.compile(r'^\s*\$\w*\s*=\s*"((?:[^"\\]|\\.)*)"', re.M)


def pack_bodies():
    """Per rule file, its plain ASCII strings joined: the kind of bytes its rules look for."""
    bodies = []
    for path in sorted(glob.glob(os.path.join(PACK, "**", "*.yar*"), recursive=True)):
        with open(path, encoding="utf-8", errors="replace") as f:
            strings = [s for s in STRING.findall(f.read()) if "\\" not in s and s.isascii()]
        if strings:
            bodies.append((os.path.basename(path), " ".join(strings)))
    return bodies


def scenario():
    events = [{"kind": "http", "host": f"mirror{i}.example.test", "path": "/same.exe",
               "body": "MZ E2E-LAZARUS-DROPPER-7f3a again", "at": 0.01 + i / 100} for i in range(3)]
    events.append({"kind": "http", "host": "big.example.test", "path": "/big.bin",
                   "body": "A" * 3000000 + "E2E-LAZARUS-DROPPER-7f3a", "at": 0.04})
    at = 0.05
    for name, text in pack_bodies():
        for prefix in ("", "MZ"):
            events.append({"kind": "http", "host": "dl.example.test", "path": f"/{prefix}{name}.bin",
                           "body": prefix + text, "at": at})
            at += 0.01
    return {"events": events}


def make_pcap(d):
    scn = os.path.join(d, "scenario.json")
    with open(scn, "w") as f:
        json.dump(scenario(), f)
    pcap = os.path.join(d, "paths.pcap")
    subprocess.run([TRAFFICGEN, "--out", pcap, "--bytes", "2e5", "--seed", "5", "--portable",
                    "--scenario", scn], check=True, capture_output=True)
    return pcap


def run(pcap, *settings):
    args = ["-v", "-r", pcap, "-k", "none", "--runmode", "single", "--yara", PACK,
            "--yara", E2E_RULES, "--set", "stream.reassembly.depth=0"]
    for s in settings:
        args += ["--set", s]
    _, err, events, _ = run_bongsu(args)
    return err, events


def yara_view(events):
    """What must not change: each YARA alert and each fileinfo's sids, by transfer."""
    def where(e):
        return (e.get("http", {}).get("hostname"), e.get("http", {}).get("url"))
    alerts = sorted((where(a), a["alert"]["signature_id"], a["alert"]["signature"])
                    for a in of_type(events, "alert") if a["alert"]["gid"] == 10)
    files = sorted((where(f), tuple(f["fileinfo"].get("sid", ()))) for f in of_type(events, "fileinfo"))
    return alerts, files


with tempfile.TemporaryDirectory() as d:
    pcap = make_pcap(d)
    err, events = run(pcap)
    validate_schema(events)
    base = yara_view(events)
    check(len(base[0]) >= 30, f"the pack's strings make its rules alert ({len(base[0])} alerts)")
    check(any(w[0] == "big.example.test" for w, _, _ in base[0]), "the 3 MB download matched")
    spooled = re.search(r"(\d+) from a spool file", err)
    check(spooled and int(spooled.group(1)) >= 1, "the 3 MB download was scanned from a spool file")
    hits = re.search(r"result cache: (\d+) hits", err)
    check(hits and int(hits.group(1)) >= 2, "the repeated payload came from the cache")
    check_eq(sum(1 for w, _, _ in base[0] if w[1] == "/same.exe"), 3,
             "each copy of the repeated payload still alerts")
    prefilter = re.search(r"prefilter: (\d+) rules need an MZ header", err)
    check(prefilter and int(prefilter.group(1)) > 0, "the prefilter took rules out for non-MZ files")
    gated = re.search(r"gate: (\d+) non-MZ rules", err)
    check(gated and int(gated.group(1)) > 0, "the gate took non-MZ rules")
    skipped = re.search(r"(\d+) without the gated rules", err)
    check(skipped and int(skipped.group(1)) > 0, "the gate skipped libyara for some files")

    for settings in (["yara.prefilter=no"], ["yara.gate=no"], ["yara.cache-size=0"],
                     ["yara.buffer-size=64mb"], ["yara.threads=2"],
                     ["yara.prefilter=no", "yara.cache-size=0", "yara.buffer-size=64mb"]):
        err2, events2 = run(pcap, *settings)
        check_eq(yara_view(events2), base, f"same YARA results with {settings}")
        if "yara.buffer-size=64mb" in settings:
            check("0 from a spool file" in err2, "nothing spooled under a 64mb buffer")

    _, events = run(pcap, "yara.fileinfo-rules=yes")
    import jsonschema
    with open(BONGSU_SCHEMA, encoding="utf-8") as f:
        validator = jsonschema.Draft7Validator(json.load(f))
    named = 0
    for fi in of_type(events, "fileinfo"):
        check_eq(list(validator.iter_errors(fi)), [], "fileinfo with yara_rules fits bongsu's schema")
        names = fi["fileinfo"].get("yara_rules")
        check_eq(bool(names), "sid" in fi["fileinfo"], "yara_rules exactly where sids are")
        if names:
            check_eq(len(names), len(fi["fileinfo"]["sid"]), "one name per sid")
            named += 1
    check(named >= 10, f"fileinfo events name their rules ({named})")
finish()
