#!/usr/bin/env python3
"""bench_kept.py — console query latency of several hub binaries, alternated, on one kept
database (not run by ctest).

Usage: bench_kept.py DB ROUNDS MATCH BINARY...

DB is a database another bench kept (`bench_scale.py --corpus N --keep` prints its
PostgreSQL URL; `bench_hub.py --dir D` keeps D/hub.db). Each round starts `bongsu-hub
serve` from each BINARY in turn on DB and times (p50/p95/max of 30 runs, bench_hub.latency)
the queries of bench_hub.real_queries, plus the first STIX page, whose text contains one
of MATCH's comma-separated parts ("/" for all). Binaries alternate so that a change in
the machine's load falls on both; the 1-minute load average is printed beside each row.
A binary opened on the database applies its migrations: compare binaries of the same
schema, or newer ones after older.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_hub  # noqa: E402
from hubtest import Hub  # noqa: E402


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    db, rounds, match, binaries = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    queries = [q for q in bench_hub.real_queries(None) + ["/api/v1/stix?limit=1000"]
               if any(m in q for m in match.split(","))]
    queries = list(dict.fromkeys(queries))
    print("| round | binary | query | p50 ms | p95 ms | max ms | runs | load |")
    print("|---|---|---|---|---|---|---|---|")
    for r in range(rounds):
        for k, binary in enumerate(binaries):
            hub = Hub(binary, extra_args=["--rate", "0"])
            hub.db = db
            try:
                token = hub.token(f"kept-{os.getpid()}-{r}-{k}", "analyst")
                hub.start()
                for q in queries:
                    p50, p95, mx, n = bench_hub.latency(hub, token, q, 30, budget_s=60)
                    load = os.getloadavg()[0]
                    print(f"| {r} | {binary} | `{q}` | {p50:.1f} | {p95:.1f} | {mx:.1f} | {n} |"
                          f" {load:.2f} |", flush=True)
            finally:
                hub.cleanup()


if __name__ == "__main__":
    main()
