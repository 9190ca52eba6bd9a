-- Memory namespaces as one row per entry (before: one grain state row holding the whole namespace, rewritten on
-- every write). GrainKey is the memory grain's key ("ns-..."; a named tenant's key carries the tenant). Times are
-- UTC ticks (100 ns), exact both ways. RequestId: the store request that wrote this version, if any.
CREATE TABLE IF NOT EXISTS SwarmMemoryEntries
(
    ServiceId     TEXT    NOT NULL,
    GrainKey      TEXT    NOT NULL,
    EntryKey      TEXT    NOT NULL,
    ValueJson     TEXT    NOT NULL,
    MetadataJson  TEXT    NOT NULL,
    CreatedTicks  INTEGER NOT NULL,
    UpdatedTicks  INTEGER NOT NULL,
    ExpiresTicks  INTEGER NULL,
    SizeBytes     INTEGER NOT NULL,
    RequestId     TEXT    NULL,
    PRIMARY KEY (ServiceId, GrainKey, EntryKey)
) WITHOUT ROWID;

-- The namespace's most recent store request ids, written in the same transaction as the entries they stored.
CREATE TABLE IF NOT EXISTS SwarmMemoryRequests
(
    ServiceId    TEXT    NOT NULL,
    GrainKey     TEXT    NOT NULL,
    RequestId    TEXT    NOT NULL,
    EntryKey     TEXT    NOT NULL,
    StoredTicks  INTEGER NOT NULL,
    Seq          INTEGER NOT NULL,
    PRIMARY KEY (ServiceId, GrainKey, RequestId)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS SwarmMemoryRequestsBySeq ON SwarmMemoryRequests (ServiceId, GrainKey, Seq);
