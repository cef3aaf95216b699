#!/usr/bin/env python3
"""bench_pg_indexes.py — what each index of the PostgreSQL events table costs an insert
(not run by ctest; issue 10's ingest bound).

Usage: TMPDIR=/var/tmp bench_pg_indexes.py BONGSU_HUB [--events N]
                                            [--instructions ROWS]

Fills a Redis stream with N bench_corpus events (real EVE), stores them with one
`bongsu-hub worker` into a PostgreSQL cluster of its own, copies the largest day
partition's rows, then inserts them again (INSERT .. SELECT, EXPLAIN ANALYZE BUFFERS WAL)
into a bare table with no index, with each of the partition's indexes alone, and with
all of them. Buffer hits, pages dirtied and WAL bytes per row do not depend on the
machine's load as the times do, so they say which index to look at on a shared machine.

--instructions ROWS counts CPU instructions instead, which no load disturbs either: the
first ROWS rows (in time order) are inserted under valgrind's callgrind into a single-user
PostgreSQL on the same data directory, with all the indexes, none, and all but each one;
then the worker's own statement, the binary COPY of those rows into `events` (after the
day's rows are deleted). Instructions per row, the session's start subtracted.
"""
import argparse
import json
import os
import pwd
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402
import bench_scale  # noqa: E402


def insert_cost(pg, name, defs):
    """Inserts src into a fresh table carrying the indexes `defs`; the plan's figures."""
    pg.psql(name, "DROP TABLE IF EXISTS t; CREATE TABLE t (LIKE src);"
            + "".join(re.sub(r"INDEX \S+ ON \S+ ", "INDEX ON t ", d) + ";" for d in defs))
    pg.psql(name, "CHECKPOINT")  # each run starts from the same clean buffers
    out = pg.psql(name, "EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON)"
                  " INSERT INTO t SELECT * FROM src").stdout
    j = json.loads(out)[0]
    return j["Execution Time"], j["Plan"]


COLS = ("received_us, sensor, ts_us, event_type, src_ip, dest_ip, signature_id, severity,"
        " signature, actor, techniques, attack, victim, raw")


def single_user(pg, db, sql, out=None):
    """Runs newline-separated statements in `postgres --single` (the server stopped), under
    callgrind writing `out` when given; returns the instructions counted, if any."""
    args = [os.path.join(pg.bindir, "postgres"), "--single", "-D", pg.data,
            "-c", "shared_buffers=128MB", "-c", "max_wal_size=4GB", db]
    if out:
        args = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + args
    kw = {}
    if os.geteuid() == 0:  # the data directory belongs to the unprivileged user
        u = pwd.getpwnam("nobody")
        kw = dict(user=u.pw_uid, group=u.pw_gid, extra_groups=[])
    p = subprocess.run(args, input=sql, capture_output=True, text=True, cwd=pg.tmp, **kw)
    if p.returncode or "ERROR" in p.stderr:
        raise RuntimeError(f"postgres --single: {p.stderr[-2000:]}")
    if not out:
        return 0
    with open(out) as f:
        return int(re.search(r"^summary: (\d+)", f.read(), re.M).group(1))


def instructions(pg, name, part, defs, rows):
    """Prints instructions per inserted row for each index set, then for the COPY."""
    pg.psql(name, f"CREATE TABLE src_i AS SELECT * FROM {part} ORDER BY ts_us LIMIT {rows}")
    bin_rows = os.path.join(pg.tmp, "rows.bin")
    pg.psql(name, f"COPY (SELECT {COLS} FROM src_i) TO '{bin_rows}' (FORMAT binary)")
    pg.psql(name, "CHECKPOINT")
    pg.proc.terminate()
    pg.proc.wait()
    out = os.path.join(pg.tmp, "callgrind.out")
    start = single_user(pg, name, "SELECT 1\n", out)

    def per_row(setup, stmt):
        single_user(pg, name, setup + "CHECKPOINT\n")
        return (single_user(pg, name, stmt + "\n", out) - start) / rows

    print(f"\n{rows:,} rows, instructions per row (callgrind)\n\n| indexes | instructions/row |"
          "\n|---|---:|")
    sets = [("all", defs), ("no index", [])] + [
        ("all but " + re.search(r"USING btree (.*)", d).group(1)[:70], defs[:i] + defs[i + 1:])
        for i, d in enumerate(defs)]
    for label, ds in sets:
        setup = "DROP TABLE IF EXISTS t\nCREATE TABLE t (LIKE src_i)\n" + "".join(
            re.sub(r"INDEX \S+ ON \S+ ", "INDEX ON t ", d) + "\n" for d in ds)
        print(f"| `{label}` | {per_row(setup, 'INSERT INTO t SELECT * FROM src_i'):,.0f} |",
              flush=True)
    setup = (f"DELETE FROM events WHERE ts_us >= (SELECT min(ts_us) FROM {part})"
             f" AND ts_us <= (SELECT max(ts_us) FROM {part})\nVACUUM events\n")
    ir = per_row(setup, f"COPY events({COLS}) FROM '{bin_rows}' (FORMAT binary)")
    print(f"| the worker's binary COPY into `events` | {ir:,.0f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--instructions", type=int, default=0, metavar="ROWS")
    a = ap.parse_args()
    with services.Redis() as redis, \
            services.Postgres(fsync=True, settings={"max_wal_size": "4GB"}) as pg:
        n = bench_scale.fill_stream(redis, bench_scale.corpus_entries(a.events))
        db = bench_scale.run_workers(a.binary, redis, pg, 1, n, 2000)[0]
        name = db.rsplit("/", 1)[1]
        part = pg.psql(name, "SELECT relname FROM pg_class WHERE relname LIKE 'events_p%'"
                       " AND relkind = 'r' ORDER BY pg_relation_size(oid) DESC LIMIT 1"
                       ).stdout.strip()
        pg.psql(name, f"CREATE TABLE src AS SELECT * FROM {part}")
        pg.psql(name, "VACUUM ANALYZE src")
        rows = int(pg.psql(name, "SELECT count(*) FROM src").stdout)
        defs = pg.psql(name, f"SELECT indexdef FROM pg_indexes WHERE tablename = '{part}'"
                       ).stdout.strip().splitlines()
        if a.instructions:
            instructions(pg, name, part, defs, min(a.instructions, rows))
            return
        sets = [("no index", [])] + [(re.search(r"\((.*)\)", d).group(1), [d]) for d in defs]
        print(f"{rows:,} rows of {part}; load average {os.getloadavg()[0]:.1f}\n\n"
              "| indexes | ms | buffer hits/row | pages dirtied/row | WAL bytes/row |\n"
              "|---|---|---|---|---|")
        for label, ds in sets + [("all", defs)]:
            ms, p = insert_cost(pg, name, ds)
            print(f"| `{label[:70]}` | {ms:.0f} | {p['Shared Hit Blocks'] / rows:.2f} |"
                  f" {p['Shared Dirtied Blocks'] / rows:.3f} | {p['WAL Bytes'] / rows:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
