#!/usr/bin/env python3
"""bench_hub.py — ingest throughput and query latency of bongsu-hub (not run by ctest).

Usage: bench_hub.py BONGSU_HUB_BINARY [--events N] [--batch B] [--dir DIR] [--queries-only]
                    [--fill-offline | --fill-copy | --fill-real]

1. ingest, one sensor: batches of B events posted back to back for ~20 s;
2. ingest, four sensors at once (four client threads, four tokens) for ~20 s;
3. fills the database up to N events (default 10 M) with four sensors;
4. query latency: each typical analyst query 30 times, p50/p95/max in ms.
--fill-offline does step 3 first, with `bongsu-hub ingest` (the offline import: the same
parse and store code without HTTP) of the same bodies, so that on a machine too busy
for the HTTP client the fill takes minutes, and steps 1-2 then measure ingest into the
full database. --fill-copy is for a machine where even that is too slow: the bodies
are imported once, their rows are copied in SQL with the event indexes dropped (the
same rows re-posting the same bodies would store, minus HTTP and parsing), the indexes
are rebuilt with the hub's own CREATE INDEX statements, and the hub rebuilds its rollup
at the next open (it does for any database whose user_version predates it). The indexes
come out denser than ones grown insert by insert; the queries measured on them are
otherwise those of a hub that ingested every row. --fill-real fills with distinct events
instead (bench_corpus.py: real EVE replayed with advancing timestamps and varied hosts,
about 24 hours for 10 M events), imported with `bongsu-hub ingest` in time order, and
measures the queries the console sends on that data. --ingest-real (with --fill-real
and --dir) posts further corpus events over HTTP into the kept database; each run starts
after the newest stored event (next_copy), so repeated runs append in time as a live
sensor does instead of posting the same event times again; --in-flight K has its one
sensor post K batches at once. With --dir the database is kept; --queries-only then reruns only step 4 on it (for
example with another build), so the 10 M-event fill is paid once.
Bodies are generated once and re-posted (flow_id rewritten per batch is not needed for
ingest speed), so the client spends its time on HTTP, not on JSON encoding. Results go
to stdout as a Markdown table.
"""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, make_events  # noqa: E402
import bench_corpus  # noqa: E402


def body_for(sensor_idx, n, seed):
    return "".join(json.dumps(e) + "\n" for e in make_events(sensor_idx, n, seed=seed)).encode()


def post_loop(hub, token, bodies, stop, counter, lock, once=False):
    i = 0
    while not stop() and not (once and i >= len(bodies)):
        body, n = bodies[i % len(bodies)]
        r = hub.request("POST", "/api/v1/events", token=token, body=body, timeout=120)
        if r.status in (429, 503):  # as a sensor would: back off and resend
            print(f"  retry after {r.status}", file=sys.stderr)
            time.sleep(1)
            continue
        assert r.status == 200, (r.status, r.body[:200])
        with lock:
            counter[0] += n
        i += 1


def ingest_phase(hub, tokens, bodies, seconds=None, until_total=None, base=0, once=False):
    counter, lock = [0], threading.Lock()
    t0 = time.time()
    if seconds:
        stop = lambda: time.time() - t0 > seconds  # noqa: E731
    else:
        stop = lambda: base + counter[0] >= until_total  # noqa: E731
    ths = [threading.Thread(target=post_loop, args=(hub, t, bodies[k], stop, counter, lock, once))
           for k, t in enumerate(tokens)]
    for t in ths:
        t.start()
    last = time.time()
    # join with a short timeout, not sleep(1): the rate's time must end when the last
    # batch is acknowledged, not at the next whole second (a 3 s phase read up to 33% slow)
    while any(t.is_alive() for t in ths):
        for t in ths:
            t.join(timeout=0.05)
        if time.time() - last > 30:
            last = time.time()
            print(f"  ... {base + counter[0]:,} events, {counter[0] / (last - t0):,.0f}/s",
                  file=sys.stderr)
    for t in ths:
        t.join()
    dt = time.time() - t0
    return counter[0], dt


def cpu_seconds(pid):
    """(utime, stime) of a process, in seconds, then its bytes read and written through
    read/write system calls (page cache hits included) and its minor page faults, from
    /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/io") as f:
        io = dict(ln.split(": ") for ln in f.read().splitlines())
    return (int(fields[11]) / tick, int(fields[12]) / tick, int(io["rchar"]), int(io["wchar"]),
            int(fields[7]))


def cpu_text(c0, c1, n):
    """The hub's CPU per event between two cpu_seconds() readings, user and kernel
    apart (the kernel's share is page writes and reads, not instructions), with the
    load average beside it: on a shared machine wall-clock rates mean little without.
    The bytes read and written per event (read/write system calls on files, page cache
    hits included: pages read back into SQLite's cache, WAL and checkpoint writes) do
    not depend on the load either."""
    user, sys_ = (1e6 * (c1[i] - c0[i]) / max(n, 1) for i in range(2))
    rd, wr, flt = ((c1[i] - c0[i]) / max(n, 1) for i in (2, 3, 4))
    return (f"hub CPU {user + sys_:.1f} us/event (user {user:.1f} + sys {sys_:.1f}), "
            f"read {rd:,.0f} + written {wr:,.0f} bytes/event, {flt:.2f} page faults/event, "
            f"load {os.getloadavg()[0]:.1f}")


def latency(hub, token, path, n=30, budget_s=30):
    """p50/p95/max in ms over n runs, fewer (at least 3) once budget_s is spent, so a
    query that takes seconds does not hold the bench for many minutes; also the runs."""
    ms = []
    t_end = time.time() + budget_s
    for _ in range(n):
        t0 = time.perf_counter()
        r = hub.get(path, token, timeout=600)
        ms.append((time.perf_counter() - t0) * 1000)
        assert r.status == 200, (path, r.status, r.body[:200])
        if len(ms) >= 3 and time.time() > t_end:
            break
    ms.sort()
    return statistics.median(ms), ms[int(0.95 * (len(ms) - 1))], ms[-1], len(ms)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--queries-only", action="store_true")
    ap.add_argument("--fill-offline", action="store_true")
    ap.add_argument("--fill-copy", action="store_true")
    ap.add_argument("--fill-real", action="store_true")
    ap.add_argument("--only", default=None, help="time only the queries containing this")
    ap.add_argument("--skip", type=int, default=0, help="skip the first N queries")
    ap.add_argument("--ingest-real", action="store_true",
                    help="with --fill-real and --dir: HTTP ingest of further distinct events"
                         " into the kept database (no fill), then the queries")
    ap.add_argument("--in-flight", type=int, default=1,
                    help="with --ingest-real: the one sensor posts this many batches at once"
                         " (what a sensor output with several batches in flight would do)")
    a = ap.parse_args()
    hub = Hub(a.binary, tmp=a.dir, extra_args=["--rate", "0", "--max-body", "67108864"])
    os.makedirs(hub.tmp, exist_ok=True)
    # Sensor names are what the queries filter on; the analyst token gets a fresh name
    # each run so that a kept database can be reused.
    # --ingest-real: the kept database has sensor-N already: new names, same data
    suffix = f"-{int(time.time())}" if a.ingest_real else ""
    tokens = [] if a.queries_only else [hub.token(f"sensor-{i}{suffix}", "sensor")
                                        for i in range(4)]
    analyst = hub.token(f"analyst-{int(time.time())}", "analyst")
    print("| measurement | result | detail |\n|---|---|---|", flush=True)
    if a.fill_offline and not a.queries_only:
        fill_offline(hub, a)
    if a.fill_copy and not a.queries_only:
        fill_copy(hub, a)
    if a.fill_real and not a.queries_only and not a.ingest_real:
        fill_real(hub, a)
    hub.start()
    try:
        if not a.queries_only and not a.fill_real:
            run_ingest(hub, tokens, a)
        if a.ingest_real:
            run_ingest_real(hub, tokens, a)
        queries = real_queries(hub) if a.fill_real else analyst_queries()
        run_queries(hub, analyst, queries[a.skip:], a.only)
    finally:
        hub.stop()
        if not a.dir:
            hub.cleanup()


def analyst_queries():
    """The console's and analysts' typical queries over make_events() data."""
    src = make_events(2, 10)[4]["src_ip"]
    return [
        "/api/v1/events?limit=100",
        "/api/v1/events?limit=100&actor=Kimsuky",
        "/api/v1/events?limit=100&sensor=sensor-2&event_type=alert",
        f"/api/v1/events?limit=100&src_ip={src}",
        "/api/v1/events?limit=100&signature_id=2100003",
        "/api/v1/events?limit=100&since=2023-11-14T22:30:00Z&until=2023-11-14T22:31:00Z",
        "/api/v1/events?limit=100&event_type=ddos&cursor=1700000900000000:999999999",
        "/api/v1/incidents?since=2023-11-14T22:30:00Z&until=2023-11-14T22:35:00Z",
        "/api/v1/summary?since=2023-11-14T22:30:00Z&until=2023-11-14T22:31:00Z",
        "/api/v1/summary?since=2023-11-14T22:00:00Z&until=2023-11-14T23:00:00Z",
        "/api/v1/incidents",
        "/api/v1/actors/Lazarus%20Group?since=2023-11-14T22:30:00Z&until=2023-11-14T22:31:00Z",
        "/api/v1/summary",
    ]


BUSY_OUTSIDE = "31.96.58.200"  # a destination in every copy of every sensor (~1% of events)


def real_queries(hub):
    """The console's queries (app.js) and the analysts' filters over bench_corpus data,
    whose events run from 2023-11-14T00:00Z for about a day: ranges are taken at 12:30."""
    k = int((12.5 * 3600) // bench_corpus.PERIOD_S)
    src = next(json.loads(ln)["src_ip"] for ln in bench_corpus.lines(2, k, k + 1)
               if b'"alert"' in ln)
    day = "2023-11-14T"
    r1 = f"since={day}12:30:00Z&until={day}12:31:00Z"
    return [
        "/api/v1/events?limit=100",
        "/api/v1/events?limit=100&actor=Kimsuky",
        "/api/v1/events?limit=100&sensor=sensor-2&event_type=alert",
        f"/api/v1/events?limit=100&src_ip={src}",
        "/api/v1/events?limit=100&signature_id=9100003",
        f"/api/v1/events?limit=100&{r1}",
        "/api/v1/events?limit=100&event_type=alert&cursor=1699965000000000:999999999",
        "/api/v1/events?event_type=ddos&limit=500",
        f"/api/v1/summary?{r1}",
        f"/api/v1/summary?since={day}12:10:00Z&until={day}12:50:00Z",
        f"/api/v1/summary?since={day}12:00:00Z&until={day}13:00:00Z",
        "/api/v1/summary",
        "/api/v1/summary?interval=minute",
        f"/api/v1/incidents?since={day}12:30:00Z&until={day}12:35:00Z",
        "/api/v1/incidents?limit=8",
        "/api/v1/incidents?limit=200",
        "/api/v1/incidents?actor=Lazarus%20Group&limit=20",
        "/api/v1/actors",
        "/api/v1/actors/Lazarus%20Group",
        f"/api/v1/actors/Lazarus%20Group?{r1}",
        "/api/v1/events?limit=25&actor=Lazarus%20Group",
        # sensor and address searches (PostgreSQL: through event_keys): a sensor alone, the
        # host above as destination, an address never seen, an outside address in about
        # 1% of all events (its newest page and all-time summary), a sensor's 40 minutes
        "/api/v1/events?limit=100&sensor=sensor-1",
        f"/api/v1/events?limit=100&dest_ip={src}",
        "/api/v1/events?limit=100&src_ip=192.0.2.1",
        f"/api/v1/events?limit=100&dest_ip={BUSY_OUTSIDE}",
        f"/api/v1/summary?dest_ip={BUSY_OUTSIDE}",
        f"/api/v1/summary?sensor=sensor-2&since={day}12:10:00Z&until={day}12:50:00Z",
    ]


def row(name, result, detail):
    print(f"| {name} | {result} | {detail} |", flush=True)


def db_mib(hub):
    return sum(os.path.getsize(os.path.join(hub.tmp, f)) for f in os.listdir(hub.tmp)
               if f.startswith("hub.db")) / 2**20


def fill_offline(hub, a):
    """Imports the bench bodies with `bongsu-hub ingest`, four sensors in turn, until
    a.events are stored; reports the import's rate and CPU per event."""
    files = []
    for k in range(4):
        for seed in range(3):
            path = os.path.join(hub.tmp, f"fill-{k}-{seed}.json")
            with open(path, "wb") as f:
                f.write(body_for(k + 1, a.batch, seed))
            files.append((k, path))
    per_call = 10  # files per ingest command (50k events)
    total, cpu, t0 = 0, 0.0, time.time()
    while total < a.events:
        for k in range(4):
            mine = [p for kk, p in files if kk == k]
            args = [mine[i % len(mine)] for i in range(per_call)]
            r0 = os.times()
            subprocess.run([hub.binary, "ingest", "--sensor", f"sensor-{k}", "--db", hub.db,
                            *args], check=True, capture_output=True, timeout=3600)
            r1 = os.times()
            cpu += (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
            total += per_call * a.batch
        print(f"  ... {total:,} events", file=sys.stderr, flush=True)
    dt = time.time() - t0
    for _, p in files:
        os.remove(p)
    row("fill, offline import", f"{total / dt:,.0f} events/s",
        f"{total:,} events in {dt:.1f} s; CPU {1e6 * cpu / total:.1f} us/event")
    row("stored", f"{total:,} events", f"{db_mib(hub):,.0f} MiB on disk")


def fill_copy(hub, a):
    import sqlite3
    t0 = time.time()
    events = a.events
    a.events = 12 * a.batch  # each body once: four sensors, three seeds
    fill_offline(hub, a)
    a.events = events
    db = sqlite3.connect(hub.db, isolation_level=None)
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                         "tbl_name = 'events' AND sql IS NOT NULL").fetchall()
    cols = ", ".join(r[1] for r in db.execute("PRAGMA table_info(events)") if r[1] != "id")
    base = db.execute("SELECT max(id) FROM events").fetchone()[0]
    db.execute("BEGIN")
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    total = base
    while total < a.events:
        n = min(base, a.events - total)
        db.execute(f"INSERT INTO events({cols}) SELECT {cols} FROM events WHERE id <= ? "
                   "ORDER BY id", (n,))
        total += n
    for _, sql in indexes:
        db.execute(sql)
    db.execute("PRAGMA user_version = 5")  # the hub rebuilds its rollup at the next open
    db.execute("COMMIT")
    db.close()
    subprocess.run([hub.binary, "token", "list", "--db", hub.db], check=True,
                   capture_output=True, timeout=7200)
    dt = time.time() - t0
    row("fill, copied in SQL", f"{total:,} events", f"{base:,} imported, the rest copied; "
        f"{dt:.0f} s including the index and rollup rebuilds")
    row("stored", f"{total:,} events", f"{db_mib(hub):,.0f} MiB on disk")


def fill_real(hub, a):
    """Imports bench_corpus events, the four sensors' copies in time order, each chunk
    piped to `bongsu-hub ingest -`; reports the import's rate and CPU per event."""
    copies, chunk = bench_corpus.copies_for(a.events), 100
    total, cpu, t0 = 0, 0.0, time.time()
    for first in range(0, copies, chunk):
        for k in range(4):
            r0 = os.times()
            p = subprocess.Popen([hub.binary, "ingest", "--sensor", f"sensor-{k}", "--db",
                                  hub.db, "-"], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for ln in bench_corpus.lines(k, first, min(first + chunk, copies)):
                p.stdin.write(ln)
                total += 1
            p.stdin.close()
            assert p.wait(timeout=3600) == 0
            r1 = os.times()
            cpu += (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
        if first // chunk % 10 == 0:
            print(f"  ... {total:,} events, {total / (time.time() - t0):,.0f}/s",
                  file=sys.stderr, flush=True)
    dt = time.time() - t0
    row("fill, offline import of distinct events", f"{total / dt:,.0f} events/s",
        f"{total:,} events in {dt:.1f} s (generator included); hub CPU {1e6 * cpu / total:.1f} us/event")
    row("stored", f"{total:,} events", f"{db_mib(hub):,.0f} MiB on disk")


def run_ingest(hub, tokens, a):
    bodies = [[(body_for(k + 1, a.batch, seed), a.batch) for seed in range(3)]
              for k in range(4)]
    # Wall-clock rates depend on what else the machine runs (the client included); the
    # hub's own CPU time per event does not, so both are reported.
    c0 = cpu_seconds(hub.proc.pid)
    n, dt = ingest_phase(hub, tokens[:1], bodies[:1], seconds=20)
    c1 = cpu_seconds(hub.proc.pid)
    row("ingest, 1 sensor", f"{n / dt:,.0f} events/s",
        f"{n:,} events in {dt:.1f} s; {cpu_text(c0, c1, n)}")
    n2, dt = ingest_phase(hub, tokens, bodies, seconds=20)
    c2 = cpu_seconds(hub.proc.pid)
    row("ingest, 4 sensors", f"{n2 / dt:,.0f} events/s",
        f"{n2:,} events in {dt:.1f} s; {cpu_text(c1, c2, n2)}")
    total = n + n2
    if total < a.events and not (a.fill_offline or a.fill_copy):
        n3, dt = ingest_phase(hub, tokens, bodies, until_total=a.events, base=total)
        row("fill, 4 sensors", f"{n3 / dt:,.0f} events/s", f"{n3:,} events in {dt:.1f} s")
        total += n3
    row("stored after the HTTP phases", f"{total:,} events posted in this run",
        f"{db_mib(hub):,.0f} MiB on disk")


def real_bodies(sensor_idx, first_copy, n_bodies, copies_per_body=12):
    """n_bodies distinct NDJSON bodies of bench_corpus events, in time order."""
    out = []
    for b in range(n_bodies):
        c = first_copy + b * copies_per_body
        lines = list(bench_corpus.lines(sensor_idx, c, c + copies_per_body))
        out.append((b"".join(lines), len(lines)))
    return out


def next_copy(db_path):
    """The first corpus copy whose events are all newer than every stored event.

    Each --ingest-real run must continue the corpus after what the database holds, as a
    live sensor's new events are newer than its old ones. Starting every run at the same
    copy (past the fill) posted the same event times again: the second run's entries
    went between the first run's in every time-keyed index (events_ts, type/sensor +
    time, the address buckets), inserting all over that range instead of appending,
    and cost per event grew run after run (session 7: bytes read per event
    984, 1,414, 1,754 in three runs). Copy k of sensor 0 starts at START_S + k * PERIOD_S,
    before the other sensors' copy k, so the copy after the newest stored time is new."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        newest = db.execute("SELECT max(ts_us) FROM events").fetchone()[0]
    finally:
        db.close()
    if newest is None:
        return 0
    return int((newest / 1e6 - bench_corpus.START_S) // bench_corpus.PERIOD_S) + 1


def run_ingest_real(hub, tokens, a, n_bodies=24):
    """HTTP ingest of distinct events that continue the corpus after the newest stored
    event (each body posted once, see next_copy), 1 sensor then 4 at once, for at most
    20 s each."""
    c0 = next_copy(hub.db)
    print(f"  posting corpus copies from {c0}", file=sys.stderr, flush=True)
    # one sensor posts as many bodies as the four together, so both phases last seconds
    first = [real_bodies(0, c0, 4 * n_bodies)]
    c0 += 4 * n_bodies * 12
    four = [real_bodies(k, c0, n_bodies) for k in range(4)]
    c_0 = cpu_seconds(hub.proc.pid)
    k = max(a.in_flight, 1)  # k clients with the one sensor's token share its bodies
    n, dt = ingest_phase(hub, tokens[:1] * k, [first[0][i::k] for i in range(k)],
                         seconds=20, once=True)
    c_1 = cpu_seconds(hub.proc.pid)
    name = "1 sensor" + (f", {k} batches in flight" if k > 1 else "")
    row(f"ingest of distinct events, {name} (HTTP)", f"{n / dt:,.0f} events/s",
        f"{n:,} events in {dt:.1f} s; {cpu_text(c_0, c_1, n)}")
    n2, dt = ingest_phase(hub, tokens, four, seconds=20, once=True)
    c_2 = cpu_seconds(hub.proc.pid)
    row("ingest of distinct events, 4 sensors (HTTP)", f"{n2 / dt:,.0f} events/s",
        f"{n2:,} events in {dt:.1f} s; {cpu_text(c_1, c_2, n2)}")


def run_queries(hub, analyst, queries, only=None):
    print("\n| query | p50 ms | p95 ms | max ms | runs |\n|---|---|---|---|---|")
    for q in queries:
        if only and only not in q:
            continue
        n = 5 if q == "/api/v1/summary" else 30
        p50, p95, mx, runs = latency(hub, analyst, q, n)
        print(f"| `{q}` | {p50:.1f} | {p95:.1f} | {mx:.1f} | {runs} |", flush=True)


if __name__ == "__main__":
    main()
