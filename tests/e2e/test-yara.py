"""End-to-end: YARA scanning of HTTP transfers. Every download (or upload) whose bytes match a
rule gets exactly one alert naming the rule and the actor from the rule's meta, resolved
through the knowledge base; clean transfers and a file that only half-matches get none; the
fileinfo event of a matching file lists the rule's sid; single and workers run modes give the
same alerts; compiled sets kept in yara.compiled-dir are loaded by the next run and give the
same alerts; a broken rule file is reported at file:line and the rest still load;
yara.enabled=no and --disable-detection turn scanning off.

tests/data/yara/yara.pcap is `trafficgen --bytes 2e5 --seed 31 --portable --scenario
scenario.json` (beside it). Its scenario events carry expect_rule / expect_actor for the
transfers that must alert. Rules: tests/data/yara/rules (actors given as aliases in meta) and
the shipped DPRK pack (data/yara) for the Kimsuky VBS downloader.
"""
import json
import os
import subprocess
import tempfile

from e2elib import BONGSU, DATA, SRC_DIR, check, check_eq, finish, of_type, run_bongsu, \
    last_stats, validate_schema

YARA = os.path.join(DATA, "yara")
PCAP = os.path.join(YARA, "yara.pcap")
RULES = [os.path.join(YARA, "rules"), os.path.join(SRC_DIR, "data", "yara")]
scenario = json.load(open(os.path.join(YARA, "scenario.json")))["events"]


def run(runmode):
    args = ["-r", PCAP, "-k", "none", "--runmode", runmode]
    for r in RULES:
        args += ["--yara", r]
    _, err, events, _ = run_bongsu(args)
    return err, events


def transfer_key(e):
    http = e.get("http", {})
    return http.get("hostname"), http.get("url")


def yara_alerts(events):
    return [e for e in of_type(events, "alert") if e["alert"]["gid"] == 10]


err, events = run("single")
validate_schema(events)
alerts = yara_alerts(events)
by_transfer = {}
for a in alerts:
    by_transfer.setdefault(transfer_key(a), []).append(a)
    check(a["alert"]["signature"].startswith("BONGSU YARA "), "YARA alert signature")
    check("fileinfo" in a and a["fileinfo"]["filename"], "the alert carries the file object")

for ev in scenario:
    key = (ev["host"], ev["path"])
    got = by_transfer.get(key, [])
    if "expect_rule" not in ev:
        check_eq(len(got), 0, f"no YARA alert for the clean transfer {key}")
        continue
    check_eq(len(got), 1, f"one YARA alert for {key}")
    if not got:
        continue
    alert = got[0]["alert"]
    md = alert.get("metadata", {})
    check_eq(alert["signature"], "BONGSU YARA " + ev["expect_rule"], f"rule named for {key}")
    check_eq(md.get("yara_rule"), [ev["expect_rule"]], f"metadata.yara_rule for {key}")
    check_eq(md.get("actor"), [ev["expect_actor"]], f"actor from the rule's meta for {key}")
    check(md.get("mitre_group_id"), f"MITRE group id for {key}")
check_eq(len(alerts), sum(1 for ev in scenario if "expect_rule" in ev),
         "no YARA alert beyond the matching transfers")
check_eq(len(of_type(events, "alert")), len(alerts) + len(
    [e for e in of_type(events, "alert") if e["alert"]["gid"] != 10]), "alert bookkeeping")

# fileinfo: the matching files list their rule's sid, the others none.
def file_key(e):
    """A transfer's file: an upload and its response share the transaction, not the size."""
    return transfer_key(e) + (e["fileinfo"]["size"],)


sids = {file_key(a): a["alert"]["signature_id"] for a in alerts}
fileinfos = of_type(events, "fileinfo")
check(len(fileinfos) >= len(scenario), "a fileinfo event for every injected transfer")
for fi in fileinfos:
    key = file_key(fi)
    if key in sids:
        check_eq(fi["fileinfo"].get("sid"), [sids[key]], f"fileinfo.sid of {key}")
    else:
        check("sid" not in fi["fileinfo"], f"no sid on the clean file {key}")
check_eq(last_stats(events).get("detect", {}).get("alert"), len(of_type(events, "alert")),
         "stats detect.alert counts the YARA alerts")

# workers mode: the same alerts on the same flows.
_, wevents = run("workers")


def summary(evs):
    return sorted((a["src_ip"], a["src_port"], a["dest_ip"], a["dest_port"],
                   a["alert"]["signature_id"], a["fileinfo"]["filename"], a["timestamp"])
                  for a in yara_alerts(evs))


check_eq(summary(wevents), summary(events), "workers and single modes give the same alerts")

# yara.compiled-dir: the first run compiles and keeps the sets, the second loads them and
# alerts the same.
with tempfile.TemporaryDirectory() as d:
    kept = os.path.join(d, "kept")
    args = ["-v", "-r", PCAP, "-k", "none", "--runmode", "single",
            "--set", "yara.compiled-dir=" + kept]
    for r in RULES:
        args += ["--yara", r]
    _, err1, events1, _ = run_bongsu(args)
    _, err2, events2, _ = run_bongsu(args)
    check("compiled sets loaded" not in err1 and
          sorted(n.split(".", 1)[1] for n in os.listdir(kept)) ==
          ["full.yarc", "gate", "gated.yarc", "nonmz.yarc", "txt"],
          f"the first run compiles and keeps the sets: {os.listdir(kept)}")
    check("compiled sets loaded from " + kept in err2, f"the second run loads them: {err2[-800:]}")
    check_eq(summary(events2), summary(events), "kept sets give the same alerts")
    check_eq(summary(events1), summary(events), "the run that keeps them too")

# A broken file is reported at file:line; the others load; -T fails on it.
with tempfile.TemporaryDirectory() as d:
    bad = os.path.join(d, "bad.yar")
    with open(bad, "w") as f:
        f.write("rule Bad\n{\n    strings:\n        $a = \"x\" bogus\n    condition:\n        $a\n}\n")
    _, err, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--yara", bad, "--yara", RULES[0]])
    check(bad + ":4:" in err, f"bad rule reported at file:line: {err[-500:]}")
    check_eq(len(yara_alerts(events)), 3, "the good rule file still loads and alerts")
    p = subprocess.run([BONGSU, "-T", "-l", d, "--yara", bad], capture_output=True, text=True)
    check_eq(p.returncode, 1, "-T fails on a broken YARA file")

# yara.enabled: no turns scanning off.
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--set", "yara.enabled=no"])
check_eq(len(yara_alerts(events)), 0, "no YARA alert with yara.enabled=no")
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--disable-detection"])
check_eq(len(yara_alerts(events)), 0, "no YARA alert with --disable-detection")
finish()
