#!/usr/bin/env bash
# The newcomer's demo: installs what is missing, then runs the gateway all-in-one against a
# throwaway PostgreSQL with a sample shop database (see docs/demo.md). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-deps.sh
# The replay tool too: the demo prints its commands (approve a held statement, replay the sessions).
dotnet build src/ReplayTool -c Release -nologo -v q
exec dotnet run --project src/Demo -c Release -- "$@"
