-- One row per memory namespace holding its fencing epoch. Each activation of a memory grain raises the epoch by one
-- and every write transaction of that activation first checks it is unchanged, so a stale second activation (briefly
-- possible while cluster membership changes) fails instead of overwriting the newer activation's entry rows.
CREATE TABLE IF NOT EXISTS swarmmemorynamespaces
(
    serviceid  text   NOT NULL,
    grainkey   text   NOT NULL,
    epoch      bigint NOT NULL,
    CONSTRAINT pk_swarmmemorynamespaces PRIMARY KEY (serviceid, grainkey)
);
