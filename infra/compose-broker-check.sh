#!/usr/bin/env bash
# Starts the docker-compose deployment's Kafka broker configuration for real, without Docker, and checks that it
# demands authentication:
#   - reads the `kafka` service's environment from the resolved docker-compose.yml (docker-compose config) and turns
#     its KAFKA_* variables into server.properties the way the apache/kafka image does (KAFKA_A_B → a.b), with the
#     listeners moved to loopback ports and log.dirs to a throw-away directory; the same Kafka 4.3.1 as the image,
#     from the lab's Maven Central jars (infra/kafka/pom.xml);
#   - a client with the lab services' own Kafka settings (the kafka.security.protocol / kafka.sasl.* lines of
#     trainer-service's application.properties, resolved with LAB_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT and the
#     deployment's password, as docker-compose sets them) lists and creates topics;
#   - an unauthenticated (PLAINTEXT) client and a client with a wrong password are refused.
# Run by ./lab test after infra/validate-compose.sh. Environment: LAB_HOME; ports LAB_COMPOSE_KAFKA_PORT (29300) and
# LAB_COMPOSE_KAFKA_CONTROLLER_PORT (29301), below Linux's ephemeral range (32768-60999): started after the unit and
# service tests, a port in that range can be some client socket's local port ("Address already in use", seen with 59300).
set -euo pipefail
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${LAB_COMPOSE_KAFKA_PORT:-29300}"
CONTROLLER_PORT="${LAB_COMPOSE_KAFKA_CONTROLLER_PORT:-29301}"
require_numeric_port LAB_COMPOSE_KAFKA_PORT "$PORT"
require_numeric_port LAB_COMPOSE_KAFKA_CONTROLLER_PORT "$CONTROLLER_PORT"
require_cmd docker-compose "run infra/validate-compose.sh first (it installs Debian's docker-compose)"
require_cmd python3
ensure_dirs
require_port_free "$PORT" "the compose broker check's client listener, LAB_COMPOSE_KAFKA_PORT"
require_port_free "$CONTROLLER_PORT" "the compose broker check's controller, LAB_COMPOSE_KAFKA_CONTROLLER_PORT"

DIR="$LAB_HOME/compose-broker"
LOG="$LAB_LOG_DIR/compose-broker.log"
rm -rf "$DIR"
mkdir -p "$DIR/data"
PASSWORD="compose-check-$(date +%s%N)"
export LAB_SERVICE_TOKEN=compose-check-token LAB_KAFKA_PASSWORD="$PASSWORD"
COMPOSE_FILE_TO_CHECK="${COMPOSE_FILE_TO_CHECK:-$LAB_REPO_ROOT/docker-compose.yml}"

# server.properties and the cluster id from the compose file's kafka service, as the apache/kafka image reads them
docker-compose --project-directory "$(dirname "$COMPOSE_FILE_TO_CHECK")" -f "$COMPOSE_FILE_TO_CHECK" config |
    python3 -c '
import sys, yaml
port, controller, data, out = sys.argv[1:5]
env = yaml.safe_load(sys.stdin)["services"]["kafka"]["environment"]
if isinstance(env, list):
    env = dict(e.split("=", 1) for e in env)
skip = {"KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_LOG4J_OPTS"}
props = {}
for k, v in env.items():
    if k.startswith("KAFKA_") and k not in skip:
        # the image: "___" → "-", "__" → "_", "_" → "."
        key = k[len("KAFKA_"):].replace("___", "\0").replace("__", "\1").replace("_", ".").lower()
        props[key.replace("\0", "-").replace("\1", "_")] = str(v)
def loopback(value):
    return (value.replace("://:9092", "://127.0.0.1:" + port).replace("kafka:9092", "127.0.0.1:" + port)
                 .replace("localhost:9093", "127.0.0.1:" + controller))
for k in ("listeners", "advertised.listeners", "controller.quorum.voters"):
    props[k] = loopback(props[k])
props["log.dirs"] = data
for k in ("listeners", "listener.security.protocol.map", "sasl.enabled.mechanisms"):
    if k not in props:
        sys.exit("the compose kafka service sets no " + k)
if "SASL" not in props["listener.security.protocol.map"].split("BROKER:")[1].split(",")[0]:
    sys.exit("the compose broker listener is not SASL: " + props["listener.security.protocol.map"])
with open(out, "w") as f:
    for k, v in sorted(props.items()):
        f.write(k + "=" + " ".join(v.split()).replace("\\", "\\\\") + "\n")
print(env["CLUSTER_ID"])
' "$PORT" "$CONTROLLER_PORT" "$DIR/data" "$DIR/server.properties" >"$DIR/cluster.id" ||
    die "could not derive the broker configuration from $COMPOSE_FILE_TO_CHECK"

cp="$(kafka_classpath)"
info "compose broker: formatting and starting (SASL listener 127.0.0.1:$PORT, config $DIR/server.properties)"
java "${KAFKA_TOOL_JAVA_OPTS[@]}" -Dlog4j2.configurationFile="$KAFKA_LOG4J2_FILE" -Dlab.kafka.root.level=WARN \
    -cp "$cp" kafka.tools.StorageTool format -t "$(cat "$DIR/cluster.id")" -c "$DIR/server.properties" \
    >>"$LOG" 2>&1 || { show_log_tail "$LOG"; die "formatting the compose broker's storage failed"; }
setsid java -Xms128m -Xmx384m -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_LOG4J2_FILE" -Dkafka.logs.dir="$LAB_LOG_DIR" \
    -cp "$cp" kafka.Kafka "$DIR/server.properties" >>"$LOG" 2>&1 </dev/null &
pid=$!
trap 'stop_pid "$pid" "the compose broker" 30 >/dev/null 2>&1 || true' EXIT
wait_until 90 "the compose broker to listen on 127.0.0.1:$PORT" "$pid" "$LOG" port_open "$PORT"

# the lab services' own client settings, resolved as docker-compose sets their environment
LAB_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT LAB_KAFKA_USER=lab python3 -c '
import os, re, sys
def resolve(v):
    return re.sub(r"\$\{([A-Z_]+)(?::([^}]*))?\}", lambda m: os.environ.get(m.group(1), m.group(2) or ""), v)
for line in open(sys.argv[1]):
    line = line.strip()
    if re.match(r"kafka\.(security\.protocol|sasl\.)", line):
        key, value = line.split("=", 1)
        print(key[len("kafka."):] + "=" + resolve(value))
' "$LAB_REPO_ROOT/trainer-service/src/main/resources/application.properties" >"$DIR/service-client.properties"
grep -q '^security.protocol=SASL_PLAINTEXT$' "$DIR/service-client.properties" ||
    die "the services' Kafka settings do not turn on SASL_PLAINTEXT: $(cat "$DIR/service-client.properties")"
timeouts=(request.timeout.ms=8000 default.api.timeout.ms=15000 socket.connection.setup.timeout.ms=4000)
printf '%s\n' "${timeouts[@]}" >>"$DIR/service-client.properties"
printf "%s\n" request.timeout.ms=4000 default.api.timeout.ms=6000 socket.connection.setup.timeout.ms=3000 >"$DIR/anonymous.properties"
sed "s/password=\"[^\"]*\"/password=\"not-$PASSWORD\"/" "$DIR/service-client.properties" >"$DIR/wrong-password.properties"

topics() {
    local props="$1"
    shift
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" --command-config "$props" "$@"
}
wait_until 60 "the compose broker to answer the services' authenticated client" "$pid" "$LOG" \
    topics "$DIR/service-client.properties" --list
topics "$DIR/service-client.properties" --create --topic experiments.requested --partitions 4 \
    --replication-factor 1 >>"$LOG" 2>&1 || die "the services' authenticated client could not create a topic"
topics "$DIR/service-client.properties" --list 2>>"$LOG" | grep -qx experiments.requested ||
    die "the topic created with the services' settings is not listed"
info "compose broker: the services' SASL/PLAIN client (user lab) lists and creates topics"

if topics "$DIR/anonymous.properties" --list >>"$LOG" 2>&1; then
    die "the compose broker answered a client without credentials"
fi
info "compose broker: an unauthenticated client is refused"
if out="$(topics "$DIR/wrong-password.properties" --list 2>&1)"; then
    die "the compose broker answered a client with a wrong password"
fi
grep -q "SaslAuthenticationException\|Authentication failed" <<<"$out" ||
    { printf '%s\n' "$out" | tail -n 5 >&2; die "a wrong password failed, but not on authentication"; }
info "compose broker: a wrong password is refused (SaslAuthenticationException)"
stop_pid "$pid" "the compose broker" 30 >/dev/null 2>&1 || true
trap - EXIT
rm -rf "$DIR/data"
info "the docker-compose broker configuration demands authentication, and the services' settings pass it"
