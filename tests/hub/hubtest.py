"""hubtest.py — harness for the bongsu-hub end-to-end tests.

Starts `bongsu-hub serve` on 127.0.0.1 with port 0 (the hub picks a free port and prints
it), creates tokens through the CLI exactly as an operator would, and talks HTTP(S) with
the standard library only, so the tests need nothing beyond python3. All traffic stays on
loopback and every wait is bounded.

Storage backend: SQLite by default; with HUB_BACKEND=postgresql in the environment, each
Hub gets a fresh database on one private PostgreSQL cluster that this process starts on
first use and stops at exit (services.py), so the same suites run on both backends.
"""
import http.client
import json
import os
import random
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import atexit
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402

SKIP = 77  # ctest SKIP_RETURN_CODE

_PG = None


def backend():
    return os.environ.get("HUB_BACKEND", "sqlite")


def pg_cluster():
    """The process's PostgreSQL cluster, started on first use."""
    global _PG
    if _PG is None:
        _PG = services.Postgres().start()
        atexit.register(_PG.stop)
    return _PG


def backend_missing():
    """Why the selected backend cannot run here (a skip reason), or None."""
    if backend() == "postgresql":
        gone = services.missing(pg=True)
        return ", ".join(gone) + " not installed" if gone else None
    return None


def new_db(tmp):
    """A fresh, empty store location for the selected backend."""
    if backend() == "postgresql":
        return pg_cluster().create_db()
    return os.path.join(tmp, "hub.db")


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())


class Hub:
    def __init__(self, binary, tmp=None, extra_args=(), tls=None):
        self.binary = binary
        self.tmp = tmp or tempfile.mkdtemp(prefix="hub-e2e-")
        self.db = new_db(self.tmp)
        self.extra_args = list(extra_args)
        self.tls = tls  # (cert, key) or None
        self.proc = None
        self.port = None

    # ---- CLI -----------------------------------------------------------------
    def cli(self, *args, check=True, stdin=None):
        p = subprocess.run([self.binary, *args], capture_output=True, text=True,
                           timeout=60, input=stdin)
        if check and p.returncode != 0:
            raise AssertionError(f"{args}: rc={p.returncode} {p.stderr}")
        return p

    def token(self, name, role):
        out = self.cli("token", "create", "--name", name, "--role", role, "--db", self.db)
        tok = out.stdout.strip().splitlines()[-1]
        assert re.fullmatch(r"bsk_[A-Za-z0-9_-]{43}", tok), tok
        return tok

    # ---- server ----------------------------------------------------------------
    def start(self):
        args = [self.binary, "serve", "--listen", "127.0.0.1:0", "--db", self.db,
                *self.extra_args]
        if self.tls:
            args += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        self.log = open(os.path.join(self.tmp, "serve.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"listening on https?://127\.0\.0\.1:(\d+)", line)
        if not m:
            raise AssertionError(f"hub did not start: {line!r}")
        self.port = int(m.group(1))
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.log.close()
            rc, self.proc = self.proc.returncode, None
            if sig == signal.SIGTERM and rc != 0:
                # A sanitizer report or a crash on shutdown: show the server's stderr.
                with open(os.path.join(self.tmp, "serve.log"), errors="replace") as f:
                    sys.stderr.write(f.read()[-8000:])
                raise AssertionError(f"hub exited with {rc} on SIGTERM")

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def stored_bytes(self):
        """Everything the store holds about tokens, as bytes (secrets must not be there)."""
        if self.db.startswith("postgresql://"):
            return pg_cluster().psql(self.db.rsplit("/", 1)[1],
                                     "SELECT * FROM tokens").stdout.encode()
        with open(self.db, "rb") as f:
            return f.read()

    # ---- HTTP ------------------------------------------------------------------
    def request(self, method, path, token=None, body=None, headers=None, timeout=30):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.tls[0])
            ctx.check_hostname = False
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ctx)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        if isinstance(body, str):
            body = body.encode()
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            return Reply(r.status, hdrs, data)
        finally:
            conn.close()

    def get(self, path, token, **kw):
        return self.request("GET", path, token=token, **kw)

    def post_events(self, token, lines, key=None, timeout=30):
        body = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
        h = {"Content-Type": "application/x-ndjson"}
        if key:
            h["Idempotency-Key"] = key
        return self.request("POST", "/api/v1/events", token=token, body=body, headers=h,
                            timeout=timeout)

    def all_events(self, token, query="", page=1000):
        """Pages through /api/v1/events and returns every record."""
        out, cursor = [], None
        for _ in range(10000):
            q = f"/api/v1/events?limit={page}" + (f"&{query}" if query else "")
            if cursor:
                q += f"&cursor={cursor}"
            r = self.get(q, token)
            assert r.status == 200, (r.status, r.body)
            j = r.json()
            out += j["events"]
            cursor = j["next_cursor"]
            if not cursor:
                return out
        raise AssertionError("paging did not end")


# ---- test data ----------------------------------------------------------------------

ACTORS = [
    ("Lazarus Group", "G0032", ["T1071.001", "T1573.002"]),
    ("Kimsuky", "G0094", ["T1566.001", "T1071.001"]),
    ("Andariel", "G0138", ["T1190"]),
]


def ts(base, offset_s):
    t = time.gmtime(base + int(offset_s))
    frac = int((offset_s - int(offset_s)) * 1e6)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{frac:06d}+0000"


def make_events(sensor_idx, n, seed=7, base=1700000000):
    """Suricata-7-shaped EVE records: attributed alerts (metadata arrays as bongsu writes
    them), unattributed alerts, flows, dns and ddos events. Deterministic per seed."""
    rnd = random.Random(seed * 100 + sensor_idx)
    out = []
    for i in range(n):
        t = ts(base, i * 7.5 + sensor_idx)
        inside = f"10.{sensor_idx}.{rnd.randrange(4)}.{rnd.randrange(1, 200)}"
        outside = f"203.0.113.{rnd.randrange(1, 250)}"
        flow_id = sensor_idx * 10**9 + i
        kind = i % 6
        ev = {"timestamp": t, "flow_id": flow_id, "in_iface": "eth0", "src_ip": inside,
              "src_port": 40000 + i % 20000, "dest_ip": outside, "dest_port": 443,
              "proto": "TCP"}
        if kind in (0, 1):
            name, gid, techs = ACTORS[(i // 6 + sensor_idx) % len(ACTORS)]
            ev.update(event_type="alert", alert={
                "action": "allowed", "gid": 1, "signature_id": 2100000 + i % 5, "rev": 1,
                "signature": f"BONGSU DPRK {name} C2 beacon {i % 5}",
                "category": "A Network Trojan was detected", "severity": 1,
                "metadata": {"actor": [name], "mitre_group_id": [gid],
                             "mitre_technique_id": techs}})
        elif kind == 2:
            ev.update(event_type="alert", alert={
                "action": "allowed", "gid": 1, "signature_id": 2013028, "rev": 7,
                "signature": "ET POLICY curl User-Agent Outbound",
                "category": "Attempted Information Leak", "severity": 2})
        elif kind == 3:
            ev.update(event_type="dns", proto="UDP", dest_port=53,
                      dns={"type": "query", "id": i, "rrname": f"host{i}.example.org",
                           "rrtype": "A", "tx_id": 0})
        elif kind == 4:
            ev.update(event_type="flow", flow={"pkts_toserver": 5, "pkts_toclient": 4,
                                                "bytes_toserver": 600, "bytes_toclient": 900,
                                                "start": t, "end": t, "age": 0,
                                                "state": "closed", "reason": "timeout",
                                                "alerted": False})
        else:
            ev = {"timestamp": t, "event_type": "ddos", "flow_id": flow_id,
                  "ddos": {"attack": "syn-flood", "victim": f"192.0.2.{sensor_idx}",
                           "state": "start" if i % 12 == 5 else "end", "pps": 50000 + i,
                           "bps": 25600000}}
        out.append(ev)
    return out


def strip_hub(ev):
    e = dict(ev)
    e.pop("hub", None)
    return e


def canon(ev):
    return json.dumps(ev, sort_keys=True, separators=(",", ":"))


def run(tests, binary, names):
    """Runs the named test functions (all when names is empty); each gets `binary`."""
    failed = 0
    why = backend_missing()
    if why:
        print(f"SKIP: {why}")
        return SKIP
    for name, fn in tests.items():
        if names and name not in names:
            continue
        t0 = time.time()
        try:
            rc = fn(binary)
            if rc == SKIP:
                print(f"SKIP {name}")
                return SKIP
            print(f"ok   {name} ({time.time() - t0:.1f}s)")
        except Exception as e:  # report and continue with the next test
            import traceback
            traceback.print_exc()
            print(f"FAIL {name}: {e}")
            failed += 1
    return 1 if failed else 0
