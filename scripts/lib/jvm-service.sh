# shellcheck shell=bash
# scripts/lib/jvm-service.sh — what scripts/kafka.sh and scripts/zipkin.sh share: a Java server from
# Maven Central's jars, started in the background, checked for readiness, stopped gracefully. Sourced,
# not run. The caller sets, before it calls anything here:
#
#   SERVICE       name in messages ("kafka", "zipkin")
#   JAVA          the java binary (JAVA_HOME's, or java on PATH)
#   PID_FILE      where the server's pid is kept
#   PID_MATCH     a string of the server's command line: a pid file whose pid now belongs to another
#                 process (the server died, the pid was reused) is not taken for the server
#   LOG_FILE      the server's own output (stdout and stderr)
#   START_TIMEOUT_S, STOP_TIMEOUT_S
#
# and defines probe_ready (exit 0 once the server serves its clients) and, optionally,
# show_startup_logs (prints what explains a failed start; the tail of LOG_FILE by default) and
# last_log_line (the newest line of its log, for progress notes; LOG_FILE's by default).

log() { echo "$SERVICE: $*"; }
die() { echo "$SERVICE: error: $*" >&2; exit 1; }

# True when something listens on host:port.
port_in_use() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

# Fails unless $JAVA is Java $1 or newer.
check_java() {
  local need="$1" major
  command -v "$JAVA" >/dev/null || die "java not found (set JAVA_HOME); $SERVICE needs Java $need+"
  # `java -version` prints e.g. 'openjdk version "17.0.15"' (or "1.8.0_x" for Java 8) on stderr.
  major="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\..*/\1/p;s/.*version "\([0-9]*\)".*/\1/p' | head -n1)"
  [[ -n "$major" && "$major" -ge "$need" ]] || die "$JAVA is Java ${major:-?}; $SERVICE needs Java $need+ (set JAVA_HOME)"
}

# Runs `mvn "$@"` quietly; on failure shows its output (kept in $1, the log file) and dies with $2.
# Maven's output goes to a file: even with -q, Maven 3.8 prints stray terminal escape codes.
quiet_mvn() {
  local mvn_log="$1" what="$2"
  shift 2
  command -v mvn >/dev/null || die "mvn not found; it resolves $what from Maven Central"
  mkdir -p "$(dirname "$mvn_log")"
  if ! mvn -B -q -Dstyle.color=never "$@" >"$mvn_log" 2>&1; then
    cat "$mvn_log" >&2
    die "mvn could not resolve $what (output above, also in $mvn_log)"
  fi
}

# Prints the server's pid if the pid file names a live process whose command line has PID_MATCH.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$PID_MATCH" || return 1
  echo "$pid"
}

# Serialises concurrent starts (two test runs calling services.sh up at once) on $1, so that only one
# server is launched. The lock is fd 9, which launch closes for the server itself.
take_start_lock() {
  exec 9>"$1"
  flock -w $((START_TIMEOUT_S + 30)) 9 || die "another $SERVICE start holds $1"
}

# Starts "$@" in the background and records its pid in PID_FILE (and in LAUNCHED_PID). setsid + nohup:
# the server outlives this shell, its terminal and the CI step (others' tests use it), and a Ctrl-C in
# the calling shell does not reach it. stdin from /dev/null: CI runs with no stdin.
launch() {
  setsid nohup "$@" </dev/null >"$LOG_FILE" 2>&1 9>&- &
  LAUNCHED_PID=$!
  echo "$LAUNCHED_PID" >"$PID_FILE"
}

show_startup_logs() { [[ -s "$LOG_FILE" ]] && tail -n 20 "$LOG_FILE" >&2; }

# The newest line of the server's log, for the progress notes of wait_ready; a server whose own log is
# elsewhere defines its own.
last_log_line() { tail -n 1 "$LOG_FILE" 2>/dev/null || true; }

# Waits until probe_ready passes, or dies when the server exits or START_TIMEOUT_S passes. A slow start
# (a server recovering a large data dir on a busy machine) says every 15 s where it is, and a start that
# times out shows the logs, so a CI log that ends here tells why.
wait_ready() {
  local pid="$1" what="$2" started=$SECONDS
  local deadline=$((SECONDS + START_TIMEOUT_S)) next_note=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      show_startup_logs || true
      die "$SERVICE exited during startup; log: $LOG_FILE"
    fi
    probe_ready && return 0
    if ((SECONDS >= next_note)); then
      log "not ready after $((SECONDS - started))s; the last line of its log: $(last_log_line | cut -c1-200)"
      next_note=$((SECONDS + 15))
    fi
    sleep 1
  done
  show_startup_logs || true
  die "$SERVICE (pid $pid) did not $what within ${START_TIMEOUT_S}s (its log's end is above); see $LOG_FILE"
}

# SIGTERM (the JVM's shutdown hooks run: Kafka flushes its logs), SIGKILL after STOP_TIMEOUT_S.
stop_server() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return
  fi
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

# Dispatches start|stop|status to cmd_start, stop_server and cmd_status (exit 3 when stopped: LSB).
run_command() {
  case "${1:-}" in
    start) cmd_start ;;
    stop) stop_server ;;
    status) cmd_status ;;
    *)
      echo "usage: $0 start|stop|status" >&2
      exit 2
      ;;
  esac
}
