#!/usr/bin/env bash
# scripts/services.sh up|status|tools — the servers that integration and e2e tests run against.
#
#   up      make sure PostgreSQL, RabbitMQ (with its management API on loopback), Redis, Kafka and Zipkin are running and Prometheus' tools are installed;
#           starts or installs only what is missing, so it is safe (and quick) to run before every test run.
#   status  print the state of each; exit 0 when everything is up, 3 otherwise.
#   tools [prometheus|chromium|faketime]...
#           only install what is missing of: promtool, amtool and prometheus-alertmanager (what the unit tests
#           of the generated alert rules need), chromium with a font (what the screenshot tests of the report
#           and the home page need), and faketime (what .ci/run needs to run the unit suite a year ahead);
#           all three without an argument, or just the named ones. No server is started.
#
# These machines start PostgreSQL and RabbitMQ at boot (not Kafka), but a CI run or a long session can find
# one stopped, and a new machine lacks the Debian packages, so this script repairs rather than assumes.
# Run as root (it may start system services and apt-get install). Each step prints one line.
#
# Environment: ORDERSCOPE_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) is the login
# that tests use and that `up` checks; Kafka's and Zipkin's variables are described in scripts/kafka.sh
# and scripts/zipkin.sh.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PG_URL="${ORDERSCOPE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_HOST=127.0.0.1
PG_PORT=5432
AMQP_PORT=5672
AMQP_MANAGEMENT_PORT=15672
REDIS_PORT=6379
WAIT_S=90

say() { echo "services: $*"; }
die() { echo "services: error: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ---------------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------------

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }

ensure_postgres() {
  if pg_up; then
    say "postgresql already running on $PG_HOST:$PG_PORT"
  else
    command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not running and pg_ctlcluster is missing"
    # The Debian cluster "main" of the newest installed major version. --skip-systemctl-redirect: there
    # is no systemd here, so start it directly instead of asking systemctl.
    local version
    version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n1)"
    [[ -n "$version" ]] || die "no PostgreSQL cluster under /etc/postgresql"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    local deadline=$((SECONDS + WAIT_S))
    until pg_up; do
      ((SECONDS < deadline)) || die "PostgreSQL $version did not accept connections within ${WAIT_S}s; see /var/log/postgresql/"
      sleep 1
    done
    say "postgresql $version started on $PG_HOST:$PG_PORT"
  fi
  # Tests log in without a password (-w: never prompt); this fails if pg_hba.conf lacks trust for them.
  local user
  user="$(psql "$PG_URL" -w -X -tA -c 'SELECT current_user' 2>&1)" \
    || die "cannot log in with ORDERSCOPE_TEST_PG_URL=$PG_URL (trust auth on $PG_HOST expected): $user"
  say "postgresql login ok as $user (password-less, $PG_URL)"
}

# ---------------------------------------------------------------------------------------------------
# RabbitMQ
# ---------------------------------------------------------------------------------------------------

ensure_rabbitmq() {
  if port_open 127.0.0.1 "$AMQP_PORT"; then
    say "rabbitmq already running on 127.0.0.1:$AMQP_PORT"
    return
  fi
  command -v rabbitmq-server >/dev/null || die "RabbitMQ is not running and rabbitmq-server is missing"
  rabbitmq-server -detached
  # await_startup needs the Erlang node to exist, which takes a moment after -detached returns; retry
  # it, then check the AMQP port itself, which opens after the broker application has booted.
  local deadline=$((SECONDS + WAIT_S))
  until rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1 && port_open 127.0.0.1 "$AMQP_PORT"; do
    ((SECONDS < deadline)) || die "RabbitMQ did not open 127.0.0.1:$AMQP_PORT within ${WAIT_S}s; see /var/log/rabbitmq/"
    sleep 2
  done
  say "rabbitmq started on 127.0.0.1:$AMQP_PORT"
}

# The management API (what `orderscope deploy provision` creates preview vhosts with), on loopback only:
# its listener is set before the plugin starts, for this run, and in rabbitmq.conf for the next boot.
ensure_rabbitmq_management() {
  if port_open 127.0.0.1 "$AMQP_MANAGEMENT_PORT"; then
    say "rabbitmq management API already on 127.0.0.1:$AMQP_MANAGEMENT_PORT"
    return
  fi
  local conf=/etc/rabbitmq/rabbitmq.conf
  if [[ -w "$(dirname "$conf")" ]] && ! grep -q '^management.tcp.ip' "$conf" 2>/dev/null; then
    printf 'management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %s\n' "$AMQP_MANAGEMENT_PORT" >>"$conf"
  fi
  rabbitmqctl -q eval "application:set_env(rabbitmq_management, tcp_config, [{ip, \"127.0.0.1\"}, {port, $AMQP_MANAGEMENT_PORT}])." >/dev/null
  rabbitmq-plugins -q enable rabbitmq_management >/dev/null
  local deadline=$((SECONDS + WAIT_S))
  until port_open 127.0.0.1 "$AMQP_MANAGEMENT_PORT"; do
    ((SECONDS < deadline)) || die "RabbitMQ's management API did not open 127.0.0.1:$AMQP_MANAGEMENT_PORT within ${WAIT_S}s; see /var/log/rabbitmq/"
    sleep 1
  done
  say "rabbitmq management API started on 127.0.0.1:$AMQP_MANAGEMENT_PORT"
}

# ---------------------------------------------------------------------------------------------------
# Redis (the pipeline's pricing cache)
# ---------------------------------------------------------------------------------------------------

redis_up() { port_open 127.0.0.1 "$REDIS_PORT"; }

ensure_redis() {
  if redis_up; then
    say "redis already running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  command -v redis-server >/dev/null || die "Redis is not running and redis-server is missing (apt-get install redis-server)"
  mkdir -p /var/lib/redis /var/log/redis
  # A cache for tests: no snapshots, no append-only file.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  local deadline=$((SECONDS + WAIT_S))
  until redis_up; do
    ((SECONDS < deadline)) || die "Redis did not open 127.0.0.1:$REDIS_PORT within ${WAIT_S}s; see /var/log/redis/ci.log"
    sleep 1
  done
  say "redis started on 127.0.0.1:$REDIS_PORT"
}

# ---------------------------------------------------------------------------------------------------
# Kafka (its own script: it resolves the broker from Maven Central and prints its own lines)
# ---------------------------------------------------------------------------------------------------

ensure_kafka() { bash "$SCRIPT_DIR/kafka.sh" start; }

# ---------------------------------------------------------------------------------------------------
# Zipkin (its own script: the trace backend of the e2e tests, one jar from Maven Central)
# ---------------------------------------------------------------------------------------------------

ensure_zipkin() { bash "$SCRIPT_DIR/zipkin.sh" start; }

# ---------------------------------------------------------------------------------------------------
# Prometheus tools (Debian packages)
# ---------------------------------------------------------------------------------------------------

PROM_TOOLS=(promtool prometheus-alertmanager amtool)

missing_tools() {
  local tool
  for tool in "${PROM_TOOLS[@]}"; do
    command -v "$tool" >/dev/null || echo "$tool"
  done
}

# Runs "$@" with Debian's policy-rc.d forbidding service starts (exit 101), restoring whatever policy was
# there before. Without it, installing the packages starts a Prometheus on :9090 and an Alertmanager on
# :9093 — the port of Kafka's controller listener — and tests start their own instances anyway.
with_service_starts_forbidden() {
  local policy=/usr/sbin/policy-rc.d backup=""
  if [[ -e "$policy" ]]; then
    backup="$(mktemp)"
    cp -p "$policy" "$backup"
  fi
  printf '#!/bin/sh\n# Written by orderscope scripts/services.sh for the duration of an apt-get install.\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  local rc=0
  "$@" || rc=$?
  if [[ -n "$backup" ]]; then
    mv "$backup" "$policy"
  else
    rm -f "$policy"
  fi
  return "$rc"
}

# Serialises Debian installs between runs (two Jest workers that both find promtool missing): dpkg
# installs one at a time, and the policy-rc.d swap must not interleave. Held until this script exits;
# the caller then looks again at what is missing, as another run may have installed it meanwhile.
take_install_lock() {
  exec 8>>"${TMPDIR:-/tmp}/orderscope-install.lock"
  flock 8
}

# Takes the install lock, then succeeds when another run installed $2 meanwhile (checked with $1).
installed_meanwhile() {
  take_install_lock
  "$1" || return 1
  say "$2 installed by another run meanwhile"
}

apt_install() {
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

prometheus_tools_installed() { [[ -z "$(missing_tools | xargs)" ]]; }

ensure_prometheus_tools() {
  local missing
  missing="$(missing_tools | xargs)"
  if [[ -z "$missing" ]]; then
    say "prometheus tools already installed (${PROM_TOOLS[*]})"
    return
  fi
  command -v apt-get >/dev/null || die "missing $missing and no apt-get to install them"
  ((EUID == 0)) || die "missing $missing; installing them needs root (apt-get install prometheus prometheus-alertmanager)"
  installed_meanwhile prometheus_tools_installed "prometheus tools" && return
  export DEBIAN_FRONTEND=noninteractive
  with_service_starts_forbidden apt_install prometheus prometheus-alertmanager \
    || die "apt-get install prometheus prometheus-alertmanager failed"
  missing="$(missing_tools | xargs)"
  [[ -z "$missing" ]] || die "still missing after apt-get install: $missing"
  say "prometheus tools installed from Debian packages: $(promtool --version 2>&1 | head -n1)"
}

# ---------------------------------------------------------------------------------------------------
# Chromium (Debian package), for the headless screenshot tests of the report and the home page
# ---------------------------------------------------------------------------------------------------

chromium_installed() { command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi 'liberation'; }

ensure_chromium() {
  if chromium_installed; then
    say "chromium already installed ($(chromium --version 2>/dev/null | head -n1))"
    return
  fi
  command -v apt-get >/dev/null || die "chromium is missing and there is no apt-get to install it"
  ((EUID == 0)) || die "chromium is missing; installing it needs root (apt-get install chromium fonts-liberation)"
  installed_meanwhile chromium_installed "chromium" && return
  export DEBIAN_FRONTEND=noninteractive
  # fonts-liberation is only a recommendation of chromium-common, skipped by --no-install-recommends;
  # without a font, headless screenshots show text as empty boxes.
  apt_install chromium fonts-liberation || die "apt-get install chromium fonts-liberation failed"
  chromium_installed || die "still missing after apt-get install: chromium or fonts-liberation"
  say "chromium installed from Debian packages: $(chromium --version 2>/dev/null | head -n1)"
}

# ---------------------------------------------------------------------------------------------------
# faketime (Debian package), for the unit suite run a year ahead (.ci/run)
# ---------------------------------------------------------------------------------------------------

faketime_installed() { command -v faketime >/dev/null; }

ensure_faketime() {
  if faketime_installed; then
    say "faketime already installed"
    return
  fi
  command -v apt-get >/dev/null || die "faketime is missing and there is no apt-get to install it"
  ((EUID == 0)) || die "faketime is missing; installing it needs root (apt-get install faketime)"
  installed_meanwhile faketime_installed "faketime" && return
  export DEBIAN_FRONTEND=noninteractive
  apt_install faketime || die "apt-get install faketime failed"
  faketime_installed || die "still missing after apt-get install: faketime"
  say "faketime installed from Debian packages"
}

# The tests that need one tool ask for that one only: a screenshot test must not fail because faketime
# could not be installed, nor install it as a side effect.
cmd_tools() {
  local tool
  (($# > 0)) || set -- prometheus chromium faketime
  for tool in "$@"; do
    case "$tool" in
      prometheus) ensure_prometheus_tools ;;
      chromium) ensure_chromium ;;
      faketime) ensure_faketime ;;
      *) die "unknown tool \"$tool\" (expected prometheus, chromium or faketime)" ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------

cmd_up() {
  ensure_postgres
  ensure_rabbitmq
  ensure_rabbitmq_management
  ensure_redis
  ensure_kafka
  ensure_zipkin
  cmd_tools
}

cmd_status() {
  local ok=0 missing
  if pg_up; then say "postgresql running on $PG_HOST:$PG_PORT"; else say "postgresql stopped"; ok=3; fi
  if port_open 127.0.0.1 "$AMQP_PORT"; then say "rabbitmq running on 127.0.0.1:$AMQP_PORT"; else say "rabbitmq stopped"; ok=3; fi
  if redis_up; then say "redis running on 127.0.0.1:$REDIS_PORT"; else say "redis stopped"; ok=3; fi
  bash "$SCRIPT_DIR/kafka.sh" status || ok=3
  bash "$SCRIPT_DIR/zipkin.sh" status || ok=3
  missing="$(missing_tools | xargs)"
  if [[ -z "$missing" ]]; then say "prometheus tools installed"; else say "prometheus tools missing: $missing"; ok=3; fi
  if chromium_installed; then say "chromium installed"; else say "chromium missing"; ok=3; fi
  if faketime_installed; then say "faketime installed"; else say "faketime missing"; ok=3; fi
  return "$ok"
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  tools) shift && cmd_tools "$@" ;;
  *)
    echo "usage: $0 up|status|tools [prometheus|chromium|faketime]..." >&2
    exit 2
    ;;
esac
