#!/usr/bin/env python3
"""bench_scale.py — hub scale-out throughput and query latency (not run by ctest).

Usage: bench_scale.py BONGSU_HUB [--events N] [--workers 1,2,4] [--batch B]

Starts its own redis-server and PostgreSQL cluster (services.py; PostgreSQL with fsync on,
so commits are as durable as in production), then:
1. fills a Redis stream with N EVE events from four sensors (make_events data, the shape
   bongsu's `filetype: redis, mode: stream` writes), with redis-cli --pipe;
2. for each worker count K: a fresh database and consumer group, K `bongsu-hub worker`
   processes, wall time until the group has read and acknowledged all N entries;
   It also reports the CPU time (user+sys) the workers and PostgreSQL spent per event,
   which, unlike the wall-clock rate, does not depend on what else the machine runs;
3. query latency (p50/p95/max of 30 runs) of the analysts' typical queries (bench_hub.py's
   list) through `bongsu-hub serve` on the PostgreSQL database of the last run, after an
   ANALYZE (what autovacuum does within a minute or so of a bulk load; without statistics
   PostgreSQL picks poor plans for fresh partitions).
Prints Markdown tables. Everything (Redis, workers, PostgreSQL, this client) shares the
machine's cores, so the rates are those of the whole pipeline on one box. PostgreSQL runs
with fsync on and max_wal_size=4GB (the default 1GB checkpoints every few seconds under a
bulk load).
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402
from bench_hub import analyst_queries, latency  # noqa: E402
from bench_hub import cpu_seconds  # noqa: E402
from hubtest import Hub, make_events  # noqa: E402

STREAM = "bongsu:events"


def resp(*args):
    out = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def fill_stream(redis, n):
    per = n // 4
    p = subprocess.Popen(["redis-cli", "-p", str(redis.port), "--pipe"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    for k in range(4):
        for e in make_events(k + 1, per, seed=11):
            p.stdin.write(resp("XADD", STREAM, "*", "eve", json.dumps(e),
                               "sensor", f"sensor-{k + 1}"))
    p.stdin.close()
    p.wait()
    return int(redis.cli("XLEN", STREAM))


def drained(redis, n):
    out = json.loads(subprocess.run(["redis-cli", "-p", str(redis.port), "--json", "XINFO",
                                     "GROUPS", STREAM], capture_output=True, text=True).stdout)
    g = {d["name"]: d for d in out}.get("hub")
    return g and int(g["entries-read"] or 0) >= n and int(g["pending"]) == 0


def pg_cpu(pg):
    """CPU seconds of the postmaster and every backend it started, exited ones included
    (a reaped child's time is in the parent's cutime/cstime)."""
    with open(f"/proc/{pg.proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    out = subprocess.run(["pgrep", "-P", str(pg.proc.pid)], capture_output=True, text=True)
    for pid in out.stdout.split():
        try:
            total += cpu_seconds(int(pid))
        except OSError:
            pass
    return total


def run_workers(binary, redis, pg, k, n, batch):
    subprocess.run(["redis-cli", "-p", str(redis.port), "XGROUP", "DESTROY", STREAM, "hub"],
                   capture_output=True)
    db = pg.create_db("bench")
    c0 = pg_cpu(pg)
    t0 = time.time()
    procs = [subprocess.Popen([binary, "worker", "--redis", redis.url(), "--stream", STREAM,
                               "--group", "hub", "--name", f"w{i}", "--db", db,
                               "--batch", str(batch)], stderr=subprocess.DEVNULL)
             for i in range(k)]
    while not drained(redis, n):
        time.sleep(0.2)
    dt = time.time() - t0
    wcpu = sum(cpu_seconds(p.pid) for p in procs)
    for p in procs:
        p.terminate()
        p.wait()
    time.sleep(0.5)  # the backends exit and are reaped
    pcpu = pg_cpu(pg) - c0
    stored = int(pg.psql(db.rsplit("/", 1)[1], "SELECT count(*) FROM events").stdout)
    assert stored == n, (stored, n)
    return db, dt, wcpu, pcpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--events", type=int, default=400_000)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--batch", type=int, default=2000)
    a = ap.parse_args()
    with services.Redis() as redis, \
            services.Postgres(fsync=True, settings={"max_wal_size": "4GB"}) as pg:
        t0 = time.time()
        n = fill_stream(redis, a.events)
        print(f"stream filled with {n:,} entries in {time.time() - t0:.1f} s", file=sys.stderr)
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
              file=sys.stderr)
        print("| workers | events | seconds | events/s | worker CPU us/event |"
              " PostgreSQL CPU us/event |\n|---|---|---|---|---|---|")
        db = None
        for k in [int(x) for x in a.workers.split(",")]:
            db, dt, wcpu, pcpu = run_workers(a.binary, redis, pg, k, n, a.batch)
            print(f"| {k} | {n:,} | {dt:.1f} | {n / dt:,.0f} | {1e6 * wcpu / n:.1f} |"
                  f" {1e6 * pcpu / n:.1f} |", flush=True)
        pg.psql(db.rsplit("/", 1)[1], "ANALYZE")
        hub = Hub(a.binary, extra_args=["--rate", "0"])
        hub.db = db
        try:
            analyst = hub.token("analyst", "analyst")
            hub.start()
            print(f"\n| query ({n:,} events, PostgreSQL) | p50 ms | p95 ms | max ms |\n"
                  "|---|---|---|---|")
            for q in analyst_queries():
                p50, p95, mx, _ = latency(hub, analyst, q, 5 if q == "/api/v1/summary" else 30)
                print(f"| `{q}` | {p50:.1f} | {p95:.1f} | {mx:.1f} |", flush=True)
        finally:
            hub.cleanup()


if __name__ == "__main__":
    main()
