# bench/lib.sh — set-up shared by the benchmark scripts (bench/relay.sh, bench/masking.sh); sourced,
# not run. A throwaway PostgreSQL 15 cluster (initdb, free loopback port), a pgbouncer in session
# mode, the gateway (src/Silo, all-in-one, audit store on) and the cleanup trap that stops and
# deletes all of them.
#
# The sourcing script sets, before calling anything here:
#   BENCH_NAME        its name, prefixed to messages ("relay.sh")
#   BENCH_SKIP_BUILD  1: use the built Release binary
# and, for start_gateway, optionally:
#   GW_EXTRA_CONFIG   JSON members added inside "OrleansGate" (with a leading comma), e.g. policies
#   GW_TARGET_EXTRA   JSON members added to the target object (with a leading comma), e.g. its policy
# bench_init makes WORK and the passwords; create_roles makes the bench and og_audit databases.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin
SILO_BIN=$REPO/src/Silo/bin/Release/net10.0/OrleansGate.Silo

# Set as things start, read by cleanup(); empty means "not started".
WORK=""
PG_DATA=""
PGB_PID=""
GW_PID=""
GWB_PID=""

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
log() { echo "$BENCH_NAME: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Preconditions
# ---------------------------------------------------------------------------------------------

# What every script needs: root, PostgreSQL 15, psql, pgbench, pgbouncer, setpriv, dotnet.
# Every argument must be a positive integer; the BENCH_* knobs are checked with this.
check_positive_integers() {
  local n
  for n in "$@"; do
    [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || die "BENCH_* numbers must be positive integers (got '$n')"
  done
}

# Every argument must be a pgbench -M mode.
check_pgbench_modes() {
  local m
  for m in "$@"; do
    [[ $m == simple || $m == extended || $m == prepared ]] || die "BENCH_MODES: unknown pgbench mode '$m'"
  done
}

check_common_prerequisites() {
  [[ $(id -u) -eq 0 ]] || die "run as root (initdb/postgres/pgbouncer are run as the postgres OS user, which needs root to switch to)"
  id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (apt-get install postgresql-15)"
  [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] || die "PostgreSQL 15 server binaries missing in $PG_BIN (apt-get install postgresql-15)"
  for tool in psql pgbench; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install postgresql-client-15 postgresql-contrib)"
  done
  # pgbouncer, libpg_query and the rest, installed when missing by the project's one installer.
  "$(dirname "${BASH_SOURCE[0]}")/../scripts/ensure-deps.sh" || die "could not install the project's Debian packages (scripts/ensure-deps.sh)"
  command -v setpriv >/dev/null 2>&1 || die "setpriv not found (apt-get install util-linux)"
  if [[ $BENCH_SKIP_BUILD != 1 ]]; then
    command -v dotnet >/dev/null 2>&1 || die "dotnet not found (the .NET 10 SDK builds the gateway; or set BENCH_SKIP_BUILD=1 with a built binary)"
  fi
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

# CPU seconds the whole machine has been busy (user, nice, system, irq, softirq of /proc/stat).
machine_busy_seconds() { awk -v hz="$CLK_TCK" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat; }

# The server processes of the audit database's connections (the audit writers among them).
# $1: the audit database (og_audit; og_audit_b for relay.sh's second gateway).
audit_backend_pids() { psql_admin -d postgres -c "SELECT pid FROM pg_stat_activity WHERE datname = '${1:-og_audit}' AND backend_type = 'client backend'"; }

# CPU seconds of the given processes together; one that has exited counts as 0.
cpu_seconds_of() {
  local pid total=0
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] || continue
    total=$(awk -v t="$total" -v s="$(cpu_seconds "$pid")" 'BEGIN { print t + s }')
  done
  echo "$total"
}

audit_event_count() { psql_admin -d "${1:-og_audit}" -c "SELECT count(*) FROM og_audit.mt_events"; }
audit_events_bytes() { psql_admin -d "${1:-og_audit}" -c "SELECT pg_total_relation_size('og_audit.mt_events')"; }

# Median of the numbers on stdin ("-" when there are none).
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

random_password() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# ---------------------------------------------------------------------------------------------
# Setup and teardown
# ---------------------------------------------------------------------------------------------

cleanup() {
  local status=$? pid
  trap - EXIT INT TERM
  for pid in $GW_PID $GWB_PID; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
    # Give it a few seconds to stop its silo cleanly, then stop waiting for it.
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ -n $PGB_PID ]]; then kill -TERM "$PGB_PID" 2>/dev/null || true; fi
  if [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  if [[ -n $WORK ]]; then rm -rf "$WORK"; fi
  exit "$status"
}

# Installs the cleanup trap and makes the work folder (mktemp template $1) and the passwords.
bench_init() {
  # A signal exits with the usual 128+N status; the EXIT trap then cleans up either way.
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  WORK=$(mktemp -d "$1")
  # postgres must reach its folders below this one.
  chmod 0711 "$WORK"
  CLK_TCK=$(getconf CLK_TCK)
  PG_SUPER_PASSWORD=$(random_password)
  BENCH_PASSWORD=$(random_password)
  AUDIT_PASSWORD=$(random_password)
  GATEWAY_PASSWORD=$(random_password)
  AUDIT_KEY=$(head -c 32 /dev/urandom | base64)
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

# bench: the benchmark database and the role every path logs in as upstream (SCRAM).
# og_audit: the gateway's audit database, its own owner, synchronous_commit pinned on.
create_roles() {
  psql_admin -d postgres <<EOF
CREATE ROLE bench LOGIN PASSWORD '$BENCH_PASSWORD';
CREATE DATABASE bench OWNER bench;
CREATE ROLE og_audit LOGIN PASSWORD '$AUDIT_PASSWORD';
CREATE DATABASE og_audit OWNER og_audit;
ALTER DATABASE og_audit SET synchronous_commit = on;
EOF
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
start_gateway() { start_gateway_as GW "$SILO_BIN" og_audit; }

# start_gateway_as PREFIX BINARY AUDIT_DATABASE [NAME=VALUE ...]: a gateway from BINARY recording
# into AUDIT_DATABASE (which must exist), with the given environment added; sets PREFIX_PORT and
# PREFIX_PID (GW_: the gateway; GWB_: relay.sh's second gateway of an A/B run).
start_gateway_as() {
  local prefix=$1 binary=$2 database=$3 port pid
  shift 3
  port=$(free_port)
  local dir=$WORK/gateway-$prefix
  install -d -m 0700 "$dir"
  cat >"$dir/orleansgate.json" <<EOF
{
  "Logging": { "LogLevel": { "Default": "Warning" } },
  "OrleansGate": {
    "Proxy": { "Listen": "127.0.0.1:$port" },
    "Cluster": { "SiloPort": 0, "GatewayPort": 0 },
    "AuditStore": {
      "ConnectionString": "Host=127.0.0.1;Port=$PG_PORT;Database=$database;Username=og_audit;Password=$AUDIT_PASSWORD"
    },
    "Secrets": { "AuditKey": "$AUDIT_KEY" },
    "Identities": [ { "Name": "bench", "Password": "$GATEWAY_PASSWORD", "Groups": ["bench"] } ],
    "Targets": [
      { "Name": "bench", "Host": "127.0.0.1", "Port": $PG_PORT, "Database": "bench",
        "Username": "bench", "Password": "$BENCH_PASSWORD", "SslMode": "Disable", "Groups": ["bench"]${GW_TARGET_EXTRA:-} }
    ]${GW_EXTRA_CONFIG:-}
  }
}
EOF
  chmod 0600 "$dir/orleansgate.json"
  # Its working directory is the temp folder so no appsettings.json of the caller's is picked up.
  (cd "$dir" && exec env "$@" "$binary" --config "$dir/orleansgate.json") >"$dir/gateway.log" 2>&1 &
  pid=$!
  printf -v "${prefix}_PORT" '%s' "$port"
  printf -v "${prefix}_PID" '%s' "$pid"
  wait_for_port gateway "$pid" "$port" "$dir/gateway.log"
  # exec env execs the gateway in turn, so the PID is the gateway's own.
  expect_process "$pid" OrleansGate
  # The audit schema is created at start-up; the events table name is what the counts rely on.
  [[ $(psql_admin -d "$database" -c "SELECT to_regclass('og_audit.mt_events') IS NOT NULL") == t ]] \
    || die "the gateway started but og_audit.mt_events does not exist in the audit database $database (schema changed?)"
}

# Waits until something listens on the port, failing early if the process died.
wait_for_port() {
  local name=$1 pid=$2 port=$3 logfile=$4
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || die "$name exited at start-up: $(log_excerpt "$logfile")"
    if ss -Htln "sport = :$port" | grep -q .; then return 0; fi
    sleep 0.1
  done
  die "$name did not listen on port $port within 60 s: $(log_excerpt "$logfile")"
}

# The lines of a log that say what went wrong: the exception or error lines if there are any
# (a .NET crash ends in its stack trace, which says little), else the last three lines.
log_excerpt() {
  local lines
  lines=$(grep -m 3 -i -E 'exception|error|fail|crit|fatal' "$1" 2>/dev/null || true)
  [[ -n $lines ]] || lines=$(tail -n 3 "$1" 2>/dev/null || true)
  tr '\n' ' ' <<<"$lines"
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

# Points the gateway's target at a policy named "bench" whose members (masks, rules) are given as
# JSON text, with a masking key that is random per run.
use_bench_policy() {
  local key
  key=$(head -c 32 /dev/urandom | base64 -w0)
  GW_TARGET_EXTRA=', "Policy": "bench"'
  GW_EXTRA_CONFIG=',
    "Secrets": { "MaskingKey": "'$key'" },
    "Policies": [
      { "Name": "bench",'"$1"' }
    ]'
}
