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
#   BENCH_POLICY=realistic    realistic: the gateway's target follows a policy with masks on two
#                             columns and hold and block rules, all on tables the workload does not
#                             touch (so masking analysis and the rules are on every statement's
#                             path, as in a real deployment); none: the built-in policy only
#   BENCH_PROFILE=0           N > 0: instead of the table, profile the gateway's CPU for N seconds
#                             with perf (JIT frames named through DOTNET_PerfMapEnabled) under
#                             pgbench (the next two knobs), and print its kernel share and top frames
#   BENCH_PROFILE_CLIENTS=16  pgbench clients while profiling (and while counting system calls)
#   BENCH_SYSCALLS=0          N > 0: instead of the table, count the system calls of pgbouncer and of
#                             the gateway (strace -c -f) over N x 100 pgbench transactions per client,
#                             and print them per transaction: how often a statement crosses the kernel
#   BENCH_PROFILE_MODE=prepared  pgbench -M while profiling
#   BENCH_GATEWAY_WARMUP=30   seconds of load through the gateway, split over the modes, before the
#                             first measurement (or the profile), so the JIT's tiering is done and
#                             the first cell does not pay for it
#   BENCH_B_BIN, BENCH_B_ENV  an A/B run: a second gateway ("gateway_b") is measured in every cell,
#                             interleaved with the first, recording into an audit database of its
#                             own (og_audit_b). BENCH_B_BIN: its binary (another build, e.g. of a
#                             worktree: .../src/Silo/bin/Release/net10.0/OrleansGate.Silo); BENCH_B_ENV:
#                             NAME=VALUE words added to its environment (e.g. a runtime knob). Either
#                             or both; the report then ends with B against A, cell by cell
#   BENCH_AUDIT_SYNC=on       off: the audit database does not wait for its WAL flush at commit. A
#                             diagnostic only (the record is then NOT durable, which the gateway
#                             exists to guarantee): it shows what the relay and the decision cost
#                             apart from the disk flush each statement must wait for.
set -euo pipefail

BENCH_SECONDS=${BENCH_SECONDS:-20}
BENCH_REPEATS=${BENCH_REPEATS:-1}
BENCH_WARMUP=${BENCH_WARMUP:-3}
BENCH_SCALE=${BENCH_SCALE:-10}
BENCH_MODES=${BENCH_MODES:-"simple extended prepared"}
BENCH_CLIENTS=${BENCH_CLIENTS:-"1 16"}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
BENCH_AUDIT_SYNC=${BENCH_AUDIT_SYNC:-on}
BENCH_POLICY=${BENCH_POLICY:-realistic}
BENCH_PROFILE=${BENCH_PROFILE:-0}
BENCH_PROFILE_CLIENTS=${BENCH_PROFILE_CLIENTS:-16}
BENCH_PROFILE_MODE=${BENCH_PROFILE_MODE:-prepared}
BENCH_SYSCALLS=${BENCH_SYSCALLS:-0}
BENCH_GATEWAY_WARMUP=${BENCH_GATEWAY_WARMUP:-30}
BENCH_B_BIN=${BENCH_B_BIN:-}
BENCH_B_ENV=${BENCH_B_ENV:-}

BENCH_NAME=relay.sh
PATHS=(direct pgbouncer gateway)
[[ -z $BENCH_B_BIN && -z $BENCH_B_ENV ]] || PATHS+=(gateway_b)

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------------------------------------
# Preconditions
# ---------------------------------------------------------------------------------------------

check_prerequisites() {
  check_common_prerequisites
  check_positive_integers "$BENCH_SECONDS" "$BENCH_REPEATS" "$BENCH_WARMUP" "$BENCH_SCALE" "$BENCH_THREADS" $BENCH_CLIENTS
  # shellcheck disable=SC2086 # one mode per word
  check_pgbench_modes $BENCH_MODES
  [[ $BENCH_AUDIT_SYNC == on || $BENCH_AUDIT_SYNC == off ]] || die "BENCH_AUDIT_SYNC must be on or off (got '$BENCH_AUDIT_SYNC')"
  [[ $BENCH_POLICY == realistic || $BENCH_POLICY == none ]] || die "BENCH_POLICY must be realistic or none (got '$BENCH_POLICY')"
  [[ $BENCH_PROFILE =~ ^[0-9]+$ ]] || die "BENCH_PROFILE must be a number of seconds, 0 for none (got '$BENCH_PROFILE')"
  [[ $BENCH_PROFILE == 0 ]] || command -v perf >/dev/null || die "BENCH_PROFILE needs perf (apt-get install linux-perf)"
  [[ $BENCH_SYSCALLS =~ ^[0-9]+$ ]] || die "BENCH_SYSCALLS must be a number of seconds, 0 for none (got '$BENCH_SYSCALLS')"
  [[ -z $BENCH_B_BIN || -x $BENCH_B_BIN ]] || die "BENCH_B_BIN is not an executable: '$BENCH_B_BIN'"
  [[ $BENCH_SYSCALLS == 0 ]] || command -v strace >/dev/null || die "BENCH_SYSCALLS needs strace (apt-get install strace)"
}

# The realistic policy: masks, a hold and a block, on tables pgbench -S never reads.
gateway_policy_config() {
  [[ $BENCH_POLICY == realistic ]] || return 0
  use_bench_policy '
        "Masks": [ { "Column": "public.customers.ssn", "Strategy": "Redact" },
                   { "Column": "public.customers.email", "Strategy": "Email" } ],
        "Rules": [
          { "Name": "hold-payroll-writes", "Kinds": ["Update", "Delete"], "Relations": ["payroll"], "Action": "Hold",
            "ApproverGroups": ["approvers"] },
          { "Name": "no-truncate", "Kinds": ["Truncate"], "Action": "Block" } ]'
}

# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------

# bench and og_audit (lib.sh), then the pgbench tables in bench, once, directly.
create_databases() {
  create_roles
  if [[ ${PATHS[*]} == *gateway_b* ]]; then
    psql_admin -d postgres -c "CREATE DATABASE og_audit_b OWNER og_audit" -c "ALTER DATABASE og_audit_b SET synchronous_commit = on" >/dev/null
  fi
  if [[ $BENCH_AUDIT_SYNC == off ]]; then
    log "BENCH_AUDIT_SYNC=off: the audit record of this run is NOT durable (diagnostic run)"
    psql_admin -d postgres -c "ALTER DATABASE og_audit SET synchronous_commit = off" >/dev/null
  fi
  log "initialising pgbench scale $BENCH_SCALE (directly, once)"
  PGPASSWORD=$BENCH_PASSWORD pgbench -i -q -s "$BENCH_SCALE" -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$WORK/pgbench-init.log" 2>&1 \
    || die "pgbench -i failed: $(tail -n 3 "$WORK/pgbench-init.log" | tr '\n' ' ')"
  psql_admin -d bench -c "CREATE TABLE customers (id int PRIMARY KEY, name text, email text, ssn text);
    CREATE TABLE payroll (id int PRIMARY KEY, salary numeric); ALTER TABLE customers OWNER TO bench; ALTER TABLE payroll OWNER TO bench" >/dev/null
  psql_admin -d bench -c "VACUUM ANALYZE" >/dev/null
}

# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------

# pgbench through one path; prints its whole output. -n: no vacuum before the run (pgbench
# tables were vacuumed once after init; the gateway and pgbouncer would otherwise time a VACUUM).
# With a fifth argument, each client runs that many transactions (-t) instead of for seconds (-T).
run_pgbench() {
  local path=$1 mode=$2 clients=$3 seconds=$4 per_client=${5:-} port password
  case $path in
    direct) port=$PG_PORT; password=$BENCH_PASSWORD ;;
    pgbouncer) port=$PGB_PORT; password=$BENCH_PASSWORD ;;
    gateway) port=$GW_PORT; password=$GATEWAY_PASSWORD ;;
    gateway_b) port=$GWB_PORT; password=$GATEWAY_PASSWORD ;;
  esac
  local threads=$((clients < BENCH_THREADS ? clients : BENCH_THREADS))
  local length=(-T "$seconds")
  [[ -z $per_client ]] || length=(-t "$per_client")
  PGPASSWORD=$password PGSSLMODE=disable pgbench -n -S -M "$mode" -c "$clients" -j "$threads" "${length[@]}" \
    -h 127.0.0.1 -p "$port" -U bench bench 2>&1
}

# Counts the context switches of process $1's threads (perf stat, every thread, exited ones too)
# until stop_switches; prints nothing when perf is not installed.
start_switches() {
  SWITCHES_PID=""
  command -v perf >/dev/null 2>&1 || return 0
  perf stat -e context-switches -x, -p "$1" -o "$WORK/switches.txt" >/dev/null 2>&1 &
  SWITCHES_PID=$!
}

# Stops start_switches and prints the count per transaction ($1 transactions), or "-".
stop_switches() {
  [[ -n $SWITCHES_PID ]] || { echo "-"; return 0; }
  kill -INT "$SWITCHES_PID" 2>/dev/null || true
  wait "$SWITCHES_PID" 2>/dev/null || true
  awk -F, -v n="$1" '$3 == "context-switches" && $1 ~ /^[0-9]+$/ { printf "%.1f", $1 / n; found = 1 } END { if (!found) print "-" }' "$WORK/switches.txt"
}

# One measured run (after its warm-up); appends "path mode clients tps latency cpu_per_1k events_per_s
# machine_us audit_us bytes_per_tx switches_per_tx" to the results file; "-" where one does not apply.
measure() {
  local path=$1 mode=$2 clients=$3 out cpu0 cpu1 ev0 ev1 t0 t1 tps lat tx failed cpu_per_1k="-" ev_per_s="-"
  local busy0 busy1 audit_pids="" audit0 audit1 machine_us audit_us="-" size0 size1 bytes_per_tx="-" switches="-"
  run_pgbench "$path" "$mode" "$clients" "$BENCH_WARMUP" >/dev/null \
    || die "warm-up of $path -M $mode -c $clients failed (see pgbench through it by hand)"
  local pid="" database=""
  case $path in
    gateway) pid=$GW_PID; database=og_audit ;;
    gateway_b) pid=$GWB_PID; database=og_audit_b ;;
    pgbouncer) pid=$PGB_PID ;;
  esac
  [[ -z $pid ]] || cpu0=$(cpu_seconds "$pid")
  if [[ -n $database ]]; then
    ev0=$(audit_event_count "$database"); size0=$(audit_events_bytes "$database")
    audit_pids=$(audit_backend_pids "$database"); audit0=$(cpu_seconds_of $audit_pids)
  fi
  [[ -z $pid ]] || start_switches "$pid"
  busy0=$(machine_busy_seconds)
  t0=$(now)
  out=$(run_pgbench "$path" "$mode" "$clients" "$BENCH_SECONDS") \
    || die "pgbench through $path -M $mode -c $clients failed: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
  t1=$(now)
  busy1=$(machine_busy_seconds)
  echo "--- $path -M $mode -c $clients" >>"$WORK/pgbench.log"
  echo "$out" >>"$WORK/pgbench.log"
  tps=$(awk '/^tps = / { print $3; exit }' <<<"$out")
  lat=$(awk '/^latency average = / { print $4; exit }' <<<"$out")
  tx=$(awk '/^number of transactions actually processed:/ { print $6; exit }' <<<"$out")
  failed=$(awk '/^number of failed transactions:/ { print $5; exit }' <<<"$out")
  [[ -n $tps && -n $lat && -n $tx ]] || die "could not read pgbench's output for $path -M $mode -c $clients"
  [[ ${failed:-0} == 0 ]] || die "$failed transactions failed through $path -M $mode -c $clients"
  [[ $path == direct ]] || switches=$(stop_switches "$tx")
  if [[ -n $pid ]]; then
    cpu1=$(cpu_seconds "$pid")
    cpu_per_1k=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$tx" 'BEGIN { printf "%.4f", (b - a) / n * 1000 }')
  fi
  if [[ -n $database ]]; then
    ev1=$(audit_event_count "$database"); size1=$(audit_events_bytes "$database")
    bytes_per_tx=$(awk -v a="$size0" -v b="$size1" -v n="$tx" 'BEGIN { printf "%.0f", (b - a) / n }')
    ev_per_s=$(awk -v a="$ev0" -v b="$ev1" -v s0="$t0" -v s1="$t1" 'BEGIN { printf "%.0f", (b - a) / (s1 - s0) }')
    audit1=$(cpu_seconds_of $audit_pids)
    audit_us=$(awk -v a="$audit0" -v b="$audit1" -v n="$tx" 'BEGIN { printf "%.0f", (b - a) / n * 1e6 }')
  fi
  machine_us=$(awk -v a="$busy0" -v b="$busy1" -v n="$tx" 'BEGIN { printf "%.0f", (b - a) / n * 1e6 }')
  echo "$path $mode $clients $tps $lat $cpu_per_1k $ev_per_s $machine_us $audit_us $bytes_per_tx $switches" >>"$RESULTS"
  log "$(printf '%-9s -M %-8s -c %-2s  tps %10.1f  latency %7.3f ms' "$path" "$mode" "$clients" "$tps" "$lat")"
}

# Median of column $4.. of the results for (path, mode, clients).
result() {
  local path=$1 mode=$2 clients=$3 column=$4
  awk -v p="$path" -v m="$mode" -v c="$clients" -v k="$column" '$1 == p && $2 == m && $3 == c && $k != "-" { print $k }' "$RESULTS" | median
}

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
  echo "== CPU per transaction, µs (median): the whole machine, and what the gateway's run spent in its own process and in the audit database =="
  printf '%-9s %7s %10s %10s %10s %12s %10s %14s %10s %10s\n' mode clients direct pgbouncer gateway "gw process" "audit db" "event B/stmt" \
    "pgb cs/tx" "gw cs/tx"
  for mode in $BENCH_MODES; do
    for clients in $BENCH_CLIENTS; do
      printf '%-9s %7s %10s %10s %10s %12s %10s %14s %10s %10s\n' "$mode" "$clients" \
        "$(result direct "$mode" "$clients" 8)" "$(result pgbouncer "$mode" "$clients" 8)" "$(result gateway "$mode" "$clients" 8)" \
        "$(awk -v k="$(result gateway "$mode" "$clients" 6)" 'BEGIN { printf "%.0f", k * 1000 }')" "$(result gateway "$mode" "$clients" 9)" \
        "$(result gateway "$mode" "$clients" 10)" "$(result pgbouncer "$mode" "$clients" 11)" "$(result gateway "$mode" "$clients" 11)"
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
  echo "event B/stmt: growth of pg_total_relation_size(og_audit.mt_events) (table, TOAST, indexes) per transaction."
  echo "cs/tx: context switches of the pgbouncer or gateway process's threads per transaction (perf stat -e context-switches)."
  [[ ${PATHS[*]} != *gateway_b* ]] || print_ab_report
}

# B against A in each cell: the two gateways were measured one right after the other, so their
# ratio holds up better than either against an earlier run.
print_ab_report() {
  echo
  echo "== A/B: gateway (A) against gateway_b (B: ${BENCH_B_BIN:-the same binary}${BENCH_B_ENV:+ with $BENCH_B_ENV}), medians =="
  printf '%-9s %7s %9s %9s %6s %10s %10s %9s %9s %8s %8s %7s %7s %7s %7s\n' mode clients "tps A" "tps B" "B/A" \
    "lat A ms" "lat B ms" "cpu A µs" "cpu B µs" "audit A" "audit B" "B/st A" "B/st B" "cs A" "cs B"
  local mode clients
  for mode in $BENCH_MODES; do
    for clients in $BENCH_CLIENTS; do
      local ta tb
      ta=$(result gateway "$mode" "$clients" 4); tb=$(result gateway_b "$mode" "$clients" 4)
      printf '%-9s %7s %9.1f %9.1f %6s %10s %10s %9s %9s %8s %8s %7s %7s %7s %7s\n' "$mode" "$clients" "$ta" "$tb" "$(ratio "$tb" "$ta")" \
        "$(result gateway "$mode" "$clients" 5)" "$(result gateway_b "$mode" "$clients" 5)" \
        "$(awk -v k="$(result gateway "$mode" "$clients" 6)" 'BEGIN { printf "%.0f", k * 1000 }')" \
        "$(awk -v k="$(result gateway_b "$mode" "$clients" 6)" 'BEGIN { printf "%.0f", k * 1000 }')" \
        "$(result gateway "$mode" "$clients" 9)" "$(result gateway_b "$mode" "$clients" 9)" \
        "$(result gateway "$mode" "$clients" 10)" "$(result gateway_b "$mode" "$clients" 10)" \
        "$(result gateway "$mode" "$clients" 11)" "$(result gateway_b "$mode" "$clients" 11)"
    done
  done
}

print_settings() {
  echo "== settings =="
  echo "machine: $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "postgres: $(psql_admin -d postgres -c 'SHOW server_version'), on 127.0.0.1:$PG_PORT;" \
    "$(psql_admin -d postgres -F ' ' -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','shared_buffers','max_connections')")"
  echo "audit database og_audit: synchronous_commit=$(psql_admin -d og_audit -c 'SHOW synchronous_commit')"
  if [[ $BENCH_AUDIT_SYNC == off ]]; then
    echo "DIAGNOSTIC RUN: audit commits do not wait for the disk (BENCH_AUDIT_SYNC=off); not the gateway as deployed"
  fi
  echo "pgbench: $(pgbench --version | awk '{ print $3 }'), -S -n, scale $BENCH_SCALE, ${BENCH_SECONDS}s x $BENCH_REPEATS per cell after ${BENCH_WARMUP}s warm-up, -j min(clients,$BENCH_THREADS), all paths over TCP loopback, no TLS, SCRAM login"
  echo "pgbouncer: $(pgbouncer --version | head -n 1 | awk '{ print $2 }'), pool_mode=session (one server connection per client, as the gateway; needed by -M prepared)"
  echo "gateway: $SILO_BIN, logging Warning, audit store og_audit (Marten, group commit), policy: $BENCH_POLICY"
}

# The runtime compiles hot methods again with profile data some seconds after they first run;
# until then the gateway is slower and its CPU goes into the JIT, which is not the toll.
warm_gateway() {
  local modes=($BENCH_MODES) mode
  [[ $BENCH_PROFILE == 0 ]] || modes=("$BENCH_PROFILE_MODE")
  local each=$(( (BENCH_GATEWAY_WARMUP + ${#modes[@]} - 1) / ${#modes[@]} ))
  log "warming the gateway up for ${BENCH_GATEWAY_WARMUP}s"
  for mode in "${modes[@]}"; do
    run_pgbench gateway "$mode" 16 "$each" >/dev/null || die "gateway warm-up failed"
    [[ ${PATHS[*]} != *gateway_b* ]] || run_pgbench gateway_b "$mode" 16 "$each" >/dev/null || die "gateway_b warm-up failed"
  done
}

# What one statement leaves in the audit database: rows by event type with their average stored
# size, and the table's parts (heap, TOAST, each index) over the statements recorded.
print_audit_anatomy() {
  echo
  echo "== the audit record after the run: events by type (average pg_column_size(data)), and mt_events' parts per statement =="
  psql_admin -d og_audit -F ' ' -c "SELECT type, count(*), round(avg(pg_column_size(data))) FROM og_audit.mt_events GROUP BY type ORDER BY count(*) DESC" \
    | awk '{ printf "  %-22s %10s rows %6s B data\n", $1, $2, $3 }'
  local statements
  statements=$(psql_admin -d og_audit -c "SELECT count(*) FROM og_audit.mt_events WHERE type IN ('statement_decided', 'decision_made')")
  psql_admin -d og_audit -F ' ' -c "
    SELECT 'heap', pg_relation_size('og_audit.mt_events')
    UNION ALL SELECT 'toast', coalesce(pg_total_relation_size(reltoastrelid), 0) FROM pg_class WHERE oid = 'og_audit.mt_events'::regclass
    UNION ALL SELECT 'index ' || i.indexrelid::regclass, pg_relation_size(i.indexrelid) FROM pg_index i WHERE i.indrelid = 'og_audit.mt_events'::regclass" \
    | awk -v n="$statements" '{ name = $1; for (i = 2; i < NF; i++) name = name " " $i; printf "  %-48s %8.0f B/stmt\n", name, (n > 0 ? $NF / n : 0) }'
  echo "  the last statement's row, as stored:"
  psql_admin -d og_audit -c "SELECT '  ' || pg_column_size(data) || ' B: ' || data::text FROM og_audit.mt_events WHERE type = 'statement_decided' ORDER BY seq_id DESC LIMIT 1"
}

# perf over the gateway process while pgbench runs (BENCH_PROFILE_MODE, BENCH_PROFILE_CLIENTS): the share of samples in the
# kernel, the top self frames, and the top frames with their callees (inclusive).
profile_gateway() {
  run_pgbench gateway "$BENCH_PROFILE_MODE" "$BENCH_PROFILE_CLIENTS" "$BENCH_WARMUP" >/dev/null || die "warm-up failed"
  run_pgbench gateway "$BENCH_PROFILE_MODE" "$BENCH_PROFILE_CLIENTS" "$((BENCH_PROFILE + 4))" >"$WORK/profile-pgbench.txt" &
  local bench=$!
  sleep 2
  perf record -F 499 -g -p "$GW_PID" -o "$WORK/perf.data" -- sleep "$BENCH_PROFILE" >"$WORK/perf.log" 2>&1 || die "perf record failed: $(tail -n 2 "$WORK/perf.log")"
  wait "$bench"
  log "tps during the profile: $(awk '/^tps/ { print $3 }' "$WORK/profile-pgbench.txt")"
  [[ -z ${BENCH_PROFILE_KEEP:-} ]] || cp "$WORK/perf.data" "$BENCH_PROFILE_KEEP"
  # The reports are cut with head, which closes the pipe early; that is not a failure.
  set +o pipefail
  local report=(perf report -i "$WORK/perf.data" --stdio --no-header)
  echo "== gateway CPU by where it ran (kernel, libcoreclr, JIT code, ...) =="
  "${report[@]}" --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9]' | head -n 12
  echo
  echo "== top 40 self frames =="
  "${report[@]}" --no-children --sort sym -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 40
  echo
  echo "== top 60 frames with what they call (inclusive) =="
  "${report[@]}" --children --sort sym -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 60
  set -o pipefail
  profile_switches
}

# Which of the gateway's threads switch out, and how often per transaction: every sched_switch
# away from one of its threads for 5 s of the same pgbench load, by thread name.
profile_switches() {
  run_pgbench gateway "$BENCH_PROFILE_MODE" "$BENCH_PROFILE_CLIENTS" 9 >"$WORK/switches-pgbench.txt" &
  local bench=$!
  sleep 2
  perf record -e sched:sched_switch -p "$GW_PID" -o "$WORK/switches.data" -- sleep 5 >"$WORK/switches.log" 2>&1 \
    || die "perf record of sched_switch failed: $(tail -n 2 "$WORK/switches.log")"
  wait "$bench"
  local tps switches
  tps=$(awk '/^tps/ { print $3 }' "$WORK/switches-pgbench.txt")
  switches=$(perf script -i "$WORK/switches.data" -F comm 2>/dev/null | wc -l)
  echo
  echo "== the gateway's context switches by thread (5 s at about $tps tps: $(awk -v s="$switches" -v t="$tps" 'BEGIN { printf "%.1f", s / (t * 5) }') per transaction) =="
  perf script -i "$WORK/switches.data" -F comm 2>/dev/null | sed 's/^ *//; s/[0-9]*$//' | sort | uniq -c | sort -rn \
    | awk -v t="$tps" '{ n = $1; $1 = ""; printf "  %-28s %8.2f per transaction\n", $0, n / (t * 5) }' | head -n 15
}

# strace -c over one process (every thread) while a fixed number of pgbench transactions runs
# through its path (logins included, a few per thousand transactions): the system calls it made,
# each per transaction. strace slows the process down, so rates mean nothing here; the counts per
# transaction are what a statement costs in crossings of the kernel.
count_syscalls() {
  local path=$1 pid=$2 per_client=$((BENCH_SYSCALLS * 100))
  local transactions=$((per_client * BENCH_PROFILE_CLIENTS))
  strace -c -f -q -p "$pid" -o "$WORK/syscalls-$path.txt" >/dev/null 2>&1 &
  local tracer=$!
  sleep 2
  run_pgbench "$path" "$BENCH_PROFILE_MODE" "$BENCH_PROFILE_CLIENTS" 0 "$per_client" >"$WORK/syscalls-$path-pgbench.txt" \
    || die "pgbench through $path under strace failed: $(tail -n 2 "$WORK/syscalls-$path-pgbench.txt")"
  kill -INT "$tracer" 2>/dev/null || true
  wait "$tracer" 2>/dev/null || true
  echo "== $path: system calls per transaction (-M $BENCH_PROFILE_MODE -c $BENCH_PROFILE_CLIENTS, $transactions transactions under strace) =="
  awk -v n="$transactions" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { if ($4 / n >= 0.05) printf "  %-20s %6.2f\n", $NF, $4 / n }
    $NF == "total" { printf "  %-20s %6.2f\n", "total", $3 / n }' "$WORK/syscalls-$path.txt" | sort -k2 -n -r
  echo
}

count_paths_syscalls() {
  run_pgbench gateway "$BENCH_PROFILE_MODE" "$BENCH_PROFILE_CLIENTS" "$BENCH_WARMUP" >/dev/null || die "warm-up failed"
  count_syscalls pgbouncer "$PGB_PID"
  count_syscalls gateway "$GW_PID"
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

main() {
  check_prerequisites
  bench_init /tmp/og-relay-bench.XXXXXX
  RESULTS=$WORK/results.txt
  : >"$RESULTS"

  build_gateway
  log "starting PostgreSQL 15 in $WORK/pg"
  start_postgres
  create_databases
  log "starting pgbouncer"
  start_pgbouncer
  log "starting the gateway"
  gateway_policy_config
  [[ $BENCH_PROFILE == 0 ]] || export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
  start_gateway
  if [[ ${PATHS[*]} == *gateway_b* ]]; then
    log "starting the second gateway (A/B)"
    # shellcheck disable=SC2086 # one NAME=VALUE per word
    start_gateway_as GWB "${BENCH_B_BIN:-$SILO_BIN}" og_audit_b $BENCH_B_ENV
  fi
  print_settings
  warm_gateway
  if [[ $BENCH_PROFILE != 0 ]]; then
    profile_gateway
    return
  fi
  if [[ $BENCH_SYSCALLS != 0 ]]; then
    count_paths_syscalls
    return
  fi

  # Paths interleaved within each cell, so a change in the machine's load over the run hits all
  # three alike rather than one path's whole series.
  local repeat mode clients path
  for repeat in $(seq 1 "$BENCH_REPEATS"); do
    for mode in $BENCH_MODES; do
      for clients in $BENCH_CLIENTS; do
        local order=("${PATHS[@]}")
        # In an A/B run, B goes first in every other repeat, so neither gateway is always the one
        # measured later (after the other has warmed the caches, or just before the load changes).
        if [[ ${PATHS[*]} == *gateway_b* ]] && (( repeat % 2 == 0 )); then order=(direct pgbouncer gateway_b gateway); fi
        for path in "${order[@]}"; do
          measure "$path" "$mode" "$clients"
        done
      done
    done
  done

  print_report
  print_audit_anatomy
}

main "$@"
