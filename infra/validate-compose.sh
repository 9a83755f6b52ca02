#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine:
#   - installs Debian's docker-compose (v1) with apt if it is missing (needs root),
#   - `docker-compose -f docker-compose.yml config -q`, for the default services and with the gpu profile,
#   - checks the structure: the expected services, only trainer-service-gpu behind the gpu profile (with an nvidia
#     device reservation), only the dashboard publishing a port, every build context and Dockerfile present, and a
#     healthcheck on every built service; the broker's only client listener requires SASL and every service
#     authenticates (LAB_KAFKA_*) and has a service token.
# Exits non-zero with the error on an invalid file. Optional: COMPOSE_FILE_TO_CHECK (default <repo>/docker-compose.yml).
set -euo pipefail
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMPOSE_FILE_TO_CHECK="${COMPOSE_FILE_TO_CHECK:-$LAB_REPO_ROOT/docker-compose.yml}"
[[ -f "$COMPOSE_FILE_TO_CHECK" ]] || die "no compose file at $COMPOSE_FILE_TO_CHECK"

if ! command -v docker-compose >/dev/null 2>&1; then
    is_root || die "required binary 'docker-compose' not found; install it (apt-get install docker-compose) or run this script as root"
    require_cmd apt-get "cannot install docker-compose on this system"
    ensure_dirs
    info "docker-compose not found; installing Debian's docker-compose with apt (apt-get update first)"
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y docker-compose; } >"$LAB_LOG_DIR/apt-docker-compose.log" 2>&1 ||
        { show_log_tail "$LAB_LOG_DIR/apt-docker-compose.log"; die "apt-get install docker-compose failed; see $LAB_LOG_DIR/apt-docker-compose.log"; }
fi
info "using $(docker-compose version --short 2>/dev/null || echo 'docker-compose (unknown version)')"

# the file requires the deployment's secrets (from .env); placeholders are enough to resolve it here
export LAB_SERVICE_TOKEN="${LAB_SERVICE_TOKEN:-validate-compose-placeholder}"
export LAB_KAFKA_PASSWORD="${LAB_KAFKA_PASSWORD:-validate-compose-placeholder}"

# docker-compose resolves relative paths against the compose file's directory
compose() { docker-compose --project-directory "$(dirname "$COMPOSE_FILE_TO_CHECK")" -f "$COMPOSE_FILE_TO_CHECK" "$@"; }

compose config -q || die "$COMPOSE_FILE_TO_CHECK is invalid (default services)"
compose --profile gpu config -q || die "$COMPOSE_FILE_TO_CHECK is invalid with the gpu profile"

# structural checks on the resolved file (docker-compose v1 lists every service in `config --services`, whatever
# the profiles, so the profile check reads the resolved YAML instead)
require_cmd python3
compose --profile gpu config | python3 -c '
import os, sys, yaml
doc = yaml.safe_load(sys.stdin)
services = doc.get("services", {})
bad = []
for name in ["postgres", "kafka", "kafka-topics", "minio", "trainer-service", "analysis-service", "dashboard", "trainer-service-gpu"]:
    if name not in services:
        bad.append(f"service {name} is missing")
in_profiles = {n: s.get("profiles") for n, s in services.items() if s.get("profiles")}
if in_profiles != {"trainer-service-gpu": ["gpu"]}:
    bad.append(f"only trainer-service-gpu should have a profile (gpu), found {in_profiles}")
gpu = services.get("trainer-service-gpu", {})
devices = gpu.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", [])
if not any(d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", []) for d in devices):
    bad.append("trainer-service-gpu does not reserve an nvidia gpu device")
published = {n: s["ports"] for n, s in services.items() if s.get("ports")}
if list(published) != ["dashboard"]:
    bad.append(f"only the dashboard should publish ports, found {published}")
for name, svc in services.items():
    build = svc.get("build")
    if build is None:
        continue
    ctx = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    path = dockerfile if os.path.isabs(dockerfile) else os.path.join(ctx, dockerfile)
    if not os.path.isdir(ctx):
        bad.append(f"{name}: build context {ctx} does not exist")
    elif not os.path.isfile(path):
        bad.append(f"{name}: Dockerfile {path} does not exist")
    if "healthcheck" not in svc:
        bad.append(f"{name}: no healthcheck")
for name in ["trainer-service", "trainer-service-gpu"]:
    env = services.get(name, {}).get("environment", {})
    if env.get("LAB_OBJECTS_KIND") != "s3" or env.get("LAB_OBJECTS_S3_ENDPOINT") != "http://minio:9000":
        bad.append(f"{name}: checkpoint objects should go to MinIO (LAB_OBJECTS_KIND=s3, endpoint http://minio:9000)")
kafka = services.get("kafka", {}).get("environment", {})
protocols = dict(x.split(":") for x in str(kafka.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "")).split(","))
for listener in str(kafka.get("KAFKA_ADVERTISED_LISTENERS", "")).split(","):
    name = listener.split("://")[0]
    if not protocols.get(name, "").startswith("SASL_"):
        bad.append(f"kafka: advertised listener {listener} does not require authentication (SASL)")
if "user_lab=" not in str(kafka.get("KAFKA_LISTENER_NAME_BROKER_PLAIN_SASL_JAAS_CONFIG", "")):
    bad.append("kafka: no SASL/PLAIN user lab on the BROKER listener")
for name, svc in services.items():
    if svc.get("build") is None:
        continue
    env = svc.get("environment", {})
    if env.get("LAB_KAFKA_SECURITY_PROTOCOL") != "SASL_PLAINTEXT" or not env.get("LAB_KAFKA_PASSWORD"):
        bad.append(f"{name}: does not authenticate to the broker (LAB_KAFKA_SECURITY_PROTOCOL, LAB_KAFKA_PASSWORD)")
    if not env.get("LAB_SERVICE_TOKEN"):
        bad.append(f"{name}: no LAB_SERVICE_TOKEN")
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
' || die "$COMPOSE_FILE_TO_CHECK does not have the expected structure (see above)"

info "$COMPOSE_FILE_TO_CHECK is valid, with and without the gpu profile"
