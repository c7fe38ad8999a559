#!/usr/bin/env bash
# Installs what OrleansGate needs on a fresh Debian machine, only when missing.
# Used by the README's commands and by .ci/run; safe to run again.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# PostgreSQL server binaries (initdb, pg_ctl, postgres) and the client tools (psql, pgbench).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || have_cmd initdb || need+=(postgresql)
have_cmd psql || need+=(postgresql-client)
have_cmd pgbench || need+=(postgresql-contrib)
# Peers and clients the tests and benchmarks run against.
have_cmd pgbouncer || need+=(pgbouncer)
# The headless browser the web console's tests drive (through Microsoft.Playwright).
have_cmd chromium || need+=(chromium)
# The TCP load balancer of the compose topology, which a test runs in front of the proxies.
have_cmd haproxy || [[ -x /usr/sbin/haproxy ]] || need+=(haproxy)
have_pkg libpg-query-dev || need+=(libpg-query-dev)
have_cmd openssl || need+=(openssl)
# Real drivers the tests run through the gateway: psycopg2, pgJDBC (run with `java File.java`,
# which needs a JDK), node-postgres (installed from npm below).
/usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1 || need+=(python3-psycopg2)
have_pkg libpostgresql-jdbc-java || need+=(libpostgresql-jdbc-java)
have_cmd javac || need+=(default-jdk-headless)
have_cmd node || need+=(nodejs)
have_cmd npm || need+=(npm)

if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-deps: missing Debian packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "ensure-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# pgbouncer's Debian package starts a system service on port 6432, the gateway's default port.
# The project starts its own pgbouncer where it needs one, so the system one is stopped.
if have_cmd pgbouncer && [[ $(id -u) -eq 0 ]] && pgrep -f '^/usr/sbin/pgbouncer .*/etc/pgbouncer' >/dev/null 2>&1; then
  (service pgbouncer stop || pkill -f '^/usr/sbin/pgbouncer .*/etc/pgbouncer') >/dev/null 2>&1 || true
fi

# node-postgres for the driver tests, at the version package-lock.json pins.
node_client="$(dirname "$0")/../tests/clients/node"
if [[ ! -d "$node_client/node_modules/pg" ]]; then
  (cd "$node_client" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
