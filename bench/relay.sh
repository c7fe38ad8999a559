#!/usr/bin/env bash
# bench/relay.sh — pgbench -S (select-only) through three paths, in one run, on one machine:
#   direct     pgbench -> PostgreSQL (TCP loopback, like the other two)
#   pgbouncer  pgbench -> pgbouncer (pool_mode=session) -> PostgreSQL
#   gateway    pgbench -> OrleansGate.Silo (all-in-one, audit store on) -> PostgreSQL
#
# Everything is throwaway: a PostgreSQL 15 cluster made with initdb in a temp folder on a free
# port, a pgbouncer instance with its own ini/userlist, the gateway with its own config. All of it
# is stopped and deleted on exit (trap), whether the run succeeded or not.
#
# Usage:  bench/relay.sh            (as root; see docs/benchmarks.md)
# Knobs (environment):
#   BENCH_SECONDS=20          length of each measured pgbench run
#   BENCH_REPEATS=1           measured runs per (path, mode, clients); the table shows medians
#   BENCH_WARMUP=3            seconds of warm-up before each measured run (not counted)
#   BENCH_SCALE=10            pgbench scale factor (-s), initialised once, directly
#   BENCH_MODES="simple extended prepared"
#   BENCH_CLIENTS="1 16"      client counts; -j is min(clients, BENCH_THREADS)
#   BENCH_THREADS=2
#   BENCH_SKIP_BUILD=1        use the already built Release binary instead of running dotnet build
set -euo pipefail

BENCH_SECONDS=${BENCH_SECONDS:-20}
BENCH_REPEATS=${BENCH_REPEATS:-1}
BENCH_WARMUP=${BENCH_WARMUP:-3}
BENCH_SCALE=${BENCH_SCALE:-10}
BENCH_MODES=${BENCH_MODES:-"simple extended prepared"}
BENCH_CLIENTS=${BENCH_CLIENTS:-"1 16"}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-0}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin
SILO_BIN=$REPO/src/Silo/bin/Release/net10.0/OrleansGate.Silo
PATHS=(direct pgbouncer gateway)

# Set as things start, read by cleanup(); empty means "not started".
WORK=""
PG_DATA=""
PGB_PID=""
GW_PID=""

die() { echo "relay.sh: $*" >&2; exit 1; }
log() { echo "relay.sh: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Preconditions
# ---------------------------------------------------------------------------------------------

check_prerequisites() {
  [[ $(id -u) -eq 0 ]] || die "run as root (initdb/postgres/pgbouncer are run as the postgres OS user, which needs root to switch to)"
  id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (apt-get install postgresql-15)"
  [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] || die "PostgreSQL 15 server binaries missing in $PG_BIN (apt-get install postgresql-15)"
  for tool in psql pgbench; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install postgresql-client-15 postgresql-contrib)"
  done
  if ! command -v pgbouncer >/dev/null 2>&1; then
    log "pgbouncer missing; installing it with apt-get"
    (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null) \
      || die "could not install pgbouncer with apt-get"
  fi
  command -v setpriv >/dev/null 2>&1 || die "setpriv not found (apt-get install util-linux)"
  if [[ $BENCH_SKIP_BUILD != 1 ]]; then
    command -v dotnet >/dev/null 2>&1 || die "dotnet not found (the .NET 10 SDK builds the gateway; or set BENCH_SKIP_BUILD=1 with a built binary)"
  fi
  for n in "$BENCH_SECONDS" "$BENCH_REPEATS" "$BENCH_WARMUP" "$BENCH_SCALE" "$BENCH_THREADS" $BENCH_CLIENTS; do
    [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || die "BENCH_* numbers must be positive integers (got '$n')"
  done
  for m in $BENCH_MODES; do
    [[ $m == simple || $m == extended || $m == prepared ]] || die "BENCH_MODES: unknown pgbench mode '$m'"
  done
}

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

# A loopback port nobody listens on. Raced by anyone else starting a server meanwhile; the
# servers below then fail to start and the script stops with their log.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! ss -Htln "sport = :$port" | grep -q .; then
      echo "$port"; return 0
    fi
  done
  die "no free loopback port found"
}

# Runs a command as the postgres OS user (initdb and postgres refuse root).
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

# Superuser psql over the cluster's Unix socket (trust), quiet, tuples only.
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -At -h "$WORK/pg/sock" -p "$PG_PORT" -U postgres "$@"; }

# CPU seconds (user + system) a process has used so far, from /proc/PID/stat fields 14 and 15.
# The text after the last ')' is parsed, because the command name in field 2 may hold spaces.
cpu_seconds() {
  local stat rest
  stat=$(<"/proc/$1/stat") || die "process $1 is gone"
  rest=${stat##*) }
  # rest starts at field 3 (state); utime/stime are fields 14/15, i.e. the 12th/13th here.
  awk -v hz="$CLK_TCK" '{ printf "%.3f\n", ($12 + $13) / hz }' <<<"$rest"
}

now() { date +%s.%N; }

audit_event_count() { psql_admin -d og_audit -c "SELECT count(*) FROM og_audit.mt_events"; }

# Median of the numbers on stdin ("-" when there are none).
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---------------------------------------------------------------------------------------------
# Setup and teardown
# ---------------------------------------------------------------------------------------------

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $GW_PID ]] && kill -0 "$GW_PID" 2>/dev/null; then
    kill -TERM "$GW_PID" 2>/dev/null || true
    # Give it a few seconds to stop its silo cleanly, then stop waiting for it.
    for _ in $(seq 1 50); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GW_PID" 2>/dev/null || true
  fi
  if [[ -n $PGB_PID ]]; then kill -TERM "$PGB_PID" 2>/dev/null || true; fi
  if [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  if [[ -n $WORK ]]; then rm -rf "$WORK"; fi
  exit "$status"
}

# The target and audit databases' server: fsync, full_page_writes and synchronous_commit all on,
# because the audit store must be durable — a gateway measured against a server that does not
# flush its audit commits would look faster than any real deployment.
start_postgres() {
  PG_PORT=$(free_port)
  PG_DATA=$WORK/pg/data
  install -d -o postgres -g postgres -m 0700 "$WORK/pg" "$WORK/pg/sock"
  # Only the superuser's password file needs to be readable by postgres, and only during initdb.
  install -o postgres -g postgres -m 0600 /dev/null "$WORK/pg/pwfile"
  echo "$PG_SUPER_PASSWORD" >"$WORK/pg/pwfile"
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile "$WORK/pg/pwfile" -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >"$WORK/initdb.log" 2>&1 \
    || die "initdb failed: $(tail -n 3 "$WORK/initdb.log" | tr '\n' ' ')"
  rm -f "$WORK/pg/pwfile"
  cat >>"$PG_DATA/postgresql.auto.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK/pg/sock'
max_connections = 200
shared_buffers = '256MB'
fsync = on
full_page_writes = on
synchronous_commit = on
log_min_messages = warning
EOF
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/postgres.log" -w -t 60 start >/dev/null \
    || die "PostgreSQL did not start: $(tail -n 3 "$WORK/pg/postgres.log" | tr '\n' ' ')"
}

# bench: the pgbench database and the role every path logs in as upstream (SCRAM).
# og_audit: the gateway's audit database, its own owner, synchronous_commit pinned on.
create_databases() {
  psql_admin -d postgres <<EOF
CREATE ROLE bench LOGIN PASSWORD '$BENCH_PASSWORD';
CREATE DATABASE bench OWNER bench;
CREATE ROLE og_audit LOGIN PASSWORD '$AUDIT_PASSWORD';
CREATE DATABASE og_audit OWNER og_audit;
ALTER DATABASE og_audit SET synchronous_commit = on;
EOF
  log "initialising pgbench scale $BENCH_SCALE (directly, once)"
  PGPASSWORD=$BENCH_PASSWORD pgbench -i -q -s "$BENCH_SCALE" -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$WORK/pgbench-init.log" 2>&1 \
    || die "pgbench -i failed: $(tail -n 3 "$WORK/pgbench-init.log" | tr '\n' ' ')"
  psql_admin -d bench -c "VACUUM ANALYZE" >/dev/null
}

# pgbouncer in session mode: each client keeps one server connection for its whole session, which
# is what the gateway does too, and what -M prepared needs (named statements live on one server
# connection; pgbouncer 1.18 cannot carry them across transaction-mode pooling).
start_pgbouncer() {
  PGB_PORT=$(free_port)
  local dir=$WORK/pgbouncer
  install -d -o postgres -g postgres -m 0700 "$dir"
  # Plain-text password in the userlist: pgbouncer then answers SCRAM towards the client and
  # logs in upstream with SCRAM itself.
  echo "\"bench\" \"$BENCH_PASSWORD\"" >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
bench = host=127.0.0.1 port=$PG_PORT dbname=bench
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = session
max_client_conn = 200
default_pool_size = 40
logfile = $dir/pgbouncer.log
log_connections = 0
log_disconnections = 0
EOF
  chown postgres:postgres "$dir"/*
  chmod 0600 "$dir"/*
  # exec in the subshell, so that $! is pgbouncer itself (setpriv execs it in turn).
  (exec setpriv --reuid=postgres --regid=postgres --init-groups -- pgbouncer "$dir/pgbouncer.ini") >"$dir/stdout.log" 2>&1 &
  PGB_PID=$!
  wait_for_port pgbouncer "$PGB_PID" "$PGB_PORT" "$dir/pgbouncer.log"
  expect_process "$PGB_PID" pgbouncer
}

# The gateway as operators run it: the Release binary with a config file. Logging at Warning so
# the console does not cost anything per connection; Orleans ports picked free (0).
start_gateway() {
  GW_PORT=$(free_port)
  local dir=$WORK/gateway
  install -d -m 0700 "$dir"
  cat >"$dir/orleansgate.json" <<EOF
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "OrleansGate": {
    "Proxy": { "Listen": "127.0.0.1:$GW_PORT" },
    "Cluster": { "SiloPort": 0, "GatewayPort": 0 },
    "AuditStore": {
      "ConnectionString": "Host=127.0.0.1;Port=$PG_PORT;Database=og_audit;Username=og_audit;Password=$AUDIT_PASSWORD"
    },
    "Identities": [ { "Name": "bench", "Password": "$GATEWAY_PASSWORD", "Groups": ["bench"] } ],
    "Targets": [
      { "Name": "bench", "Host": "127.0.0.1", "Port": $PG_PORT, "Database": "bench",
        "Username": "bench", "Password": "$BENCH_PASSWORD", "SslMode": "Disable", "Groups": ["bench"] }
    ]
  }
}
EOF
  chmod 0600 "$dir/orleansgate.json"
  # Its working directory is the temp folder so no appsettings.json of the caller's is picked up.
  (cd "$dir" && exec "$SILO_BIN" --config "$dir/orleansgate.json") >"$dir/gateway.log" 2>&1 &
  GW_PID=$!
  wait_for_port gateway "$GW_PID" "$GW_PORT" "$dir/gateway.log"
  expect_process "$GW_PID" OrleansGate
  # The audit schema is created at start-up; the events table name is what the counts rely on.
  [[ $(psql_admin -d og_audit -c "SELECT to_regclass('og_audit.mt_events') IS NOT NULL") == t ]] \
    || die "the gateway started but og_audit.mt_events does not exist in the audit database (schema changed?)"
}

# Waits until something listens on the port, failing early if the process died.
wait_for_port() {
  local name=$1 pid=$2 port=$3 logfile=$4
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || die "$name exited at start-up: $(tail -n 3 "$logfile" 2>/dev/null | tr '\n' ' ')"
    if ss -Htln "sport = :$port" | grep -q .; then return 0; fi
    sleep 0.1
  done
  die "$name did not listen on port $port within 60 s: $(tail -n 3 "$logfile" 2>/dev/null | tr '\n' ' ')"
}

# The CPU figures read /proc/PID/stat: make sure PID is the server, not a wrapping shell.
expect_process() {
  local comm
  comm=$(<"/proc/$1/comm")
  [[ $comm == "$2"* ]] || die "internal: PID $1 is '$comm', not $2; CPU figures would be wrong"
}

build_gateway() {
  if [[ $BENCH_SKIP_BUILD == 1 ]]; then
    [[ -x $SILO_BIN ]] || die "BENCH_SKIP_BUILD=1 but $SILO_BIN is not built (dotnet build src/Silo -c Release)"
    return
  fi
  log "building the gateway (dotnet build src/Silo -c Release)"
  dotnet build "$REPO/src/Silo" -c Release -nologo -v q >"$WORK/build.log" 2>&1 \
    || die "dotnet build failed: $(grep -m 3 -E 'error' "$WORK/build.log" | tr '\n' ' ')"
  [[ -x $SILO_BIN ]] || die "dotnet build succeeded but $SILO_BIN is missing"
}

# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------

# pgbench through one path; prints its whole output. -n: no vacuum before the run (pgbench
# tables were vacuumed once after init; the gateway and pgbouncer would otherwise time a VACUUM).
run_pgbench() {
  local path=$1 mode=$2 clients=$3 seconds=$4 port password
  case $path in
    direct) port=$PG_PORT; password=$BENCH_PASSWORD ;;
    pgbouncer) port=$PGB_PORT; password=$BENCH_PASSWORD ;;
    gateway) port=$GW_PORT; password=$GATEWAY_PASSWORD ;;
  esac
  local threads=$((clients < BENCH_THREADS ? clients : BENCH_THREADS))
  PGPASSWORD=$password PGSSLMODE=disable pgbench -n -S -M "$mode" -c "$clients" -j "$threads" -T "$seconds" \
    -h 127.0.0.1 -p "$port" -U bench bench 2>&1
}

# One measured run (after its warm-up); appends "path mode clients tps latency cpu_per_1k events_per_s"
# to the results file. cpu_per_1k and events_per_s are "-" where they do not apply.
measure() {
  local path=$1 mode=$2 clients=$3 out cpu0 cpu1 ev0 ev1 t0 t1 tps lat tx failed cpu_per_1k="-" ev_per_s="-"
  run_pgbench "$path" "$mode" "$clients" "$BENCH_WARMUP" >/dev/null \
    || die "warm-up of $path -M $mode -c $clients failed (see pgbench through it by hand)"
  case $path in
    gateway) cpu0=$(cpu_seconds "$GW_PID"); ev0=$(audit_event_count) ;;
    pgbouncer) cpu0=$(cpu_seconds "$PGB_PID") ;;
  esac
  t0=$(now)
  out=$(run_pgbench "$path" "$mode" "$clients" "$BENCH_SECONDS") \
    || die "pgbench through $path -M $mode -c $clients failed: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
  t1=$(now)
  echo "--- $path -M $mode -c $clients" >>"$WORK/pgbench.log"
  echo "$out" >>"$WORK/pgbench.log"
  tps=$(awk '/^tps = / { print $3; exit }' <<<"$out")
  lat=$(awk '/^latency average = / { print $4; exit }' <<<"$out")
  tx=$(awk '/^number of transactions actually processed:/ { print $6; exit }' <<<"$out")
  failed=$(awk '/^number of failed transactions:/ { print $5; exit }' <<<"$out")
  [[ -n $tps && -n $lat && -n $tx ]] || die "could not read pgbench's output for $path -M $mode -c $clients"
  [[ ${failed:-0} == 0 ]] || die "$failed transactions failed through $path -M $mode -c $clients"
  case $path in
    gateway)
      cpu1=$(cpu_seconds "$GW_PID"); ev1=$(audit_event_count)
      cpu_per_1k=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$tx" 'BEGIN { printf "%.4f", (b - a) / n * 1000 }')
      ev_per_s=$(awk -v a="$ev0" -v b="$ev1" -v s0="$t0" -v s1="$t1" 'BEGIN { printf "%.0f", (b - a) / (s1 - s0) }') ;;
    pgbouncer)
      cpu1=$(cpu_seconds "$PGB_PID")
      cpu_per_1k=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$tx" 'BEGIN { printf "%.4f", (b - a) / n * 1000 }') ;;
  esac
  echo "$path $mode $clients $tps $lat $cpu_per_1k $ev_per_s" >>"$RESULTS"
  log "$(printf '%-9s -M %-8s -c %-2s  tps %10.1f  latency %7.3f ms' "$path" "$mode" "$clients" "$tps" "$lat")"
}

# Median of column $4.. of the results for (path, mode, clients).
result() {
  local path=$1 mode=$2 clients=$3 column=$4
  awk -v p="$path" -v m="$mode" -v c="$clients" -v k="$column" '$1 == p && $2 == m && $3 == c && $k != "-" { print $k }' "$RESULTS" | median
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

print_report() {
  echo
  echo "== pgbench -S, TPS (median of $BENCH_REPEATS x ${BENCH_SECONDS}s; excluding connection time) =="
  printf '%-9s %7s %11s %11s %11s %7s %7s %10s %10s %9s\n' \
    mode clients direct pgbouncer gateway gw/pgb gw/dir "gw cpu/1k" "pgb cpu/1k" "audit ev/s"
  local mode clients d b g
  for mode in $BENCH_MODES; do
    for clients in $BENCH_CLIENTS; do
      d=$(result direct "$mode" "$clients" 4); b=$(result pgbouncer "$mode" "$clients" 4); g=$(result gateway "$mode" "$clients" 4)
      printf '%-9s %7s %11.1f %11.1f %11.1f %7s %7s %10s %10s %9s\n' "$mode" "$clients" "$d" "$b" "$g" \
        "$(ratio "$g" "$b")" "$(ratio "$g" "$d")" \
        "$(result gateway "$mode" "$clients" 6)" "$(result pgbouncer "$mode" "$clients" 6)" "$(result gateway "$mode" "$clients" 7)"
    done
  done
  echo
  echo "== added latency at 1 client (pgbench 'latency average', ms; minus direct) =="
  printf '%-9s %10s %10s %10s %12s %12s\n' mode direct pgbouncer gateway "pgb-direct" "gw-direct"
  if [[ " $BENCH_CLIENTS " == *" 1 "* ]]; then
    for mode in $BENCH_MODES; do
      d=$(result direct "$mode" 1 5); b=$(result pgbouncer "$mode" 1 5); g=$(result gateway "$mode" 1 5)
      printf '%-9s %10.3f %10.3f %10.3f %12.3f %12.3f\n' "$mode" "$d" "$b" "$g" \
        "$(awk -v a="$b" -v b="$d" 'BEGIN { print a - b }')" "$(awk -v a="$g" -v b="$d" 'BEGIN { print a - b }')"
    done
  else
    echo "(no 1-client runs in BENCH_CLIENTS)"
  fi
  echo
  echo "cpu/1k: CPU seconds (user+system, /proc/PID/stat) of the gateway or pgbouncer process per 1000 transactions;"
  echo "        PostgreSQL's own CPU (including the audit database's) is not in it."
  echo "audit ev/s: rows added to og_audit.mt_events per second of the measured gateway run (every one committed"
  echo "        before its statement was forwarded)."
}

print_settings() {
  echo "== settings =="
  echo "machine: $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "postgres: $(psql_admin -d postgres -c 'SHOW server_version'), on 127.0.0.1:$PG_PORT;" \
    "$(psql_admin -d postgres -F ' ' -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','shared_buffers','max_connections')")"
  echo "audit database og_audit: synchronous_commit=$(psql_admin -d og_audit -c 'SHOW synchronous_commit')"
  echo "pgbench: $(pgbench --version | awk '{ print $3 }'), -S -n, scale $BENCH_SCALE, ${BENCH_SECONDS}s x $BENCH_REPEATS per cell after ${BENCH_WARMUP}s warm-up, -j min(clients,$BENCH_THREADS), all paths over TCP loopback, no TLS, SCRAM login"
  echo "pgbouncer: $(pgbouncer --version | head -n 1 | awk '{ print $2 }'), pool_mode=session (one server connection per client, as the gateway; needed by -M prepared)"
  echo "gateway: $SILO_BIN, logging Warning, audit store og_audit (Marten, group commit)"
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

main() {
  check_prerequisites
  # A signal exits with the usual 128+N status; the EXIT trap then cleans up either way.
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  WORK=$(mktemp -d /tmp/og-relay-bench.XXXXXX)
  # postgres must reach its folders below this one.
  chmod 0711 "$WORK"
  RESULTS=$WORK/results.txt
  : >"$RESULTS"
  CLK_TCK=$(getconf CLK_TCK)
  PG_SUPER_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  BENCH_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  AUDIT_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  GATEWAY_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

  build_gateway
  log "starting PostgreSQL 15 in $WORK/pg"
  start_postgres
  create_databases
  log "starting pgbouncer"
  start_pgbouncer
  log "starting the gateway"
  start_gateway
  print_settings

  # Paths interleaved within each cell, so a change in the machine's load over the run hits all
  # three alike rather than one path's whole series.
  local repeat mode clients path
  for repeat in $(seq 1 "$BENCH_REPEATS"); do
    for mode in $BENCH_MODES; do
      for clients in $BENCH_CLIENTS; do
        for path in "${PATHS[@]}"; do
          measure "$path" "$mode" "$clients"
        done
      done
    done
  done

  print_report
}

main "$@"
