#!/usr/bin/env python3
"""Turns the timing files of scripts/bench-inspect.sh into a Markdown table.

    summarize.py RESULTS_DIR

RESULTS_DIR holds one `<side>-<n>-<verb>.json` per timed command, either
hyperfine's --export-json or the same shape written by the script's fallback
timer ({"results": [{"command": ..., "times": [seconds, ...]}]}), plus
optional `<side>-<n>-<verb>.load` (/proc/loadavg when its timing started),
`apply-<side>-<n>.txt` (seconds, one number) and
`build-<n>.txt` (key=value lines). Standard library only.
"""

import json
import os
import re
import statistics
import sys

VERBS = [
    ("--help", "`--help` (process start)"),
    ("heads", "`heads`"),
    ("history", "`history`"),
    ("current", "`current`"),
    ("show-label", "`show b07@head` (resolves `<label>@head`)"),
    ("status", "`status` (no Alembic equivalent)"),
    ("schema", "`schema`: the schema at the heads, replayed (no Alembic equivalent)"),
    ("schema-sql", "`schema --format sql` (no Alembic equivalent)"),
    ("autogenerate", "`revision --autogenerate`, nothing to write (Alembic: with the database at head; it writes an empty file)"),
    ("check", "`check`: the model gate (ours: with every other check, no database; Alembic: `alembic check`, with the database)"),
    ("lint", "`lint`: every revision on every backend, no database (no Alembic equivalent)"),
    ("current-vt", "`current`, version tables only"),
    ("status-vt", "`status`, version tables only"),
]
TARGET_MS = 100.0
# Issue 21's targets for the model comparison, whole process.
TARGETS_MS = {"autogenerate": 200.0, "check": 200.0}


def load(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    times = data["results"][0]["times"]
    ms = sorted(t * 1000.0 for t in times)
    return {
        "runs": len(ms),
        "min": ms[0],
        "median": statistics.median(ms),
        "max": ms[-1],
        "mean": statistics.fmean(ms),
    }


def fmt(s):
    if s is None:
        return "n/a"
    return f"{s['min']:.1f} / {s['median']:.1f} / {s['max']:.1f}"


def load_of(results, side, n, verb):
    """The 1-minute load average when the command's timing started."""
    path = os.path.join(results, f"{side}-{n}-{verb}.load")
    if not os.path.exists(path):
        return "?"
    return open(path, encoding="utf-8").read().split()[0]


def read_kv(path):
    out = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    out[k] = v
    return out


def main(results):
    found = {}
    ns = set()
    for name in os.listdir(results):
        m = re.fullmatch(r"(ours|alembic)-(\d+)-(.+)\.json", name)
        if m:
            side, n, verb = m.group(1), int(m.group(2)), m.group(3)
            found[(side, n, verb)] = load(os.path.join(results, name))
            ns.add(n)
    if not found:
        sys.exit(f"summarize.py: no timings in {results}")

    runs = sorted({s["runs"] for s in found.values()})
    print(
        "Whole-process wall time in ms, min / median / max over "
        + "/".join(str(r) for r in runs)
        + " runs; ratio = ours / Alembic on the medians; "
        + f"target: ours < {TARGET_MS:.0f} ms (200 ms for autogenerate and check; every run); load avg: the 1-minute "
        + "load average when the command's runs started (migrate / Alembic).\n"
    )
    print("| N | command | migrate (ms) | Alembic (ms) | ratio | within target | load avg |")
    print("| ---: | --- | ---: | ---: | ---: | :---: | --- |")
    for n in sorted(ns):
        for verb, label in VERBS:
            ours = found.get(("ours", n, verb))
            alembic = found.get(("alembic", n, verb))
            if ours is None and alembic is None:
                continue
            ratio = (
                f"{ours['median'] / alembic['median']:.3f}"
                if ours and alembic
                else "n/a"
            )
            target = TARGETS_MS.get(verb, TARGET_MS)
            ok = "" if ours is None else ("yes" if ours["max"] < target else "no")
            if verb == "--help" and ours is not None:
                ok = "(baseline)"
            loads = " / ".join(
                load_of(results, side, n, verb)
                for side in ("ours", "alembic")
                if (side, n, verb) in found
            )
            print(f"| {n:,} | {label} | {fmt(ours)} | {fmt(alembic)} | {ratio} | {ok} | {loads} |")

    applies = []
    for n in sorted(ns):
        row = []
        for side in ("ours", "alembic"):
            path = os.path.join(results, f"apply-{side}-{n}.txt")
            row.append(float(open(path).read().strip()) if os.path.exists(path) else None)
        if any(v is not None for v in row):
            applies.append((n, row))
    if applies:
        print("\nApplying N migrations to an empty SQLite file (`upgrade` / `alembic upgrade head`), one run:\n")
        print("| N | migrate (s) | Alembic (s) | ratio |")
        print("| ---: | ---: | ---: | ---: |")
        for n, (ours, alembic) in applies:
            ratio = f"{ours / alembic:.3f}" if ours and alembic else "n/a"
            show = lambda v: "n/a" if v is None else f"{v:.1f}"
            print(f"| {n:,} | {show(ours)} | {show(alembic)} | {ratio} |")

    builds = [(n, read_kv(os.path.join(results, f"build-{n}.txt"))) for n in sorted(ns)]
    builds = [(n, b) for n, b in builds if b]
    if builds:
        print("\nRelease build of the generated crate (cargo build --release):\n")
        print(
            "| N | target dir | wall (s) | lib crate (s) | its frontend (s) | its codegen (s) "
            "| bin crate + link (s) | binary (MiB) | load avg |"
        )
        print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for n, b in builds:
            g = lambda k: b.get(k, "n/a")
            print(
                f"| {n:,} | {g('kind')} | {g('total_s')} | {g('lib_s')} | {g('lib_frontend_s')} "
                f"| {g('lib_codegen_s')} | {g('bin_s')} | {g('binary_mib')} | {g('load')} |"
            )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
