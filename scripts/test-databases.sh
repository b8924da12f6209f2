#!/usr/bin/env bash
# shellcheck shell=bash
#
# Makes a PostgreSQL and a MariaDB server available for the test suite, and
# a PgBouncer in transaction pooling in front of the PostgreSQL, and exports
# their admin URLs:
#
#   MIGRATE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres
#   MIGRATE_TEST_MYSQL_URL=mysql://root@127.0.0.1:PORT/mysql
#   MIGRATE_TEST_PGBOUNCER_URL=postgres://postgres@127.0.0.1:PORT/postgres
#
# Usage:
#   . scripts/test-databases.sh            # find/start both servers, export the URLs
#   scripts/test-databases.sh              # the same, printing `export ...` lines
#   scripts/test-databases.sh stop         # stop the throwaway servers it started
#
# Ports: MIGRATE_CI_PG_PORT (default 5432), MIGRATE_CI_MYSQL_PORT (default 3306),
# MIGRATE_CI_PGBOUNCER_PORT (default 6432).
# Throwaway servers live under MIGRATE_CI_DB_DIR (default
# /tmp/migrate-test-databases), one directory per server and port.
#
# For each server, in order:
#   1. a server already answering on the port as the expected user is reused;
#   2. on the default port, a server that is installed but stopped is started
#      with the machine's own command (pg_ctlcluster / start-stop-daemon);
#   3. otherwise the Debian packages are installed if the binaries are missing,
#      and a throwaway server is initialised and started on the port.
#
# The command-line clients the offline-mode tests run scripts with (psql,
# mysql, sqlite3) are installed from Debian's packages when missing.
#
# PgBouncer: one already answering on its port (its admin console answers
# `SHOW VERSION`) is reused; otherwise the Debian package is installed if
# missing and a throwaway one is started, in transaction pooling, trust
# auth, for every database of the PostgreSQL above.
#
# When sourced, all the work happens in a child bash, so the caller's shell
# options, traps, functions and variables are left alone; only the two URLs
# are exported. A failure makes the `.` return non-zero.

if [ -z "${BASH_VERSION:-}" ]; then
    echo "test-databases: needs bash" >&2
    # shellcheck disable=SC2317  # `exit` is reached when executed, not sourced
    return 1 2>/dev/null || exit 1
fi

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced: do the work in a child process, then export the URLs here.
    if MIGRATE_CI_PG_PORT="${MIGRATE_CI_PG_PORT:-5432}" \
        MIGRATE_CI_MYSQL_PORT="${MIGRATE_CI_MYSQL_PORT:-3306}" \
        MIGRATE_CI_PGBOUNCER_PORT="${MIGRATE_CI_PGBOUNCER_PORT:-6432}" \
        "${BASH:-bash}" "${BASH_SOURCE[0]}" --sourced; then
        export MIGRATE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:${MIGRATE_CI_PG_PORT:-5432}/postgres"
        export MIGRATE_TEST_MYSQL_URL="mysql://root@127.0.0.1:${MIGRATE_CI_MYSQL_PORT:-3306}/mysql"
        export MIGRATE_TEST_PGBOUNCER_URL="postgres://postgres@127.0.0.1:${MIGRATE_CI_PGBOUNCER_PORT:-6432}/postgres"
        return 0
    else
        echo "test-databases: FAILED: no PostgreSQL/MariaDB for the tests (see above)" >&2
        return 1
    fi
fi

# ---------------------------------------------------------------------------
# Executed (directly, or as the child of a sourcing shell).

set -euo pipefail

PG_PORT="${MIGRATE_CI_PG_PORT:-5432}"
MY_PORT="${MIGRATE_CI_MYSQL_PORT:-3306}"
PGB_PORT="${MIGRATE_CI_PGBOUNCER_PORT:-6432}"
PG_DEFAULT_PORT=5432
MY_DEFAULT_PORT=3306
STATE_DIR="${MIGRATE_CI_DB_DIR:-/tmp/migrate-test-databases}"
PG_URL="postgres://postgres@127.0.0.1:${PG_PORT}/postgres"
MY_URL="mysql://root@127.0.0.1:${MY_PORT}/mysql"
PGB_URL="postgres://postgres@127.0.0.1:${PGB_PORT}/postgres"
START_WAIT=30   # seconds for a machine server started by its own command
FRESH_WAIT=60   # seconds for a throwaway server

APT_UPDATED=0

say() { printf 'test-databases: %s\n' "$*"; }
note() { printf 'test-databases: %s\n' "$*" >&2; }
die() {
    printf 'test-databases: ERROR: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
can_root() { is_root || { have sudo && sudo -n true 2>/dev/null; }; }

check_port() {
    case "$2" in
        '' | *[!0-9]*) die "$1 must be a port number, got '$2'" ;;
    esac
    if [ "$2" -lt 1 ] || [ "$2" -gt 65535 ]; then die "$1 out of range: $2"; fi
}

# Something accepts TCP connections on 127.0.0.1:$1.
tcp_open() {
    # shellcheck disable=SC2016  # $1 is expanded by the inner bash
    if have timeout; then
        timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
    else
        bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
    fi
}

# Last lines of a log, to stderr.
show_log() {
    if [ -f "$1" ]; then
        note "--- last lines of $1 ---"
        tail -n 30 "$1" >&2 || true
        note "--- end of $1 ---"
    fi
}

# Runs a command as root (directly, or through a non-interactive sudo).
as_root() {
    if is_root; then
        "$@"
    elif have sudo && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        die "need root to run: $* (run as root, or install it yourself)"
    fi
}

apt_install() {
    have apt-get || die "the binaries are missing and there is no apt-get to install: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        note "apt-get update"
        as_root apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
        APT_UPDATED=1
    fi
    note "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
        install -y -qq --no-install-recommends "$@" >&2
}

# Waits up to $2 seconds for the function $1 to succeed.
wait_for() {
    local fn="$1" end=$((SECONDS + $2))
    while :; do
        if "$fn"; then return 0; fi
        if [ "$SECONDS" -ge "$end" ]; then return 1; fi
        sleep 0.5
    done
}

# ---------------------------------------------------------------------------
# PostgreSQL

pg_bindir() {
    local d best=""
    # Highest installed version first in line: sort -V puts 9 before 10.
    while read -r d; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then best="$d"; fi
    done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V)
    if [ -z "$best" ] && have initdb && have pg_ctl; then
        best="$(dirname "$(command -v initdb)")"
    fi
    [ -n "$best" ] && echo "$best"
}

pg_alive() {
    if have pg_isready; then
        pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 3 </dev/null >/dev/null 2>&1
    else
        tcp_open "$PG_PORT"
    fi
}

# Answers as the superuser postgres, without a password.
pg_usable() {
    if have psql; then
        PGCONNECT_TIMEOUT=3 psql -X -w -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
            -c 'select 1' </dev/null >/dev/null 2>&1
    else
        pg_alive
    fi
}

# Fails loudly when the port is taken by something we cannot use.
pg_refuse_if_taken() {
    if tcp_open "$PG_PORT"; then
        # A server still starting up answers TCP before it accepts queries.
        if wait_for pg_usable "$START_WAIT"; then return 0; fi
        die "something listens on 127.0.0.1:$PG_PORT but does not let user postgres in without a password; fix it or set MIGRATE_CI_PG_PORT to a free port"
    fi
    return 1
}

# The machine's own cluster on the default port, if installed and stopped:
# start it. If it then refuses user postgres without a password (a stock
# Debian install, say), stop it again, so that a throwaway can have the port.
pg_start_machine_cluster() {
    [ "$PG_PORT" = "$PG_DEFAULT_PORT" ] || return 1
    have pg_ctlcluster && have pg_lsclusters || return 1
    can_root || return 1
    local ver name status logf
    # pg_lsclusters -h: version, cluster, port, status, owner, data dir, log.
    read -r ver name status logf < <(pg_lsclusters -h 2>/dev/null \
        | awk -v p="$PG_DEFAULT_PORT" '$3 == p { print $1, $2, $4, $7; exit }') || return 1
    [ -n "${ver:-}" ] && [ "$status" = down ] || return 1
    note "PostgreSQL: starting the machine's cluster $ver/$name"
    if id postgres >/dev/null 2>&1; then
        as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql || true
    fi
    # Output to a file: a daemon must not hold the caller's stdout/stderr open.
    mkdir -p "$STATE_DIR"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start \
        </dev/null >"$STATE_DIR/pg_ctlcluster.log" 2>&1 || {
        note "PostgreSQL: pg_ctlcluster $ver $name start failed"
        show_log "$STATE_DIR/pg_ctlcluster.log"
        show_log "$logf"
        return 1
    }
    if ! wait_for pg_alive "$START_WAIT"; then
        note "PostgreSQL: cluster $ver/$name did not answer within ${START_WAIT}s"
        show_log "$logf"
        return 1
    fi
    if wait_for pg_usable 5; then
        say "PostgreSQL: started the machine's cluster $ver/$name: $PG_URL"
        return 0
    fi
    note "PostgreSQL: cluster $ver/$name refuses user postgres without a password over TCP; stopping it again"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" stop \
        </dev/null >>"$STATE_DIR/pg_ctlcluster.log" 2>&1 || true
    return 1
}

# Runs a command as the OS user that owns the throwaway cluster.
PG_OS_USER=""
pg_run() {
    if [ -z "$PG_OS_USER" ]; then
        "$@"
    elif have runuser; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        local cmd
        printf -v cmd '%q ' "$@"
        su -s /bin/sh "$PG_OS_USER" -c "$cmd"
    fi
}

pg_throwaway() {
    local how="$1" bindir dir data sock log
    bindir="$(pg_bindir)" || die "PostgreSQL binaries not found after install"
    if is_root; then
        # postgres refuses to run as root.
        if ! id postgres >/dev/null 2>&1; then
            note "PostgreSQL: creating the OS user postgres"
            useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
                --shell /bin/sh postgres
        fi
        PG_OS_USER=postgres
    fi
    dir="$STATE_DIR/pg-$PG_PORT"
    data="$dir/data"
    sock="$dir/sock"
    log="$dir/postgres.log"
    mkdir -p "$STATE_DIR"
    chmod 0755 "$STATE_DIR" 2>/dev/null || true
    if [ -d "$data" ]; then
        # Left over from an earlier run whose server is gone: start afresh.
        pg_run "$bindir/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir" "$sock"
    [ -z "$PG_OS_USER" ] || chown -R "$PG_OS_USER:" "$dir"
    note "PostgreSQL: initdb in $data"
    # initdb and the server must be able to enter their working directory.
    if ! (cd "$dir" && pg_run "$bindir/initdb" -D "$data" -U postgres --auth=trust \
        -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1); then
        # No C.UTF-8 locale on this system: fall back to C.
        rm -rf "$data"
        (cd "$dir" && pg_run "$bindir/initdb" -D "$data" -U postgres --auth=trust \
            -E UTF8 --locale=C --no-sync >>"$dir/initdb.log" 2>&1)
    fi || {
            show_log "$dir/initdb.log"
            die "PostgreSQL: initdb failed; log: $dir/initdb.log"
        }
    note "PostgreSQL: starting a throwaway server on 127.0.0.1:$PG_PORT"
    (cd "$dir" && pg_run "$bindir/pg_ctl" -D "$data" -l "$log" -w -t "$FRESH_WAIT" \
        -o "-p $PG_PORT -k $sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start </dev/null >"$dir/pg_ctl.log" 2>&1) || {
        show_log "$dir/pg_ctl.log"
        show_log "$log"
        die "PostgreSQL: the throwaway server did not start; log: $log"
    }
    if ! wait_for pg_usable "$FRESH_WAIT"; then
        show_log "$log"
        die "PostgreSQL: the throwaway server on port $PG_PORT does not answer; log: $log"
    fi
    say "PostgreSQL: $how throwaway server in $dir (log $log): $PG_URL"
}

setup_postgres() {
    if pg_usable; then
        say "PostgreSQL: reused the server on port $PG_PORT: $PG_URL"
        return 0
    fi
    if pg_refuse_if_taken; then
        say "PostgreSQL: reused the server on port $PG_PORT: $PG_URL"
        return 0
    fi
    if pg_start_machine_cluster; then return 0; fi
    # A failed start may still have left something on the port.
    if pg_refuse_if_taken; then
        say "PostgreSQL: reused the server on port $PG_PORT: $PG_URL"
        return 0
    fi
    local how="started a"
    if ! pg_bindir >/dev/null || ! have psql; then
        apt_install postgresql postgresql-client
        how="installed PostgreSQL and started a"
        # The package may have started its own cluster on this port.
        if pg_usable; then
            say "PostgreSQL: installed; reused the package's server on port $PG_PORT: $PG_URL"
            return 0
        fi
        if pg_refuse_if_taken; then
            say "PostgreSQL: installed; reused the package's server on port $PG_PORT: $PG_URL"
            return 0
        fi
    fi
    pg_throwaway "$how"
}

# ---------------------------------------------------------------------------
# MariaDB

my_admin() {
    if have mariadb-admin; then echo mariadb-admin
    elif have mysqladmin; then echo mysqladmin
    else return 1
    fi
}

my_client() {
    if have mariadb; then echo mariadb
    elif have mysql; then echo mysql
    else return 1
    fi
}

my_alive() {
    local admin
    if admin="$(my_admin)"; then
        # `ping` is true even when access is denied: it only says "alive".
        "$admin" --no-defaults --connect-timeout=3 -h127.0.0.1 -P"$MY_PORT" -uroot \
            ping </dev/null >/dev/null 2>&1
    else
        tcp_open "$MY_PORT"
    fi
}

# Answers as root with an empty password over TCP.
my_usable() {
    local client
    if client="$(my_client)"; then
        "$client" --no-defaults --connect-timeout=3 --protocol=TCP -h127.0.0.1 -P"$MY_PORT" -uroot \
            -e 'select 1' </dev/null >/dev/null 2>&1
    else
        my_alive
    fi
}

my_refuse_if_taken() {
    if tcp_open "$MY_PORT"; then
        if wait_for my_usable "$START_WAIT"; then return 0; fi
        die "something listens on 127.0.0.1:$MY_PORT but does not let root in without a password; fix it or set MIGRATE_CI_MYSQL_PORT to a free port"
    fi
    return 1
}

# The machine's own server on the default port, if installed and stopped:
# start it. If it then refuses root without a password (a stock Debian
# install, say), stop it again, so that a throwaway can have the port.
my_start_machine_server() {
    [ "$MY_PORT" = "$MY_DEFAULT_PORT" ] || return 1
    [ -x /usr/sbin/mariadbd ] || return 1
    have start-stop-daemon || return 1
    [ -d /var/lib/mysql/mysql ] || return 1
    can_root || return 1
    local pidfile="" user="" opt
    # The pid file scopes start-stop-daemon to the machine's server, not to
    # a throwaway mariadbd of ours on another port.
    if have my_print_defaults; then
        while read -r opt; do
            case "$opt" in
                --pid-file=*) pidfile="${opt#--pid-file=}" ;;
                --user=*) user="${opt#--user=}" ;;
            esac
        done < <(my_print_defaults --mysqld 2>/dev/null || true)
        # Stock Debian leaves `user` to systemd: started by hand as root,
        # mariadbd would refuse to run.
        if [ -z "$user" ] && is_root; then
            note "MariaDB: the machine's server has no user= in its config; not starting it by hand"
            return 1
        fi
    fi
    pidfile="${pidfile:-/run/mysqld/mysqld.pid}"
    if as_root start-stop-daemon --status --pidfile "$pidfile" --exec /usr/sbin/mariadbd; then
        note "MariaDB: the machine's server runs but does not answer on port $MY_PORT; leaving it alone"
        return 1
    fi
    note "MariaDB: starting the machine's server"
    if id mysql >/dev/null 2>&1; then
        as_root install -d -o mysql -g mysql -m 0755 /run/mysqld || true
    fi
    mkdir -p "$STATE_DIR"
    as_root start-stop-daemon --start --oknodo --background --pidfile "$pidfile" \
        --exec /usr/sbin/mariadbd </dev/null >"$STATE_DIR/start-stop-daemon.log" 2>&1 || {
        note "MariaDB: start-stop-daemon failed"
        show_log "$STATE_DIR/start-stop-daemon.log"
        show_log /var/log/mysql/error.log
        return 1
    }
    if ! wait_for my_alive "$START_WAIT"; then
        note "MariaDB: the machine's server did not answer within ${START_WAIT}s"
        show_log /var/log/mysql/error.log
        return 1
    fi
    if wait_for my_usable 5; then
        say "MariaDB: started the machine's server: $MY_URL"
        return 0
    fi
    note "MariaDB: the machine's server refuses root without a password over TCP; stopping it again"
    as_root start-stop-daemon --stop --oknodo --pidfile "$pidfile" --exec /usr/sbin/mariadbd \
        --retry TERM/30/KILL/5 >>"$STATE_DIR/start-stop-daemon.log" 2>&1 || true
    return 1
}

my_server_bin() {
    local b
    for b in /usr/sbin/mariadbd /usr/sbin/mysqld "$(command -v mariadbd 2>/dev/null || true)"; do
        if [ -n "$b" ] && [ -x "$b" ]; then
            echo "$b"
            return 0
        fi
    done
    return 1
}

my_install_db_bin() {
    if have mariadb-install-db; then command -v mariadb-install-db
    elif have mysql_install_db; then command -v mysql_install_db
    else return 1
    fi
}

# Stops a throwaway mariadbd of ours, found by its pid file.
my_stop_dir() {
    local dir="$1" pid i
    [ -f "$dir/mariadbd.pid" ] || return 0
    pid="$(cat "$dir/mariadbd.pid" 2>/dev/null || true)"
    case "$pid" in '' | *[!0-9]*) return 0 ;; esac
    # Only a process that runs on this very data directory.
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "--datadir=$dir/data"; then
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 60; i++)); do
            kill -0 "$pid" 2>/dev/null || return 0
            sleep 0.5
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
}

my_throwaway() {
    local how="$1" server installdb dir data sock log
    local -a user_opt=()
    server="$(my_server_bin)" || die "MariaDB server binary not found after install"
    installdb="$(my_install_db_bin)" || die "mariadb-install-db not found after install"
    is_root && user_opt=(--user=root)
    dir="$STATE_DIR/mysql-$MY_PORT"
    data="$dir/data"
    sock="$dir/mysqld.sock"
    log="$dir/mariadbd.log"
    mkdir -p "$STATE_DIR"
    chmod 0755 "$STATE_DIR" 2>/dev/null || true
    my_stop_dir "$dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    note "MariaDB: mariadb-install-db in $data"
    "$installdb" --no-defaults --datadir="$data" "${user_opt[@]}" \
        --auth-root-authentication-method=normal --skip-test-db \
        >"$dir/install-db.log" 2>&1 </dev/null || {
        show_log "$dir/install-db.log"
        die "MariaDB: mariadb-install-db failed; log: $dir/install-db.log"
    }
    # With skip-name-resolve a TCP login from 127.0.0.1 needs root@127.0.0.1.
    cat >"$dir/init.sql" <<'SQL'
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
SQL
    note "MariaDB: starting a throwaway server on 127.0.0.1:$MY_PORT"
    # setsid + nohup: the server outlives this script and its terminal.
    setsid nohup "$server" --no-defaults --datadir="$data" --port="$MY_PORT" --socket="$sock" \
        --bind-address=127.0.0.1 "${user_opt[@]}" --pid-file="$dir/mariadbd.pid" \
        --log-error="$log" --tmpdir="$dir" --skip-name-resolve --skip-log-bin \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
        --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --sync-binlog=0 \
        --init-file="$dir/init.sql" \
        </dev/null >>"$dir/mariadbd.out" 2>&1 &
    if ! wait_for my_usable "$FRESH_WAIT"; then
        show_log "$log"
        show_log "$dir/mariadbd.out"
        die "MariaDB: the throwaway server on port $MY_PORT does not answer; log: $log"
    fi
    say "MariaDB: $how throwaway server in $dir (log $log): $MY_URL"
}

setup_mysql() {
    if my_usable; then
        say "MariaDB: reused the server on port $MY_PORT: $MY_URL"
        return 0
    fi
    if my_refuse_if_taken; then
        say "MariaDB: reused the server on port $MY_PORT: $MY_URL"
        return 0
    fi
    if my_start_machine_server; then return 0; fi
    if my_refuse_if_taken; then
        say "MariaDB: reused the server on port $MY_PORT: $MY_URL"
        return 0
    fi
    local how="started a"
    if ! my_server_bin >/dev/null || ! my_install_db_bin >/dev/null || ! my_client >/dev/null; then
        apt_install mariadb-server mariadb-client
        how="installed MariaDB and started a"
        if my_usable; then
            say "MariaDB: installed; reused the package's server on port $MY_PORT: $MY_URL"
            return 0
        fi
        if my_refuse_if_taken; then
            say "MariaDB: installed; reused the package's server on port $MY_PORT: $MY_URL"
            return 0
        fi
    fi
    my_throwaway "$how"
}

# ---------------------------------------------------------------------------
# PgBouncer, in transaction pooling, in front of the PostgreSQL above: the
# tests run concurrent runners, kills and interrupts through it.

# Its admin console answers as user postgres.
pgb_usable() {
    have psql || return 1
    PGCONNECT_TIMEOUT=3 psql -X -w -q -At -h 127.0.0.1 -p "$PGB_PORT" -U postgres -d pgbouncer \
        -c 'SHOW VERSION' </dev/null >/dev/null 2>&1
}

# Passes a query through to PostgreSQL.
pgb_passes() {
    PGCONNECT_TIMEOUT=3 psql -X -w -q -At -h 127.0.0.1 -p "$PGB_PORT" -U postgres -d postgres \
        -c 'select 1' </dev/null >/dev/null 2>&1
}

# Stops a throwaway pgbouncer of ours, found by its pid file.
pgb_stop_dir() {
    local dir="$1" pid i
    [ -f "$dir/pgbouncer.pid" ] || return 0
    pid="$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)"
    case "$pid" in '' | *[!0-9]*) return 0 ;; esac
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "$dir/pgbouncer.ini"; then
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 20; i++)); do
            kill -0 "$pid" 2>/dev/null || return 0
            sleep 0.25
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
}

setup_pgbouncer() {
    check_port MIGRATE_CI_PGBOUNCER_PORT "$PGB_PORT"
    if pgb_usable; then
        say "PgBouncer: reused the one on port $PGB_PORT: $PGB_URL"
        return 0
    fi
    if tcp_open "$PGB_PORT"; then
        die "something listens on 127.0.0.1:$PGB_PORT but is not a PgBouncer that lets user postgres in; set MIGRATE_CI_PGBOUNCER_PORT to a free port"
    fi
    local how="started a"
    if ! have pgbouncer; then
        apt_install pgbouncer
        how="installed PgBouncer and started a"
    fi
    local dir="$STATE_DIR/pgbouncer-$PGB_PORT" user_opt=() owner=""
    pgb_stop_dir "$dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 0755 "$STATE_DIR" 2>/dev/null || true
    # PgBouncer refuses to run as root.
    if is_root; then
        if id postgres >/dev/null 2>&1; then owner=postgres; else owner=nobody; fi
        user_opt=(-u "$owner")
    fi
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
INI
    echo '"postgres" ""' >"$dir/userlist.txt"
    [ -z "$owner" ] || chown -R "$owner:" "$dir"
    note "PgBouncer: starting a throwaway one on 127.0.0.1:$PGB_PORT (transaction pooling)"
    pgbouncer -d "${user_opt[@]}" "$dir/pgbouncer.ini" </dev/null >"$dir/pgbouncer.out" 2>&1 || {
        show_log "$dir/pgbouncer.out"
        show_log "$dir/pgbouncer.log"
        die "PgBouncer: the throwaway one did not start; log: $dir/pgbouncer.log"
    }
    if ! wait_for pgb_passes "$START_WAIT"; then
        show_log "$dir/pgbouncer.log"
        die "PgBouncer: the throwaway one on port $PGB_PORT does not pass queries; log: $dir/pgbouncer.log"
    fi
    say "PgBouncer: $how throwaway one in $dir (log $dir/pgbouncer.log): $PGB_URL"
}

# ---------------------------------------------------------------------------

stop_throwaways() {
    local d bindir n=0
    [ -d "$STATE_DIR" ] || { say "nothing to stop in $STATE_DIR"; return 0; }
    for d in "$STATE_DIR"/pg-*; do
        [ -d "$d" ] || continue
        if [ -d "$d/data" ] && bindir="$(pg_bindir)"; then
            PG_OS_USER=""
            if is_root; then PG_OS_USER="$(stat -c %U "$d/data")"; fi
            [ "$PG_OS_USER" != root ] || PG_OS_USER=""
            (cd "$d" && pg_run "$bindir/pg_ctl" -D "$d/data" -m fast -w -t 30 stop) >/dev/null 2>&1 || true
        fi
        rm -rf "$d"
        say "stopped and removed $d"
        n=$((n + 1))
    done
    for d in "$STATE_DIR"/pgbouncer-*; do
        [ -d "$d" ] || continue
        pgb_stop_dir "$d"
        rm -rf "$d"
        say "stopped and removed $d"
        n=$((n + 1))
    done
    for d in "$STATE_DIR"/mysql-*; do
        [ -d "$d" ] || continue
        my_stop_dir "$d"
        rm -rf "$d"
        say "stopped and removed $d"
        n=$((n + 1))
    done
    rm -f "$STATE_DIR/pg_ctlcluster.log" "$STATE_DIR/start-stop-daemon.log"
    rmdir "$STATE_DIR" 2>/dev/null || true
    [ "$n" -gt 0 ] || say "nothing to stop in $STATE_DIR"
}

# ---------------------------------------------------------------------------
# Clients: tests/tests/offline.rs runs scripts through them, as a DBA would.

setup_clients() {
    local missing=()
    have psql || missing+=(postgresql-client)
    have mysql || missing+=(mariadb-client)
    have sqlite3 || missing+=(sqlite3)
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
    say "clients: $(command -v psql) $(command -v mysql) $(command -v sqlite3)"
}

main() {
    local mode="${1:-setup}"
    case "$mode" in
        stop)
            stop_throwaways
            return 0
            ;;
        setup | --sourced) ;;
        -h | --help)
            sed -n '4,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
            return 0
            ;;
        *) die "unknown argument '$mode' (expected: stop, --help)" ;;
    esac
    check_port MIGRATE_CI_PG_PORT "$PG_PORT"
    check_port MIGRATE_CI_MYSQL_PORT "$MY_PORT"
    setup_postgres
    setup_mysql
    setup_clients
    setup_pgbouncer
    if [ "$mode" = setup ]; then
        echo "export MIGRATE_TEST_POSTGRES_URL=$PG_URL"
        echo "export MIGRATE_TEST_MYSQL_URL=$MY_URL"
        echo "export MIGRATE_TEST_PGBOUNCER_URL=$PGB_URL"
    fi
}

main "$@"
