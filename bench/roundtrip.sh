#!/usr/bin/env bash
# bench/roundtrip.sh — the statement path in process, whole: one pgbench-style SELECT sent by
# Npgsql through the gateway hosted in the benchmark's own process (the proxy, the session grain,
# the policy, the chain, the audit append, the relay back), under BenchmarkDotNet with its memory
# diagnoser. Three paths in one run: Npgsql straight to PostgreSQL (what the client itself costs),
# the gateway with the audit record kept in memory, and the gateway with the real audit writer
# (Marten, group commit, durable). The gateway's own allocation per statement is a gateway path's
# figure minus the direct one. docs/benchmarks.md, "The statement path in process".
#
#   bench/roundtrip.sh                      # the default BenchmarkDotNet job
#   bench/roundtrip.sh --job short          # quicker, wider error bars
#   bench/roundtrip.sh allocations GatewayAuditInMemory prepared 20000
#                                           # what the path allocates, by type (allocation sampling)
#   BENCH_TRACE=/tmp/a.nettrace bench/roundtrip.sh allocations ...
#                                           # the same under dotnet-trace, with the samples' stacks
# It runs in process (--inProcess: no second build of the project). Arguments go to BenchmarkDotNet. Needs what bench/relay.sh needs (root, PostgreSQL 15 binaries).
set -euo pipefail

BENCH_NAME=roundtrip.sh
BENCH_SKIP_BUILD=1
BENCH_AUDIT_SYNC=on
BENCH_SCALE=${BENCH_SCALE:-1}

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  check_common_prerequisites
  bench_init /tmp/og-roundtrip-bench.XXXXXX
  log "starting PostgreSQL 15 in $WORK/pg"
  start_postgres
  create_roles
  PGPASSWORD=$BENCH_PASSWORD pgbench -i -q -s "$BENCH_SCALE" -h 127.0.0.1 -p "$PG_PORT" -U bench bench >"$WORK/pgbench-init.log" 2>&1 \
    || die "pgbench -i failed: $(tail -n 3 "$WORK/pgbench-init.log" | tr '\n' ' ')"
  psql_admin -d bench -c "CREATE TABLE customers (id int PRIMARY KEY, name text, email text, ssn text);
    CREATE TABLE payroll (id int PRIMARY KEY, salary numeric); ALTER TABLE customers OWNER TO bench; ALTER TABLE payroll OWNER TO bench" >/dev/null
  psql_admin -d bench -c "VACUUM ANALYZE" >/dev/null
  export OG_BENCH_PG_PORT=$PG_PORT OG_BENCH_TARGET_PASSWORD=$BENCH_PASSWORD OG_BENCH_AUDIT_PASSWORD=$AUDIT_PASSWORD
  if [[ ${1:-} == allocations && -n ${BENCH_TRACE:-} ]]; then
    # The same run under dotnet-trace: the runtime's allocation samples with their stacks, into
    # $BENCH_TRACE (a .nettrace file; read it with PerfView or TraceEvent).
    (cd "$REPO" && dotnet build bench/StatementPath -c Release -nologo -v q >/dev/null \
      && "$HOME/.dotnet/tools/dotnet-trace" collect -o "$BENCH_TRACE" --providers 'Microsoft-Windows-DotNETRuntime:0x1:5' \
        -- dotnet bench/StatementPath/bin/Release/net10.0/OrleansGate.Bench.StatementPath.dll "$@")
  elif [[ ${1:-} == allocations ]]; then
    (cd "$REPO" && dotnet run -c Release --project bench/StatementPath -- "$@")
  else
    (cd "$REPO" && dotnet run -c Release --project bench/StatementPath -- --filter '*RoundTrip*' --inProcess "$@")
  fi
}

main "$@"
