#!/usr/bin/env bash
# bench/audit-append.sh — what one audit append costs the audit database's CPU, part by part.
#
# The gateway's writer appends each group commit in one statement (src/Grains/Audit/Append/
# MultiStreamAppend.cs): an upsert of every stream's version into Marten's mt_streams, and the
# events into mt_events, whose foreign key checks each row's stream. This script runs that
# statement through pgbench -f against tables with Marten's definitions, in a throwaway cluster,
# with and without its parts, and prints the server's CPU per event (the whole cluster's, minus a
# run that only builds the same JSON in SQL) and the table's bytes per event.
#
# No gateway runs: what is measured is the database's side of the append alone, so a part's cost
# can be told apart from the noise of a whole relay run.
#
# Usage:  bench/audit-append.sh      (as root; see docs/benchmarks.md)
#   BENCH_SECONDS=15   length of each pgbench run
#   BENCH_REPEATS=3    runs of each variant; the table shows each run
#   BENCH_CLIENTS=4    pgbench clients, each appending batches of its own streams
set -euo pipefail

BENCH_SECONDS=${BENCH_SECONDS:-15}
BENCH_REPEATS=${BENCH_REPEATS:-3}
BENCH_CLIENTS=${BENCH_CLIENTS:-4}
BENCH_SKIP_BUILD=1 # nothing to build
BENCH_NAME=audit-append.sh

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Marten's event tables as Marten creates them for string stream ids (docs/benchmarks.md).
schema_sql() {
  cat <<'EOF'
DROP SCHEMA IF EXISTS a CASCADE; CREATE SCHEMA a;
CREATE TABLE a.mt_streams (id varchar NOT NULL, type varchar, version bigint, "timestamp" timestamptz DEFAULT now() NOT NULL,
  created timestamptz DEFAULT now() NOT NULL, tenant_id varchar DEFAULT '*DEFAULT*', compacted_version bigint DEFAULT 0 NOT NULL,
  is_archived boolean DEFAULT false);
ALTER TABLE ONLY a.mt_streams ADD CONSTRAINT pkey_mt_streams_id PRIMARY KEY (id);
CREATE TABLE a.mt_events (seq_id bigint NOT NULL, id uuid NOT NULL, stream_id varchar, version bigint NOT NULL, data jsonb NOT NULL,
  bdata bytea, type varchar(500) NOT NULL, "timestamp" timestamptz DEFAULT now() NOT NULL, tenant_id varchar DEFAULT '*DEFAULT*',
  mt_dotnet_type varchar, is_archived boolean DEFAULT false);
ALTER TABLE ONLY a.mt_events ADD CONSTRAINT pkey_mt_events_seq_id PRIMARY KEY (seq_id);
CREATE UNIQUE INDEX pk_mt_events_stream_and_version ON a.mt_events USING btree (stream_id, version);
ALTER TABLE ONLY a.mt_events ADD CONSTRAINT fkey_mt_events_stream_id FOREIGN KEY (stream_id) REFERENCES a.mt_streams(id) ON DELETE CASCADE;
CREATE SEQUENCE a.mt_events_sequence;
CREATE SEQUENCE a.versions;
EOF
}

# One batch of $1 events, one per stream of this client, each a pgbench -S statement's row as the
# gateway stores it (about 730 B of jsonb). $2: with the mt_streams upsert (1) or without (0);
# $3: insert (1) or only build the rows (0, the baseline subtracted from the others).
batch_sql() {
  local events=$1 streams=$2 insert=$3
  cat <<EOF
\set aid random(1, 1000000)
WITH ev AS (
  SELECT gen_random_uuid() AS id, md5(:client_id::text) || lpad((:client_id * 100 + k)::text, 8, '0') AS stream_id,
    nextval('a.versions') AS version,
    ('{"At": "' || to_char(clock_timestamp() AT TIME ZONE 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '0Z", '
     '"Sql": "SELECT abalance FROM pgbench_accounts WHERE aid = \$1", "Hash": "' || md5(random()::text) || md5(random()::text) || '", '
     '"Kind": "Select", "Rule": "default:allow", "Phase": "Execute", "Action": "Allow", "Columns": ["abalance", "aid"], '
     '"Command": "SelectStmt", "Position": ' || (:aid + k) || ', "Sequence": ' || (:aid + k) || ', '
     '"Completed": [{"At": "' || to_char(clock_timestamp() AT TIME ZONE 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '0Z", "Rows": 1, '
     '"Outcome": "Completed", "Preview": {"Rows": [["' || (:aid % 5000) || '"]], "Columns": ["abalance"]}, '
     '"Sequence": ' || (:aid + k - 1) || ', "CommandTag": "SELECT 1"}], "Parameters": ["' || :aid || '"], '
     '"Fingerprint": "' || substr(md5(k::text), 1, 16) || '", "RelationsRead": ["pgbench_accounts"]}')::jsonb AS data,
    'statement_decided'::varchar AS type
  FROM generate_series(0, $((events - 1))) k)
EOF
  if [[ $insert == 0 ]]; then
    echo "SELECT count(*) FROM ev WHERE data IS NOT NULL;"
    return
  fi
  if [[ $streams == 1 ]]; then
    cat <<'EOF'
, streams AS (
  INSERT INTO a.mt_streams AS s (id, type, version, timestamp, tenant_id)
  SELECT stream_id, NULL, version, now(), '*DEFAULT*' FROM ev
  ON CONFLICT (id) DO UPDATE SET version = greatest(s.version, excluded.version), timestamp = excluded.timestamp)
EOF
  fi
  cat <<'EOF'
INSERT INTO a.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived)
SELECT nextval('a.mt_events_sequence'), id, stream_id, version, data, type, '*DEFAULT*', now(), NULL, false FROM ev;
EOF
}

# CPU seconds of the whole cluster so far: the postmaster, the backends it has reaped, and those alive.
cluster_cpu_seconds() {
  local postmaster total
  postmaster=$(head -n 1 "$PG_DATA/postmaster.pid")
  total=$(awk -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13 + $14 + $15) / hz }' "/proc/$postmaster/stat")
  cpu_seconds_of $(pgrep -P "$postmaster") | awk -v t="$total" '{ printf "%.2f\n", t + $1 }'
}

# run LABEL EVENTS STREAMS(0/1) FOREIGN_KEY(0/1) INSERT(0/1): prints "label events µs/event B/event".
run() {
  local label=$1 events=$2 streams=$3 fk=$4 insert=$5 cpu0 cpu1 out tx
  schema_sql | psql_admin -d postgres >/dev/null 2>&1
  [[ $fk == 1 ]] || psql_admin -d postgres -c "ALTER TABLE a.mt_events DROP CONSTRAINT fkey_mt_events_stream_id" >/dev/null
  psql_admin -d postgres -c "CHECKPOINT" >/dev/null
  batch_sql "$events" "$streams" "$insert" >"$WORK/batch.sql"
  sleep 1; cpu0=$(cluster_cpu_seconds)
  out=$(pgbench -n -M simple -f "$WORK/batch.sql" -c "$BENCH_CLIENTS" -j 2 -T "$BENCH_SECONDS" -h "$WORK/pg/sock" -p "$PG_PORT" -U postgres postgres 2>&1) \
    || die "pgbench failed for $label: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
  sleep 1; cpu1=$(cluster_cpu_seconds)
  tx=$(awk '/^number of transactions actually processed:/ { print $6; exit }' <<<"$out")
  local bytes=0
  [[ $insert == 0 ]] || bytes=$(psql_admin -d postgres -c "SELECT pg_total_relation_size('a.mt_events')")
  awk -v l="$label" -v n="$((tx * events))" -v a="$cpu0" -v b="$cpu1" -v s="$bytes" \
    'BEGIN { printf "%-34s %9d %12.1f %12.0f\n", l, n, (b - a) / n * 1e6, s / n }'
}

main() {
  check_common_prerequisites
  check_positive_integers "$BENCH_SECONDS" "$BENCH_REPEATS" "$BENCH_CLIENTS"
  bench_init /tmp/og-append-bench.XXXXXX
  log "starting PostgreSQL 15 in $WORK/pg"
  start_postgres
  echo "== the audit append's parts: server CPU per event (whole cluster), $BENCH_CLIENTS clients x ${BENCH_SECONDS}s, simple protocol =="
  echo "machine: $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-34s %9s %12s %12s\n' variant events "µs/event" "B/event"
  local repeat
  for repeat in $(seq 1 "$BENCH_REPEATS"); do
    run "as written, batches of 4" 4 1 1 1
    run "without the foreign key" 4 1 0 1
    run "without the key and mt_streams" 4 0 0 1
    run "rows built, nothing written (4)" 4 0 0 0
    run "as written, batches of 16" 16 1 1 1
    run "rows built, nothing written (16)" 16 0 0 0
  done
  echo
  echo "µs/event: CPU seconds (user+system) of every PostgreSQL process over the run, per event; subtract the"
  echo "          'nothing written' line of the same batch size for what the append itself costs."
}

main "$@"
