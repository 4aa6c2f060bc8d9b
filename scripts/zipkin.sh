#!/usr/bin/env bash
# scripts/zipkin.sh start|stop|status — a real Zipkin server (the trace backend the e2e tests search by
# order.id) on 127.0.0.1:9411, spans kept in memory.
#
# Zipkin is served by Maven Central as one executable jar, io.zipkin:zipkin-server:<version>:exec
# (about 130 MB), which `mvn dependency:copy` fetches once into a cache dir; it runs on Java 17. The
# same start/ready/stop logic as scripts/kafka.sh, from scripts/lib/jvm-service.sh.
#
# Environment:
#   ORDERSCOPE_CACHE        cache root for the jar (default $HOME/.cache/orderscope)
#   ORDERSCOPE_ZIPKIN_DIR   pid file and log (default /tmp/orderscope-zipkin)
#   ORDERSCOPE_ZIPKIN_PORT  the HTTP port of the API, the UI and the span intake (default 9411)
#   ORDERSCOPE_ZIPKIN_MAX_SPANS  spans the in-memory store keeps, the oldest traces dropped first (default
#                           200000: about four 500-order e2e runs, ~50 000 spans each)
#   ORDERSCOPE_ZIPKIN_HEAP  JVM heap options (default "-Xms128m -Xmx768m": room for MAX_SPANS spans; Zipkin's
#                           own default of 500 000 spans ran a 384 MB heap out of memory in the second run)
#   JAVA_HOME               JDK to use (default: `java` on PATH)
#
# Exit codes: 0 ok / running, 1 failure, 2 usage, 3 `status` found it stopped (LSB convention).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/jvm-service.sh
source "$SCRIPT_DIR/lib/jvm-service.sh"

# The one pin of the Zipkin version.
ZIPKIN_VERSION=3.5.1
CACHE_ROOT="${ORDERSCOPE_CACHE:-$HOME/.cache/orderscope}"
JAR_DIR="$CACHE_ROOT/zipkin-$ZIPKIN_VERSION"
JAR="$JAR_DIR/zipkin-server-$ZIPKIN_VERSION-exec.jar"
DATA_DIR="${ORDERSCOPE_ZIPKIN_DIR:-/tmp/orderscope-zipkin}"
PORT="${ORDERSCOPE_ZIPKIN_PORT:-9411}"
MAX_SPANS="${ORDERSCOPE_ZIPKIN_MAX_SPANS:-200000}"
HEAP_OPTS="${ORDERSCOPE_ZIPKIN_HEAP:--Xms128m -Xmx768m}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
ADDR="127.0.0.1:$PORT"

SERVICE=zipkin
PID_FILE="$DATA_DIR/zipkin.pid"
PID_MATCH="$JAR"
LOG_FILE="$DATA_DIR/zipkin.log"
START_TIMEOUT_S=120
STOP_TIMEOUT_S=20

# The jar is complete once it is there under its final name: mvn copies it into place after the download.
ensure_jar() {
  [[ -s "$JAR" ]] && return
  log "fetching io.zipkin:zipkin-server:$ZIPKIN_VERSION:exec from Maven Central into $JAR_DIR"
  quiet_mvn "$JAR_DIR/mvn.log" "the Zipkin server jar" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" -DoutputDirectory="$JAR_DIR"
  [[ -s "$JAR" ]] || die "$JAR missing after mvn"
}

# ready: Zipkin's health check says UP (its storage included).
probe_ready() {
  curl -fsS -m 2 "http://$ADDR/health" 2>/dev/null | grep -q '"status" *: *"UP"'
}

cmd_start() {
  mkdir -p "$DATA_DIR"
  take_start_lock "$DATA_DIR/.lock"

  local pid
  if pid="$(running_pid)"; then
    wait_ready "$pid" "answer on http://$ADDR/health"
    log "already running (pid $pid) on http://$ADDR"
    return
  fi
  port_in_use "$ADDR" && die "$ADDR is in use by a process this script did not start (pid file $PID_FILE); stop it first, or set ORDERSCOPE_ZIPKIN_PORT"
  command -v curl >/dev/null || die "curl not found; the ready check asks Zipkin's /health with it"

  check_java 17
  ensure_jar

  local started=$SECONDS
  # Armeria's port list is replaced as a whole by these properties: port, address (127.0.0.1 only, not
  # every interface as Zipkin's default) and protocol all have to be given. STORAGE_TYPE=mem: spans live
  # in memory, gone at stop, which is what tests want; MEM_MAX_SPANS bounds them.
  # shellcheck disable=SC2086 # HEAP_OPTS is a list of JVM flags
  STORAGE_TYPE=mem MEM_MAX_SPANS="$MAX_SPANS" QUERY_PORT="$PORT" launch "$JAVA" $HEAP_OPTS -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -jar "$JAR" "--armeria.ports[0].port=$PORT" "--armeria.ports[0].ip=127.0.0.1" "--armeria.ports[0].protocols=http"
  pid=$LAUNCHED_PID
  log "starting Zipkin $ZIPKIN_VERSION (pid $pid), waiting for its health check"
  wait_ready "$pid" "answer on http://$ADDR/health"
  log "running (pid $pid) on http://$ADDR, ready after $((SECONDS - started))s; log $LOG_FILE"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    log "running (pid $pid) on http://$ADDR, Zipkin $ZIPKIN_VERSION, in-memory storage"
    return 0
  fi
  log "stopped"
  return 3
}

run_command "$@"
