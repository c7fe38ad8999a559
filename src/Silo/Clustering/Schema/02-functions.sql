-- OrleansGate cluster schema, part 2: functions for the writes that must be atomic.
-- Each runs as one statement, so PostgreSQL gives it one transaction.

-- The membership table's optimistic concurrency, shared by the writes below: lock the version
-- row if it is still at the version the caller read (concurrent writers queue on the lock, and
-- after the first commits the others find a different version), and move it on after a write.
CREATE OR REPLACE FUNCTION og_cluster_lock_version(p_deployment text, p_version integer)
RETURNS boolean LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM 1 FROM og_cluster_version
     WHERE deployment_id = p_deployment AND version = p_version
       FOR UPDATE;
    RETURN FOUND;
END
$fn$;

CREATE OR REPLACE FUNCTION og_cluster_bump_version(p_deployment text)
RETURNS void LANGUAGE sql AS $fn$
    UPDATE og_cluster_version SET version = version + 1, changed_at = now() WHERE deployment_id = p_deployment;
$fn$;

-- Adds a silo to the membership table if the caller read the table at its current version;
-- false otherwise (Orleans then re-reads and retries).
CREATE OR REPLACE FUNCTION og_cluster_insert_member(
    p_deployment text, p_version integer, p_address text, p_port integer, p_generation integer,
    p_silo_name text, p_host_name text, p_status integer, p_proxy_port integer,
    p_start_time timestamptz, p_i_am_alive_time timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $fn$
BEGIN
    IF NOT og_cluster_lock_version(p_deployment, p_version) THEN
        RETURN false;
    END IF;

    INSERT INTO og_cluster_member (deployment_id, address, port, generation, silo_name, host_name,
                                   status, proxy_port, suspect_times, start_time, i_am_alive_time)
    VALUES (p_deployment, p_address, p_port, p_generation, coalesce(p_silo_name, ''), coalesce(p_host_name, ''),
            p_status, p_proxy_port, NULL, p_start_time, p_i_am_alive_time)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    PERFORM og_cluster_bump_version(p_deployment);
    RETURN true;
END
$fn$;

-- Changes a silo's status and suspicions under the same version check as the insert.
CREATE OR REPLACE FUNCTION og_cluster_update_member(
    p_deployment text, p_version integer, p_address text, p_port integer, p_generation integer,
    p_status integer, p_suspect_times text, p_i_am_alive_time timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $fn$
BEGIN
    IF NOT og_cluster_lock_version(p_deployment, p_version) THEN
        RETURN false;
    END IF;

    UPDATE og_cluster_member
       SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
     WHERE deployment_id = p_deployment AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    PERFORM og_cluster_bump_version(p_deployment);
    RETURN true;
END
$fn$;

-- Writes a grain's state. A NULL expected version means the grain believes no record exists:
-- insert version 1. Otherwise update only the version the grain read. NULL back means another
-- activation wrote first; the provider turns that into an InconsistentStateException.
CREATE OR REPLACE FUNCTION og_grain_state_write(
    p_service text, p_grain_type text, p_n0 bigint, p_n1 bigint, p_string text,
    p_type_hash integer, p_id_hash integer, p_expected integer, p_payload bytea)
RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
    written integer;
BEGIN
    IF p_expected IS NULL THEN
        INSERT INTO og_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_string,
                                    grain_type_hash, grain_id_hash, payload, version)
        VALUES (p_service, p_grain_type, p_n0, p_n1, coalesce(p_string, ''), p_type_hash, p_id_hash, p_payload, 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO written;
        RETURN written;
    END IF;

    UPDATE og_grain_state
       SET payload = p_payload, version = version + 1, modified_at = now()
     WHERE service_id = p_service AND grain_type = p_grain_type AND grain_id_n0 = p_n0 AND grain_id_n1 = p_n1
       AND grain_id_string = coalesce(p_string, '') AND version = p_expected
    RETURNING version INTO written;
    RETURN written;
END
$fn$;

-- Clears a grain's state: the row stays (with no payload) and its version moves on, so a stale
-- activation still cannot write over the clear.
CREATE OR REPLACE FUNCTION og_grain_state_clear(
    p_service text, p_grain_type text, p_n0 bigint, p_n1 bigint, p_string text,
    p_type_hash integer, p_id_hash integer, p_expected integer)
RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
    cleared integer;
BEGIN
    UPDATE og_grain_state
       SET payload = NULL, version = version + 1, modified_at = now()
     WHERE service_id = p_service AND grain_type = p_grain_type AND grain_id_n0 = p_n0 AND grain_id_n1 = p_n1
       AND grain_id_string = coalesce(p_string, '') AND version = p_expected
       AND grain_type_hash = p_type_hash AND grain_id_hash = p_id_hash
    RETURNING version INTO cleared;
    RETURN cleared;
END
$fn$;
