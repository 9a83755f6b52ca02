#!/usr/bin/env bash
# A project-owned PostgreSQL cluster: its own data directory, its own port, 127.0.0.1 only. Never touches a
# system cluster.
#
#   infra/postgres.sh start           initdb (once), start, wait for pg_isready, create role + databases + schemas
#   infra/postgres.sh stop            fast shutdown
#   infra/postgres.sh status          exit 0 when running and accepting connections, 3 when stopped, 1 otherwise
#   infra/postgres.sh psql [args...]  psql as interplab on the interplab database (LAB_PG_DB to pick another)
#
# Environment: LAB_HOME (default <repo>/.lab), LAB_PG_PORT (55432), LAB_PG_TIMEOUT (seconds, default 60),
#              LAB_PG_BIN (directory with initdb/pg_ctl; found on PATH or in /usr/lib/postgresql/*/bin otherwise),
#              LAB_PG_OS_USER (the unprivileged OS user that owns the cluster when this runs as root; default
#              interplab, created with useradd if missing).
# Created idempotently: role interplab (password interplab), databases interplab (the running stack) and
# interplab_test (Quarkus tests), each with the schemas dashboard, trainer, analysis owned by interplab.
# Authentication: trust on the unix socket (which lives in the data directory, mode 0700: only the owner and root
# can reach it), md5 (password) on 127.0.0.1 — what the services and tests use.
set -euo pipefail
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT="${LAB_PG_PORT:-55432}"
PG_TIMEOUT="${LAB_PG_TIMEOUT:-60}"
# The unprivileged owner of the cluster (as root) must be able to reach its data directory. When LAB_HOME sits
# below a directory others cannot enter (e.g. a checkout under /root), the data goes to /var/lib/interplab/<hash of
# LAB_HOME>/pg-data instead: the choice depends on the path alone, so start, stop and status agree.
reachable_by_others() {
    local dir="$1"
    while [[ "$dir" != "/" && -n "$dir" ]]; do
        dir="$(dirname "$dir")"
        [[ -e "$dir" ]] || continue
        [[ "$(stat -c %A "$dir")" == *x ]] || [[ "$(stat -c %A "$dir")" == *t ]] || return 1
    done
}
if [[ -n "${LAB_PG_DATA:-}" ]]; then
    PG_DATA="$LAB_PG_DATA"
elif is_root && ! reachable_by_others "$LAB_HOME"; then
    PG_DATA="/var/lib/interplab/$(printf '%s' "$LAB_HOME" | md5sum | cut -c1-12)/pg-data"
    PG_LOG_BESIDE_DATA=1
else
    PG_DATA="$LAB_HOME/pg-data"
fi
PG_LOG="$LAB_LOG_DIR/postgres.log"
# the server writes its log as the cluster's owner, so in the fallback case the log lives beside the data too
[[ -z "${PG_LOG_BESIDE_DATA:-}" ]] || PG_LOG="$(dirname "$PG_DATA")/postgres.log"
PG_SUPERUSER=postgres
PG_ROLE=interplab
PG_PASSWORD=interplab
PG_DATABASES=(interplab interplab_test)
PG_SCHEMAS=(dashboard trainer analysis)
require_numeric_port LAB_PG_PORT "$PG_PORT"

# ---------------------------------------------------------------- binaries

# Sets PG_BIN to a directory holding initdb, pg_ctl, pg_isready and psql (installing PostgreSQL with apt as a last
# resort when running as root).
find_pg_bin() {
    local candidate
    if [[ -n "${LAB_PG_BIN:-}" ]]; then
        [[ -x "$LAB_PG_BIN/initdb" && -x "$LAB_PG_BIN/pg_ctl" ]] || die "LAB_PG_BIN=$LAB_PG_BIN has no initdb/pg_ctl"
        PG_BIN="$LAB_PG_BIN"
    elif candidate="$(command -v initdb 2>/dev/null)" && [[ -x "$(dirname "$(readlink -f "$candidate")")/pg_ctl" ]]; then
        PG_BIN="$(dirname "$(readlink -f "$candidate")")"
    elif candidate="$(find_pg_bin_in_usr_lib)" && [[ -n "$candidate" ]]; then
        PG_BIN="$candidate"
    elif is_root; then
        warn "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin;"
        warn "installing them with: apt-get update && apt-get install -y postgresql"
        warn "(Debian's package also creates and starts its own default cluster on port 5432; this script does not use it)"
        require_cmd apt-get "cannot install PostgreSQL on this system; install PostgreSQL 15 server binaries and set LAB_PG_BIN"
        ensure_dirs
        if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >"$LAB_LOG_DIR/apt-postgres.log" 2>&1; then
            show_log_tail "$LAB_LOG_DIR/apt-postgres.log"
            die "apt-get install postgresql failed; see $LAB_LOG_DIR/apt-postgres.log"
        fi
        candidate="$(find_pg_bin_in_usr_lib)"
        [[ -n "$candidate" ]] || die "apt-get installed postgresql but no initdb appeared in /usr/lib/postgresql/*/bin"
        PG_BIN="$candidate"
        info "installed PostgreSQL server binaries in $PG_BIN"
    else
        die "PostgreSQL server binaries 'initdb' and 'pg_ctl' not found (PATH, /usr/lib/postgresql/*/bin). Install them (as root: apt-get update && apt-get install -y postgresql, or run this script as root) or set LAB_PG_BIN."
    fi
    local b
    for b in initdb pg_ctl pg_isready psql; do
        [[ -x "$PG_BIN/$b" ]] || die "required binary '$b' not found in $PG_BIN"
    done
}

# newest /usr/lib/postgresql/<major>/bin that has initdb
find_pg_bin_in_usr_lib() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" ]] && printf '%s\n' "$d"
    done | sort -V | tail -n 1
}

# e.g. 15.20
pg_version() { "$PG_BIN/pg_ctl" --version | grep -oE '[0-9]+(\.[0-9]+)?' | head -n 1; }

# ---------------------------------------------------------------- the OS user that owns the cluster

# initdb and postgres refuse to run as root: as root, everything that touches the data directory runs as an
# unprivileged user (the owner of an existing data directory, or LAB_PG_OS_USER created on demand).
pick_os_user() {
    if ! is_root; then
        PG_OS_USER="$(id -un)"
        if [[ -d "$PG_DATA" && "$(stat -c %u "$PG_DATA")" != "$(id -u)" ]]; then
            die "$PG_DATA belongs to user '$(stat -c %U "$PG_DATA")', not to '$PG_OS_USER': run this as that user or as root, or use another LAB_HOME"
        fi
        return 0
    fi
    if [[ -d "$PG_DATA" && "$(stat -c %u "$PG_DATA")" != 0 ]]; then
        PG_OS_USER="$(stat -c %U "$PG_DATA")"
    else
        PG_OS_USER="${LAB_PG_OS_USER:-interplab}"
    fi
    require_cmd runuser "needed to run PostgreSQL as the unprivileged user '$PG_OS_USER'"
    if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
        require_cmd useradd "needed to create the unprivileged OS user '$PG_OS_USER'"
        info "creating the unprivileged OS user '$PG_OS_USER' to own the PostgreSQL cluster (initdb refuses root)"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OS_USER"
    fi
}

# as_pg_owner <command...>  — runs a command as the cluster's OS user (from /, which that user can always enter).
as_pg_owner() {
    if is_root; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        "$@"
    fi
}

# Creates the data directory and log file with the right owner and checks the owner can reach them.
prepare_dirs() {
    ensure_dirs
    mkdir -p "$PG_DATA"
    touch "$PG_LOG"
    if is_root; then
        chown "$PG_OS_USER:" "$PG_DATA" "$PG_LOG"
        as_pg_owner test -w "$PG_DATA" ||
            die "the OS user '$PG_OS_USER' cannot reach $PG_DATA (a parent directory is not searchable for it, e.g. under /root); choose another LAB_HOME"
    fi
    chmod 700 "$PG_DATA"
    # a unix socket path is limited to 107 bytes
    local sock="$PG_DATA/.s.PGSQL.$PG_PORT"
    ((${#sock} <= 107)) || die "the socket path $sock is longer than 107 bytes; choose a shorter LAB_HOME"
}

# ---------------------------------------------------------------- cluster

pg_ctl_() { as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }

is_running() {
    [[ -f "$PG_DATA/postmaster.pid" ]] && pid_alive "$(running_pid)" && pg_ctl_ status >/dev/null 2>&1
}

# the port the running postmaster listens on (4th line of postmaster.pid)
running_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9'; }
running_pid() { sed -n 1p "$PG_DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9'; }

init_cluster_once() {
    if [[ -f "$PG_DATA/PG_VERSION" ]]; then
        local have want
        have="$(cat "$PG_DATA/PG_VERSION")"
        want="$(pg_version | cut -d. -f1)"
        [[ "$have" == "$want" ]] || die "$PG_DATA was created by PostgreSQL $have but the binaries in $PG_BIN are version $want; set LAB_PG_BIN or use another LAB_HOME"
        return 0
    fi
    info "initdb: creating the cluster in $PG_DATA (owner OS user '$PG_OS_USER')"
    if ! as_pg_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --auth-local=trust --auth-host=md5 \
        --encoding=UTF8 --locale=C --no-instructions >>"$PG_LOG" 2>&1; then
        show_log_tail "$PG_LOG"
        die "initdb failed; see $PG_LOG"
    fi
    printf "\n# added by infra/postgres.sh: port, listen address and socket directory are rewritten on every start\ninclude_if_exists = 'lab.conf'\n" \
        | as_pg_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

write_lab_conf() {
    as_pg_owner tee "$PG_DATA/lab.conf" >/dev/null <<EOF
# Generated by infra/postgres.sh on $(date -Iseconds); edits are overwritten on the next start.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
max_connections = 200
shared_buffers = 128MB
password_encryption = 'scram-sha-256'
EOF
}

# psql as the bootstrap superuser over the unix socket in the data directory (trust)
psql_super() {
    PGOPTIONS="-c client_min_messages=warning" \
        as_pg_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DATA" -p "$PG_PORT" -U "$PG_SUPERUSER" "$@"
}

ensure_role_and_databases() {
    local sql db s
    sql="DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN CREATE ROLE $PG_ROLE LOGIN; END IF;
END \$\$;
ALTER ROLE $PG_ROLE LOGIN PASSWORD '$PG_PASSWORD';"
    for db in "${PG_DATABASES[@]}"; do
        sql+=$'\n'"SELECT 'CREATE DATABASE $db OWNER $PG_ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')\\gexec"
    done
    printf '%s\n' "$sql" | psql_super -d postgres >/dev/null || die "could not create the role $PG_ROLE and its databases; see $PG_LOG"
    for db in "${PG_DATABASES[@]}"; do
        sql=""
        for s in "${PG_SCHEMAS[@]}"; do
            sql+="CREATE SCHEMA IF NOT EXISTS $s AUTHORIZATION $PG_ROLE;"$'\n'
        done
        printf '%s' "$sql" | psql_super -d "$db" >/dev/null || die "could not create the schemas in database $db"
    done
}

cmd_start() {
    ensure_dirs
    find_pg_bin
    pick_os_user
    if is_running; then
        local port
        port="$(running_port)"
        info "PostgreSQL is already running (pid $(running_pid), port $port, data $PG_DATA); nothing to do"
        [[ "$port" == "$PG_PORT" ]] || warn "it listens on port $port, not on LAB_PG_PORT=$PG_PORT; restart it to change the port"
        return 0
    fi
    require_port_free "$PG_PORT" "PostgreSQL, LAB_PG_PORT"
    prepare_dirs

    local t0
    t0="$(now_ns)"
    init_cluster_once
    write_lab_conf
    info "starting PostgreSQL $(pg_version) on 127.0.0.1:$PG_PORT; log $PG_LOG"
    # shellcheck disable=SC2094  # pg_ctl -l and this redirection both only append to the log
    if ! pg_ctl_ start -w -t "$PG_TIMEOUT" -s -l "$PG_LOG" >>"$PG_LOG" 2>&1; then
        show_log_tail "$PG_LOG"
        if is_running; then
            die "timed out after ${PG_TIMEOUT}s waiting for PostgreSQL to start; see $PG_LOG"
        fi
        die "PostgreSQL did not start; see $PG_LOG"
    fi
    wait_until "$PG_TIMEOUT" "PostgreSQL to accept connections on 127.0.0.1:$PG_PORT" "$(running_pid)" "$PG_LOG" \
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres
    ensure_role_and_databases
    info "PostgreSQL is ready (pid $(running_pid)) in $(elapsed_since "$t0") s: jdbc:postgresql://127.0.0.1:$PG_PORT/interplab (and /interplab_test), user $PG_ROLE / $PG_PASSWORD"
}

cmd_stop() {
    find_pg_bin
    if [[ ! -d "$PG_DATA" ]]; then
        info "PostgreSQL is not running (no cluster in $PG_DATA); nothing to do"
        return 0
    fi
    pick_os_user
    if ! is_running; then
        info "PostgreSQL is not running (data $PG_DATA); nothing to do"
        return 0
    fi
    info "stopping PostgreSQL (pid $(running_pid)) ..."
    pg_ctl_ stop -m fast -w -t "$PG_TIMEOUT" -s || die "PostgreSQL did not stop within ${PG_TIMEOUT}s; see $PG_LOG"
    info "PostgreSQL stopped"
}

cmd_status() {
    find_pg_bin
    if [[ -d "$PG_DATA" ]]; then pick_os_user; fi
    if [[ ! -d "$PG_DATA" ]] || ! is_running; then
        if port_open "$PG_PORT"; then
            info "PostgreSQL from LAB_HOME $LAB_HOME is stopped, but port $PG_PORT is taken by $(port_owner "$PG_PORT")"
        else
            info "PostgreSQL is stopped (data $PG_DATA)"
        fi
        return 3
    fi
    local port
    port="$(running_port)"
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres; then
        info "PostgreSQL is running (pid $(running_pid)) and accepting connections on 127.0.0.1:$port (data $PG_DATA)"
        return 0
    fi
    info "PostgreSQL process is running (pid $(running_pid)) but not accepting connections on 127.0.0.1:$port; see $PG_LOG"
    return 1
}

cmd_psql() {
    find_pg_bin
    PGPASSWORD="$PG_PASSWORD" exec "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "${LAB_PG_DB:-interplab}" "$@"
}

sub="${1:-}"
[[ $# -gt 0 ]] && shift
case "$sub" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
psql) cmd_psql "$@" ;;
data-dir) printf '%s\n' "$PG_DATA" ;;
*) usage_die "$0 start|stop|status|psql [psql args...]|data-dir" ;;
esac
