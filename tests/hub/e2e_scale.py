"""e2e_scale.py — hub scale-out end to end: sensors -> Redis stream -> workers -> store.

    python3 e2e_scale.py BONGSU_HUB BONGSU [test...]

Every test starts its own redis-server and PostgreSQL cluster (services.py) and real
bongsu runs on the repository's pcaps with `filetype: redis`.

  sensor   modes list and stream write one entry per EVE line (stream entries carry the
           sensor's name); with Redis down the events wait in the spool and arrive, once
           each, when it is back
  workers  (issue 10's done-when) two workers consume a stream fed by two sensors; one is
           killed with SIGKILL while it holds unacknowledged entries; the other reclaims
           them: every event is in PostgreSQL exactly once, and the analyst API answers
           the same as a SQLite hub given the same sensors' events
  serve    `serve --redis` answers ingest by putting the events on the stream; a retried
           request (same Idempotency-Key) is replayed, and a line that reached the stream
           twice (a resend after a lost reply) is stored once by the worker
  restart  Redis (AOF, fsync always) killed and restarted, PostgreSQL restarted, both
           while workers run: nothing acknowledged is lost, nothing is duplicated
  crash    PostgreSQL crashed (immediate shutdown, nothing flushed) three times while two
           workers store a stream: every entry is stored exactly once (an entry acked
           before its commit reached the WAL on disk would be lost)
Exits 77 only when redis-server or PostgreSQL is not installed.
"""
import atexit
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402
from hubtest import SKIP, Hub, canon, make_events, run, strip_hub  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PCAPS = [os.path.join(ROOT, "samples", "sample.pcap")] + [
    os.path.join(ROOT, "tests", "data", p)
    for p in ("mixed.pcap", "http-files.pcap", "dns-scenario.pcap", "tls-scenario.pcap")]
STREAM = "bongsu:events"
TYPES = ("alert", "anomaly", "http", "dns", "tls", "files", "flow", "stats")
BONGSU = None


def sensor_run(name, redis_port, pcap, work, mode="stream", key=STREAM):
    """Runs bongsu with the redis EVE output; returns the events it reports writing."""
    os.makedirs(work, exist_ok=True)
    cfg = os.path.join(work, "bongsu.yaml")
    with open(cfg, "w") as f:
        f.write(f"sensor-name: {name}\n"
                "outputs:\n  - eve-log:\n      enabled: yes\n      filetype: redis\n"
                f"      spool-dir: {work}/spool\n      flush-interval: 1\n"
                "      redis:\n        server: 127.0.0.1\n"
                f"        port: {redis_port}\n        key: {key}\n        mode: {mode}\n"
                "      types:\n" + "".join(f"        - {t}\n" for t in TYPES))
    p = subprocess.run([BONGSU, "-c", cfg, "-r", pcap, "-l", work, "-k", "none",
                        "--runmode", "single"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    line = [x for x in p.stderr.splitlines() if " events (" in x][-1]
    return int(line.split(" events (")[0].split()[-1])


def stream_entries(redis, key=STREAM):
    """[(id, {field: value})] of the whole stream, via redis-cli's raw output."""
    out = subprocess.run(["redis-cli", "-p", str(redis.port), "--no-raw", "XLEN", key],
                         capture_output=True, text=True).stdout
    n = int(out.split()[-1])
    entries, start = [], "-"
    while len(entries) < n:
        raw = subprocess.run(["redis-cli", "-p", str(redis.port), "--json", "XRANGE", key,
                              start, "+", "COUNT", "1000"], capture_output=True, text=True)
        page = json.loads(raw.stdout) if raw.stdout.strip().startswith("[") else None
        if page is None:
            raise AssertionError("redis-cli --json unsupported: " + raw.stderr)
        for eid, fields in page:
            entries.append((eid, dict(zip(fields[::2], fields[1::2]))))
        ms, seq = entries[-1][0].split("-")
        start = f"{ms}-{int(seq) + 1}"
    return entries


_SPAWNED = []


@atexit.register
def _reap():
    """A failed test must not leave workers running (they would retry forever)."""
    for p in _SPAWNED:
        if p.poll() is None:
            p.kill()
            p.wait()


def worker(binary, redis, db, name, tmp, batch=20, idle_ms=1000):
    log = open(os.path.join(tmp, f"{name}.log"), "ab")
    p = subprocess.Popen([binary, "worker", "--redis", redis.url(), "--stream", STREAM,
                          "--group", "hub", "--name", name, "--db", db,
                          "--batch", str(batch), "--claim-idle-ms", str(idle_ms)],
                         stdout=log, stderr=log)
    _SPAWNED.append(p)
    return p


def group_info(redis):
    """XINFO GROUPS as {group name: {field: value}}."""
    out = json.loads(subprocess.run(["redis-cli", "-p", str(redis.port), "--json",
                                     "XINFO", "GROUPS", STREAM],
                                    capture_output=True, text=True).stdout)
    return {d["name"]: d for d in out}


def pending_of(redis, consumer):
    """Entries delivered to consumer and not acknowledged (0 before the group exists)."""
    raw = subprocess.run(["redis-cli", "-p", str(redis.port), "--json", "XPENDING", STREAM,
                          "hub"], capture_output=True, text=True).stdout
    if not raw.strip().startswith("["):
        return 0
    return dict((c, int(n)) for c, n in (json.loads(raw)[3] or [])).get(consumer, 0)


def wait_drained(redis, want, timeout=120):
    """Until every entry of the stream was delivered and acknowledged."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        g = group_info(redis).get("hub")
        if g and int(g["pending"]) == 0 and int(g["lag"] or 0) == 0 and \
                int(g["entries-read"] or 0) >= want:
            return
        time.sleep(0.2)
    raise AssertionError(f"stream not drained: {group_info(redis)}")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, "worker exit status"


def feed(redis, tmp, runs):
    """Sensors s1 and s2 each read their pcaps into the stream; returns events written."""
    total = 0
    for i, (name, pcaps) in enumerate(runs):
        for p in pcaps:
            total += sensor_run(name, redis.port, p, os.path.join(tmp, f"{name}-{i}"))
    return total


def hub_events(hub, token):
    return collections.Counter(canon(strip_hub(e)) for e in hub.all_events(token))


# ---- tests -----------------------------------------------------------------------------

def t_sensor(binary):
    with services.Redis() as redis:
        tmp = tempfile.mkdtemp(prefix="bongsu-scale-")
        pcap = PCAPS[1]
        n = sensor_run("sensor-a", redis.port, pcap, os.path.join(tmp, "a"), mode="list",
                       key="eve:list")
        assert n > 50 and int(redis.cli("LLEN", "eve:list")) == n, (n, redis.cli("LLEN", "eve:list"))
        n = sensor_run("sensor-a", redis.port, pcap, os.path.join(tmp, "b"))
        entries = stream_entries(redis)
        assert len(entries) == n
        assert all(f["sensor"] == "sensor-a" and json.loads(f["eve"])["event_type"]
                   for _, f in entries)
        # Redis down: the run spools; a later run (Redis back) delivers both, once each.
        port = redis.port
        redis.proc.kill()
        redis.proc.wait()
        work = os.path.join(tmp, "c")
        spooled = sensor_run("sensor-b", port, pcap, work)
        assert any(f.endswith(".ready") for f in os.listdir(os.path.join(work, "spool")))
        redis.restart()
        again = sensor_run("sensor-b", port, PCAPS[4], work)
        got = [f for _, f in stream_entries(redis) if f["sensor"] == "sensor-b"]
        assert len(got) == spooled + again, (len(got), spooled, again)
        assert len(set(f["eve"] for f in got)) == len(got), "a spooled line was sent twice"


def t_workers(binary):
    with services.Redis() as redis, services.Postgres() as pg:
        tmp = tempfile.mkdtemp(prefix="bongsu-scale-")
        total = feed(redis, tmp, [("s1", PCAPS[:3]), ("s2", PCAPS[2:])])
        entries = stream_entries(redis)
        assert len(entries) == total and total > 1000, (len(entries), total)
        db = pg.create_db()
        w1 = worker(binary, redis, db, "w1", tmp, batch=10)
        # Freeze w1 when it holds unacknowledged entries, then kill it: its entries must
        # be taken over by w2 (XAUTOCLAIM) and stored once. w2 starts only after the
        # kill: started beside w1, a fast enough w2 drained the whole stream while w1 was
        # frozen, and the kill no longer happened mid-stream.
        killed_with = 0
        deadline = time.time() + 60
        while not killed_with and time.time() < deadline:
            if pending_of(redis, "w1"):
                w1.send_signal(signal.SIGSTOP)
                killed_with = pending_of(redis, "w1")
                if not killed_with:
                    w1.send_signal(signal.SIGCONT)
        assert killed_with, "never caught w1 holding entries"
        w1.kill()
        w1.wait()
        consumed = int(group_info(redis)["hub"]["entries-read"] or 0)
        assert consumed < total, "w1 was killed after the stream was consumed"
        w2 = worker(binary, redis, db, "w2", tmp, batch=10)
        wait_drained(redis, total)
        stop(w2)
        with open(os.path.join(tmp, "w2.log"), errors="replace") as f:
            assert "reclaimed" in f.read(), "w2 did not reclaim w1's entries"
        # Exactly once, through the analyst API of a hub serving the PostgreSQL store.
        want = collections.Counter()
        for _, f in entries:
            want[canon(json.loads(f["eve"]))] += 1
        pg_hub = Hub(binary)
        pg_hub.db = db
        lite = Hub(binary)
        try:
            analyst = pg_hub.token("analyst", "analyst")
            pg_hub.start()
            got = hub_events(pg_hub, analyst)
            assert sum(got.values()) == total, (sum(got.values()), total)
            assert got == want, "PostgreSQL holds other events than the stream"
            # The same sensors' events ingested into SQLite answer the same.
            by_sensor = collections.defaultdict(list)
            for _, f in entries:
                by_sensor[f["sensor"]].append(f["eve"])
            for s, lines in by_sensor.items():
                lite.cli("ingest", "--db", lite.db, "--sensor", s, "-",
                         stdin="\n".join(lines) + "\n")
            lite_analyst = lite.token("analyst", "analyst")
            lite.start()
            assert hub_events(lite, lite_analyst) == got
            for path in ("/api/v1/summary", "/api/v1/incidents?limit=1000",
                         "/api/v1/summary?sensor=s2", "/api/v1/events?event_type=alert&limit=50"):
                a = pg_hub.get(path, analyst).json()
                b = lite.get(path, lite_analyst).json()
                if "events" in a:
                    a = [strip_hub(e) for e in a["events"]]
                    b = [strip_hub(e) for e in b["events"]]
                assert a == b, f"{path} differs between PostgreSQL and SQLite"
        finally:
            pg_hub.cleanup()
            lite.cleanup()


def t_restart(binary):
    with services.Redis(appendonly=True) as redis, services.Postgres() as pg:
        tmp = tempfile.mkdtemp(prefix="bongsu-scale-")
        db = pg.create_db()
        w = [worker(binary, redis, db, f"w{i}", tmp, batch=10) for i in (1, 2)]
        total = feed(redis, tmp, [("s1", PCAPS[1:3])])
        time.sleep(0.3)
        redis.restart()  # SIGKILL: the AOF (fsync always) is all that survives
        pg.restart()
        total += feed(redis, tmp, [("s2", PCAPS[3:])])
        entries = stream_entries(redis)
        assert len(entries) == total, (len(entries), total)
        wait_drained(redis, 0)
        for p in w:
            stop(p)
        n = int(pg.psql(db.rsplit("/", 1)[1], "SELECT count(*) FROM events").stdout)
        distinct = int(pg.psql(db.rsplit("/", 1)[1],
                               "SELECT count(DISTINCT (sensor, raw)) FROM events").stdout)
        want = len({(f["sensor"], f["eve"]) for _, f in entries})
        assert n == total and distinct == want, (n, distinct, total, want)


def t_crash(binary):
    with services.Redis() as redis, services.Postgres() as pg:
        tmp = tempfile.mkdtemp(prefix="bongsu-scale-")
        db = pg.create_db()
        total = feed(redis, tmp, [("s1", PCAPS), ("s2", PCAPS[1:]), ("s3", PCAPS),
                                  ("s4", PCAPS[1:])])
        w = [worker(binary, redis, db, f"w{i}", tmp, batch=5) for i in (1, 2)]
        stored, crashes = 0, 0
        for _ in range(3):  # each time the workers have stored more, while some remain
            seen = stored
            while stored == seen:
                time.sleep(0.05)
                stored = int(pg.psql(db.rsplit("/", 1)[1], "SELECT count(*) FROM events",
                                     check=False).stdout or 0)
            if stored >= total:  # a fast machine may finish between two crashes
                break
            pg.restart(crash=True)
            crashes += 1
        assert crashes >= 1, ("everything was stored before the first crash", stored, total)
        wait_drained(redis, total)
        for p in w:
            stop(p)
        n = int(pg.psql(db.rsplit("/", 1)[1], "SELECT count(*) FROM events").stdout)
        entries = stream_entries(redis)
        distinct = int(pg.psql(db.rsplit("/", 1)[1],
                               "SELECT count(DISTINCT (sensor, raw)) FROM events").stdout)
        want = len({(f["sensor"], f["eve"]) for _, f in entries})
        assert n == total and distinct == want, (n, distinct, total, want)


def t_serve(binary):
    with services.Redis() as redis, services.Postgres() as pg:
        hub = Hub(binary, extra_args=["--redis", redis.url(), "--stream", STREAM])
        hub.db = pg.create_db()
        try:
            sensor, analyst = hub.token("sensor-a", "sensor"), hub.token("analyst", "analyst")
            hub.start()
            a, b = make_events(1, 40), make_events(2, 25)
            assert hub.post_events(sensor, a, key="k1").status == 200
            r = hub.post_events(sensor, a, key="k1")
            assert r.status == 200 and r.header("idempotent-replayed") == "true"
            assert hub.post_events(sensor, b).status == 200
            assert int(redis.cli("XLEN", STREAM)) == len(a) + len(b)
            # A resend whose first reply was lost puts a line on the stream again.
            first = stream_entries(redis)[0][1]
            redis.cli("XADD", STREAM, "*", "eve", first["eve"], "sensor", first["sensor"],
                      "key", first["key"])
            w = worker(binary, redis, hub.db, "w1", hub.tmp)
            wait_drained(redis, len(a) + len(b) + 1)
            stop(w)
            want = collections.Counter(canon(e) for e in a + b)
            got = hub_events(hub, analyst)
            assert got == want, (sum(got.values()), sum(want.values()))
            assert all(e["hub"]["sensor"] == "sensor-a" for e in hub.all_events(analyst))
            # Redis gone: the ingest says 503 (retry later), never 200.
            redis.proc.kill()
            redis.proc.wait()
            assert hub.post_events(sensor, b, key="k3").status == 503
        finally:
            hub.cleanup()


TESTS = {"sensor": t_sensor, "workers": t_workers, "serve": t_serve, "restart": t_restart,
         "crash": t_crash}

if __name__ == "__main__":
    gone = services.missing(pg=True, redis=True)
    if gone:
        print("SKIP: not installed: " + ", ".join(gone))
        sys.exit(SKIP)
    BONGSU = sys.argv[2]
    sys.exit(run(TESTS, sys.argv[1], sys.argv[3:]))
