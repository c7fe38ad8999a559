#!/usr/bin/env bash
# bench/masking.sh — masking throughput: one client streams SELECT * FROM wide (BENCH_ROWS rows x 5
# columns, 2 of them masked by the gateway's policy) through three paths, in one run, on one machine:
#   direct     pgbench -> PostgreSQL (TCP loopback, like the other two)
#   pgbouncer  pgbench -> pgbouncer (pool_mode=session) -> PostgreSQL
#   gateway    pgbench -> OrleansGate.Silo (all-in-one, audit store on, policy masking ssn and email)
# and reports rows/s per path and protocol mode, the ratios, and the gateway's peak memory (VmHWM).
#
# The client is pgbench with a one-line script (SELECT * FROM wide): libpq reads the whole result,
# pgbench discards it, nothing is printed or converted, so the client costs the same on all three
# paths. Every gateway run is checked to have been masked: the audit store's StatementCompleted
# events of the run must count BENCH_ROWS masked values of ssn and of email per SELECT, or the
# script stops. A sample of rows through the gateway and directly is printed as well.
#
# Everything is throwaway (bench/lib.sh, as bench/relay.sh): a PostgreSQL 15 cluster made with initdb
# in a temp folder on a free port, a pgbouncer, the gateway with its own config; all stopped and
# deleted on exit (trap), whether the run succeeded or not.
#
# Usage:  bench/masking.sh          (as root; see docs/benchmarks.md)
# Knobs (environment):
#   BENCH_ROWS=1000000        rows in the table, generated in SQL
#   BENCH_TX=3                SELECTs per measured pgbench run (-t); rows/s comes from its tps
#   BENCH_REPEATS=3           measured runs per (path, mode); the table shows medians
#   BENCH_MODES="simple extended"   pgbench -M modes (prepared also accepted)
#   BENCH_SKIP_BUILD=1        use the already built Release binary instead of running dotnet build
set -euo pipefail

BENCH_ROWS=${BENCH_ROWS:-1000000}
BENCH_TX=${BENCH_TX:-3}
BENCH_REPEATS=${BENCH_REPEATS:-3}
BENCH_MODES=${BENCH_MODES:-"simple extended"}
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-0}

BENCH_NAME=masking.sh
PATHS=(direct pgbouncer gateway)
# The masked columns, in the order of the table (wide: id, name, ssn, email, amount).
MASKED_COLUMNS=(ssn email)

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------------------------------------
# Preconditions
# ---------------------------------------------------------------------------------------------

check_prerequisites() {
  check_common_prerequisites
  check_positive_integers "$BENCH_ROWS" "$BENCH_TX" "$BENCH_REPEATS"
  # shellcheck disable=SC2086 # one mode per word
  check_pgbench_modes $BENCH_MODES
}

# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------

# bench and og_audit (lib.sh), then the table, directly: ids 1..N, names, SSN-shaped and e-mail
# values unique per row, amounts with two decimals.
create_databases() {
  create_roles
  log "generating $BENCH_ROWS rows in bench.public.wide (directly, once)"
  PGPASSWORD=$BENCH_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U bench -d bench >"$WORK/init.log" 2>&1 <<EOF \
    || die "creating the table failed: $(tail -n 3 "$WORK/init.log" | tr '\n' ' ')"
CREATE TABLE wide (id int, name text, ssn text, email text, amount numeric);
INSERT INTO wide
SELECT g, 'Customer ' || g,
       substr(s, 1, 3) || '-' || substr(s, 4, 2) || '-' || substr(s, 6, 4),
       'user' || g || '@example.com',
       round(g * 1.37, 2)
FROM (SELECT g, lpad((g::bigint * 7919 % 1000000000)::text, 9, '0') AS s FROM generate_series(1, $BENCH_ROWS) g) t;
EOF
  psql_admin -d bench -c "VACUUM ANALYZE wide" >/dev/null
}

# The gateway's policy: ssn redacted, email masked as an e-mail address; the key is random per run.
gateway_masking_config() {
  use_bench_policy '
        "Masks": [ { "Column": "public.wide.ssn", "Strategy": "Redact" },
                   { "Column": "public.wide.email", "Strategy": "Email" } ]'
}

# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------

psql_path() {
  local port=$1 password=$2
  shift 2
  PGPASSWORD=$password PGSSLMODE=disable psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U bench -d bench "$@"
}

# Prints the first rows directly and through the gateway; stops unless ssn and email differ
# (masked) and id, name and amount are the same (relayed as they are).
check_masked_sample() {
  local sql="SELECT id, name, ssn, email, amount FROM wide ORDER BY id LIMIT 3" direct gateway
  direct=$(psql_path "$PG_PORT" "$BENCH_PASSWORD" -A -F ' | ' -c "$sql") || die "the sample query failed directly"
  gateway=$(psql_path "$GW_PORT" "$GATEWAY_PASSWORD" -A -F ' | ' -c "$sql" 2>&1) \
    || die "the sample query failed through the gateway: $gateway"
  echo "== masking check: '$sql' =="
  echo "-- direct:"; echo "$direct"
  echo "-- through the gateway:"; echo "$gateway"
  local d g
  d=$(awk -F ' \\| ' 'NR > 1 && NF == 5 { print $1, $2, $5, "/", $3, $4 }' <<<"$direct")
  g=$(awk -F ' \\| ' 'NR > 1 && NF == 5 { print $1, $2, $5, "/", $3, $4 }' <<<"$gateway")
  [[ -n $d && $(wc -l <<<"$d") == $(wc -l <<<"$g") ]] || die "the gateway's sample has other rows than the direct one"
  local -a dl gl
  local i dssn demail gssn gemail
  mapfile -t dl <<<"$d"; mapfile -t gl <<<"$g"
  for i in "${!dl[@]}"; do
    [[ ${dl[i]%% / *} == "${gl[i]%% / *}" ]] || die "unmasked columns differ through the gateway: '${gl[i]}' vs '${dl[i]}'"
    read -r dssn demail <<<"${dl[i]##* / }"; read -r gssn gemail <<<"${gl[i]##* / }"
    [[ $gssn != "$dssn" && $gemail != "$demail" ]] || die "the gateway did not mask ssn/email: '${gl[i]}' (direct '${dl[i]}')"
  done
  echo "-- ok: ssn and email differ, id/name/amount are the same"
  echo
}

# seq_id of the newest audit event.
audit_seq() { psql_admin -d og_audit -c "SELECT coalesce(max(seq_id), 0) FROM og_audit.mt_events"; }

# The statement outcomes recorded after seq_id $1: StatementCompleted rows (a session's last
# outcome, written with its end) and the outcomes each StatementDecided carries for the
# statements before it (docs/audit.md).
audit_outcomes() {
  echo "(SELECT e.data AS c FROM og_audit.mt_events e WHERE e.seq_id > $1 AND e.type = 'statement_completed'
         UNION ALL
         SELECT c FROM og_audit.mt_events e, jsonb_array_elements(e.data->'Completed') c
         WHERE e.seq_id > $1 AND e.type = 'statement_decided') AS outcomes"
}

# Masked-value counts per column of the outcomes after seq_id $1, as "column count" lines.
# Each session's last outcome is written at the session's end, so this waits (up to 10 s) until
# the expected number of outcomes has arrived.
audit_masked_counts() {
  local after=$1 completions=$2 n
  for _ in $(seq 1 100); do
    n=$(psql_admin -d og_audit -c "SELECT count(*) FROM $(audit_outcomes "$after")")
    [[ $n -ge $completions ]] && break
    sleep 0.1
  done
  psql_admin -d og_audit -F ' ' -c "
    SELECT coalesce(m->>'Column', m->>'column'), sum(coalesce(m->>'Count', m->>'count')::bigint)
    FROM $(audit_outcomes "$after"),
         jsonb_array_elements(coalesce(c->'MaskedValues', c->'maskedValues', '[]'::jsonb)) m
    GROUP BY 1 ORDER BY 1"
}

# Stops unless every masked column was masked rows x selects times since seq_id $1.
check_run_masked() {
  local after=$1 selects=$2 label=$3 counts column got want=$((BENCH_ROWS * $2))
  counts=$(audit_masked_counts "$after" "$selects")
  for column in "${MASKED_COLUMNS[@]}"; do
    got=$(awk -v c="$column" '$1 == c { print $2 }' <<<"$counts")
    [[ ${got:-0} == "$want" ]] || die "$label: the audit store counts ${got:-0} masked values of $column, expected $want" \
      "($selects x $BENCH_ROWS rows); refusing to report an unmasked path as masking throughput (counts: $(tr '\n' ' ' <<<"$counts"))"
  done
  echo "$counts" | tr '\n' ' '
}

# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------

run_pgbench() {
  local path=$1 mode=$2 tx=$3 port password
  case $path in
    direct) port=$PG_PORT; password=$BENCH_PASSWORD ;;
    pgbouncer) port=$PGB_PORT; password=$BENCH_PASSWORD ;;
    gateway) port=$GW_PORT; password=$GATEWAY_PASSWORD ;;
  esac
  PGPASSWORD=$password PGSSLMODE=disable pgbench -n -f "$WORK/select.sql" -M "$mode" -c 1 -j 1 -t "$tx" \
    -h 127.0.0.1 -p "$port" -U bench bench 2>&1
}

# One measured run after a one-SELECT warm-up; appends
# "path mode rows_per_s seconds_per_select cpu_s_per_1M_rows" to the results file.
measure() {
  local path=$1 mode=$2 out cpu0 cpu1 seq0 tps lat failed cpu_per_m="-" masked=""
  case $path in gateway) seq0=$(audit_seq) ;; esac
  run_pgbench "$path" "$mode" 1 >/dev/null || die "warm-up of $path -M $mode failed (see pgbench through it by hand)"
  case $path in
    gateway) masked=$(check_run_masked "$seq0" 1 "warm-up through the gateway -M $mode"); seq0=$(audit_seq); cpu0=$(cpu_seconds "$GW_PID") ;;
    pgbouncer) cpu0=$(cpu_seconds "$PGB_PID") ;;
  esac
  out=$(run_pgbench "$path" "$mode" "$BENCH_TX") \
    || die "pgbench through $path -M $mode failed: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
  echo "--- $path -M $mode" >>"$WORK/pgbench.log"
  echo "$out" >>"$WORK/pgbench.log"
  tps=$(awk '/^tps = / { print $3; exit }' <<<"$out")
  lat=$(awk '/^latency average = / { print $4; exit }' <<<"$out")
  failed=$(awk '/^number of failed transactions:/ { print $5; exit }' <<<"$out")
  [[ -n $tps && -n $lat ]] || die "could not read pgbench's output for $path -M $mode"
  [[ ${failed:-0} == 0 ]] || die "$failed SELECTs failed through $path -M $mode"
  local rows_per_s
  rows_per_s=$(awk -v t="$tps" -v r="$BENCH_ROWS" 'BEGIN { printf "%.0f", t * r }')
  case $path in
    gateway)
      cpu1=$(cpu_seconds "$GW_PID")
      cpu_per_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$((BENCH_TX * BENCH_ROWS))" 'BEGIN { printf "%.3f", (b - a) / n * 1e6 }')
      masked=$(check_run_masked "$seq0" "$BENCH_TX" "gateway -M $mode") ;;
    pgbouncer)
      cpu1=$(cpu_seconds "$PGB_PID")
      cpu_per_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$((BENCH_TX * BENCH_ROWS))" 'BEGIN { printf "%.3f", (b - a) / n * 1e6 }') ;;
  esac
  echo "$path $mode $rows_per_s $(awk -v l="$lat" 'BEGIN { printf "%.3f", l / 1000 }') $cpu_per_m" >>"$RESULTS"
  log "$(printf '%-9s -M %-8s %10s rows/s  %7.3f s per SELECT' "$path" "$mode" "$rows_per_s" "$(awk -v l="$lat" 'BEGIN { print l / 1000 }')")${masked:+  masked: $masked}"
}

# Median of column $3.. of the results for (path, mode).
result() {
  awk -v p="$1" -v m="$2" -v k="$3" '$1 == p && $2 == m && $k != "-" { print $k }' "$RESULTS" | median
}

# VmRSS / VmHWM of a process in MB.
memory_mb() { awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

print_settings() {
  echo "== settings =="
  echo "machine: $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "postgres: $(psql_admin -d postgres -c 'SHOW server_version'), on 127.0.0.1:$PG_PORT;" \
    "$(psql_admin -d postgres -F ' ' -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','shared_buffers','max_connections')")"
  echo "table: public.wide (id int, name text, ssn text, email text, amount numeric), $BENCH_ROWS rows," \
    "$(psql_admin -d bench -c "SELECT pg_size_pretty(pg_relation_size('wide'))")"
  echo "client: pgbench $(pgbench --version | awk '{ print $3 }') -n -c 1 -f (SELECT * FROM wide), $BENCH_TX SELECTs x $BENCH_REPEATS runs per cell after 1 warm-up SELECT;" \
    "libpq reads each whole result, pgbench discards it; all paths over TCP loopback, no TLS, SCRAM login"
  echo "pgbouncer: $(pgbouncer --version | head -n 1 | awk '{ print $2 }'), pool_mode=session"
  echo "gateway: $SILO_BIN ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')), logging Warning, audit store og_audit," \
    "policy 'bench': public.wide.ssn Redact, public.wide.email Email"
  echo
}

print_report() {
  echo
  echo "== SELECT * FROM wide ($BENCH_ROWS rows x 5 columns, ssn and email masked by the gateway), 1 client =="
  echo "   rows/s: median of $BENCH_REPEATS runs of $BENCH_TX SELECTs (pgbench tps x rows, without connection time)"
  printf '%-9s %-9s %12s %10s %8s %8s %13s\n' path mode rows/s "s/SELECT" "vs pgb" "vs dir" "cpu s/1M rows"
  local mode path r b d
  for mode in $BENCH_MODES; do
    b=$(result pgbouncer "$mode" 3); d=$(result direct "$mode" 3)
    for path in "${PATHS[@]}"; do
      r=$(result "$path" "$mode" 3)
      printf '%-9s %-9s %12.0f %10s %8s %8s %13s\n' "$path" "$mode" "$r" "$(result "$path" "$mode" 4)" \
        "$(ratio "$r" "$b")" "$(ratio "$r" "$d")" "$(result "$path" "$mode" 5)"
    done
  done
  echo
  echo "== memory (/proc/PID/status) =="
  echo "gateway:   VmRSS ${GW_RSS_START} MB after start-up, ${GW_RSS_READY} MB after the masking check; after the runs VmRSS $(memory_mb "$GW_PID" VmRSS) MB," \
    "peak VmHWM $(memory_mb "$GW_PID" VmHWM) MB (goal < 200 MB)"
  echo "pgbouncer: peak VmHWM $(memory_mb "$PGB_PID" VmHWM) MB"
  echo
  echo "cpu s/1M rows: CPU seconds (user+system, /proc/PID/stat) of the gateway or pgbouncer process per million rows relayed;"
  echo "        PostgreSQL's and pgbench's CPU are not in it. Every gateway run was checked in the audit store: each SELECT"
  echo "        masked $BENCH_ROWS values of ssn and of email."
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

main() {
  check_prerequisites
  bench_init /tmp/og-masking-bench.XXXXXX
  RESULTS=$WORK/results.txt
  : >"$RESULTS"
  echo "SELECT * FROM wide;" >"$WORK/select.sql"

  build_gateway
  log "starting PostgreSQL 15 in $WORK/pg"
  start_postgres
  create_databases
  log "starting pgbouncer"
  start_pgbouncer
  log "starting the gateway"
  gateway_masking_config
  start_gateway
  GW_RSS_START=$(memory_mb "$GW_PID" VmRSS)
  print_settings
  check_masked_sample
  GW_RSS_READY=$(memory_mb "$GW_PID" VmRSS)

  # Paths interleaved within each mode, so a change in the machine's load over the run hits all
  # three alike rather than one path's whole series.
  local repeat mode path
  for repeat in $(seq 1 "$BENCH_REPEATS"); do
    for mode in $BENCH_MODES; do
      for path in "${PATHS[@]}"; do
        measure "$path" "$mode"
      done
    done
  done

  print_report
}

main "$@"
