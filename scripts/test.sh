#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL and ends with one line:
#   N passed, N failed, N skipped
# PostgreSQL comes from ORLEANSGATE_TEST_PG when set, else a Testcontainers container when a
# Docker engine answers, else a throwaway cluster from the local binaries (docs/testing.md).
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/ensure-deps.sh || exit 1

results="artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet test OrleansGate.sln -c Release \
  --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$results" \
  --blame-hang-timeout 10m
status=$?

passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [[ -f $trx ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  value() { local v; v=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"); echo "${v:-0}"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done

# A run that failed before any test could report (a build error, say) is a failure too.
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  failed=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
exit $status
