"""End-to-end: EVE to a bongsu hub (outputs.eve-log.filetype: hub).

Starts bongsu-hub on a free loopback port, runs the sensor with the hub output and checks
the hub stored exactly the sensor's events. Then, with the hub stopped, a second run spools
its events on disk; when the hub is back, a third run (on an empty capture) delivers the
spooled events, once: the hub ends with both runs' events and no duplicate.
"""
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

from e2elib import BONGSU, DATA, check, check_eq, finish, write_pcap

BUILD = os.environ.get("BUILD_DIR", os.path.dirname(BONGSU))
HUB = os.path.join(BUILD, "bongsu-hub")
work = tempfile.mkdtemp(prefix="bongsu-hubout-")
db = os.path.join(work, "hub.db")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def token(name, role):
    out = subprocess.run([HUB, "token", "create", "--name", name, "--role", role, "--db", db],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1]


def start_hub(port):
    proc = subprocess.Popen([HUB, "serve", "--listen", f"127.0.0.1:{port}", "--db", db],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("hub did not start")


def stored_events(port, analyst):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/summary",
                                 headers={"Authorization": f"Bearer {analyst}"})
    return json.load(urllib.request.urlopen(req, timeout=10))["total"]


def run_sensor(port, sensor, pcap, logdir):
    cfg = os.path.join(work, "sensor.yaml")
    with open(cfg, "w") as f:
        f.write("outputs:\n  - fast:\n      enabled: no\n  - eve-log:\n      enabled: yes\n"
                f"      filetype: hub\n      url: http://127.0.0.1:{port}\n"
                f"      token: {sensor}\n      spool-dir: {work}/spool\n"
                "      types:\n        - flow\n        - alert\n        - stats\n")
    p = subprocess.run([BONGSU, "-c", cfg, "-r", pcap, "-l", logdir, "-k", "none",
                        "--runmode", "single"], capture_output=True, text=True, timeout=120)
    check_eq(p.returncode, 0, f"sensor run ({p.stderr.strip()[-300:]})")
    summary = [l for l in p.stderr.splitlines() if "events (" in l]
    return int(summary[-1].split(" events (")[0].split()[-1]) if summary else 0


sensor, analyst = token("sensor-1", "sensor"), token("analyst-1", "analyst")
port = free_port()
hub = start_hub(port)
logdir = tempfile.mkdtemp(prefix="bongsu-hubout-log-")
pcap = os.path.join(DATA, "mixed.pcap")
first = run_sensor(port, sensor, pcap, logdir)
check(first > 60, f"the sensor made events ({first})")
check_eq(stored_events(port, analyst), first, "the hub stored every event of the first run")
hub.terminate()
hub.wait()

second = run_sensor(port, sensor, pcap, logdir)  # hub down: everything is spooled
spooled = [n for n in os.listdir(os.path.join(work, "spool")) if n.endswith(".ready")]
check(len(spooled) >= 1, f"undelivered events stay in the spool ({spooled})")

hub = start_hub(port)
empty = write_pcap(os.path.join(work, "empty.pcap"), [])
third = run_sensor(port, sensor, empty, logdir)
check_eq(stored_events(port, analyst), first + second + third,
         "after the outage every spooled event is stored once")
left = [n for n in os.listdir(os.path.join(work, "spool")) if n.endswith(".ready")]
check_eq(left, [], "the spool is empty once delivered")
hub.terminate()
hub.wait()
finish()
