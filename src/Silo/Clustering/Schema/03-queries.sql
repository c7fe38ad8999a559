-- OrleansGate cluster schema, part 3: the named queries the providers look up.
-- Keys, parameter names (@Name) and result column names are the providers' contract
-- (docs/cluster.md lists it); everything behind them is ours. Upserted, so a new release's
-- text replaces an old one. Silo status codes are Orleans' SiloStatus: 3 Active, 6 Dead.

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Clustering: create the cluster's version row if it is missing. One boolean: inserted or not.
('InsertMembershipVersionKey', $q$
WITH inserted AS (
    INSERT INTO og_cluster_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM inserted)
$q$),

-- Clustering: every member plus the table version. The version row is the left side so that an
-- empty cluster still returns one row (member columns NULL), which is how the provider reads it.
('MembershipReadAllKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
  FROM og_cluster_version v
  LEFT JOIN og_cluster_member m ON m.deployment_id = v.deployment_id
 WHERE v.deployment_id = @DeploymentId
$q$),

-- Clustering: one member (by address, port, generation) plus the table version, shaped as above.
('MembershipReadRowKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
  FROM og_cluster_version v
  LEFT JOIN og_cluster_member m
    ON m.deployment_id = v.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
 WHERE v.deployment_id = @DeploymentId
$q$),

('InsertMembershipKey', $q$
SELECT og_cluster_insert_member(@DeploymentId, @Version, @Address, @Port, @Generation, @SiloName, @HostName,
                                @Status, @ProxyPort, @StartTime, @IAmAliveTime)
$q$),

('UpdateMembershipKey', $q$
SELECT og_cluster_update_member(@DeploymentId, @Version, @Address, @Port, @Generation, @Status, @SuspectTimes,
                                @IAmAliveTime)
$q$),

-- Clustering: the heartbeat. Not versioned: it changes no one's view of who is in the cluster.
('UpdateIAmAlivetimeKey', $q$
UPDATE og_cluster_member SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),

-- Clustering: the gateways a client (a standalone proxy) may connect to.
('GatewaysQueryKey', $q$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
  FROM og_cluster_member
 WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),

-- Clustering: forget a whole cluster (its members go with the version row).
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM og_cluster_version WHERE deployment_id = @DeploymentId
$q$),

-- Clustering: remove dead silos whose last heartbeat is older than the cut-off.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM og_cluster_member
 WHERE deployment_id = @DeploymentId AND status = 6 AND i_am_alive_time < @IAmAliveTime
$q$),

-- Clustering: remove one dead silo, only if the row is still exactly what the provider read
-- (it decided on the cut-off itself; a row that changed since is left alone).
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM og_cluster_member
 WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
   AND status = 6 AND start_time = @StartTime AND i_am_alive_time = @IAmAliveTime
   AND coalesce(suspect_times, '') = coalesce(@SuspectTimes, '')
$q$),

-- Grain storage: the state and its version (etag); no row when the grain never wrote.
('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
  FROM og_grain_state
 WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
   AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
   AND grain_id_string = coalesce(@GrainIdExtensionString, '')
   AND grain_type_hash = @GrainTypeHash AND grain_id_hash = @GrainIdHash
$q$),

('WriteToStorageKey', $q$
SELECT og_grain_state_write(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                            @GrainTypeHash, @GrainIdHash, @GrainStateVersion, @PayloadBinary) AS "NewGrainStateVersion"
$q$),

('ClearStorageKey', $q$
SELECT og_grain_state_clear(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                            @GrainTypeHash, @GrainIdHash, @GrainStateVersion) AS "Version"
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
