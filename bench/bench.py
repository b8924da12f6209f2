#!/usr/bin/env python3
"""The benchmark of issue 8: migrate side by side with Alembic and with the
database's own client replaying the same SQL. Run it through
scripts/bench.sh; `scripts/bench.sh --help` lists the options.

Sections (--only picks some; all by default):

  apply      `upgrade` from empty, then `downgrade base`, for N in --apply-n,
             on each backend: migrate, `alembic upgrade head` /
             `alembic downgrade base`, and the floor: psql (or sqlite3)
             replaying migrate's own offline script (`upgrade --sql`,
             `downgrade --sql head:base`), which holds the same DDL, the same
             version-table writes and the same one-transaction-per-migration.
  inspect    whole-process `--help`, `heads`, `history`, `current`, `status`
             at N in --inspect-n, database at head, next to Alembic's
             `--help`, `heads`, `history`, `current`.
  noop       `upgrade` with N applied and nothing pending (what each replica
             pays at start-up), next to `alembic upgrade head`, and one
             round trip (`SELECT 1` timed inside psql) for the target.
  compile    building the migrations crate of the largest apply N: clean
             (empty target dir, dev profile), then incrementally after adding
             one migration, in the dev and the release profile.
  graph      `cargo bench -p migrate-core --bench graph` (Criterion: build,
             validate and resolve graphs of 10,000 and 100,000 revisions).
  backfill   only when named in --only: scripts/bench-backfill.sh (issue 7:
             a backfill of 1,000,000 rows next to one UPDATE and the
             LIMIT/OFFSET loop, on all three backends; about 40 minutes
             with its 10,000,000-row runs, BENCH_SKIP_10M=1 skips those),
             its table appended to this report.

Every timed process is run --runs times (at least 5) after --warmup untimed
runs, the tools interleaved run by run, and reported as min / median / max.
Peak RSS comes from wait4(2) of each timed process. Ratios are taken on the
medians. Standard library only; the Alembic side runs in a virtualenv that
this script creates with pip.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen  # noqa: E402  (bench/gen.py: the generated migrations of both tools)

MARKER = ".bench-inspect"  # shared with scripts/bench-inspect.sh: same layout
INSPECT_MS = 100.0
NOOP_MS = 50.0
FLOOR_RATIO = 1.10
INCREMENTAL_S = 15.0


def say(msg):
    print(f"==> {msg}", file=sys.stderr, flush=True)


def die(msg):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(2)


def load():
    with open("/proc/loadavg", encoding="utf-8") as f:
        return " ".join(f.read().split()[:3])


# --- running and timing -------------------------------------------------------


@dataclass
class Run:
    seconds: float
    rss_kib: int


@dataclass
class Series:
    runs: list = field(default_factory=list)

    def add(self, run):
        self.runs.append(run)

    def secs(self):
        return sorted(r.seconds for r in self.runs)

    def median(self):
        return statistics.median(self.secs())

    def peak_rss_mib(self):
        return max(r.rss_kib for r in self.runs) / 1024.0


def run(argv, env=None, cwd=None, stdin=None, log=None):
    """Runs argv to completion; returns its Run. A failure aborts the benchmark
    with the tail of the process's output."""
    out = open(log, "wb") if log else subprocess.DEVNULL
    inp = open(stdin, "rb") if stdin else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=inp, stdout=out, stderr=out)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
        if stdin:
            inp.close()
    if proc.returncode != 0:
        tail = ""
        if log:
            with open(log, encoding="utf-8", errors="replace") as f:
                tail = "".join(f.readlines()[-25:])
        die(f"`{' '.join(argv)}` exited with {proc.returncode}\n{tail}")
    return Run(seconds, usage.ru_maxrss)


def output(argv, env=None, cwd=None):
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        die(f"`{' '.join(argv)}` exited with {done.returncode}\n{done.stdout}{done.stderr}")
    return done.stdout


def fmt_s(series, unit="s"):
    if series is None or not series.runs:
        return "n/a"
    xs = series.secs()
    k, digits = (1000.0, 1) if unit == "ms" else (1.0, 2)
    return " / ".join(f"{x * k:,.{digits}f}" for x in (xs[0], statistics.median(xs), xs[-1]))


def ratio(a, b):
    if a is None or b is None or not a.runs or not b.runs:
        return "n/a"
    return f"{a.median() / b.median():.2f}"


# --- the two backends ---------------------------------------------------------


class Postgres:
    name = "postgres"

    def __init__(self, url):
        self.url = urllib.parse.urlsplit(url)
        if self.url.scheme not in ("postgres", "postgresql"):
            die(f"--postgres wants a postgres:// URL, got {url}")

    def _with_db(self, db):
        return self.url._replace(path="/" + db)

    def ours_url(self, db):
        return urllib.parse.urlunsplit(self._with_db(db)._replace(scheme="postgres"))

    def alembic_url(self, db):
        return urllib.parse.urlunsplit(self._with_db(db)._replace(scheme="postgresql+psycopg2"))

    def admin(self, sql):
        output(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql, urllib.parse.urlunsplit(self.url)])

    def fresh(self, db):
        self.admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.admin(f'CREATE DATABASE "{db}"')
        return db

    def drop(self, db):
        self.admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    def exists(self, db):
        out = output(["psql", "-X", "-At", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{db}'",
                      urllib.parse.urlunsplit(self.url)])
        return out.strip() == "1"

    def replay(self, db, script):
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", script, self.ours_url(db)], None

    def client(self):
        return output(["psql", "--version"]).strip()

    def server(self):
        return output(["psql", "-X", "-At", "-c", "SHOW server_version", urllib.parse.urlunsplit(self.url)]).strip()

    def round_trip(self):
        """Median of 200 `SELECT 1` inside one psql session, in seconds."""
        script = "\\timing on\n" + "SELECT 1;\n" * 200
        out = subprocess.run(["psql", "-X", "-q", urllib.parse.urlunsplit(self.url)], input=script,
                             capture_output=True, text=True, check=True).stdout
        times = [float(m) for m in re.findall(r"Time: ([0-9.]+) ms", out)]
        return statistics.median(times) / 1000.0


class Sqlite:
    name = "sqlite"

    def __init__(self, work):
        self.dir = os.path.join(work, "db")
        os.makedirs(self.dir, exist_ok=True)

    def path(self, db):
        return os.path.join(self.dir, db + ".db")

    def ours_url(self, db):
        return "sqlite:" + self.path(db)

    def alembic_url(self, db):
        return "sqlite:///" + self.path(db)

    def fresh(self, db):
        self.drop(db)
        return db

    def drop(self, db):
        for suffix in ("", "-journal", "-wal", "-shm"):
            if os.path.exists(self.path(db) + suffix):
                os.remove(self.path(db) + suffix)

    def exists(self, db):
        return os.path.exists(self.path(db))

    def replay(self, db, script):
        return ["sqlite3", "-bail", self.path(db)], script

    def client(self):
        return "sqlite3 " + output(["sqlite3", "--version"]).split()[0]

    def server(self):
        return "embedded"

    def round_trip(self):
        return 0.0


# --- the projects -------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        if os.path.isdir(self.work) and os.listdir(self.work) and not os.path.exists(os.path.join(self.work, MARKER)):
            die(f"{self.work} exists and was not made by the benchmark scripts (no {MARKER}); pick another --work")
        os.makedirs(os.path.join(self.work, "logs"), exist_ok=True)
        open(os.path.join(self.work, MARKER), "a").close()
        self.logs = os.path.join(self.work, "logs")
        self.target = os.path.join(self.work, "target")
        self.tool = os.path.join(self.work, "target-tool", "release", "migrate")
        self.venv = os.path.join(self.work, "venv")
        self.backends = []
        for b in args.backends:
            if b == "postgres":
                self.backends.append(Postgres(args.postgres))
            elif b == "sqlite":
                self.backends.append(Sqlite(self.work))
            else:
                die(f"unknown backend {b}: postgres or sqlite")
        self.out = []  # Markdown lines of the report

    # Our side: a crate per N, as bench-inspect.sh makes them.
    def project(self, n):
        return os.path.join(self.work, f"ours-{n}")

    def binary(self, n):
        return os.path.join(self.project(n), "bench-migrations")

    def build_tool(self):
        if os.path.exists(self.tool):
            return
        say("building the migrate tool (for `migrate init`)")
        env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(self.work, "target-tool"))
        run(["cargo", "build", "--release", "-q", "-p", "migrate-cli", "--bin", "migrate"], env=env, cwd=REPO,
            log=os.path.join(self.logs, "tool-build.log"))

    def generate(self, n):
        proj = self.project(n)
        if not os.path.exists(os.path.join(proj, "Cargo.toml")):
            self.build_tool()
            say(f"migrate init {proj}")
            output([self.tool, "init", proj, "--name", f"bench-migrations-{n}", "--workspace", REPO])
            shutil.copy(os.path.join(REPO, "Cargo.lock"), os.path.join(proj, "Cargo.lock"))
        gen.ours(os.path.join(proj, "src", "versions"), n, "linear")

    def build(self, n):
        self.generate(n)
        say(f"cargo build --release of {n} migrations, load {load()}")
        env = dict(os.environ, CARGO_TARGET_DIR=self.target)
        run(["cargo", "build", "--release"], env=env, cwd=self.project(n), log=os.path.join(self.logs, f"build-{n}.log"))
        tmp = self.binary(n) + ".new"
        shutil.copy(os.path.join(self.target, "release", f"bench-migrations-{n}"), tmp)
        os.replace(tmp, self.binary(n))

    def alembic_project(self, n):
        proj = os.path.join(self.work, f"alembic-{n}")
        gen.alembic(proj, n, "linear")
        return proj

    def prepare_venv(self):
        alembic = os.path.join(self.venv, "bin", "alembic")
        py = os.path.join(self.venv, "bin", "python")
        if not os.path.exists(alembic) or subprocess.run([py, "-c", "import psycopg2"], capture_output=True).returncode:
            say(f"creating {self.venv}: {self.args.alembic_spec}, psycopg2-binary")
            run([sys.executable, "-m", "venv", self.venv])
            run([os.path.join(self.venv, "bin", "pip"), "install", "-q", self.args.alembic_spec, "psycopg2-binary"],
                log=os.path.join(self.logs, "pip.log"))

    def ours(self, n, backend, db, *verb):
        env = dict(os.environ, DATABASE_URL=backend.ours_url(db), RUST_LOG="warn")
        return [self.binary(n), *verb], env

    def alembic(self, n, backend, db, *verb):
        env = dict(os.environ, BENCH_ALEMBIC_URL=backend.alembic_url(db))
        # A deployed Alembic project has its __pycache__: let Python write it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        ini = os.path.join(self.alembic_project(n), "alembic.ini")
        return [os.path.join(self.venv, "bin", "alembic"), "-c", ini, *verb], env

    def timed(self, argv_env, series, log=None, stdin=None):
        argv, env = argv_env
        r = run(argv, env=env, stdin=stdin, log=log)
        if series is not None:
            series.add(r)
        return r

    def with_alembic(self):
        return not self.args.no_alembic

    # --- apply and downgrade base ---------------------------------------------

    def floor_scripts(self, n, backend):
        up = os.path.join(self.project(n), f"floor-up-{backend.name}.sql")
        down = os.path.join(self.project(n), f"floor-down-{backend.name}.sql")
        for path, verb in ((up, ["upgrade", "--sql"]), (down, ["downgrade", "--sql", "head:base"])):
            argv, env = self.ours(n, backend, "floor", *verb)
            with open(path, "w", encoding="utf-8") as f:
                f.write(output(argv, env=env))
        return up, down

    def check_at_head(self, n, backend, db):
        argv, env = self.ours(n, backend, db, "current")
        if "(head)" not in output(argv, env=env):
            die(f"{backend.name} database {db}: not at head after the run")

    def apply(self, n, backend):
        up, down = self.floor_scripts(n, backend)
        tools = {"floor": (Series(), Series()), "migrate": (Series(), Series())}
        if self.with_alembic():
            tools["alembic"] = (Series(), Series())
        log = os.path.join(self.logs, f"apply-{backend.name}-{n}.log")
        for i in range(self.args.warmup + self.args.runs):
            timed = i >= self.args.warmup
            for tool, (ups, downs) in tools.items():
                db = backend.fresh(f"bench_apply_{tool}_{n}")
                say(f"{backend.name} N={n} {tool} run {i + 1 - self.args.warmup if timed else 'warm-up'}, load {load()}")
                if tool == "floor":
                    argv, stdin = backend.replay(db, up)
                    self.timed((argv, None), ups if timed else None, log=log, stdin=stdin)
                    if i == 0:
                        self.check_at_head(n, backend, db)
                    argv, stdin = backend.replay(db, down)
                    self.timed((argv, None), downs if timed else None, log=log, stdin=stdin)
                elif tool == "migrate":
                    self.timed(self.ours(n, backend, db, "upgrade"), ups if timed else None, log=log)
                    if i == 0:
                        self.check_at_head(n, backend, db)
                    self.timed(self.ours(n, backend, db, "downgrade", "base"), downs if timed else None, log=log)
                else:
                    self.timed(self.alembic(n, backend, db, "upgrade", "head"), ups if timed else None, log=log)
                    self.timed(self.alembic(n, backend, db, "downgrade", "base"), downs if timed else None, log=log)
                backend.drop(db)
        return tools

    def report_apply(self, results):
        floor_name = {"postgres": "psql", "sqlite": "sqlite3"}
        for k, (title, target) in enumerate((("Apply: `upgrade` from empty", "upgrade"),
                                              ("Downgrade: `downgrade base` from head", "downgrade"))):
            self.out += [f"### {title}", "",
                         "Seconds, min / median / max. Ratios on the medians. Peak RSS: of the whole process.", "",
                         "| backend | N | migrate | Alembic | floor (client replays the script) "
                         "| migrate / floor | Alembic / floor | migrate / Alembic | peak RSS migrate / Alembic (MiB) |",
                         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for (backend, n), tools in results:
                ours, floor = tools["migrate"][k], tools["floor"][k]
                alembic = tools["alembic"][k] if "alembic" in tools else None
                rss = f"{ours.peak_rss_mib():.1f} / " + (f"{alembic.peak_rss_mib():.1f}" if alembic else "n/a")
                self.out.append(
                    f"| {backend} ({floor_name[backend]}) | {n:,} | {fmt_s(ours)} | {fmt_s(alembic)} | {fmt_s(floor)} "
                    f"| **{ratio(ours, floor)}** | {ratio(alembic, floor)} | {ratio(ours, alembic)} | {rss} |")
            self.out.append("")
        self.out.append(f"Target: migrate within {FLOOR_RATIO:.2f}x of the floor.")
        self.out.append("")

    # --- inspection and no-op upgrade ------------------------------------------

    def at_head(self, n, backend, tool):
        """A database at head for `tool`, kept between runs of the script."""
        db = f"bench_head_{tool}_{n}"
        if backend.exists(db):
            argv, env = (self.ours if tool == "migrate" else self.alembic)(n, backend, db, "current")
            if "(head)" in output(argv, env=env):
                return db
        backend.fresh(db)
        say(f"{backend.name}: bringing {db} to head with {tool}, load {load()}")
        log = os.path.join(self.logs, f"head-{backend.name}-{tool}-{n}.log")
        if tool == "migrate":
            r = self.timed(self.ours(n, backend, db, "upgrade"), None, log=log)
        else:
            r = self.timed(self.alembic(n, backend, db, "upgrade", "head"), None, log=log)
        say(f"{db}: {r.seconds:.1f}s")
        return db

    def inspect(self, n, backend):
        verbs = {"migrate": ["--help", "heads", "history", "current", "status"],
                 "alembic": ["--help", "heads", "history", "current"]}
        sides = ["migrate"] + (["alembic"] if self.with_alembic() else [])
        dbs = {side: self.at_head(n, backend, side) for side in sides}
        got = {}
        for side in sides:
            cmd = self.ours if side == "migrate" else self.alembic
            for verb in verbs[side]:
                series = got.setdefault((side, verb), Series())
                say(f"{backend.name} N={n} {side} {verb}, load {load()}")
                for i in range(self.args.warmup + self.args.runs):
                    self.timed(cmd(n, backend, dbs[side], verb), series if i >= self.args.warmup else None)
        return got

    def report_inspect(self, results):
        self.out += ["### Inspection, database at head", "",
                     "Whole-process wall time in ms, min / median / max. Ratio = migrate / Alembic on the medians.",
                     "",
                     f"| backend | N | command | migrate (ms) | Alembic (ms) | ratio | migrate < {INSPECT_MS:.0f} ms "
                     "| peak RSS migrate / Alembic (MiB) |",
                     "| --- | ---: | --- | ---: | ---: | ---: | :---: | ---: |"]
        for (backend, n), got in results:
            for verb in ["--help", "heads", "history", "current", "status"]:
                ours = got[("migrate", verb)]
                alembic = got.get(("alembic", verb))
                ok = "yes" if ours.median() * 1000 < INSPECT_MS else "**no**"
                rss = f"{ours.peak_rss_mib():.1f} / " + (f"{alembic.peak_rss_mib():.1f}" if alembic else "n/a")
                self.out.append(f"| {backend} | {n:,} | `{verb}` | {fmt_s(ours, 'ms')} | {fmt_s(alembic, 'ms')} "
                                f"| {ratio(ours, alembic)} | {ok if verb != '--help' else '(baseline)'} | {rss} |")
        self.out.append("")

    def noop(self, n, backend):
        sides = ["migrate"] + (["alembic"] if self.with_alembic() else [])
        dbs = {side: self.at_head(n, backend, side) for side in sides}
        got = {side: Series() for side in sides}
        for i in range(self.args.warmup + self.args.runs * 2):
            for side in sides:
                cmd = self.ours(n, backend, dbs[side], "upgrade") if side == "migrate" \
                    else self.alembic(n, backend, dbs[side], "upgrade", "head")
                self.timed(cmd, got[side] if i >= self.args.warmup else None)
        return got, backend.round_trip()

    def report_noop(self, results):
        self.out += ["### No-op `upgrade`: everything applied, nothing pending", "",
                     "Whole-process wall time in ms, min / median / max.", "",
                     "| backend | N applied | migrate `upgrade` (ms) | `alembic upgrade head` (ms) | ratio "
                     f"| one round trip (ms) | target: {NOOP_MS:.0f} ms + one round trip | peak RSS migrate (MiB) |",
                     "| --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: |"]
        for (backend, n), (got, rtt) in results:
            ours = got["migrate"]
            ok = "met" if ours.median() < NOOP_MS / 1000 + rtt else "**missed**"
            self.out.append(f"| {backend} | {n:,} | {fmt_s(ours, 'ms')} | {fmt_s(got.get('alembic'), 'ms')} "
                            f"| {ratio(ours, got.get('alembic'))} | {rtt * 1000:.3f} | {ok} | {ours.peak_rss_mib():.1f} |")
        self.out.append("")

    # --- compile time ----------------------------------------------------------

    def compile(self, n):
        """Clean dev build, then incremental dev and release builds after adding
        one migration (and untimed builds after removing it again)."""
        self.generate(n)
        proj = self.project(n)
        target = os.path.join(self.work, "target-compile")
        env = dict(os.environ, CARGO_TARGET_DIR=target)
        log = os.path.join(self.logs, f"compile-{n}.log")
        extra = os.path.join(proj, "src", "versions", f"{n + 1:05d}-ffffffffffff_added.rs")
        last = gen.ids(n)[-1]
        added = gen.OURS.format(i=n + 1, n=n + 1, id="ffffffffffff", revises=f'"{last}"', labels="",
                                parent_doc=last)
        if os.path.exists(extra):
            os.remove(extra)
        got = {}
        if self.args.clean_build and os.path.exists(target):
            say(f"removing {target} for the clean builds")
            shutil.rmtree(target)
        for profile, flags in (("dev", []), ("release", ["--release"])):
            say(f"{profile} build of {n} migrations (clean: {not os.path.exists(os.path.join(target, 'release' if flags else 'debug'))}), load {load()}")
            got[(profile, "clean")] = run(["cargo", "build", *flags], env=env, cwd=proj, log=log)
            # The crate alone, dependencies built: what `cargo clean -p` leaves.
            run(["cargo", "clean", "-p", f"bench-migrations-{n}", *flags], env=env, cwd=proj, log=log)
            say(f"{profile} build of the crate alone, load {load()}")
            got[(profile, "crate")] = run(["cargo", "build", *flags], env=env, cwd=proj, log=log)
            series = Series()
            for i in range(3):
                with open(extra, "w", encoding="utf-8") as f:
                    f.write(added)
                say(f"{profile}: added one migration, build {i + 1}, load {load()}")
                series.add(run(["cargo", "build", *flags], env=env, cwd=proj, log=log))
                os.remove(extra)
                run(["cargo", "build", *flags], env=env, cwd=proj, log=log)
            got[(profile, "incremental")] = series
        return got

    def report_compile(self, n, got):
        self.out += [f"### Compile time, {n:,} migrations", "",
                     "Wall time in s. Clean: an empty target dir, so every dependency too. Crate alone: after "
                     "`cargo clean -p`. One migration added: min / median / max of 3.", "",
                     "| profile | clean | crate alone | one migration added | "
                     f"target: incremental < {INCREMENTAL_S:.0f} s |",
                     "| --- | ---: | ---: | ---: | :---: |"]
        for profile in ("dev", "release"):
            inc = got[(profile, "incremental")]
            ok = "met" if inc.median() < INCREMENTAL_S else "**missed**"
            self.out.append(f"| {profile} | {got[(profile, 'clean')].seconds:.1f} | {got[(profile, 'crate')].seconds:.1f} "
                            f"| {fmt_s(inc)} | {ok} |")
        self.out.append("")

    # --- graph micro-benchmarks --------------------------------------------------

    def graph(self):
        say(f"cargo bench -p migrate-core --bench graph, load {load()}")
        # The workspace's own target dir: what `cargo test` already built is reused.
        run(["cargo", "bench", "-p", "migrate-core", "--bench", "graph"], cwd=REPO,
            log=os.path.join(self.logs, "graph.log"))
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
        root = os.path.join(target, "criterion")
        rows = []
        for dirpath, _, files in os.walk(root):
            if "estimates.json" in files and os.path.basename(dirpath) == "new":
                with open(os.path.join(dirpath, "estimates.json"), encoding="utf-8") as f:
                    est = json.load(f)
                bench_id = os.path.relpath(os.path.dirname(dirpath), root)
                with open(os.path.join(dirpath, "benchmark.json"), encoding="utf-8") as f:
                    meta = json.load(f)
                rows.append((meta.get("full_id", bench_id), est["median"]["point_estimate"],
                             est["median"]["confidence_interval"]))
        rows.sort()
        self.out += ["### Graph micro-benchmarks (Criterion)", "",
                     "Median time per iteration, with Criterion's 95% confidence interval.", "",
                     "| benchmark | median | 95% CI |", "| --- | ---: | ---: |"]
        for name, med, ci in rows:
            self.out.append(f"| `{name}` | {human(med)} | {human(ci['lower_bound'])} – {human(ci['upper_bound'])} |")
        self.out.append("")

    # --- the backfill benchmark of issue 7 ---------------------------------------

    def backfill(self):
        say(f"scripts/bench-backfill.sh, load {load()}")
        env = dict(os.environ, BENCH_WORK=self.work)
        run(["bash", os.path.join(REPO, "scripts", "bench-backfill.sh")], env=env,
            log=os.path.join(self.logs, "backfill.log"))
        with open(os.path.join(self.work, "backfill", "results.md"), encoding="utf-8") as f:
            self.out += ["### Batched backfill (scripts/bench-backfill.sh)", "", f.read().strip(), ""]

    # --- the machine ---------------------------------------------------------------

    def machine(self):
        cpu = "?"
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as f:
            mem = int(f.readline().split()[1]) / 1048576
        head = output(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]).strip()
        dirty = output(["git", "-C", REPO, "status", "--porcelain", "--", "migrate-core", "migrate-cli",
                        "migrate-macros"]).strip()
        lines = [f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
                 f"cpu: {cpu}, nproc {os.cpu_count()}",
                 f"memory: {mem:.1f} GiB",
                 f"os: {platform.platform()}",
                 f"rustc: {output(['rustc', '--version']).strip()}",
                 f"workspace: {head}{' + uncommitted changes in the crates' if dirty else ''}",
                 f"runs: {self.args.runs} timed after {self.args.warmup} warm-up"]
        for b in self.backends:
            lines.append(f"{b.name}: server {b.server()}, client {b.client()}")
        if self.with_alembic():
            py = os.path.join(self.venv, "bin", "python")
            lines.append("alembic: " + output([py, "-c", "import sys, alembic, sqlalchemy, sqlite3; "
                                                   "print(f'{alembic.__version__} with SQLAlchemy "
                                                   "{sqlalchemy.__version__}, Python {sys.version.split()[0]}, "
                                                   "its sqlite {sqlite3.sqlite_version}')"]).strip())
        return lines


def human(ns):
    for unit, k in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= k:
            return f"{ns / k:.2f} {unit}"
    return f"{ns:.0f} ns"


def ints(text):
    try:
        out = [int(x) for x in re.split(r"[,\s]+", text.strip()) if x]
    except ValueError:
        raise argparse.ArgumentTypeError(f"a list of integers, got {text!r}")
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError(f"positive integers, got {text!r}")
    return out


DEFAULT_SECTIONS = ["apply", "inspect", "noop", "compile", "graph"]
SECTIONS = DEFAULT_SECTIONS + ["backfill"]


def main():
    env = os.environ.get
    p = argparse.ArgumentParser(
        prog="scripts/bench.sh", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n", 1)[1],
        epilog="Results: printed, and written to WORK/results/bench.md with a dated copy "
               "(WORK/results/bench-<UTC time>.md). Logs of every process: WORK/logs/.\n"
               "A full run with the defaults takes about 45 minutes on a 2-core machine.")
    p.add_argument("--only", type=lambda s: [x for x in re.split(r"[,\s]+", s) if x],
                   default=env("BENCH_ONLY", ",".join(DEFAULT_SECTIONS)).split(","),
                   help=f"sections, comma separated: {', '.join(SECTIONS)} "
                        f"[BENCH_ONLY; all but backfill]")
    p.add_argument("--backends", type=lambda s: s.split(","), default=env("BENCH_BACKENDS", "postgres,sqlite").split(","),
                   help="postgres, sqlite [BENCH_BACKENDS; both]")
    p.add_argument("--apply-n", type=ints, default=ints(env("BENCH_APPLY_N", "300,2000")),
                   help="migration counts for apply, downgrade and no-op [BENCH_APPLY_N; 300,2000]")
    p.add_argument("--inspect-n", type=ints, default=ints(env("BENCH_INSPECT_N", "2000,10000")),
                   help="revision counts for inspection [BENCH_INSPECT_N; 2000,10000]")
    p.add_argument("--runs", type=int, default=int(env("BENCH_RUNS", "5")), help="timed runs, at least 5 [BENCH_RUNS; 5]")
    p.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", "1")), help="untimed runs first [BENCH_WARMUP; 1]")
    p.add_argument("--postgres", default=env("MIGRATE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
                   help="server to use; databases bench_* are created and dropped there [MIGRATE_TEST_POSTGRES_URL]")
    p.add_argument("--work", default=env("BENCH_WORK", os.path.join(REPO, "bench", "work")),
                   help="generated projects, builds, virtualenv, results [BENCH_WORK; bench/work]")
    p.add_argument("--no-alembic", action="store_true", default=env("BENCH_ALEMBIC") == "0",
                   help="skip the Alembic side [BENCH_ALEMBIC=0]")
    p.add_argument("--keep-build", dest="clean_build", action="store_false",
                   default=env("BENCH_CLEAN_BUILD", "1") == "1",
                   help="compile: keep WORK/target-compile, so the \"clean\" builds only rebuild what changed "
                        "(the default empties it first) [BENCH_CLEAN_BUILD=0]")
    p.add_argument("--alembic-spec", default=env("BENCH_ALEMBIC_SPEC", "alembic>=1,<2"),
                   help="pip requirement for Alembic [BENCH_ALEMBIC_SPEC; alembic>=1,<2]")
    args = p.parse_args()
    if args.runs < 5:
        die("--runs must be at least 5")
    for s in args.only:
        if s not in SECTIONS:
            die(f"unknown section {s}: {', '.join(SECTIONS)}")
    for tool in ["cargo", "python3"] + (["psql"] if "postgres" in args.backends else []) \
            + (["sqlite3"] if "sqlite" in args.backends else []):
        if shutil.which(tool) is None:
            die(f"{tool} not found on PATH")

    bench = Bench(args)
    started = time.time()
    if bench.with_alembic() and set(args.only) & {"apply", "inspect", "noop"}:
        bench.prepare_venv()
    needs = set()
    if "apply" in args.only or "noop" in args.only:
        needs |= set(args.apply_n)
    if "inspect" in args.only:
        needs |= set(args.inspect_n)
    for n in sorted(needs):
        bench.build(n)

    if "apply" in args.only:
        bench.report_apply([((b.name, n), bench.apply(n, b)) for b in bench.backends for n in args.apply_n])
    if "noop" in args.only:
        n = max(args.apply_n)
        bench.report_noop([((b.name, n), bench.noop(n, b)) for b in bench.backends])
    if "inspect" in args.only:
        bench.report_inspect([((b.name, n), bench.inspect(n, b)) for b in bench.backends for n in args.inspect_n])
    if "compile" in args.only:
        n = max(args.apply_n)
        bench.report_compile(n, bench.compile(n))
    if "graph" in args.only:
        bench.graph()
    if "backfill" in args.only:
        bench.backfill()

    report = ["```text", *bench.machine(), f"load average after the run: {load()}",
              f"wall time of the run: {(time.time() - started) / 60:.1f} min", "```", "", *bench.out]
    text = "\n".join(report) + "\n"
    results = os.path.join(bench.work, "results")
    os.makedirs(results, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for name in ("bench.md", f"bench-{stamp}.md"):
        with open(os.path.join(results, name), "w", encoding="utf-8") as f:
            f.write(text)
    print(text)
    say(f"written to {os.path.join(results, 'bench.md')}")


if __name__ == "__main__":
    main()
