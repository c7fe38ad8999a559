-- OrleansGate cluster schema, part 1: tables.
-- Orleans' ADO.NET clustering and grain-storage providers ship no SQL: they read the text of
-- every query, by key, from a table named OrleansQuery (the one name they fix), and leave the
-- tables behind those queries to us. ClusterSchema applies these files at every silo start, in
-- one transaction under an advisory lock, so they must stay idempotent.

CREATE TABLE IF NOT EXISTS OrleansQuery (
    QueryKey  varchar(64) PRIMARY KEY,
    QueryText text NOT NULL
);

-- One row per cluster (Orleans calls the cluster id "DeploymentId"). Its version is the
-- optimistic-concurrency token of the whole membership table: every insert or update of a
-- member must present the version it read, and bumps it.
CREATE TABLE IF NOT EXISTS og_cluster_version (
    deployment_id text        PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port and generation identify it).
CREATE TABLE IF NOT EXISTS og_cluster_member (
    deployment_id   text        NOT NULL REFERENCES og_cluster_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL,
    -- "silo,time|silo,time": the votes other silos cast that this one is dead, in Orleans' own format.
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Grain state kept by the ADO.NET grain storage (e.g. the "approvals" storage). The natural
-- key is the service, the grain type and the grain id (numeric halves plus the string key or
-- key extension, '' when there is none, so the key is never NULL); the hashes the provider
-- sends are kept so lookups can use a narrow index.
CREATE TABLE IF NOT EXISTS og_grain_state (
    service_id      text        NOT NULL,
    grain_type      text        NOT NULL,
    grain_id_n0     bigint      NOT NULL,
    grain_id_n1     bigint      NOT NULL,
    grain_id_string text        NOT NULL,
    grain_type_hash integer     NOT NULL,
    grain_id_hash   integer     NOT NULL,
    payload         bytea       NULL,
    version         integer     NOT NULL,
    modified_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_string)
);

CREATE INDEX IF NOT EXISTS og_grain_state_hashes ON og_grain_state (grain_id_hash, grain_type_hash);
