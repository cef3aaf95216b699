#!/usr/bin/env python3
"""bench_scale.py — hub scale-out throughput and query latency (not run by ctest).

Usage: bench_scale.py BONGSU_HUB [--events N] [--workers 1,2,4] [--batch B]
                      [--pg NAME=VALUE]... [--statements] [--real | --corpus N [--fill-copy F]]

Starts its own redis-server and PostgreSQL cluster (services.py; PostgreSQL with fsync on,
so commits are as durable as in production), then:
1. fills a Redis stream with N EVE events from four sensors (make_events data, the shape
   bongsu's `filetype: redis, mode: stream` writes), with redis-cli --pipe;
2. for each worker count K: a fresh database and consumer group, K `bongsu-hub worker`
   processes, wall time until the group has read and acknowledged all N entries;
   it also reports the CPU time (user+sys) the workers, PostgreSQL and redis-server
   spent per event, which, unlike the wall-clock rate, does not depend on what else the
   machine runs;
3. query latency (p50/p95/max of 30 runs) of the analysts' typical queries (bench_hub.py's
   list) through `bongsu-hub serve` on the PostgreSQL database of the last run, after an
   ANALYZE (what autovacuum does within a minute or so of a bulk load; without statistics
   PostgreSQL picks poor plans for fresh partitions).
Prints Markdown tables. Everything (Redis, workers, PostgreSQL, this client) shares the
machine's cores, so the rates are those of the whole pipeline on one box. PostgreSQL runs
with fsync on and max_wal_size=4GB (the default 1GB checkpoints every few seconds under a
bulk load); --pg adds or overrides settings (state them with the figures).
--real fills the stream with bench_corpus events (real EVE output at about 115 events/s,
see below) instead of make_events data (an event every 1.9 s, a third of them attributed,
so nearly every event opens its own rollup rows and incident index entries).
--statements loads pg_stat_statements and prints each run's costliest statements (server
time per event), the profile that says where PostgreSQL's time goes.
--corpus N replaces steps 1-3: N distinct bench_corpus events (the real-EVE corpus of
bench_hub.py --fill-real, about a day of four sensors) imported with `bongsu-hub ingest`
into PostgreSQL, VACUUM ANALYZE (what autovacuum does after a bulk load: statistics, and
the visibility map that lets the covering indexes answer without the table), then the
console's queries on them (bench_hub.py's real_queries).
--fill-copy F (with --corpus N) imports N / F of those events and has the server copy them
F - 1 times further on in time (fill_copy), then the same queries: the 10 M database in
minutes instead of an hour (the copies' raw text keeps the imported lines' timestamps).
--keep (with --corpus) leaves the cluster running after the queries and prints its database
URL, until interrupted or sent SIGTERM: EXPLAIN and repeated query runs on the same 10 M
rows without refilling them (a quarter of an hour each).
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402
import bench_corpus  # noqa: E402
import bench_hub  # noqa: E402
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


def make_entries(n):
    """(sensor, EVE line) of make_events data: 7.5 s between a sensor's events."""
    for k in range(4):
        for e in make_events(k + 1, n // 4, seed=11):
            yield f"sensor-{k + 1}", json.dumps(e).encode()


def corpus_entries(n):
    """(sensor, EVE line) of bench_corpus data (real EVE, ~115 events/s over four
    sensors), in time order a chunk of copies at a time, the first n."""
    copies, chunk = bench_corpus.copies_for(n), 10
    for first in range(0, copies, chunk):
        for k in range(4):
            for ln in bench_corpus.lines(k, first, min(first + chunk, copies)):
                if n <= 0:
                    return
                n -= 1
                yield f"sensor-{k}", ln.rstrip(b"\n")


def fill_stream(redis, entries):
    p = subprocess.Popen(["redis-cli", "-p", str(redis.port), "--pipe"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    for sensor, line in entries:
        p.stdin.write(resp("XADD", STREAM, "*", "eve", line, "sensor", sensor))
    p.stdin.close()
    p.wait()
    return int(redis.cli("XLEN", STREAM))


class RespConn:
    """One connection to redis-server for the progress polls: a redis-cli process per
    poll (five a second) took CPU from the pipeline being measured."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.rd = self.sock.makefile("rb")

    def call(self, *args):
        self.sock.sendall(resp(*args))
        return self._reply()

    def _reply(self):
        line = self.rd.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            return None if int(rest) < 0 else self.rd.read(int(rest) + 2)[:-2].decode()
        if kind == b"*":
            return None if int(rest) < 0 else [self._reply() for _ in range(int(rest))]
        return rest.decode()

    def close(self):
        self.rd.close()
        self.sock.close()


def drained(conn, n):
    for g in conn.call("XINFO", "GROUPS", STREAM):
        d = dict(zip(g[::2], g[1::2]))
        if d["name"] == "hub":
            return int(d["entries-read"] or 0) >= n and d["pending"] == 0
    return False


def pg_cpu(pg):
    """CPU seconds of the postmaster and every backend it started, exited ones included
    (a reaped child's time is in the parent's cutime/cstime)."""
    with open(f"/proc/{pg.proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    out = subprocess.run(["pgrep", "-P", str(pg.proc.pid)], capture_output=True, text=True)
    for pid in out.stdout.split():
        try:
            total += sum(cpu_seconds(int(pid))[:2])
        except OSError:
            pass
    return total


def statements(pg, db, n, top=8):
    """The statements that took most server time since the last reset, per event."""
    name = db.rsplit("/", 1)[1]
    out = pg.psql(name, "SELECT round(total_exec_time::numeric * 1000 / %d, 1), calls,"
                  " round(shared_blks_hit::numeric / %d, 2),"
                  " round(shared_blks_dirtied::numeric / %d, 3),"
                  " round(wal_bytes / %d, 0),"
                  " left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements"
                  " ORDER BY total_exec_time DESC LIMIT %d" % (n, n, n, n, top)).stdout
    # Buffer and WAL counts per event do not depend on the machine's load as times do.
    print("\n| server us/event | calls | buffer hits/event | pages dirtied/event"
          " | WAL bytes/event | statement |\n|---|---|---|---|---|---|")
    for line in out.strip().splitlines():
        us, calls, hit, dirt, wal, q = line.split("|", 5)
        print(f"| {us} | {calls} | {hit} | {dirt} | {wal} | `{q}` |")
    print(flush=True)


def run_workers(binary, redis, pg, k, n, batch, profile=False):
    subprocess.run(["redis-cli", "-p", str(redis.port), "XGROUP", "DESTROY", STREAM, "hub"],
                   capture_output=True)
    db = pg.create_db("bench")
    if profile:
        pg.psql(db.rsplit("/", 1)[1], "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;"
                " SELECT pg_stat_statements_reset()")
    c0 = pg_cpu(pg)
    r0 = sum(cpu_seconds(redis.proc.pid)[:2])
    t0 = time.time()
    procs = [subprocess.Popen([binary, "worker", "--redis", redis.url(), "--stream", STREAM,
                               "--group", "hub", "--name", f"w{i}", "--db", db,
                               "--batch", str(batch)], stderr=subprocess.DEVNULL)
             for i in range(k)]
    conn = RespConn(redis.port)
    while not drained(conn, n):
        time.sleep(0.2)
    dt = time.time() - t0
    conn.close()
    wcpu = sum(sum(cpu_seconds(p.pid)[:2]) for p in procs)
    rcpu = sum(cpu_seconds(redis.proc.pid)[:2]) - r0
    for p in procs:
        p.terminate()
        p.wait()
    time.sleep(0.5)  # the backends exit and are reaped
    pcpu = pg_cpu(pg) - c0
    stored = int(pg.psql(db.rsplit("/", 1)[1], "SELECT count(*) FROM events").stdout)
    assert stored == n, (stored, n)
    return db, dt, wcpu, pcpu, rcpu


def db_mib(pg, db):
    name = db.rsplit("/", 1)[1]
    return int(pg.psql(name, "SELECT pg_database_size(current_database())").stdout) / 2**20


def id_order_queries(stored):
    """The reads in id order (exportable events only): the STIX export's first page and
    one from the middle, and TAXII's objects."""
    coll = "/taxii2/bongsu/collections/2a8e4b0c-6f0e-5a1c-9b1e-626f6e677375/objects/"
    return ["/api/v1/stix?limit=1000", f"/api/v1/stix?limit=1000&cursor={stored // 2}",
            f"{coll}?limit=100", f"{coll}?limit=100&next={stored // 2}"]


def corpus_run(binary, pg, n, factor=1, keep=False):
    """Imports n bench_corpus events into a fresh PostgreSQL database and times the
    console's queries on them."""
    db = pg.create_db("corpus")
    hub = Hub(binary, extra_args=["--rate", "0"])
    hub.db = db
    c0 = pg_cpu(pg)
    # bench_hub's fill sizes the SQLite file; here the database is PostgreSQL's
    bench_hub.db_mib = lambda _hub: db_mib(pg, db)
    print("| measurement | result | detail |\n|---|---|---|", flush=True)
    if factor > 1:
        stored = fill_copy(hub, pg, db, n, factor)
    else:
        bench_hub.fill_real(hub, argparse.Namespace(events=n))
        stored = int(pg.psql(db.rsplit("/", 1)[1], "SELECT count(*) FROM events").stdout)
    bench_hub.row("PostgreSQL CPU during the fill", f"{1e6 * (pg_cpu(pg) - c0) / stored:.1f}"
                  " us/event", f"{stored:,} events stored")
    t0 = time.time()
    pg.psql(db.rsplit("/", 1)[1], "VACUUM ANALYZE")
    bench_hub.row("VACUUM ANALYZE", f"{time.time() - t0:.1f} s", "")
    try:
        analyst = hub.token("analyst", "analyst")
        hub.start()
        bench_hub.run_queries(hub, analyst, bench_hub.real_queries(hub) + id_order_queries(stored))
    finally:
        hub.cleanup()
    if keep:  # the cluster stays up for EXPLAIN and reruns until ^C or SIGTERM (a
        # background job ignores SIGINT), then the Postgres context removes it
        print(f"kept: {db} (kill {os.getpid()} to remove)", file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def replica_sql(j, copies):
    """INSERT of replica j of the imported copies: the same rows j * copies corpus copies
    later, as bench_corpus would have made them (times moved by j * copies periods;
    inside addresses 10.A.B.C moved to 10.A.(B + j * copies / HOST_COPIES).C), new ids
    from the sequence; raw keeps the imported line's text."""
    dt = j * copies * int(bench_corpus.PERIOD_S * 1e6)
    shift = j * copies // bench_corpus.HOST_COPIES

    def addr(col):
        return (f"CASE WHEN {col} LIKE '10.%' THEN split_part({col}, '.', 1) || '.' ||"
                f" split_part({col}, '.', 2) || '.' || (split_part({col}, '.', 3)::int +"
                f" {shift}) % 256 || '.' || split_part({col}, '.', 4) ELSE {col} END")
    cols = ("received_us, sensor, ts_us, event_type, src_ip, dest_ip, signature_id,"
            " severity, signature, actor, techniques, attack, victim, raw")
    sel = cols.replace("ts_us,", f"ts_us + {dt},", 1).replace(
        "src_ip, dest_ip", f"{addr('src_ip')}, {addr('dest_ip')}", 1)
    return f"INSERT INTO events({cols}) SELECT {sel} FROM base ORDER BY ts_us"


ROLLUPS_SQL = """
DELETE FROM rollup; DELETE FROM rollup_minute;
DELETE FROM victim_rollup; DELETE FROM victim_rollup_minute;
INSERT INTO rollup SELECT ts_us / 3600000000, sensor, event_type, coalesce(actor, ''),
  coalesce(attack, ''), count(*), min(ts_us), max(ts_us) FROM events GROUP BY 1, 2, 3, 4, 5;
INSERT INTO rollup_minute SELECT ts_us / 60000000, sensor, event_type, coalesce(actor, ''),
  coalesce(attack, ''), count(*), min(ts_us), max(ts_us) FROM events GROUP BY 1, 2, 3, 4, 5;
INSERT INTO victim_rollup SELECT ts_us / 3600000000, victim, count(*) FROM events
  WHERE victim IS NOT NULL GROUP BY 1, 2;
INSERT INTO victim_rollup_minute SELECT ts_us / 60000000, victim, count(*) FROM events
  WHERE victim IS NOT NULL GROUP BY 1, 2;
"""

# event_keys (store_pg.c, migration 11) rebuilt from the events, a row per key and 1,000
# events in id order, as batches of that size write them (by rank, not id / 1000: the
# replicas' ids come from the sequence's default, 1,024 apart).
EVENT_KEYS_SQL = """
SET work_mem = '512MB';
TRUNCATE event_keys;
INSERT INTO event_keys SELECT kind, v, b, array_agg(ts_us ORDER BY id), array_agg(id ORDER BY id)
  FROM (SELECT kind, v, ts_us, id, n,
  ts_us - mod(mod(ts_us, 600000000) + 600000000, 600000000) AS b
  FROM (SELECT *, row_number() OVER (ORDER BY id) AS n FROM events) AS r
  CROSS JOIN LATERAL (VALUES (1, sensor), (2, src_ip), (3, dest_ip)) AS k(kind, v)
  WHERE v IS NOT NULL) AS e GROUP BY kind, v, b, n / 1000;
"""


def fill_copy(hub, pg, db, n, factor):
    """About n corpus events in minutes rather than an hour: n / factor imported with
    `bongsu-hub ingest` (whole blocks of HOST_COPIES copies), then factor - 1 replicas of
    those rows made by the server with the table's indexes dropped and rebuilt after
    (bulk index builds sort once instead of inserting row by row), the day partitions
    the replicas reach created first, the rollups and event_keys rebuilt from the events."""
    name = db.rsplit("/", 1)[1]
    per = bench_corpus.copies_for(n) // factor
    copies = max(1, per // bench_corpus.HOST_COPIES) * bench_corpus.HOST_COPIES
    size = sum(bench_corpus.copy_size(i) for i in range(4))
    bench_hub.fill_real(hub, argparse.Namespace(events=copies * size))
    t0 = time.time()
    day_us = 86400 * 1000000
    lo, hi = (int(x) for x in pg.psql(name, "SELECT min(ts_us), max(ts_us) FROM events")
              .stdout.split("|"))
    last = hi + (factor - 1) * copies * int(bench_corpus.PERIOD_S * 1e6)
    for day in range(lo // day_us, last // day_us + 1):
        for parent in ("events", "event_keys"):
            part = parent + "_p" + time.strftime("%Y%m%d", time.gmtime(day * 86400))
            pg.psql(name, f"CREATE TABLE IF NOT EXISTS {part} PARTITION OF {parent}"
                    f" FOR VALUES FROM ({day * day_us}) TO ({(day + 1) * day_us})")
    defs = pg.psql(name, "SELECT indexname, indexdef FROM pg_indexes"
                   " WHERE tablename = 'events' AND indexname NOT LIKE '%_pkey'"
                   ).stdout.strip().splitlines()
    defs = [d.split("|", 1) for d in defs]
    script = ["SET maintenance_work_mem = '512MB'", "CREATE TABLE base AS SELECT * FROM events"]
    script += [f"DROP INDEX {ix}" for ix, _ in defs]
    script += [replica_sql(j, copies) for j in range(1, factor)]
    script += [d.replace(" ON ONLY ", " ON ") for _, d in defs]
    script += ["DROP TABLE base", ROLLUPS_SQL, EVENT_KEYS_SQL]
    # one psql session, statement by statement (pg.psql's two-minute limit is for queries)
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db],
                   input="".join(x + ";\n" for x in script), text=True, check=True,
                   timeout=4 * 3600, stdout=subprocess.DEVNULL)
    stored = int(pg.psql(name, "SELECT count(*) FROM events").stdout)
    bench_hub.row("fill, server-side replicas", f"{time.time() - t0:.1f} s",
                  f"{factor - 1} replicas of {copies} copies; {stored:,} events in all")
    return stored


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--events", type=int, default=400_000)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--pg", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--statements", action="store_true")
    ap.add_argument("--corpus", type=int, default=0)
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--fill-copy", type=int, default=1, metavar="F")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    settings = {"max_wal_size": "4GB"}
    settings.update(kv.split("=", 1) for kv in a.pg)
    if a.statements:
        settings.update({"shared_preload_libraries": "pg_stat_statements",
                         "pg_stat_statements.track_utility": "on"})
    print(f"PostgreSQL settings (besides fsync=on): {settings}", file=sys.stderr)
    if a.corpus:
        with services.Postgres(fsync=True, settings=settings) as pg:
            corpus_run(a.binary, pg, a.corpus, a.fill_copy, a.keep)
        return
    with services.Redis() as redis, services.Postgres(fsync=True, settings=settings) as pg:
        t0 = time.time()
        n = fill_stream(redis, (corpus_entries if a.real else make_entries)(a.events))
        print(f"stream filled with {n:,} entries in {time.time() - t0:.1f} s", file=sys.stderr)
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
              file=sys.stderr)
        print("| workers | events | seconds | events/s | worker CPU us/event |"
              " PostgreSQL CPU us/event | redis-server CPU us/event |"
              "\n|---|---|---|---|---|---|---|")
        db = None
        for k in [int(x) for x in a.workers.split(",")]:
            db, dt, wcpu, pcpu, rcpu = run_workers(a.binary, redis, pg, k, n, a.batch,
                                                   a.statements)
            print(f"| {k} | {n:,} | {dt:.1f} | {n / dt:,.0f} | {1e6 * wcpu / n:.1f} |"
                  f" {1e6 * pcpu / n:.1f} | {1e6 * rcpu / n:.1f} |", flush=True)
            if a.statements:
                statements(pg, db, n)
        if a.real:  # the query step's ranges and names are make_events'
            return
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
