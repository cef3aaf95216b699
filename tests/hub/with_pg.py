"""with_pg.py — runs a command with a private PostgreSQL cluster (services.Postgres).

    python3 with_pg.py COMMAND ARGS...

The command gets BONGSU_TEST_PG, a libpq URL of the cluster's `postgres` database, from
which it makes its own databases; its exit status is passed on. Exits 77 (ctest's skip)
only when PostgreSQL's binaries are absent.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402


def main():
    gone = services.missing(pg=True)
    if gone:
        print("SKIP: not installed: " + ", ".join(gone))
        return 77
    with services.Postgres() as pg:
        env = dict(os.environ, BONGSU_TEST_PG=pg.url())
        return subprocess.run(sys.argv[1:], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
