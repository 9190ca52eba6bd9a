-- Reminder table and the seven queries the Orleans ADO.NET reminder provider (10.4) reads from orleansquery.
-- Our own layout. Reminders keep Queen supervision alive across restarts. Result columns are quoted so the
-- provider finds them by their exact names; Period is in milliseconds; GrainHash is the grain's uniform hash as
-- a signed 32-bit integer, and the ring ranges arrive the same way.
CREATE TABLE IF NOT EXISTS swarmreminders
(
    serviceid    text        NOT NULL,
    grainid      text        NOT NULL,
    remindername text        NOT NULL,
    starttime    timestamptz NOT NULL,
    period       bigint      NOT NULL,
    grainhash    integer     NOT NULL,
    version      integer     NOT NULL,
    CONSTRAINT pk_swarmreminders PRIMARY KEY (serviceid, grainid, remindername)
);

CREATE INDEX IF NOT EXISTS ix_swarmreminders_hash ON swarmreminders (serviceid, grainhash);

INSERT INTO orleansquery (querykey, querytext) VALUES ('UpsertReminderRowKey', $q$
INSERT INTO swarmreminders (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash, 0)
ON CONFLICT (serviceid, grainid, remindername)
DO UPDATE SET starttime = excluded.starttime, period = excluded.period, grainhash = excluded.grainhash,
              version = swarmreminders.version + 1
RETURNING version AS "Version"
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadReminderRowsKey', $q$
SELECT grainid AS "GrainId", remindername AS "ReminderName", starttime AS "StartTime", period AS "Period", version AS "Version"
FROM swarmreminders
WHERE serviceid = @ServiceId AND grainid = @GrainId
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadReminderRowKey', $q$
SELECT grainid AS "GrainId", remindername AS "ReminderName", starttime AS "StartTime", period AS "Period", version AS "Version"
FROM swarmreminders
WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

-- A range of the hash ring (begin exclusive, end inclusive) ...
INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadRangeRows1Key', $q$
SELECT grainid AS "GrainId", remindername AS "ReminderName", starttime AS "StartTime", period AS "Period", version AS "Version"
FROM swarmreminders
WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

-- ... and a range that wraps around the end of the ring.
INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadRangeRows2Key', $q$
SELECT grainid AS "GrainId", remindername AS "ReminderName", starttime AS "StartTime", period AS "Period", version AS "Version"
FROM swarmreminders
WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash)
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

-- Delete if the version still matches; one row saying whether a row was deleted.
INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM swarmreminders
    WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName AND version = @Version
    RETURNING 1
)
SELECT count(*) > 0 FROM deleted
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteReminderRowsKey', $q$
DELETE FROM swarmreminders WHERE serviceid = @ServiceId
$q$) ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
