#!/usr/bin/env python3
"""bench_pg_indexes.py — what each index of the PostgreSQL events table costs an insert
(not run by ctest; issue 10's ingest bound).

Usage: TMPDIR=/var/tmp bench_pg_indexes.py BONGSU_HUB [--events N]

Fills a Redis stream with N bench_corpus events (real EVE), stores them with one
`bongsu-hub worker` into a PostgreSQL cluster of its own, copies the largest day
partition's rows, then inserts them again (INSERT .. SELECT, EXPLAIN ANALYZE BUFFERS WAL)
into a bare table with no index, with each of the partition's indexes alone, and with
all of them. Buffer hits, pages dirtied and WAL bytes per row do not depend on the
machine's load as the times do, so they say which index to look at on a shared machine.
"""
import argparse
import json
import os
import re
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--events", type=int, default=100_000)
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
