#!/usr/bin/env bash
# shellcheck shell=bash
#
# bench.sh: the benchmark of issue 8, one command for all of it: migrate next
# to Alembic and to the database's own client replaying the same SQL
# (apply, downgrade base, inspection, no-op upgrade), compile time and
# Criterion graph micro-benchmarks. The work is done by bench/bench.py
# (standard-library Python); results go to bench/work/results/bench.md.
#
#   scripts/bench.sh --help                 every option, and what each section measures
#   scripts/bench.sh                        everything (about 45 minutes on 2 cores)
#   scripts/bench.sh --only apply --apply-n 300 --backends sqlite    a quick look
#
# Needs cargo, python3 (3.9+, with venv), psql for PostgreSQL and sqlite3 for
# SQLite. PostgreSQL comes from MIGRATE_TEST_POSTGRES_URL (default: the local
# server, user postgres). The other benchmarks (scripts/bench-inspect.sh,
# bench-stairway.sh, bench-backfill.sh) are described in BENCHMARKS.md.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v python3 >/dev/null || { echo "bench.sh: python3 not found" >&2; exit 2; }
exec python3 "$repo/bench/bench.py" "$@"
