-- 0003: the replicas running on this database, as each last said: which
-- config it runs (a hash of the config file), which lumobot, since when.
-- Replicas with different configs are told loudly (cmd/lumobot).
CREATE TABLE replicas (
	id          TEXT   NOT NULL PRIMARY KEY, -- the store's owner id
	config_hash TEXT   NOT NULL,
	version     TEXT   NOT NULL DEFAULT '',
	started     BIGINT NOT NULL,
	seen        BIGINT NOT NULL
);
