#!/usr/bin/env bash
# The batched-backfill benchmark (issue 7): how long migrate's `Backfill`
# takes to touch every row of a table, against
#   - one `UPDATE items SET hits = hits + 1` through the backend's own CLI
#     (psql, mysql, sqlite3): the floor, and the issue's target (PostgreSQL,
#     1,000,000 rows: the backfill within 1.25x of it);
#   - the LIMIT/OFFSET loop of the Alembic guides (bench/offset_loop.py,
#     batches of 1,000, one commit each), capped at BENCH_OFFSET_TIMEOUT;
#   - migrate's backfill with a fixed batch of 1,000 (`-x batch=1000`), to
#     show what the adaptive default does.
# The table is `items (id bigint primary key, hits int, note varchar(40))`
# of the `backfill-migrate` test binary (tests/src/bin/backfill-migrate.rs):
# `upgrade f001 -x rows=N` creates and fills it, `upgrade f002` backfills it.
#
# Every timed run gets a fresh database, seeded by `upgrade f001` (not
# timed), then `VACUUM ANALYZE items` + `CHECKPOINT` (PostgreSQL),
# `ANALYZE TABLE items` (MariaDB) or `ANALYZE` (SQLite), so that every
# contender starts from the same state. Wall time is the whole process
# (connect, checks, every batch); migrate runs under `/usr/bin/time -v` for
# its peak RSS. After each run the script prints
# `SELECT count(*) FROM items WHERE hits <> 1`, which must be 0.
#
# Two layouts of the same rows (PostgreSQL and SQLite; InnoDB always stores
# rows in primary-key order):
#   seed       as `f001` leaves them: its INSERT ... SELECT over a cross join
#              of digits writes the ids out of order, so consecutive ids sit
#              on far-apart pages (PostgreSQL's correlation of id ~0);
#   clustered  rewritten in id order (PostgreSQL: CLUSTER; SQLite: the rows
#              copied out and back in id order, then VACUUM), as a table
#              filled over time by a sequence is.
#
# Usage: scripts/bench-backfill.sh
# Environment:
#   BENCH_ROWS (1000000)          rows of every configuration
#   BENCH_BACKENDS ("postgres sqlite mysql")
#   BENCH_LAYOUTS ("seed clustered")
#   BENCH_BIG_ROWS (10000000)     the extra PostgreSQL configurations (no
#   BENCH_SKIP_10M=1              OFFSET loop there); this skips them
#   BENCH_RUNS (3)                runs of each timing but the OFFSET loop's
#                                 and those at BENCH_BIG_ROWS; median reported
#   BENCH_BIG_RUNS (1)            runs at BENCH_BIG_ROWS
#   BENCH_CONTENDERS ("update backfill batch1000 offset")
#   BENCH_OFFSET_TIMEOUT (600)    seconds before the OFFSET loop gives up
#   BENCH_TIMEOUT (1800)          seconds before a migrate run gives up
#   BENCH_WORK (bench/work)       its backfill/ subdirectory holds the logs,
#                                 the venv, the SQLite file and results.md
#   MIGRATE_TEST_POSTGRES_URL / MIGRATE_TEST_MYSQL_URL (local servers)
# The script creates and drops the database `bench_backfill` on both
# servers. Needs cargo, python3, psql, mysql, sqlite3 and /usr/bin/time;
# psycopg2-binary and PyMySQL are installed from PyPI into
# $BENCH_WORK/backfill/venv.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${BENCH_WORK:-$repo/bench/work}/backfill
rows=${BENCH_ROWS:-1000000}
big=${BENCH_BIG_ROWS:-10000000}
backends=${BENCH_BACKENDS:-postgres sqlite mysql}
layouts=${BENCH_LAYOUTS:-seed clustered}
runs=${BENCH_RUNS:-3}
big_runs=${BENCH_BIG_RUNS:-1}
contenders=${BENCH_CONTENDERS:-update backfill batch1000 offset}
offset_timeout=${BENCH_OFFSET_TIMEOUT:-600}
cap=${BENCH_TIMEOUT:-1800}
pg=${MIGRATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
my=${MIGRATE_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/mysql}
py=${PYTHON:-python3}
db=bench_backfill
mkdir -p "$work/logs" "$work/sqlite"
say() { echo "==> $*" >&2; }
results=$work/results.md

say "building backfill-migrate (release)"
(cd "$repo" && cargo build --release -q -p migrate-tests --bin backfill-migrate)
bin=${CARGO_TARGET_DIR:-$repo/target}/release/backfill-migrate

if [[ " $contenders " == *" offset "* ]]; then
    venv=$work/venv
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import psycopg2, pymysql' 2>/dev/null; then
        say "installing psycopg2-binary and PyMySQL into $venv"
        "$py" -m venv "$venv"
        "$venv/bin/pip" install -q psycopg2-binary PyMySQL >"$work/logs/pip.log" 2>&1
    fi
fi

# mysql://user[:password]@host[:port]/db -> mysql CLI arguments
my_rest=${my#*://}
my_auth=${my_rest%%@*}
my_hostport=${my_rest#*@}
my_hostport=${my_hostport%%/*}
my_args=(-h "${my_hostport%%:*}" -u "${my_auth%%:*}")
if [[ $my_hostport == *:* ]]; then my_args+=(-P "${my_hostport##*:}"); fi
if [[ $my_auth == *:* ]]; then my_args+=("-p${my_auth#*:}"); fi

# The URL of the benchmark database of a backend.
url_of() {
    case $1 in
        postgres) echo "${pg%/*}/$db" ;;
        mysql) echo "${my%/*}/$db" ;;
        sqlite) echo "sqlite:$work/sqlite/$db.db" ;;
    esac
}

# sql BACKEND STATEMENT: runs it in the benchmark database, prints the rows.
sql() {
    case $1 in
        postgres) psql "$(url_of postgres)" -X -q -A -t -v ON_ERROR_STOP=1 -c "$2" ;;
        mysql) mysql "${my_args[@]}" -N -B "$db" -e "$2" ;;
        sqlite) sqlite3 -batch "$work/sqlite/$db.db" "$2" ;;
    esac
}

fresh() {
    case $1 in
        postgres)
            PGOPTIONS="-c client_min_messages=warning" psql "$pg" -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" ;;
        mysql)
            mysql "${my_args[@]}" -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db" ;;
        sqlite)
            rm -f "$work/sqlite/$db.db" "$work/sqlite/$db.db-journal" "$work/sqlite/$db.db-wal" "$work/sqlite/$db.db-shm" ;;
    esac
}

drop() {
    case $1 in
        postgres) PGOPTIONS="-c client_min_messages=warning" psql "$pg" -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" ;;
        mysql) mysql "${my_args[@]}" -e "DROP DATABASE IF EXISTS $db" ;;
        sqlite) rm -f "$work/sqlite/$db.db"* ;;
    esac
}

# seed BACKEND N LAYOUT: a fresh database with N rows in LAYOUT, analysed
# and checkpointed.
seed() {
    local backend=$1 n=$2 layout=$3
    fresh "$backend"
    "$bin" --database-url "$(url_of "$backend")" upgrade f001 -x "rows=$n" \
        >"$work/logs/seed.log" 2>&1 || { cat "$work/logs/seed.log" >&2; exit 1; }
    if [ "$layout" = clustered ]; then
        case $backend in
            postgres) sql postgres "CLUSTER items USING items_pkey" ;;
            sqlite)
                sql sqlite "BEGIN; CREATE TEMP TABLE sorted AS SELECT * FROM items ORDER BY id; DELETE FROM items;
                            INSERT INTO items SELECT * FROM sorted ORDER BY id; DROP TABLE sorted; COMMIT"
                sql sqlite "VACUUM" ;;
        esac
    fi
    case $backend in
        postgres) sql postgres "VACUUM ANALYZE items" && sql postgres "CHECKPOINT" ;;
        mysql) sql mysql "ANALYZE TABLE items" >/dev/null ;;
        sqlite) sql sqlite "ANALYZE" ;;
    esac
    sync
}

# How far the physical order is from the id order.
layout_check() {
    case $1 in
        postgres) echo "correlation of id: $(sql postgres "SELECT round(correlation::numeric, 3) FROM pg_stats WHERE tablename = 'items' AND attname = 'id'")" ;;
        sqlite) echo "rowids of ids 1, 2, 3: $(sql sqlite "SELECT group_concat(rowid, ' ') FROM (SELECT rowid FROM items WHERE id <= 3 ORDER BY id)")" ;;
        mysql) echo "InnoDB: rows in primary-key order" ;;
    esac
}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# run_one BACKEND N LAYOUT CONTENDER: one timed run on a fresh database;
# sets run_time (seconds, or ">cap"), run_rss (MiB or -), run_batches,
# run_bad, run_note.
run_one() {
    local backend=$1 n=$2 layout=$3 contender=$4 url log t0 t1 rc
    url=$(url_of "$backend")
    log=$work/logs/$backend-$n-$layout-$contender
    seed "$backend" "$n" "$layout"
    say "seeded; $(layout_check "$backend"); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    run_rss=- run_batches=- run_note=
    case $contender in
        backfill | batch1000)
            local extra=()
            if [ "$contender" = batch1000 ]; then extra=(-x batch=1000); fi
            t0=$(now)
            rc=0
            /usr/bin/time -v -o "$log.time" timeout "$cap" \
                "$bin" --database-url "$url" upgrade f002 "${extra[@]}" >"$log.out" 2>"$log.err" || rc=$?
            t1=$(now)
            run_time=$(secs "$t0" "$t1")
            run_rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$log.time")
            run_batches=$(sql "$backend" "SELECT batches FROM migrate_backfill" || echo -)
            if [ "$rc" = 124 ]; then
                run_time=">$cap"
                run_note="stopped after $cap s: $(sql "$backend" "SELECT rows_updated FROM migrate_backfill") rows done"
            elif [ "$rc" != 0 ]; then
                tail -20 "$log.err" >&2
                say "backfill-migrate failed (exit $rc)"
                exit 1
            fi
            ;;
        update)
            t0=$(now)
            sql "$backend" "UPDATE items SET hits = hits + 1" >"$log.out" 2>&1 || { cat "$log.out" >&2; exit 1; }
            t1=$(now)
            run_time=$(secs "$t0" "$t1")
            ;;
        offset)
            t0=$(now)
            "$work/venv/bin/python" "$repo/bench/offset_loop.py" "$url" 1000 "$offset_timeout" >"$log.out"
            t1=$(now)
            cat "$log.out" >&2
            local line
            line=$(tail -1 "$log.out")
            run_batches=$(sed -E 's/.*batches=([0-9]+).*/\1/' <<<"$line")
            if [[ $line == *finished=1* ]]; then
                run_time=$(secs "$t0" "$t1")
            else
                local done extrapolated
                done=$(sed -E 's/.*rows=([0-9]+).*/\1/' <<<"$line")
                extrapolated=$(sed -E 's/.*extrapolated=([0-9-]+).*/\1/' <<<"$line")
                run_time=">$offset_timeout"
                run_note="stopped after $offset_timeout s with $done of $n rows done; whole table ~${extrapolated} s by a fit of a*r + b*r^2 (an estimate)"
            fi
            ;;
    esac
    run_bad=$(sql "$backend" "SELECT count(*) FROM items WHERE hits <> 1")
    say "$backend $n $layout $contender: ${run_time} s, batches $run_batches, peak RSS $run_rss MiB, rows with hits <> 1: $run_bad${run_note:+ ($run_note)}"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# configurations: "backend rows layout runs contender..."
configs=()
for backend in $backends; do
    for layout in $layouts; do
        if [ "$backend" = mysql ] && [ "$layout" != seed ]; then continue; fi
        configs+=("$backend $rows $layout $runs $contenders")
    done
done
if [[ " $backends " == *" postgres "* ]] && [ "${BENCH_SKIP_10M:-0}" != 1 ] && [ "$big" != "$rows" ]; then
    avail=$(df -Pk / | awk 'NR == 2 { print int($4 / 1024 / 1024) }')
    if [ "$avail" -ge 20 ]; then
        for layout in $layouts; do
            configs+=("postgres $big $layout $big_runs ${contenders/offset/}")
        done
    else
        say "skipping PostgreSQL at $big rows: only $avail GiB free on /"
    fi
fi

# Runs are interleaved (run 1 of every contender, then run 2, ...), so that
# a slow minute on this machine does not land on one contender only. The
# OFFSET loop runs once.
declare -A times rss batches bad note
for config in "${configs[@]}"; do
    read -r backend n layout nruns cs <<<"$config"
    for ((r = 1; r <= nruns; r++)); do
        for contender in $cs; do
            if [ "$contender" = offset ] && [ "$r" -gt 1 ]; then continue; fi
            key="$backend $n $layout $contender"
            say "$backend, $n rows, $layout: $contender (run $r)"
            run_one "$backend" "$n" "$layout" "$contender"
            times[$key]+=" $run_time"
            rss[$key]+=" $run_rss" batches[$key]=$run_batches note[$key]=$run_note
            bad[$key]=$(( ${bad[$key]:-0} > run_bad ? ${bad[$key]:-0} : run_bad ))
        done
    done
    drop "$backend"
done

name() {
    case $1 in postgres) echo PostgreSQL ;; mysql) echo MariaDB ;; sqlite) echo SQLite ;; esac
}
label() {
    case $1 in
        update) echo "single \`UPDATE\` (CLI)" ;;
        backfill) echo "migrate backfill, adaptive (default)" ;;
        batch1000) echo "migrate backfill, \`-x batch=1000\`" ;;
        offset) echo "LIMIT/OFFSET loop, batch 1000 (Python)" ;;
    esac
}
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
# The reported time of a key: the median, or the first ">cap" of a run
# that gave up.
reported() {
    local all=${times[$1]:-}
    if [ -z "$all" ]; then echo -; elif [[ $all == *'>'* ]]; then tr ' ' '\n' <<<"$all" | grep '>' | head -1; else median <<<"$all"; fi
}
ratio() {
    if [[ $1 == - || $2 == - || $2 == '>'* ]]; then echo -; return; fi
    if [[ $1 == '>'* ]]; then awk -v a="${1#>}" -v b="$2" 'BEGIN { printf ">%.1fx", a / b }'; return; fi
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
}
{
    echo
    echo "| configuration | contender | wall (s) | runs | / single UPDATE | / backfill (adaptive) | batches | migrate peak RSS (MiB) | rows with hits <> 1 |"
    echo "|---|---|---:|---|---:|---:|---:|---:|---:|"
    for config in "${configs[@]}"; do
        read -r backend n layout nruns cs <<<"$config"
        for contender in $cs; do
            key="$backend $n $layout $contender"
            t=$(reported "$key")
            r1=- r2=-
            if [ "$contender" != update ]; then r1=$(ratio "$t" "$(reported "$backend $n $layout update")"); fi
            if [ "$contender" != backfill ]; then r2=$(ratio "$t" "$(reported "$backend $n $layout backfill")"); fi
            peak=$(tr ' ' '\n' <<<"${rss[$key]}" | grep -v '^-\?$' | sort -g | tail -1 || true)
            shown_layout=$layout
            if [ "$backend" = mysql ]; then shown_layout="InnoDB (PK order)"; fi
            printf '| %s, %s rows, %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
                "$(name "$backend")" "$(commas "$n")" "$shown_layout" "$(label "$contender")" "$t" \
                "$(echo ${times[$key]})" "$r1" "$r2" "${batches[$key]}" "${peak:--}" "${bad[$key]}"
        done
    done
    echo
    for key in "${!note[@]}"; do
        if [ -n "${note[$key]}" ]; then echo "- $key: ${note[$key]}"; fi
    done
    echo "wall: median of the runs listed; batches: of the last run; peak RSS and rows with hits <> 1: the largest over the runs."
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$results"
cp "$results" "$work/results-$(date -u +%Y%m%dT%H%M%SZ).md"
say "table written to $results (and a dated copy next to it)"
