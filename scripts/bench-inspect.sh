#!/usr/bin/env bash
# shellcheck shell=bash
#
# bench-inspect.sh: whole-process time of the inspection verbs (`heads`,
# `history`, `current`, `status`, `schema`) of a migrations binary with a generated
# graph of N revisions (linear, or with 50 labelled branches and 25 merges),
# on SQLite at head, next to Alembic's `heads`, `history` and `current` on the
# same graph. See BENCHMARKS.md.
#
# Run `scripts/bench-inspect.sh --help` for the options.

set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/bench-inspect.sh [OPTIONS]

For each N, generates (or reuses) two projects of N revisions (a line, or
with --shape branched 25 sections of a trunk revision, two labelled branches
and their merge: 50 branches, 25 merges, one head), each creating a table
with 3 columns and an index:
  - a migrate crate (`migrate init` + N files in src/versions/), built with
    `cargo build --release --timings` (one target dir for every N, so the
    dependencies are built once);
  - an Alembic project (alembic.ini, env.py, versions/), run by an Alembic 1.x
    installed from PyPI into a virtualenv;
brings a fresh SQLite file to head with each (timed once), then times the
inspection commands as whole processes (hyperfine if installed, else a
`date +%s%N` loop) and prints a Markdown table: min / median / max and
ours / Alembic ratios. `--help` of each is timed as a process-start baseline,
and `current` / `status` once more against a copy of the database that holds
only the version tables (bench-vt.db): on SQLite, opening a database with
2 N tables and indexes costs ~5 us per schema object whoever reads it.
With --shape branched, `show b07@head` (resolving `<label>@head`) is timed
too.

Options (each also has an environment variable):
  -n, --n LIST         revision counts, comma/space separated  [BENCH_N="2000 10000"]
      --shape S        linear | branched                        [BENCH_SHAPE=linear]
  -r, --runs K         timed runs per command, at least 5       [BENCH_RUNS=10]
  -w, --warmup K       untimed runs before them                 [BENCH_WARMUP=2]
      --work DIR       generated projects, builds, venv, results [BENCH_WORK=bench/work,
                       bench/work-branched for --shape branched]
      --workspace DIR  the migrate workspace to build against    [BENCH_WORKSPACE=this repo]
      --no-alembic     skip the Alembic side                     [BENCH_ALEMBIC=0]
      --keep-db        reuse a database already at head: no apply timing [BENCH_KEEP_DB=1]
      --clean-build    delete the target dir before each N's build, so each
                       build time is a clean build             [BENCH_CLEAN_BUILD=1]
      --timer T        hyperfine | loop                         [BENCH_TIMER=hyperfine if found]
      --alembic-spec S pip requirement for Alembic              [BENCH_ALEMBIC_SPEC="alembic>=1,<2"]
  -h, --help           this text

Everything goes under the work dir (default bench/work, ignored by
bench/.gitignore): ours-N/ (crate, its bench-migrations binary, bench.db,
bench-vt.db),
alembic-N/ (project, bench.db, bench-vt.db), target/ (cargo's, shared by every N),
target-tool/ (the `migrate` binary used for `init`), venv/, logs/, results/
(results.md and build/apply times of the latest run; runs/<UTC time>/ the
JSON timings of each run). Re-running
reuses all of it; cargo rebuilds only what changed. The script deletes only
files it creates there (the bench*.db files, and target/ with
--clean-build), and only in a work dir it created (marker file
.bench-inspect).

Examples:
  scripts/bench-inspect.sh                        # N = 2000 and 10000, 10 runs each
  scripts/bench-inspect.sh -n 500 -r 5            # a quick check
  BENCH_N=10000 scripts/bench-inspect.sh --keep-db --no-alembic
  scripts/bench-inspect.sh -n 10000 --shape branched -r 5   # the branched graph
EOF
}

die() { echo "bench-inspect: $*" >&2; exit 2; }
say() { echo "==> $*" >&2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ns=${BENCH_N:-"2000 10000"}
shape=${BENCH_SHAPE:-linear}
runs=${BENCH_RUNS:-10}
warmup=${BENCH_WARMUP:-2}
work=${BENCH_WORK:-}
workspace=${BENCH_WORKSPACE:-$repo}
with_alembic=${BENCH_ALEMBIC:-1}
keep_db=${BENCH_KEEP_DB:-0}
clean_build=${BENCH_CLEAN_BUILD:-0}
alembic_spec=${BENCH_ALEMBIC_SPEC:-"alembic>=1,<2"}
if command -v hyperfine >/dev/null 2>&1; then timer=${BENCH_TIMER:-hyperfine}; else timer=${BENCH_TIMER:-loop}; fi

while [ $# -gt 0 ]; do
    case $1 in
        -n|--n) ns=${2:?}; shift 2 ;;
        --shape) shape=${2:?}; shift 2 ;;
        -r|--runs) runs=${2:?}; shift 2 ;;
        -w|--warmup) warmup=${2:?}; shift 2 ;;
        --work) work=${2:?}; shift 2 ;;
        --workspace) workspace=${2:?}; shift 2 ;;
        --no-alembic) with_alembic=0; shift ;;
        --keep-db) keep_db=1; shift ;;
        --clean-build) clean_build=1; shift ;;
        --timer) timer=${2:?}; shift 2 ;;
        --alembic-spec) alembic_spec=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench-inspect: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

case $shape in
    linear) work=${work:-$repo/bench/work} ;;
    branched) work=${work:-$repo/bench/work-branched} ;;
    *) die "--shape is linear or branched, got '$shape'" ;;
esac
ns=$(echo "$ns" | tr ',' ' ')
for n in $ns; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n'"; done
{ [[ $runs =~ ^[0-9]+$ ]] && [ "$runs" -ge 5 ]; } || die "--runs must be at least 5, got '$runs'"
[[ $warmup =~ ^[0-9]+$ ]] || die "--warmup must be a number, got '$warmup'"
case $timer in hyperfine|loop) ;; *) die "--timer is hyperfine or loop" ;; esac
[ "$timer" = loop ] || command -v hyperfine >/dev/null || die "hyperfine not found (apt-get install hyperfine, or --timer loop)"
[ -f "$workspace/migrate-core/Cargo.toml" ] || die "$workspace is not the migrate workspace"
workspace=$(cd "$workspace" && pwd)
command -v cargo >/dev/null || die "cargo not found"
command -v python3 >/dev/null || die "python3 not found"
py=python3

# The work dir: created here, or one this script created before.
if [ -e "$work" ] && [ ! -e "$work/.bench-inspect" ] && [ -n "$(ls -A "$work" 2>/dev/null)" ]; then
    die "$work exists and was not made by this script (no .bench-inspect marker); pick another --work"
fi
mkdir -p "$work/results" "$work/logs"
touch "$work/.bench-inspect"
work=$(cd "$work" && pwd)
results=$work/results
# The timings of this run only; older runs stay in results/runs/.
stamp=$(date -u +%Y%m%dT%H%M%SZ)
run_dir=$results/runs/$stamp
mkdir -p "$run_dir"

# --- timing -----------------------------------------------------------------

# time_cmd OUT.json CMD ARGS...: $warmup untimed runs, then $runs timed runs.
# Standard output and error go to /dev/null; a failing run aborts the script.
time_cmd() {
    local out=$1; shift
    load >"${out%.json}.load"
    # BENCH_PREPARE: a command run (untimed) before each run.
    local prepare=${BENCH_PREPARE:-}
    if [ "$timer" = hyperfine ]; then
        hyperfine --shell=none --warmup "$warmup" --runs "$runs" --style none \
            ${prepare:+--prepare "$prepare"} \
            --export-json "$out" "$(printf '%q ' "$@")" >/dev/null
    else
        local i t0 t1 times=""
        for ((i = 0; i < warmup; i++)); do
            [ -n "$prepare" ] && sh -c "$prepare"
            "$@" >/dev/null 2>&1
        done
        for ((i = 0; i < runs; i++)); do
            [ -n "$prepare" ] && sh -c "$prepare"
            t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
            times+="${times:+,}$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.9f", d / 1e9 }')"
        done
        printf '{"results": [{"command": "%s", "times": [%s]}]}\n' "$*" "$times" >"$out"
    fi
}

# seconds since $1 (a date +%s%N), with one decimal.
since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

load() { cut -d' ' -f1-3 /proc/loadavg; }

# --- our side ---------------------------------------------------------------

tool=$work/target-tool/release/migrate

build_tool() {
    say "building the migrate tool (for init) into $work/target-tool"
    (cd "$workspace" && CARGO_TARGET_DIR=$work/target-tool cargo build --release -q -p migrate-cli --bin migrate) \
        >"$work/logs/tool-build.log" 2>&1 || { cat "$work/logs/tool-build.log" >&2; die "building the migrate tool failed"; }
}

prepare_ours() {
    local n=$1 proj=$work/ours-$1
    if [ ! -f "$proj/Cargo.toml" ]; then
        [ -x "$tool" ] || build_tool
        say "init $proj"
        # One package name per N: cargo names artifacts by package name and a
        # hash that, for a path package, does not include where it is, so two
        # crates both named bench-migrations would keep evicting each other
        # from the shared target dir.
        "$tool" init "$proj" --name "bench-migrations-$n" --workspace "$workspace" >/dev/null
        # Same dependency versions as the workspace; cargo adds the new package.
        cp "$workspace/Cargo.lock" "$proj/Cargo.lock"
    fi
    grep -q "^name = \"bench-migrations-$n\"" "$proj/Cargo.toml" \
        || die "$proj was made by an older version of this script: delete it (rm -r $proj) and run again"
    say "generating $n migrate migrations"
    "$py" "$repo/bench/gen.py" ours "$proj/src/versions" "$n" "$shape"

    local target=$work/target kind
    if [ "$clean_build" = 1 ] && [ -d "$target" ]; then
        say "--clean-build: removing $target"
        rm -rf "$target"
    fi
    if [ -d "$target/release" ]; then kind="dependencies built"; else kind=clean; fi
    say "cargo build --release ($kind) of $n migrations, load $(load)"
    rm -rf "$target/cargo-timings"
    local t0; t0=$(date +%s%N)
    if ! (cd "$proj" && CARGO_TARGET_DIR=$target cargo build --release --timings) >"$work/logs/build-$n.log" 2>&1; then
        tail -40 "$work/logs/build-$n.log" >&2
        die "cargo build of $proj failed (log: $work/logs/build-$n.log)"
    fi
    local total; total=$(since "$t0")
    # Keep each N's binary next to its crate (--clean-build deletes target/).
    cp "$target/release/bench-migrations-$n" "$proj/bench-migrations.new"
    mv "$proj/bench-migrations.new" "$proj/bench-migrations"
    if grep -q "Compiling bench-migrations-$n " "$work/logs/build-$n.log"; then
        local html; html=$(find "$target/cargo-timings" -name 'cargo-timing-*.html' 2>/dev/null | head -1)
        {
            echo "kind=$kind"
            echo "total_s=$total"
            [ -n "$html" ] && "$py" "$repo/bench/timings.py" "$html" "bench-migrations-$n"
            echo "binary_mib=$(awk -v b="$(stat -c %s "$proj/bench-migrations")" 'BEGIN { printf "%.1f", b / 1048576 }')"
            echo "load=$(load)"
        } >"$results/build-$n.txt"
        cp "$results/build-$n.txt" "$run_dir/"
        say "built in ${total}s: $(tr '\n' ' ' <"$results/build-$n.txt")"
    else
        say "cargo had nothing to rebuild; build time of the last build kept in $results/build-$n.txt"
        [ -f "$results/build-$n.txt" ] && cp "$results/build-$n.txt" "$run_dir/"
    fi
}

bin_of() { echo "$work/ours-$1/bench-migrations"; }

apply_ours() {
    local n=$1 proj=$work/ours-$1 bin; bin=$(bin_of "$1")
    export DATABASE_URL=sqlite:$proj/bench.db
    if [ "$keep_db" = 1 ] && [ -f "$proj/bench.db" ] \
        && (cd "$proj" && "$bin" current 2>/dev/null | grep -q '(head)'); then
        say "--keep-db: $proj/bench.db is at head; not re-applied"
        [ -f "$results/apply-ours-$n.txt" ] && cp "$results/apply-ours-$n.txt" "$run_dir/"
        return
    fi
    rm -f "$proj"/bench.db "$proj"/bench.db-{journal,wal,shm}
    say "migrate upgrade: $n migrations into $proj/bench.db, load $(load)"
    local t0; t0=$(date +%s%N)
    (cd "$proj" && "$bin" upgrade) >"$work/logs/upgrade-ours-$n.log" 2>&1 \
        || { tail -20 "$work/logs/upgrade-ours-$n.log" >&2; die "upgrade failed"; }
    since "$t0" >"$results/apply-ours-$n.txt"
    cp "$results/apply-ours-$n.txt" "$run_dir/"
    say "applied in $(cat "$results/apply-ours-$n.txt")s: $(tail -1 "$work/logs/upgrade-ours-$n.log")"
}

check_ours() {
    local n=$1 bin; bin=$(bin_of "$1")
    local lines heads
    lines=$("$bin" history | wc -l)
    heads=$("$bin" heads | wc -l)
    [ "$lines" -eq "$n" ] || die "history printed $lines lines, expected $n"
    [ "$heads" -eq 1 ] || die "heads printed $heads lines, expected 1"
    "$bin" current | grep -q '(head)' || die "current: the database is not at head"
    "$bin" status >/dev/null || die "status reports a problem"
    # The same state without the N tables and N indexes (see gen.py).
    "$py" "$repo/bench/gen.py" version-tables "$work/ours-$n/bench.db" "$work/ours-$n/bench-vt.db" \
        migrate_heads migrate_audit
    DATABASE_URL=sqlite:$work/ours-$n/bench-vt.db "$bin" current | grep -q '(head)' \
        || die "current on bench-vt.db: not at head"
}

time_ours() {
    local n=$1 proj=$work/ours-$1 bin verb; bin=$(bin_of "$1")
    export DATABASE_URL=sqlite:$proj/bench.db
    cd "$proj"
    for verb in --help heads history current status; do
        say "migrate $verb (N=$n), load $(load)"
        time_cmd "$run_dir/ours-$n-$verb.json" "$bin" "$verb"
    done
    # The schema at the heads, replayed from N plans without a database.
    say "migrate schema (N=$n), load $(load)"
    time_cmd "$run_dir/ours-$n-schema.json" "$bin" schema
    say "migrate schema --format sql (N=$n), load $(load)"
    time_cmd "$run_dir/ours-$n-schema-sql.json" "$bin" schema --format sql
    # The models against the migrations: nothing to write, so no file.
    say "migrate revision --autogenerate (N=$n), load $(load)"
    time_cmd "$run_dir/ours-$n-autogenerate.json" "$bin" revision --autogenerate -m bench
    say "migrate check (N=$n, without a database: the model gate included), load $(load)"
    time_cmd "$run_dir/ours-$n-check.json" env -u DATABASE_URL "$bin" check
    # Every revision linted on every backend, without a database.
    say "migrate lint (N=$n), load $(load)"
    time_cmd "$run_dir/ours-$n-lint.json" env -u DATABASE_URL "$bin" lint
    if [ "$shape" = branched ]; then
        say "migrate show b07@head (N=$n), load $(load)"
        time_cmd "$run_dir/ours-$n-show-label.json" "$bin" show b07@head
    fi
    export DATABASE_URL=sqlite:$proj/bench-vt.db
    for verb in current status; do
        say "migrate $verb (N=$n, version tables only), load $(load)"
        time_cmd "$run_dir/ours-$n-$verb-vt.json" "$bin" "$verb"
    done
    cd "$repo"
}

# --- Alembic ----------------------------------------------------------------

venv=$work/venv
alembic=$venv/bin/alembic

prepare_venv() {
    if [ ! -x "$alembic" ]; then
        say "creating $venv with $alembic_spec"
        "$py" -m venv "$venv"
        "$venv/bin/pip" install -q "$alembic_spec" >"$work/logs/pip.log" 2>&1 \
            || { cat "$work/logs/pip.log" >&2; die "pip install $alembic_spec failed"; }
    fi
}

prepare_alembic() {
    local n=$1 proj=$work/alembic-$1
    say "generating $n Alembic revisions"
    "$py" "$repo/bench/gen.py" alembic "$proj" "$n" "$shape"
}

# A real Alembic user has __pycache__ for the version files: let Python write
# it even where PYTHONDONTWRITEBYTECODE is set (the warm-up runs fill it).
run_alembic() { env -u PYTHONDONTWRITEBYTECODE "$alembic" "$@"; }

apply_alembic() {
    local n=$1 proj=$work/alembic-$1
    export BENCH_ALEMBIC_URL=sqlite:///$proj/bench.db
    if [ "$keep_db" = 1 ] && [ -f "$proj/bench.db" ] \
        && run_alembic -c "$proj/alembic.ini" current 2>/dev/null | grep -q '(head)'; then
        say "--keep-db: $proj/bench.db is at head; not re-applied"
        [ -f "$results/apply-alembic-$n.txt" ] && cp "$results/apply-alembic-$n.txt" "$run_dir/"
        return
    fi
    rm -f "$proj"/bench.db "$proj"/bench.db-{journal,wal,shm}
    # Compile the version files once, untimed, as a deployed project would be.
    run_alembic -c "$proj/alembic.ini" heads >/dev/null
    say "alembic upgrade head: $n revisions into $proj/bench.db, load $(load)"
    local t0; t0=$(date +%s%N)
    run_alembic -c "$proj/alembic.ini" upgrade head >"$work/logs/upgrade-alembic-$n.log" 2>&1 \
        || { tail -20 "$work/logs/upgrade-alembic-$n.log" >&2; die "alembic upgrade failed"; }
    since "$t0" >"$results/apply-alembic-$n.txt"
    cp "$results/apply-alembic-$n.txt" "$run_dir/"
    say "applied in $(cat "$results/apply-alembic-$n.txt")s"
}

check_alembic() {
    local n=$1 proj=$work/alembic-$1 lines
    lines=$(run_alembic -c "$proj/alembic.ini" history | wc -l)
    [ "$lines" -eq "$n" ] || die "alembic history printed $lines lines, expected $n"
    run_alembic -c "$proj/alembic.ini" current | grep -q '(head)' || die "alembic current: not at head"
    "$py" "$repo/bench/gen.py" version-tables "$proj/bench.db" "$proj/bench-vt.db" alembic_version
}

time_alembic() {
    local n=$1 proj=$work/alembic-$1 verb
    export BENCH_ALEMBIC_URL=sqlite:///$proj/bench.db
    cd "$proj"
    local had=${PYTHONDONTWRITEBYTECODE+x} saved=${PYTHONDONTWRITEBYTECODE:-}
    unset PYTHONDONTWRITEBYTECODE
    for verb in --help heads history current; do
        say "alembic $verb (N=$n), load $(load)"
        time_cmd "$run_dir/alembic-$n-$verb.json" "$alembic" -c "$proj/alembic.ini" "$verb"
    done
    if [ "$shape" = branched ]; then
        say "alembic show b07@head (N=$n), load $(load)"
        time_cmd "$run_dir/alembic-$n-show-label.json" "$alembic" -c "$proj/alembic.ini" show b07@head
    fi
    # Autogenerate compares the models with the database at head (Alembic
    # needs one); it writes a file even when nothing changed, removed
    # before each run.
    export BENCH_ALEMBIC_MODELS=1
    say "alembic check (N=$n), load $(load)"
    time_cmd "$run_dir/alembic-$n-check.json" "$alembic" -c "$proj/alembic.ini" check
    say "alembic revision --autogenerate (N=$n), load $(load)"
    BENCH_PREPARE="rm -f $proj/versions/*_bench.py" \
        time_cmd "$run_dir/alembic-$n-autogenerate.json" "$alembic" -c "$proj/alembic.ini" revision --autogenerate -m bench
    rm -f "$proj"/versions/*_bench.py
    unset BENCH_ALEMBIC_MODELS
    export BENCH_ALEMBIC_URL=sqlite:///$proj/bench-vt.db
    say "alembic current (N=$n, version table only), load $(load)"
    time_cmd "$run_dir/alembic-$n-current-vt.json" "$alembic" -c "$proj/alembic.ini" current
    [ -n "$had" ] && export PYTHONDONTWRITEBYTECODE=$saved
    cd "$repo"
}

# --- the run ----------------------------------------------------------------

machine() {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), nproc $(nproc)"
    echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "os: $(sed -n 's/^PRETTY_NAME="\(.*\)"$/\1/p' /etc/os-release), kernel $(uname -r)"
    echo "rustc: $(rustc --version)"
    echo "workspace: $workspace @ $(git -C "$workspace" rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git -C "$workspace" status --porcelain -- migrate-core migrate-cli migrate-macros 2>/dev/null)" ] && echo ' + uncommitted changes in the crates')"
    echo "graph: $shape"
    echo "timer: $timer$( [ "$timer" = hyperfine ] && echo " ($(hyperfine --version))"), $runs runs after $warmup warm-up"
    if [ "$with_alembic" = 1 ]; then
        echo "python: $("$venv/bin/python" --version 2>&1), alembic $("$venv/bin/python" -c 'import alembic; print(alembic.__version__)'), sqlalchemy $("$venv/bin/python" -c 'import sqlalchemy; print(sqlalchemy.__version__)'), python's sqlite $("$venv/bin/python" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
    fi
}

[ "$with_alembic" = 1 ] && prepare_venv
for n in $ns; do
    prepare_ours "$n"
    apply_ours "$n"
    check_ours "$n"
    if [ "$with_alembic" = 1 ]; then
        prepare_alembic "$n"
        apply_alembic "$n"
        check_alembic "$n"
    fi
done
for n in $ns; do
    time_ours "$n"
    [ "$with_alembic" = 1 ] && time_alembic "$n"
done

{
    echo '```text'
    machine
    echo "load average after the run: $(load)"
    echo '```'
    echo
    "$py" "$repo/bench/summarize.py" "$run_dir"
} >"$run_dir/results.md"
cp "$run_dir/results.md" "$results/results.md"
echo
cat "$results/results.md"
echo
say "written to $results/results.md (and $run_dir/)"
