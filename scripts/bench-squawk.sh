#!/usr/bin/env bash
# shellcheck shell=bash
#
# bench-squawk.sh: the linter side by side with squawk (PostgreSQL), on the
# lint corpus (tests/src/bin/lint-corpus.rs: a base schema and one migration
# per kind of change a rule is about) and the example crate. Installs
# squawk-cli from PyPI into a virtualenv, builds both migrations binaries,
# and runs bench/squawk.py: each revision's offline SQL goes to squawk, the
# crate goes to `lint --format json`, and the report (what each finds, and
# why they disagree) lands in $BENCH_WORK/squawk/squawk.md (bench/work-squawk by default). See
# BENCHMARKS.md.
#
# Environment: BENCH_WORK (default bench/work-squawk), BENCH_SQUAWK_SPEC (pip
# requirement, default "squawk-cli>=2,<3").

set -euo pipefail

case "${1:-}" in
-h | --help)
    sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_WORK:-$repo/bench/work-squawk}
spec=${BENCH_SQUAWK_SPEC:-"squawk-cli>=2,<3"}
mkdir -p "$work/squawk"

if [[ ! -x "$work/venv-squawk/bin/squawk" ]]; then
    python3 -m venv "$work/venv-squawk"
    "$work/venv-squawk/bin/pip" install --quiet "$spec"
fi
"$work/venv-squawk/bin/squawk" --version

cd "$repo"
cargo build --quiet -p migrate-tests --bin lint-corpus -p migrations --bin app-migrate
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

python3 bench/squawk.py \
    --squawk "$work/venv-squawk/bin/squawk" \
    --out "$work/squawk" \
    "corpus=$target/debug/lint-corpus" \
    "example=$target/debug/app-migrate"
