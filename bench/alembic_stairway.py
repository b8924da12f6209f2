#!/usr/bin/env python3
"""The Alembic side of scripts/bench-stairway.sh: the same stairway walk
(upgrade +1, downgrade -1, upgrade +1 for every revision) that
pytest-alembic's `test_up_down_consistency` does, in one process, on a fresh
database; prints the wall time in seconds.

    alembic_stairway.py PROJECT_DIR SERVER_URL|sqlite N RUNS

Alembic compares no schemas here; migrate's stairway also snapshots and
diffs the schema three times per revision.
"""

import os
import sys
import tempfile
import time
import uuid

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text


def fresh_database(server):
    if server == "sqlite":
        path = os.path.join(tempfile.mkdtemp(), "stairway.db")
        return f"sqlite:///{path}", lambda: None
    name = "alembic_stairway_" + uuid.uuid4().hex[:12]
    url = server.replace("postgres://", "postgresql+psycopg2://", 1)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    base = url.rsplit("/", 1)[0]

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    return f"{base}/{name}", drop


def main():
    project, server, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    times = []
    for run in range(1, runs + 1):
        url, drop = fresh_database(server)
        os.environ["BENCH_ALEMBIC_URL"] = url
        cfg = Config(os.path.join(project, "alembic.ini"))
        start = time.perf_counter()
        for _ in range(n):
            command.upgrade(cfg, "+1")
            command.downgrade(cfg, "-1")
            command.upgrade(cfg, "+1")
        seconds = time.perf_counter() - start
        drop()
        print(f"run {run}: {seconds:.3f} s ({n} revisions)")
        times.append(seconds)
    times.sort()
    print(f"median: {times[len(times) // 2]:.3f} s")


if __name__ == "__main__":
    main()
