"""The naive batched backfill of the Alembic guides, for scripts/bench-backfill.sh.

    SELECT id FROM items ORDER BY id LIMIT 1000 OFFSET k
    UPDATE items SET hits = hits + 1 WHERE id IN (...)
    COMMIT

until the SELECT returns no row. The guides leave out ORDER BY; it is here so
that the loop is at least correct. Each SELECT walks k index entries before
the ones it returns, so the whole loop is quadratic in the table's size.

Usage: offset_loop.py URL [BATCH] [TIMEOUT_SECONDS]
  URL: postgres://..., mysql://... or sqlite:PATH

Stops after TIMEOUT_SECONDS (default 600) and prints, on one line,
`rows=<rows updated> seconds=<wall time> finished=<0|1> batches=<n>
extrapolated=<seconds or ->`. When it did not finish, `extrapolated` is the
time the whole table would take by a least-squares fit of
t(r) = a*r + b*r^2 to the (rows done, elapsed) samples, a per-row cost plus
the OFFSET walk that grows with r; it is an estimate, not a measurement.
"""

import sys
import time
from urllib.parse import unquote, urlparse


def connect(url):
    if url.startswith("sqlite:"):
        import sqlite3

        path = url[len("sqlite:"):]
        if path.startswith("//"):
            path = path[2:]
        return sqlite3.connect(path.split("?")[0]), "?"
    u = urlparse(url)
    if u.scheme in ("postgres", "postgresql"):
        import psycopg2

        return psycopg2.connect(url), "%s"
    if u.scheme in ("mysql", "mariadb"):
        import pymysql

        return (
            pymysql.connect(
                host=u.hostname or "127.0.0.1",
                port=u.port or 3306,
                user=unquote(u.username or "root"),
                password=unquote(u.password or ""),
                database=u.path.lstrip("/"),
                autocommit=False,
            ),
            "%s",
        )
    sys.exit(f"unsupported URL {url}")


def fit(samples, total):
    """t(total) from t(r) = a*r + b*r^2 fitted to samples (least squares)."""
    s22 = sum(r**2 for r, _ in samples)
    s23 = sum(r**3 for r, _ in samples)
    s24 = sum(r**4 for r, _ in samples)
    t1 = sum(r * t for r, t in samples)
    t2 = sum(r * r * t for r, t in samples)
    det = s22 * s24 - s23 * s23
    if det == 0:
        return None
    a = (t1 * s24 - t2 * s23) / det
    b = (s22 * t2 - s23 * t1) / det
    return a * total + b * total * total


def main():
    url = sys.argv[1]
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
    conn, mark = connect(url)
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM items")
    total = cur.fetchone()[0]
    conn.commit()
    start = time.monotonic()
    offset = rows = batches = 0
    samples = []
    finished = False
    while True:
        cur.execute(f"SELECT id FROM items ORDER BY id LIMIT {batch} OFFSET {offset}")
        ids = [r[0] for r in cur.fetchall()]
        if not ids:
            conn.commit()
            finished = True
            break
        marks = ", ".join([mark] * len(ids))
        cur.execute(f"UPDATE items SET hits = hits + 1 WHERE id IN ({marks})", ids)
        conn.commit()
        offset += batch
        rows += len(ids)
        batches += 1
        elapsed = time.monotonic() - start
        samples.append((rows, elapsed))
        if elapsed > timeout:
            break
    elapsed = time.monotonic() - start
    extrapolated = "-"
    if not finished and len(samples) > 2:
        guess = fit(samples, total)
        if guess is not None:
            extrapolated = f"{guess:.0f}"
    print(
        f"rows={rows} seconds={elapsed:.2f} finished={int(finished)} "
        f"batches={batches} extrapolated={extrapolated}"
    )


if __name__ == "__main__":
    main()
