#!/usr/bin/env bash
# A real Keycloak 26.5.6 (org.keycloak:keycloak-quarkus-dist from Maven Central) in development mode, with the realm
# `lab` of infra/keycloak/lab-realm.json: the identity provider of the dashboard's optional OIDC login in tests.
#
#   infra/keycloak.sh start    fetch the distribution (once, into ~/.m2), unpack it (once per LAB_HOME), start
#                              `kc.sh start-dev` on 127.0.0.1:LAB_KEYCLOAK_PORT with an in-memory database, import
#                              the realm, wait until the realm answers its OpenID discovery document
#   infra/keycloak.sh stop     stop the Keycloak started from this LAB_HOME
#   infra/keycloak.sh status   exit 0 when running and the realm answers, 3 when stopped, 1 when not answering
#   infra/keycloak.sh env      the LAB_OIDC_* settings that point the dashboard at it, and the test users
#
# The realm: client `interplab` (confidential, authorization-code flow, PKCE S256, redirect URI
# http://127.0.0.1:LAB_DASHBOARD_PORT/api/auth/oidc/login, a `groups` claim), users `rita` (group lab-researchers)
# and `vic` (group staff, mapped to no lab role), password LAB_KEYCLOAK_USER_PASSWORD; the users' ids are fixed, so
# their `sub` (which the lab links its accounts to) stays the same across restarts. Keycloak 26 needs Java 21+:
# LAB_KEYCLOAK_JAVA_HOME, else the first JDK 21+ found on PATH or under /usr/lib/jvm.
#
# Environment: LAB_HOME (default <repo>/.lab), LAB_KEYCLOAK_PORT (58180), LAB_DASHBOARD_PORT (8080; the redirect
#              URI), LAB_KEYCLOAK_TIMEOUT (seconds, default 180), LAB_KEYCLOAK_HEAP (default 512m).
# State: $LAB_HOME/keycloak (a copy of the distribution, the client secret), $LAB_HOME/run/keycloak.pid,
#        $LAB_HOME/logs/keycloak.log. Nothing is kept between starts (dev-mem database): the realm file is the truth.
#        LAB_KEYCLOAK_CACHE (default ~/.cache/interplab, beside ~/.m2: shared by the clones and worktrees of this
#        machine) keeps the distribution as built by its first start-dev (50 s or more of the first start), so a new
#        LAB_HOME (every `./lab test`, every fresh clone) copies it instead of building again.
set -euo pipefail
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KC_VERSION=26.5.6
LAB_KEYCLOAK_PORT="${LAB_KEYCLOAK_PORT:-58180}"
LAB_DASHBOARD_PORT="${LAB_DASHBOARD_PORT:-8080}"
require_numeric_port LAB_KEYCLOAK_PORT "$LAB_KEYCLOAK_PORT"
require_numeric_port LAB_DASHBOARD_PORT "$LAB_DASHBOARD_PORT"
KC_TIMEOUT="${LAB_KEYCLOAK_TIMEOUT:-180}"
KC_HEAP="${LAB_KEYCLOAK_HEAP:-512m}"
KC_URL="http://127.0.0.1:$LAB_KEYCLOAK_PORT"
KC_REALM=lab
KC_ISSUER="$KC_URL/realms/$KC_REALM"
KC_CLIENT_ID=interplab
# fixed test credentials of the realm's users; the server listens on 127.0.0.1 only
KC_USER_PASSWORD=lab-oidc-test-pw
KC_REALM_FILE="$LAB_INFRA_DIR/keycloak/lab-realm.json"
KC_STATE_DIR="$LAB_HOME/keycloak"
KC_DIST="$KC_STATE_DIR/keycloak-$KC_VERSION"
KC_SECRET_FILE="$KC_STATE_DIR/client-secret"
KC_PID_FILE="$LAB_RUN_DIR/keycloak.pid"
KC_LOG="$LAB_LOG_DIR/keycloak.log"
KC_CACHE="${LAB_KEYCLOAK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interplab}/keycloak-$KC_VERSION"
KC_BUILT_MARK=.lab-built-start-dev
KC_ZIP="$HOME/.m2/repository/org/keycloak/keycloak-quarkus-dist/$KC_VERSION/keycloak-quarkus-dist-$KC_VERSION.zip"

# kc.sh (which forwards SIGTERM to its JVM, or has become the JVM after a re-augmentation) names "$KC_DIST/bin/"
running_pid() { pid_if_running "$KC_PID_FILE" "$KC_DIST/bin/"; }

# The realm is imported and serves its discovery document.
realm_answers() {
    curl -fsS --max-time 3 -o /dev/null "$KC_ISSUER/.well-known/openid-configuration"
}

# Prints the JAVA_HOME of a JDK 21 or newer.
java21_home() {
    local candidate java major
    for candidate in "${LAB_KEYCLOAK_JAVA_HOME:-}" "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java || echo /nonexistent)")")")" /usr/lib/jvm/*; do
        java="$candidate/bin/java"
        [[ -n "$candidate" && -x "$java" ]] || continue
        major="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
        if [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 21)); then
            printf '%s' "$candidate"
            return 0
        fi
    done
    return 1
}

# The client secret: generated once per LAB_HOME.
client_secret() {
    mkdir -p "$KC_STATE_DIR"
    if [[ ! -s "$KC_SECRET_FILE" ]]; then
        (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$KC_SECRET_FILE")
    fi
    cat "$KC_SECRET_FILE"
}

# This LAB_HOME's copy of the distribution: from the cache when a built one is there, else unpacked from the zip
# (fetched into the local Maven repository once).
unpack_once() {
    if [[ -x "$KC_DIST/bin/kc.sh" ]]; then
        return 0
    fi
    mkdir -p "$KC_STATE_DIR"
    if [[ -f "$KC_CACHE/$KC_BUILT_MARK" ]]; then
        cp -a "$KC_CACHE" "$KC_DIST"
        rm -f "$KC_DIST/$KC_BUILT_MARK"
        return 0
    fi
    if [[ ! -s "$KC_ZIP" ]]; then
        require_cmd mvn "Maven is needed once to fetch Keycloak's distribution from Maven Central"
        info "fetching org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip (165 MB, first run only) ..."
        mvn -q -B dependency:get -Dartifact="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" -Dtransitive=false \
            >"$LAB_LOG_DIR/keycloak-mvn.log" 2>&1 || {
            show_log_tail "$LAB_LOG_DIR/keycloak-mvn.log" 20
            die "Maven could not fetch keycloak-quarkus-dist $KC_VERSION; see $LAB_LOG_DIR/keycloak-mvn.log"
        }
    fi
    require_cmd unzip "apt-get install -y unzip"
    unzip -q -o "$KC_ZIP" -d "$KC_STATE_DIR"
}

# After a start that built the distribution for start-dev: keep that build in the cache (without its data).
cache_build() {
    [[ -f "$KC_CACHE/$KC_BUILT_MARK" ]] && return 0
    local tmp="$KC_CACHE.tmp.$$"
    mkdir -p "$(dirname "$KC_CACHE")"
    rm -rf "$tmp"
    [[ -d "$KC_CACHE" ]] && rm -rf "$KC_CACHE" # a copy without the mark is an unfinished one
    # mv -T fails rather than nest when another start cached it meanwhile: then this copy is dropped
    if cp -a "$KC_DIST" "$tmp" && rm -rf "$tmp/data" && touch "$tmp/$KC_BUILT_MARK" && mv -T "$tmp" "$KC_CACHE"; then
        info "cached the built distribution in $KC_CACHE"
    else
        rm -rf "$tmp"
        warn "could not cache the built distribution in $KC_CACHE"
    fi
}

cmd_start() {
    ensure_dirs
    local pid jhome t0
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        info "Keycloak is already running (pid $pid, $KC_URL); nothing to do"
        return 0
    fi
    require_cmd curl "apt-get install -y curl"
    jhome="$(java21_home)" || die "Keycloak $KC_VERSION needs Java 21 or newer: set LAB_KEYCLOAK_JAVA_HOME to a JDK 21+"
    require_port_free "$LAB_KEYCLOAK_PORT" "Keycloak, LAB_KEYCLOAK_PORT"
    t0="$(now_ns)"
    unpack_once
    mkdir -p "$KC_DIST/data/import"
    cp "$KC_REALM_FILE" "$KC_DIST/data/import/lab-realm.json"
    info "starting Keycloak $KC_VERSION (start-dev, realm $KC_REALM, Java $jhome) on $KC_URL; log $KC_LOG"
    printf '\n==== %s starting keycloak ====\n' "$(date -Iseconds)" >>"$KC_LOG"
    # the realm file's ${...} placeholders are filled from these variables at import
    # setsid: Keycloak gets its own session, so it outlives this script and its terminal.
    JAVA_HOME="$jhome" JAVA_OPTS_KC_HEAP="-Xms64m -Xmx$KC_HEAP" \
        LAB_KEYCLOAK_CLIENT_ID="$KC_CLIENT_ID" LAB_KEYCLOAK_CLIENT_SECRET="$(client_secret)" \
        LAB_KEYCLOAK_DASHBOARD_PORT="$LAB_DASHBOARD_PORT" LAB_KEYCLOAK_USER_PASSWORD="$KC_USER_PASSWORD" \
        setsid "$KC_DIST/bin/kc.sh" start-dev --import-realm --db=dev-mem \
        --http-host=127.0.0.1 --http-port="$LAB_KEYCLOAK_PORT" --hostname-strict=false \
        >>"$KC_LOG" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$KC_PID_FILE"
    wait_until "$KC_TIMEOUT" "Keycloak's realm $KC_REALM at $KC_ISSUER" "$pid" "$KC_LOG" realm_answers
    info "Keycloak is ready (pid $pid, issuer $KC_ISSUER) in $(elapsed_since "$t0") s"
    cache_build
}

cmd_stop() {
    stop_server Keycloak "$(running_pid)" "$KC_PID_FILE" 60
}

cmd_status() {
    server_status Keycloak "$(running_pid)" "$LAB_KEYCLOAK_PORT" "$KC_URL" "$KC_LOG" "the realm $KC_REALM" realm_answers
}

# What the dashboard needs for OIDC login against this Keycloak (VAR=value lines), and the test users.
cmd_env() {
    printf '%s\n' "LAB_OIDC_ISSUER=$KC_ISSUER" "LAB_OIDC_CLIENT_ID=$KC_CLIENT_ID" \
        "LAB_OIDC_CLIENT_SECRET=$(client_secret)" "LAB_OIDC_NAME=Keycloak" \
        "LAB_KEYCLOAK_URL=$KC_URL" \
        "LAB_KEYCLOAK_USER_PASSWORD=$KC_USER_PASSWORD"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
*) usage_die "$0 start|stop|status|env" ;;
esac
