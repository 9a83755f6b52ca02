#!/usr/bin/env bash
# Shared helpers for the infra/*.sh scripts (sourced, never executed).
#
# Environment (all optional):
#   LAB_HOME                  state directory (data, logs, pid files); default <repo>/.lab
#   LAB_PG_PORT               project PostgreSQL port (default 55432)
#   LAB_KAFKA_PORT            Kafka PLAINTEXT listener (default 59092)
#   LAB_KAFKA_CONTROLLER_PORT Kafka KRaft controller listener (default 59093)
# A test run can point LAB_HOME at a throw-away directory and pick other ports.

# shellcheck disable=SC2034  # variables are used by the scripts that source this file

LAB_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB_INFRA_DIR="$LAB_REPO_ROOT/infra"
LAB_HOME="${LAB_HOME:-$LAB_REPO_ROOT/.lab}"
[[ "$LAB_HOME" == /* ]] || LAB_HOME="$PWD/$LAB_HOME" # absolute: some commands run from / as another user
LAB_LOG_DIR="$LAB_HOME/logs"
LAB_RUN_DIR="$LAB_HOME/run"
LAB_SCRIPT_NAME="$(basename "${0:-infra}" .sh)"

# ---------------------------------------------------------------- logging

_lab_ts() { date '+%H:%M:%S'; }
info() { printf '%s [%s] %s\n' "$(_lab_ts)" "$LAB_SCRIPT_NAME" "$*"; }
warn() { printf '%s [%s] WARNING: %s\n' "$(_lab_ts)" "$LAB_SCRIPT_NAME" "$*" >&2; }
die() {
    printf '%s [%s] ERROR: %s\n' "$(_lab_ts)" "$LAB_SCRIPT_NAME" "$*" >&2
    exit 1
}

# usage_die "<usage line>"  — for a bad or missing sub-command
usage_die() {
    printf 'usage: %s\n' "$1" >&2
    exit 2
}

# Prints the last lines of a log file to stderr (used before giving up).
show_log_tail() {
    local file="$1" lines="${2:-25}"
    if [[ -s "$file" ]]; then
        printf -- '---- last %s lines of %s ----\n' "$lines" "$file" >&2
        tail -n "$lines" "$file" >&2
        printf -- '----\n' >&2
    fi
}

# ---------------------------------------------------------------- prerequisites

# require_cmd <binary> [hint]  — dies with a message naming the missing binary.
require_cmd() {
    local cmd="$1" hint="${2:-}"
    if ! command -v "$cmd" >/dev/null 2>&1; then
        die "required binary '$cmd' not found on PATH${hint:+ ($hint)}"
    fi
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

ensure_dirs() {
    mkdir -p "$LAB_HOME" "$LAB_LOG_DIR" "$LAB_RUN_DIR"
}

# ---------------------------------------------------------------- BLAS kernels

# openblas_coretype — prints the OpenBLAS core type the lab's JVMs should force on this CPU, or nothing.
# ND4J's OpenBLAS (0.3.19) picks its kernels by CPU model and falls back to its generic Prescott (SSE3) kernels on
# models newer than it knows: on an Emerald Rapids Xeon (family 6, model 207) its SGEMM ran at 31 GFLOP/s on one
# core instead of 140 with the SkylakeX kernels (docs/benchmarks.md, "OpenBLAS's kernels"). So the choice is made
# by instruction set, not model: AVX-512 F/BW/DQ/VL → SkylakeX, AVX2 + FMA → Haswell, else OpenBLAS's own choice.
# An OPENBLAS_CORETYPE already set wins (it must be set before the JVM loads OpenBLAS: it is read once, at load).
openblas_coretype() {
    if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then
        echo "$OPENBLAS_CORETYPE"
        return 0
    fi
    local flags
    flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
    has() { local f; for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
    if has avx512f avx512bw avx512dq avx512vl; then
        echo SkylakeX
    elif has avx2 fma; then
        echo Haswell
    fi
}

# export_openblas_coretype — exports OPENBLAS_CORETYPE as openblas_coretype says (nothing when it says nothing)
export_openblas_coretype() {
    local core
    core="$(openblas_coretype)"
    if [[ -n "$core" ]]; then export OPENBLAS_CORETYPE="$core"; fi
}

# ---------------------------------------------------------------- ports

# port_open <port> [host]  — true when something accepts TCP connections there.
port_open() {
    local port="$1" host="${2:-127.0.0.1}"
    timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" >/dev/null 2>&1
}

# port_owner <port>  — best-effort description of the process listening on the port.
port_owner() {
    local port="$1" out=""
    if command -v ss >/dev/null 2>&1; then
        out="$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1)"
    fi
    printf '%s' "${out:-unknown process}"
}

# require_port_free <port> <what>  — dies naming the port and its owner when taken.
require_port_free() {
    local port="$1" what="$2"
    if port_open "$port"; then
        die "port $port (for $what) is already taken by another process: $(port_owner "$port"). Stop it or choose another port (see the LAB_*_PORT variables)."
    fi
}

require_numeric_port() {
    local name="$1" value="$2"
    if ! [[ "$value" =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
        die "$name must be a TCP port number, got '$value'"
    fi
}

# ---------------------------------------------------------------- processes and pid files

# pid_alive <pid>  — a zombie (killed, not yet reaped) counts as dead.
pid_alive() {
    [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
    local state
    state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)"
    [[ "$state" != "Z" ]]
}

# read_pid_file <file>  — prints the pid if the file exists and the process is alive, else nothing.
read_pid_file() {
    local file="$1" pid
    [[ -f "$file" ]] || return 0
    pid="$(tr -dc '0-9' <"$file")"
    if pid_alive "$pid"; then printf '%s' "$pid"; fi
}

# pid_cmdline_matches <pid> <pattern>  — guards against a recycled pid in a stale pid file.
pid_cmdline_matches() {
    local pid="$1" pattern="$2"
    [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pattern"
}

# pid_if_running <pid-file> <pattern>  — the pid in the file, if that process runs and its command line contains
# the pattern (a stale file or a recycled pid is never taken for the server); nothing otherwise.
pid_if_running() {
    local pid
    pid="$(read_pid_file "$1")"
    if [[ -n "$pid" ]] && pid_cmdline_matches "$pid" "$2"; then
        printf '%s' "$pid"
    fi
}

# stop_pid <pid> <what> [timeout-seconds]  — SIGTERM, wait, then SIGKILL.
stop_pid() {
    local pid="$1" what="$2" limit="${3:-30}" waited=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while pid_alive "$pid"; do
        if ((waited >= limit * 2)); then
            warn "$what (pid $pid) did not stop within ${limit}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
}

# wait_until <timeout-seconds> <description> <pid-or-empty> <log-file> <command...>
# Polls the command every 0.5 s. Dies early with the log tail if the watched pid exits,
# and with a clear timeout message otherwise.
wait_until() {
    local limit="$1" what="$2" pid="$3" log="$4"
    shift 4
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
            show_log_tail "$log"
            die "the process (pid $pid) exited while waiting for $what; see $log"
        fi
        if ((SECONDS >= deadline)); then
            show_log_tail "$log"
            die "timed out after ${limit}s waiting for $what; see $log"
        fi
        sleep 0.5
    done
}

# elapsed_since <start-epoch-ns>  — seconds with one decimal, for "ready in X s" messages.
now_ns() { date +%s%N; }
elapsed_since() { awk -v s="$1" -v e="$(now_ns)" 'BEGIN { printf "%.1f", (e - s) / 1e9 }'; }

# ---------------------------------------------------------------- Java servers run from Maven Central jars

# maven_classpath <pom> <cache-file> <what> <mvn-log>  — prints the runtime classpath of a standalone infra pom,
# resolving it with Maven once and caching it (re-resolved when the pom changes or a cached jar has disappeared).
maven_classpath() {
    local pom="$1" cache="$2" what="$3" mvn_log="$4" stale=0 jar
    if [[ ! -s "$cache" || "$pom" -nt "$cache" ]]; then
        stale=1
    else
        IFS=':' read -r -a _jars <"$cache"
        for jar in "${_jars[@]}"; do
            [[ -f "$jar" ]] || { stale=1; break; }
        done
    fi
    if ((stale)); then
        require_cmd mvn "Maven is needed once to resolve the $what jars from Maven Central"
        mkdir -p "$(dirname "$cache")" "$(dirname "$mvn_log")"
        info "resolving the $what runtime classpath with Maven (first run only) ..." >&2
        local tmp="$cache.tmp"
        if ! mvn -q -B -f "$pom" dependency:build-classpath -Dmdep.outputFile="$tmp" >"$mvn_log" 2>&1; then
            show_log_tail "$mvn_log" 40
            die "Maven could not resolve the $what classpath from $pom; see $mvn_log"
        fi
        mv "$tmp" "$cache"
    fi
    cat "$cache"
}

# stop_server <what> <pid-or-empty> <pid-file> <timeout-seconds>  — the `stop` of a server script.
stop_server() {
    local what="$1" pid="$2" pid_file="$3" limit="$4"
    if [[ -z "$pid" ]]; then
        rm -f "$pid_file"
        info "$what is not running (LAB_HOME $LAB_HOME); nothing to do"
        return 0
    fi
    info "stopping $what (pid $pid) ..."
    stop_pid "$pid" "$what" "$limit"
    rm -f "$pid_file"
    info "$what stopped"
}

# server_status <what> <pid-or-empty> <port> <address> <log> <answers-what> <probe command...>  — the `status` of a
# server script: 0 running and answering, 3 stopped, 1 running but not answering.
server_status() {
    local what="$1" pid="$2" port="$3" address="$4" log="$5" answers="$6"
    shift 6
    if [[ -z "$pid" ]]; then
        if port_open "$port"; then
            info "$what from LAB_HOME $LAB_HOME is stopped, but port $port is taken by $(port_owner "$port")"
        else
            info "$what is stopped (LAB_HOME $LAB_HOME)"
        fi
        return 3
    fi
    if "$@" >/dev/null 2>&1; then
        info "$what is running (pid $pid, $address) and answers $answers"
        return 0
    fi
    info "$what process is running (pid $pid) but does not answer on $address yet; see $log"
    return 1
}

# ---------------------------------------------------------------- Kafka (shared by kafka.sh and topics.sh)

LAB_KAFKA_PORT="${LAB_KAFKA_PORT:-59092}"
LAB_KAFKA_CONTROLLER_PORT="${LAB_KAFKA_CONTROLLER_PORT:-59093}"
LAB_KAFKA_BOOTSTRAP="127.0.0.1:$LAB_KAFKA_PORT"
KAFKA_POM="$LAB_INFRA_DIR/kafka/pom.xml"
KAFKA_HOME_DIR="$LAB_HOME/kafka"
KAFKA_CLASSPATH_FILE="$KAFKA_HOME_DIR/classpath.txt"
KAFKA_LOG4J2_FILE="$LAB_INFRA_DIR/kafka/log4j2.properties"
# small, quick-starting JVMs for the command-line tools
KAFKA_TOOL_JAVA_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true)

# kafka_classpath  — prints the broker's runtime classpath (see maven_classpath).
kafka_classpath() {
    maven_classpath "$KAFKA_POM" "$KAFKA_CLASSPATH_FILE" Kafka "$LAB_LOG_DIR/kafka-mvn.log"
}

# kafka_tool <main-class> <args...>  — runs a Kafka command-line tool on the broker classpath.
kafka_tool() {
    local main="$1"
    shift
    local cp
    cp="$(kafka_classpath)"
    java "${KAFKA_TOOL_JAVA_OPTS[@]}" -Dlog4j2.configurationFile="$KAFKA_LOG4J2_FILE" -Dlab.kafka.root.level=WARN \
        -cp "$cp" "$main" "$@"
}

# kafka_topics <args...>  — the equivalent of kafka-topics.sh against the lab broker, with bounded client timeouts
# (the defaults retry for a minute, which hides a dead or wrong endpoint; too short ones fail on a busy machine).
kafka_topics() {
    local admin_props="$KAFKA_HOME_DIR/admin-cli.properties"
    mkdir -p "$KAFKA_HOME_DIR"
    printf '%s\n' request.timeout.ms=10000 default.api.timeout.ms=20000 \
        socket.connection.setup.timeout.ms=5000 socket.connection.setup.timeout.max.ms=10000 >"$admin_props"
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$LAB_KAFKA_BOOTSTRAP" \
        --command-config "$admin_props" "$@"
}

# kafka_answers_metadata  — true when the broker answers a metadata request (lists topics).
kafka_answers_metadata() {
    kafka_topics --list >/dev/null 2>&1
}
