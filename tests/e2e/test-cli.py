"""End-to-end: the command line a Suricata user types."""
import os
import subprocess
import tempfile

from e2elib import BONGSU, DATA, check, check_eq, finish, of_type, run_bongsu

PCAP = os.path.join(DATA, "mixed.pcap")


def run(args):
    return subprocess.run([BONGSU] + args, capture_output=True, text=True, timeout=60)


p = run(["-V"])
check(p.returncode == 0 and "bongsu version" in p.stdout, "-V prints the version")
p = run(["--build-info"])
check(p.returncode == 0 and "libpcap" in p.stdout, "--build-info describes the build")
p = run(["-h"])
check(p.returncode == 0 and "-r PATH" in p.stdout, "-h prints usage")
p = run(["--no-such-flag"])
check(p.returncode == 2, "unknown flag is a usage error")
p = run(["-k", "sometimes", "-r", PCAP])
check(p.returncode == 2 and "-k" in p.stderr, "bad -k value is rejected")
p = run(["-T"])
check_eq(p.returncode, 0, "-T with built-in defaults succeeds")

work = tempfile.mkdtemp(prefix="bongsu-cli-")
cfg = os.path.join(work, "suricata.yaml")
with open(cfg, "w") as f:
    f.write("%YAML 1.1\n---\nrunmode: single\nno-such-section:\n  x: 1\n"
            "outputs:\n  - eve-log:\n      enabled: yes\n      filename: custom.json\n"
            "      types:\n        - flow\n")
p = run(["-T", "-c", cfg])
check(p.returncode == 0 and "no-such-section" in p.stderr,
      f"unknown config keys warn but do not fail ({p.stderr.strip()[:300]})")
broken = os.path.join(work, "broken.yaml")
with open(broken, "w") as f:
    f.write("outputs:\n  - eve-log: [\n")
# A value that does not parse keeps the default and the warning names the whole key.
p = run(["-T", "--set", "app-layer.protocols.http.libhtp.default-config.request-body-limit=lots",
         "--set", "defrag.trackers=many"])
check(p.returncode == 0
      and "app-layer.protocols.http.libhtp.default-config.request-body-limit: 'lots'" in p.stderr
      and "defrag.trackers: 'many'" in p.stderr,
      f"bad setting values are named by key ({p.stderr.strip()[:300]})")
p = run(["-T", "-c", broken])
check(p.returncode != 0 and "broken.yaml:" in p.stderr, f"bad YAML names file:line ({p.stderr.strip()[:200]})")

# -c file decides the EVE filename and types; -l decides the directory.
logdir = tempfile.mkdtemp(prefix="bongsu-cli-log-")
p = run(["-c", cfg, "-r", PCAP, "-l", logdir, "-k", "none"])
check_eq(p.returncode, 0, "run with -c")
check(os.path.exists(os.path.join(logdir, "custom.json")), "eve-log filename from -c is used")
kinds = {line.split('"event_type":"')[1].split('"')[0]
         for line in open(os.path.join(logdir, "custom.json"))}
check_eq(kinds, {"flow"}, "only the configured EVE types are logged")

# --set on the stock layout, by index.
_, _, events, logdir = run_bongsu(["-r", PCAP, "-k", "none", "--set", "outputs.1.eve-log.enabled=no"])
check(not os.path.exists(os.path.join(logdir, "eve.json")), "--set outputs.1.eve-log.enabled=no")
_, _, events, _ = run_bongsu(["-r", PCAP, "-k", "none", "--set", "stats.enabled=no"])
check_eq(len(of_type(events, "stats")), 0, "--set stats.enabled=no")
check_eq(len(of_type(events, "flow")), 64, "flows still logged")

# default-log-dir from the config when -l is absent.
cfg2 = os.path.join(work, "logdir.yaml")
dl = tempfile.mkdtemp(prefix="bongsu-cli-dl-")
with open(cfg2, "w") as f:
    f.write(f"default-log-dir: {dl}\n")
p = run(["-c", cfg2, "-r", PCAP, "-k", "none"])
check(p.returncode == 0 and os.path.exists(os.path.join(dl, "eve.json")), "default-log-dir is honoured")
check("EVE:" in p.stderr and "flows" in p.stderr, "one-line summary on stderr")
finish()
