#!/usr/bin/env bash
# The stairway benchmark (issue 4): how long the round-trip kit takes over
#   1. the example `migrations` crate (11 migrations) on in-memory SQLite,
#      PostgreSQL and MariaDB; target: under 2 s on SQLite;
#   2. N generated migrations (bench/gen.py, N=200) on PostgreSQL and
#      SQLite; target: under 60 s on PostgreSQL;
# and, in the same run, Alembic walking the same N revisions (upgrade +1,
# downgrade -1, upgrade +1 each, as pytest-alembic does) on the same servers.
#
# Usage: scripts/bench-stairway.sh [RUNS]      (default 3; median reported)
# Environment: BENCH_N (200), BENCH_WORK (bench/work), BENCH_ALEMBIC=0 to
# skip Alembic, MIGRATE_TEST_POSTGRES_URL / MIGRATE_TEST_MYSQL_URL (the
# local defaults otherwise). Needs cargo and python3; Alembic, SQLAlchemy
# and psycopg2-binary are installed from PyPI into $BENCH_WORK/venv.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${BENCH_WORK:-$repo/bench/work}
runs=${1:-3}
n=${BENCH_N:-200}
pg=${MIGRATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
my=${MIGRATE_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/mysql}
py=${PYTHON:-python3}
mkdir -p "$work/logs"
say() { echo "==> $*" >&2; }
median() { awk '/^median:/ { print $2 }'; }

say "building the example crate's stairway (release)"
(cd "$repo" && cargo build --release -q -p migrations --example stairway)
example=$repo/target/release/examples/stairway

say "example crate: SQLite, PostgreSQL, MariaDB ($runs runs each)"
ex_sqlite=$("$example" "$runs" | tee -a /dev/stderr | median)
ex_pg=$("$example" "$runs" "$pg" | tee -a /dev/stderr | median)
ex_my=$("$example" "$runs" "$my" | tee -a /dev/stderr | median)

proj=$work/stairway-$n
crate=bench-stairway-$n
if [ ! -f "$proj/Cargo.toml" ]; then
    say "building the migrate tool and scaffolding $proj"
    (cd "$repo" && CARGO_TARGET_DIR=$work/target-tool cargo build --release -q -p migrate-cli --bin migrate)
    "$work/target-tool/release/migrate" init "$proj" --name "$crate" --workspace "$repo" >/dev/null
    cp "$repo/Cargo.lock" "$proj/Cargo.lock"
    printf '\n[dev-dependencies]\ntokio = { version = "1", features = ["rt"] }\n' >>"$proj/Cargo.toml"
fi
"$py" "$repo/bench/gen.py" ours "$proj/src/versions" "$n"
mkdir -p "$proj/examples"
sed "s/^use migrations as _;/use ${crate//-/_} as _;/" "$repo/migrations/examples/stairway.rs" >"$proj/examples/stairway.rs"
say "building the stairway of $n generated migrations (release)"
(cd "$proj" && CARGO_TARGET_DIR=$work/target cargo build --release -q --example stairway) \
    >"$work/logs/stairway-build.log" 2>&1 || { tail -30 "$work/logs/stairway-build.log"; exit 1; }
generated=$work/target/release/examples/stairway

say "$n generated migrations: PostgreSQL, SQLite"
gen_pg=$("$generated" "$runs" "$pg" | tee -a /dev/stderr | median)
gen_sqlite=$("$generated" "$runs" | tee -a /dev/stderr | median)

al_pg=- al_sqlite=-
if [ "${BENCH_ALEMBIC:-1}" = 1 ]; then
    venv=$work/venv
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import alembic, psycopg2' 2>/dev/null; then
        say "installing Alembic and psycopg2-binary into $venv"
        "$py" -m venv "$venv"
        "$venv/bin/pip" install -q "alembic>=1,<2" psycopg2-binary >"$work/logs/pip.log" 2>&1
    fi
    "$py" "$repo/bench/gen.py" alembic "$work/alembic-stairway-$n" "$n"
    say "Alembic, $n revisions: PostgreSQL, SQLite"
    al_pg=$("$venv/bin/python" "$repo/bench/alembic_stairway.py" "$work/alembic-stairway-$n" "$pg" "$n" "$runs" | tee -a /dev/stderr | median)
    al_sqlite=$("$venv/bin/python" "$repo/bench/alembic_stairway.py" "$work/alembic-stairway-$n" sqlite "$n" "$runs" | tee -a /dev/stderr | median)
fi

ratio() { [ "$2" = - ] && echo - || awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", b / a }'; }
cat <<TABLE

| stairway (median of $runs) | migrate | Alembic (up/down/up only) | Alembic / migrate |
|---|---|---|---|
| example crate, 11 revisions, SQLite in memory | ${ex_sqlite} s | | |
| example crate, 11 revisions, PostgreSQL | ${ex_pg} s | | |
| example crate, 11 revisions, MariaDB | ${ex_my} s | | |
| $n generated revisions, PostgreSQL | ${gen_pg} s | ${al_pg} s | $(ratio "$gen_pg" "$al_pg") |
| $n generated revisions, SQLite | ${gen_sqlite} s | ${al_sqlite} s | $(ratio "$gen_sqlite" "$al_sqlite") |
TABLE
