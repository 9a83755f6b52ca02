#!/usr/bin/env bash
# Creates the lab's Kafka topics (org.interplab.contracts.events.Topics) and their dead-letter topics, each with
# Topics.PARTITIONS = 4 partitions, replication factor 1. Idempotent (--if-not-exists); then verifies the
# partition count of every topic.
#
# Needs a running broker (infra/kafka.sh start). Environment: LAB_HOME, LAB_KAFKA_PORT (see infra/lib.sh).
set -euo pipefail
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Keep in sync with contracts/src/main/java/org/interplab/contracts/events/Topics.java
TOPICS=(experiments.requested training.progress checkpoints.published analysis.completed)
DEAD_LETTER_SUFFIX=.dlq
PARTITIONS=4

require_cmd java
port_open "$LAB_KAFKA_PORT" || die "no Kafka broker answers on $LAB_KAFKA_BOOTSTRAP; start it with infra/kafka.sh start"

all_topics=()
for t in "${TOPICS[@]}"; do
    all_topics+=("$t" "$t$DEAD_LETTER_SUFFIX")
done
# checkpoints.published has two consumer groups: the dashboard's dead letters have their own topic (Topics.java)
all_topics+=("checkpoints.published.dashboard$DEAD_LETTER_SUFFIX")

t0="$(now_ns)"
existing="$(kafka_topics --list)" || die "could not list the topics on $LAB_KAFKA_BOOTSTRAP (is it the lab broker? check infra/kafka.sh status)"
missing=()
for t in "${all_topics[@]}"; do
    if grep -qxF "$t" <<<"$existing"; then
        info "topic $t exists"
    else
        missing+=("$t")
    fi
done
# one TopicCommand JVM per missing topic, started together (a JVM start dominates the cost);
# --if-not-exists keeps this safe against a concurrent creator (or auto-creation) between list and create
ensure_dirs
pids=()
for t in "${missing[@]}"; do
    kafka_topics --create --if-not-exists --topic "$t" --partitions "$PARTITIONS" --replication-factor 1 \
        >"$LAB_LOG_DIR/topics-create-$t.log" 2>&1 &
    pids+=("$!")
done
failed=()
for i in "${!pids[@]}"; do
    t="${missing[$i]}"
    if wait "${pids[$i]}"; then
        info "topic $t created ($PARTITIONS partitions)"
        rm -f "$LAB_LOG_DIR/topics-create-$t.log"
    else
        warn "creating topic $t failed: $(grep -v '^\s*at ' "$LAB_LOG_DIR/topics-create-$t.log" | head -n 3 | tr '\n' ' ')"
        failed+=("$t")
    fi
done
((${#failed[@]} == 0)) || die "could not create the topic(s) ${failed[*]} on $LAB_KAFKA_BOOTSTRAP"

# verify: every topic exists with the expected partition count (one describe call for all of them)
topic_regex="$(IFS='|'; echo "${all_topics[*]}")"
describe="$(kafka_topics --describe --topic "${topic_regex//./\\.}")" \
    || die "could not describe the topics on $LAB_KAFKA_BOOTSTRAP"
bad=0
for t in "${all_topics[@]}"; do
    count="$(awk -v t="$t" '$1 == "Topic:" && $2 == t { for (i = 1; i <= NF; i++) if ($i == "PartitionCount:") print $(i + 1) }' <<<"$describe")"
    if [[ "$count" != "$PARTITIONS" ]]; then
        warn "topic $t has ${count:-no} partitions, expected $PARTITIONS"
        bad=1
    fi
done
((bad == 0)) || die "some topics do not have $PARTITIONS partitions (an existing topic is never re-partitioned by this script)"
info "all ${#all_topics[@]} topics present with $PARTITIONS partitions on $LAB_KAFKA_BOOTSTRAP ($(elapsed_since "$t0") s)"
