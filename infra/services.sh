#!/usr/bin/env bash
# The three services as packaged Quarkus apps (target/quarkus-app), against the lab's PostgreSQL and Kafka.
#
#   infra/services.sh start    start trainer-service, analysis-service, dashboard; wait for /q/health/ready
#   infra/services.sh stop     stop the services started from this LAB_HOME
#   infra/services.sh status   exit 0 when all three answer their health endpoint
#   infra/services.sh start-replicas   scale out: a second trainer-service and analysis-service (trainer-service-2,
#                              analysis-service-2) on the same database, broker, object store and consumer groups,
#                              on LAB_TRAINER_REPLICA_PORT (trainer port + 100) and LAB_ANALYSIS_REPLICA_PORT
#                              (analysis port + 100); the dashboard keeps calling the first ones
#   infra/services.sh stop-replicas    stop those two (stop stops them too)
#   infra/services.sh pid NAME | port NAME   the pid / HTTP port of trainer-service, analysis-service, dashboard or
#                              a replica (for failure tests: e2e-tests ScaleOutIT kills replicas with kill -9)
#
# Environment: LAB_HOME, LAB_PG_PORT, LAB_KAFKA_PORT (see lib.sh), LAB_DASHBOARD_PORT (8080), LAB_TRAINER_PORT
# (8081), LAB_ANALYSIS_PORT (8082), LAB_SERVICE_TIMEOUT (seconds, default 180), LAB_TRAINER_WORKERS (default: one per core),
# LAB_SERVICE_HEAP (default 1g), LAB_ADMIN_PASSWORD (the dashboard's first admin, when no user exists yet),
# LAB_OIDC_ISSUER, LAB_OIDC_CLIENT_ID, LAB_OIDC_CLIENT_SECRET, LAB_OIDC_NAME (the dashboard's optional OIDC login, on
# when LAB_OIDC_ISSUER is set; `infra/keycloak.sh env` prints them for the lab's test Keycloak; docs/security.md).
# Logs: $LAB_HOME/logs/<service>.log. The trainer and analysis service listen on 127.0.0.1 only and require the
# service credential LAB_SERVICE_TOKEN, generated once into $LAB_HOME/service-token unless set.
set -euo pipefail
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LAB_PG_PORT="${LAB_PG_PORT:-55432}"
LAB_DASHBOARD_PORT="${LAB_DASHBOARD_PORT:-8080}"
LAB_TRAINER_PORT="${LAB_TRAINER_PORT:-8081}"
LAB_ANALYSIS_PORT="${LAB_ANALYSIS_PORT:-8082}"
SERVICE_TIMEOUT="${LAB_SERVICE_TIMEOUT:-180}"
SERVICES=(trainer-service analysis-service dashboard)
REPLICAS=(trainer-service-2 analysis-service-2)

# An instance is named after its module, a replica with the suffix -2 (its own pid file, log and port).
module_of() { echo "${1%-2}"; }

port_of() {
    case "$1" in
        trainer-service) echo "$LAB_TRAINER_PORT" ;;
        analysis-service) echo "$LAB_ANALYSIS_PORT" ;;
        dashboard) echo "$LAB_DASHBOARD_PORT" ;;
        trainer-service-2) echo "${LAB_TRAINER_REPLICA_PORT:-$((LAB_TRAINER_PORT + 100))}" ;;
        analysis-service-2) echo "${LAB_ANALYSIS_REPLICA_PORT:-$((LAB_ANALYSIS_PORT + 100))}" ;;
    esac
}

# The shared secret of the internal APIs (X-Lab-Service-Token): from the environment, else generated once.
service_token() {
    local file="$LAB_HOME/service-token"
    if [[ -n "${LAB_SERVICE_TOKEN:-}" ]]; then
        printf '%s' "$LAB_SERVICE_TOKEN"
        return
    fi
    if [[ ! -s "$file" ]]; then
        (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$file")
    fi
    cat "$file"
}

jar_of() { echo "$LAB_REPO_ROOT/$1/target/quarkus-app/quarkus-run.jar"; }
pid_file_of() { echo "$LAB_RUN_DIR/$1.pid"; }

running_pid() {
    local pid
    pid="$(read_pid_file "$(pid_file_of "$1")")"
    if [[ -n "$pid" ]] && pid_cmdline_matches "$pid" "$(jar_of "$(module_of "$1")")"; then
        printf '%s' "$pid"
    fi
}

healthy() { curl -fsS -o /dev/null "http://127.0.0.1:$(port_of "$1")/q/health/ready"; }

start_one() {
    local svc="$1" port jar log pid host=127.0.0.1
    [[ "$svc" == dashboard ]] && host="${LAB_DASHBOARD_HOST:-0.0.0.0}"
    port="$(port_of "$svc")"
    jar="$(jar_of "$(module_of "$svc")")"
    log="$LAB_LOG_DIR/$svc.log"
    if [[ -n "$(running_pid "$svc")" ]]; then
        info "$svc already running (pid $(running_pid "$svc")) on port $port"
        return 0
    fi
    [[ -f "$jar" ]] || die "$jar is missing: build first (mvn -DskipTests install)"
    require_port_free "$port" "$svc"
    # JavaCPP reads its limits only as system properties; OpenMP threads only from the environment, at start, and
    # can only be narrowed later. The trainer starts with one per core and narrows per job mix (ComputeThreads: a
    # lone language model uses them all, toy models one each); the others keep one (docs/benchmarks.md).
    export_openblas_coretype # OpenBLAS reads it once, when the JVM loads it
    local omp=1
    [[ "$svc" == trainer-service ]] && omp="$(nproc)"
    env OMP_NUM_THREADS="${OMP_NUM_THREADS:-$omp}" \
        LAB_JDBC_URL="jdbc:postgresql://127.0.0.1:$LAB_PG_PORT/interplab" \
        KAFKA_BOOTSTRAP_SERVERS="$LAB_KAFKA_BOOTSTRAP" \
        LAB_TRAINER_URL="http://127.0.0.1:$LAB_TRAINER_PORT" \
        LAB_ANALYSIS_URL="http://127.0.0.1:$LAB_ANALYSIS_PORT" \
        LAB_CODE_VERSION="$(git -C "$LAB_REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo dev)" \
        LAB_TRAINER_WORKERS="${LAB_TRAINER_WORKERS:-$(nproc)}" \
        LAB_SERVICE_TOKEN="$(service_token)" \
        nohup java -Xmx"${LAB_SERVICE_HEAP:-1g}" \
        -Dorg.bytedeco.javacpp.maxbytes=4G -Dorg.bytedeco.javacpp.maxphysicalbytes=8G \
        -Dquarkus.http.port="$port" -Dquarkus.http.host="$host" -jar "$jar" >"$log" 2>&1 &
    pid=$!
    echo "$pid" >"$(pid_file_of "$svc")"
    info "$svc starting (pid $pid, port $port, log $log)"
}

# start_all NAME...  — starts these instances, then waits until each answers its health endpoint
start_all() {
    ensure_dirs
    require_cmd java "install a JDK 17"
    require_cmd curl "apt-get install -y curl"
    local t0 svc
    t0="$(now_ns)"
    for svc in "$@"; do start_one "$svc"; done
    for svc in "$@"; do
        wait_until "$SERVICE_TIMEOUT" "$svc health at :$(port_of "$svc")/q/health/ready" \
            "$(running_pid "$svc")" "$LAB_LOG_DIR/$svc.log" healthy "$svc"
    done
    info "$* healthy in $(elapsed_since "$t0") s"
}

# stop_all NAME...  — stops these instances (a replica killed with -9 leaves only its pid file, removed here)
stop_all() {
    local svc pid
    for svc in "$@"; do
        pid="$(running_pid "$svc")"
        if [[ -n "$pid" ]]; then
            stop_pid "$pid" "$svc" 30
            info "$svc stopped"
        fi
        rm -f "$(pid_file_of "$svc")"
    done
}

status() {
    local svc rc=0
    for svc in "${SERVICES[@]}"; do
        if healthy "$svc"; then info "$svc healthy on :$(port_of "$svc")"; else info "$svc not healthy"; rc=3; fi
    done
    return "$rc"
}

case "${1:-}" in
    start) start_all "${SERVICES[@]}" ;;
    stop) stop_all dashboard analysis-service-2 analysis-service trainer-service-2 trainer-service ;;
    status) status ;;
    start-replicas) start_all "${REPLICAS[@]}" ;;
    stop-replicas) stop_all "${REPLICAS[@]}" ;;
    pid | port)
        [[ " ${SERVICES[*]} ${REPLICAS[*]} " == *" ${2:-} "* ]] || usage_die "infra/services.sh $1 NAME"
        if [[ "$1" == port ]]; then port_of "$2"; exit 0; fi
        pid="$(running_pid "$2")"
        [[ -n "$pid" ]] || die "$2 is not running"
        echo "$pid" ;;
    *) usage_die "infra/services.sh start|stop|status|start-replicas|stop-replicas|pid NAME|port NAME" ;;
esac
