-- Memory namespaces as one row per entry (before: one grain state row holding the whole namespace, rewritten on
-- every write). grainkey is the memory grain's key ("ns-..."; a named tenant's key carries the tenant). Times are
-- UTC ticks (100 ns), exact both ways. requestid: the store request that wrote this version, if any.
CREATE TABLE IF NOT EXISTS swarmmemoryentries
(
    serviceid     text    NOT NULL,
    grainkey      text    NOT NULL,
    entrykey      text    NOT NULL,
    valuejson     text    NOT NULL,
    metadatajson  text    NOT NULL,
    createdticks  bigint  NOT NULL,
    updatedticks  bigint  NOT NULL,
    expiresticks  bigint  NULL,
    sizebytes     integer NOT NULL,
    requestid     text    NULL,
    CONSTRAINT pk_swarmmemoryentries PRIMARY KEY (serviceid, grainkey, entrykey)
);

-- The namespace's most recent store request ids, written in the same transaction as the entries they stored.
CREATE TABLE IF NOT EXISTS swarmmemoryrequests
(
    serviceid    text   NOT NULL,
    grainkey     text   NOT NULL,
    requestid    text   NOT NULL,
    entrykey     text   NOT NULL,
    storedticks  bigint NOT NULL,
    seq          bigint NOT NULL,
    CONSTRAINT pk_swarmmemoryrequests PRIMARY KEY (serviceid, grainkey, requestid)
);

CREATE INDEX IF NOT EXISTS ix_swarmmemoryrequests_seq ON swarmmemoryrequests (serviceid, grainkey, seq);
