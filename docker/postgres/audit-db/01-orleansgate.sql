-- The audit store and the cluster's tables (membership, grain state) of the compose topology.
-- Run once by the postgres image on an empty data directory. The password is a DEMO ONLY value;
-- compose.yaml hands the same one to the silos.
CREATE ROLE orleansgate LOGIN PASSWORD 'demo-only-audit-password';
CREATE DATABASE og_audit OWNER orleansgate;
CREATE DATABASE og_cluster OWNER orleansgate;
