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
START_TIMEOUT_S=90
STOP_TIMEOUT_S=30

log() { echo "kafka: $*"; }
die() { echo "kafka: error: $*" >&2; exit 1; }

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
  command -v mvn >/dev/null || die "mvn not found; it resolves the Kafka jars from Maven Central"
  log "resolving Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR"
  rm -rf "$LIBS_DIR"
  mkdir -p "$LIBS_DIR"
  # mvn's output goes to a file and is shown only on failure: even with -q, Maven 3.8 prints stray
  # terminal escape codes. runtime scope = everything the broker needs to run, nothing for building.
  local mvn_log="$CACHE_ROOT/kafka-$KAFKA_VERSION/mvn.log"
  if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$LIBS_DIR" -DincludeScope=runtime >"$mvn_log" 2>&1; then
    cat "$mvn_log" >&2
    die "mvn could not resolve the Kafka jars (output above, also in $mvn_log)"
  fi
  [[ -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  pom_hash >"$marker"
}

check_java() {
  command -v "$JAVA" >/dev/null || die "java not found (set JAVA_HOME); Kafka $KAFKA_VERSION needs Java 17+"
  local major
  # `java -version` prints e.g. 'openjdk version "17.0.15"' (or "1.8.0_x" for Java 8) on stderr.
  major="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\..*/\1/p;s/.*version "\([0-9]*\)".*/\1/p' | head -n1)"
  [[ -n "$major" && "$major" -ge 17 ]] \
    || die "$JAVA is Java ${major:-?}; Kafka $KAFKA_VERSION needs Java 17+ (set JAVA_HOME)"
}

# ---------------------------------------------------------------------------------------------------
# Process state
# ---------------------------------------------------------------------------------------------------

# Prints the broker's pid if the pid file names a live kafka.Kafka process for this data dir. Checking
# the command line guards against a stale pid file whose pid was reused by an unrelated process.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $CONFIG" || return 1
  echo "$pid"
}

port_in_use() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

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

# ready: the broker answers a Metadata request (see scripts/kafka/KafkaReady.java).
probe_ready() {
  java_tool "$READY_PROBE" "$CLIENT_ADDR" >/dev/null 2>&1
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT_S))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      # Fatal startup errors (bad config, data dir of another cluster) are at the end of server.log;
      # console.log catches what happens before logging is up (JVM flags, classpath).
      tail -n 20 "$LOG_DIR/server.log" >&2 2>/dev/null || true
      [[ -s "$LOG_DIR/console.log" ]] && tail -n 20 "$LOG_DIR/console.log" >&2
      die "broker exited during startup; logs: $LOG_DIR/server.log and $LOG_DIR/console.log"
    fi
    # The probe is a JVM start (~1-2 s), so wait for the port first; it opens once the broker caught up.
    if port_in_use "$CLIENT_ADDR" && probe_ready; then
      return 0
    fi
    sleep 1
  done
  die "broker (pid $pid) did not serve metadata on $CLIENT_ADDR within ${START_TIMEOUT_S}s; see $LOG_DIR/server.log"
}

# ---------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------

cmd_start() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  # Serialise concurrent starts (two test runs calling services.sh up at once) so only one broker is
  # launched. The lock fd is closed for the broker itself (9>&- below), or the broker would hold it.
  exec 9>"$DATA_DIR/.lock"
  flock -w $((START_TIMEOUT_S + 30)) 9 || die "another kafka.sh holds $DATA_DIR/.lock"

  local pid
  if pid="$(running_pid)"; then
    wait_ready "$pid"
    log "already running (pid $pid) on $CLIENT_ADDR"
    return
  fi
  if port_in_use "$CLIENT_ADDR" || port_in_use "$CONTROLLER_ADDR"; then
    die "$CLIENT_ADDR or $CONTROLLER_ADDR is in use by a process this script did not start (pid file $PID_FILE); stop it first"
  fi

  check_java
  ensure_jars
  write_config
  format_storage_once

  local started=$SECONDS
  # setsid + nohup: the broker outlives this shell, its terminal and CI step (others' tests use it), and
  # a Ctrl-C in the calling shell does not reach it. stdin from /dev/null: CI runs with no stdin.
  # shellcheck disable=SC2086 # HEAP_OPTS is a list of JVM flags
  setsid nohup "$JAVA" $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG" \
    </dev/null >"$LOG_DIR/console.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "starting Kafka $KAFKA_VERSION (pid $pid), waiting for it to serve metadata"
  wait_ready "$pid"
  log "running (pid $pid) on $CLIENT_ADDR, ready after $((SECONDS - started))s; log $LOG_DIR/server.log"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return
  fi
  # SIGTERM runs Kafka's shutdown hook: it flushes and closes the logs, so the next start skips log recovery.
  kill -TERM "$pid"
  local deadline=$((SECONDS + STOP_TIMEOUT_S))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after ${STOP_TIMEOUT_S}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$PID_FILE"
  log "stopped (pid $pid)"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    log "running (pid $pid) on $CLIENT_ADDR, Kafka $KAFKA_VERSION, data $DATA_DIR"
    return 0
  fi
  log "stopped"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
