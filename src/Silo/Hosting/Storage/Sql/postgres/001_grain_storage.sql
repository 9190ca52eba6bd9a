-- Grain state table and the four queries the Orleans ADO.NET storage provider reads from OrleansQuery.
-- Our own layout. Unquoted names fold to lower case; result columns are quoted so the provider finds them
-- by their exact names. The extension string is stored as '' instead of NULL so it can be part of the key.
CREATE TABLE IF NOT EXISTS swarmgrainstate
(
    serviceid              text        NOT NULL,
    graintypestring        text        NOT NULL,
    graintypehash          integer     NOT NULL,
    grainidhash            integer     NOT NULL,
    grainidn0              bigint      NOT NULL,
    grainidn1              bigint      NOT NULL,
    grainidextensionstring text        NOT NULL DEFAULT '',
    payloadbinary          bytea       NULL,
    version                integer     NOT NULL,
    modifiedon             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_swarmgrainstate PRIMARY KEY
        (serviceid, graintypehash, grainidhash, grainidn0, grainidn1, graintypestring, grainidextensionstring)
);

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) NOT NULL PRIMARY KEY,
    querytext text        NOT NULL
);

-- Read: zero or one row with PayloadBinary and Version.
INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadFromStorageKey', $q$
SELECT payloadbinary AS "PayloadBinary", version AS "Version"
FROM swarmgrainstate
WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
  AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
  AND grainidextensionstring = COALESCE(@GrainIdExtensionString, '')
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

-- Write: always exactly one row. Success returns the new version; a mismatch returns the caller's version
-- (NULL on a first write), which the provider turns into InconsistentStateException. Concurrency: the UPDATE
-- re-checks the version after waiting for a competing writer's row lock, and ON CONFLICT DO NOTHING makes
-- only one of two racing first writes insert.
INSERT INTO orleansquery (querykey, querytext) VALUES ('WriteToStorageKey', $q$
WITH upd AS (
    UPDATE swarmgrainstate
    SET payloadbinary = @PayloadBinary, version = version + 1, modifiedon = now()
    WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
      AND grainidextensionstring = COALESCE(@GrainIdExtensionString, '')
      AND @GrainStateVersion IS NOT NULL AND version = @GrainStateVersion
    RETURNING version
), ins AS (
    INSERT INTO swarmgrainstate
        (serviceid, graintypestring, graintypehash, grainidhash, grainidn0, grainidn1, grainidextensionstring, payloadbinary, version)
    SELECT @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           COALESCE(@GrainIdExtensionString, ''), @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT pk_swarmgrainstate DO NOTHING
    RETURNING version
)
SELECT COALESCE((SELECT version FROM upd), (SELECT version FROM ins), @GrainStateVersion) AS "NewGrainStateVersion"
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

-- Clear: keep the row, drop the payload, bump the version (returned in column 0; the old one on conflict).
INSERT INTO orleansquery (querykey, querytext) VALUES ('ClearStorageKey', $q$
WITH upd AS (
    UPDATE swarmgrainstate
    SET payloadbinary = NULL, version = version + 1, modifiedon = now()
    WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
      AND grainidextensionstring = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version
)
SELECT COALESCE((SELECT version FROM upd), @GrainStateVersion) AS "NewGrainStateVersion"
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

-- Delete (DeleteStateOnClear=true): the provider expects the deleted version + 1, or the old one on conflict.
INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteStorageKey', $q$
WITH del AS (
    DELETE FROM swarmgrainstate
    WHERE serviceid = @ServiceId AND graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
      AND grainidextensionstring = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version + 1 AS nextversion
)
SELECT COALESCE((SELECT nextversion FROM del), @GrainStateVersion) AS "NewGrainStateVersion"
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
