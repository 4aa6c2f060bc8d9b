#!/usr/bin/env bash
# scripts/kafka.sh start|stop|status — a real single-node Kafka broker (KRaft, combined broker +
# controller) for integration and e2e tests, on 127.0.0.1:9092 (clients) and 127.0.0.1:9093 (controller).
#
# There is no Docker engine and no Kafka download site on these machines, only Maven Central, so the
# broker is the kafka_2.13 artifact and its dependencies, resolved by `mvn dependency:copy-dependencies`
# from scripts/kafka/pom.xml into a cache dir and run straight from the JVM (main class kafka.Kafka).
#
# Version: Kafka 4.1.x (pinned in scripts/kafka/pom.xml). Kafka 4.0 removed old protocol versions
# (KIP-896); our clients use kafkajs 2.2.4, which negotiates versions through ApiVersions and only uses
# versions that 4.x still serves. Checked for real against 4.1.2: create topic, produce (acks=-1,
# idempotent), consume with a consumer group and commit offsets — scripts/test/servers.int.test.ts
# keeps checking it on every CI run.
#
# Environment:
#   ORDERSCOPE_CACHE       cache root for the jars (default $HOME/.cache/orderscope)
#   ORDERSCOPE_KAFKA_DIR   data dir: server.properties, KRaft metadata + topic data, logs, pid file
#                          (default /tmp/orderscope-kafka)
#   ORDERSCOPE_KAFKA_HEAP  JVM heap options (default "-Xms256m -Xmx768m": the machine is shared with
#                          PostgreSQL, RabbitMQ and the tests)
#   JAVA_HOME              JDK to use (default: `java` on PATH; Kafka 4 needs Java 17 or newer)
#
# Exit codes: 0 ok / running, 1 failure, 2 usage, 3 `status` found it stopped (LSB convention).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/jvm-service.sh
source "$SCRIPT_DIR/lib/jvm-service.sh"
POM="$SCRIPT_DIR/kafka/pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/kafka/log4j2.properties"
READY_PROBE="$SCRIPT_DIR/kafka/KafkaReady.java"

# The pom is the single place the version is pinned; the cache dir is named after it so that a version
# bump resolves into a fresh dir instead of mixing jars of two versions on one classpath.
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")"
CACHE_ROOT="${ORDERSCOPE_CACHE:-$HOME/.cache/orderscope}"
LIBS_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION/libs"
DATA_DIR="${ORDERSCOPE_KAFKA_DIR:-/tmp/orderscope-kafka}"
HEAP_OPTS="${ORDERSCOPE_KAFKA_HEAP:--Xms256m -Xmx768m}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

CLIENT_ADDR="127.0.0.1:9092"
CONTROLLER_ADDR="127.0.0.1:9093"
PID_FILE="$DATA_DIR/kafka.pid"
LOG_DIR="$DATA_DIR/logs"          # broker's own log (server.log) and its stdout/stderr (console.log)
LOG_DIRS="$DATA_DIR/kraft"        # Kafka's "log.dirs": KRaft metadata log and topic partitions
CONFIG="$DATA_DIR/server.properties"
# A broker that was killed (not stopped) recovers every partition of its data dir before it opens its
# port, which takes longer the more topics earlier runs left; 90 s once was not enough in CI (the
# likely cause: its log was not printed then, as it is now).
START_TIMEOUT_S=300
STOP_TIMEOUT_S=30
# What scripts/lib/jvm-service.sh needs to know of this server.
SERVICE=kafka
LOG_FILE="$LOG_DIR/console.log"
PID_MATCH="kafka.Kafka $CONFIG"

# ---------------------------------------------------------------------------------------------------
# Jars
# ---------------------------------------------------------------------------------------------------

# The marker holds a hash of the pom: its presence means a copy-dependencies run over exactly this pom
# finished, so a half-copied dir (interrupted run) or an edited pom triggers a new resolve.
pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

ensure_jars() {
  local marker="$LIBS_DIR/.complete"
  if [[ -f "$marker" && "$(cat "$marker")" == "$(pom_hash)" ]]; then
    return
  fi
  log "resolving Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR"
  rm -rf "$LIBS_DIR"
  mkdir -p "$LIBS_DIR"
  # runtime scope = everything the broker needs to run, nothing for building.
  quiet_mvn "$CACHE_ROOT/kafka-$KAFKA_VERSION/mvn.log" "the Kafka jars" -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$LIBS_DIR" -DincludeScope=runtime
  [[ -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  pom_hash >"$marker"
}

# ---------------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------------

# The broker's config is rewritten from here on every start, so this script is the one source of truth.
write_config() {
  cat >"$CONFIG" <<EOF
# Written by scripts/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$CONTROLLER_ADDR
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$CLIENT_ADDR,CONTROLLER://$CONTROLLER_ADDR
advertised.listeners=PLAINTEXT://$CLIENT_ADDR
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$LOG_DIRS

# One node: every internal topic gets replication factor 1 and min.insync 1, or they cannot be created.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer __consumer_offsets partitions than the default 50: the first consumer group on a fresh broker
# waits for all of them to be created, and one test broker gains nothing from 50.
offsets.topic.num.partitions=10

# Topics are created on purpose (by the tracker/tests with explicit partition counts), never by a typo.
auto.create.topics.enable=false
num.partitions=1
# Tests start a consumer group and expect it to get partitions at once, not after the 3 s default delay.
group.initial.rebalance.delay.ms=0
EOF
}

# Formats the KRaft storage the first time only: formatting again would fail (and wipe nothing), and the
# cluster id recorded in meta.properties must stay the same for the data that is already there.
format_storage_once() {
  [[ -f "$LOG_DIRS/meta.properties" ]] && return
  local cluster_id
  cluster_id="$(java_tool kafka.tools.StorageTool random-uuid)"
  log "formatting KRaft storage in $LOG_DIRS (cluster id $cluster_id)"
  java_tool kafka.tools.StorageTool format --cluster-id "$cluster_id" --config "$CONFIG" >/dev/null
}

# Runs a Kafka command-line class; its log4j output is limited to errors on the console.
java_tool() {
  "$JAVA" -Xmx256m -cp "$LIBS_DIR/*" -Dlog4j2.level=ERROR "$@"
}

# ready: the broker answers a Metadata request (see scripts/kafka/KafkaReady.java). The probe is a JVM
# start (~1-2 s), so the port first: it opens once the broker caught up.
probe_ready() {
  port_in_use "$CLIENT_ADDR" && java_tool "$READY_PROBE" "$CLIENT_ADDR" >/dev/null 2>&1
}

# Fatal startup errors (bad config, data dir of another cluster) are at the end of server.log;
# console.log catches what happens before logging is up (JVM flags, classpath).
show_startup_logs() {
  tail -n 20 "$LOG_DIR/server.log" >&2 2>/dev/null || true
  [[ -s "$LOG_FILE" ]] && tail -n 20 "$LOG_FILE" >&2
}
last_log_line() { tail -n 1 "$LOG_DIR/server.log" 2>/dev/null || true; }

# How many topic partitions the data dir holds: a broker that finds many after an unclean stop spends
# its start recovering them, and the message before the wait says so.
partition_count() {
  find "$LOG_DIRS" -mindepth 1 -maxdepth 1 -type d -name '*-[0-9]*' ! -name '*-delete' 2>/dev/null | grep -vc '/__cluster_metadata-' || true
}

# ---------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------

cmd_start() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  take_start_lock "$DATA_DIR/.lock"

  local pid
  if pid="$(running_pid)"; then
    wait_ready "$pid" "serve metadata on $CLIENT_ADDR"
    log "already running (pid $pid) on $CLIENT_ADDR"
    return
  fi
  if port_in_use "$CLIENT_ADDR" || port_in_use "$CONTROLLER_ADDR"; then
    die "$CLIENT_ADDR or $CONTROLLER_ADDR is in use by a process this script did not start (pid file $PID_FILE); stop it first"
  fi

  check_java 17
  ensure_jars
  write_config
  format_storage_once

  local started=$SECONDS
  # shellcheck disable=SC2086 # HEAP_OPTS is a list of JVM flags
  launch "$JAVA" $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG"
  pid=$LAUNCHED_PID
  log "starting Kafka $KAFKA_VERSION (pid $pid) with $(partition_count) partition(s) in $LOG_DIRS, waiting for it to serve metadata"
  wait_ready "$pid" "serve metadata on $CLIENT_ADDR"
  log "running (pid $pid) on $CLIENT_ADDR, ready after $((SECONDS - started))s; log $LOG_DIR/server.log"
}

# stop: SIGTERM runs Kafka's shutdown hook, which flushes and closes the logs, so the next start skips
# log recovery (stop_server in scripts/lib/jvm-service.sh).

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    log "running (pid $pid) on $CLIENT_ADDR, Kafka $KAFKA_VERSION, data $DATA_DIR"
    return 0
  fi
  log "stopped"
  return 3
}

run_command "$@"
