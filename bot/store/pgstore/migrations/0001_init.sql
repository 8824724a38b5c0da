-- 0001: lumobot's state in PostgreSQL, the same tables as the SQLite
-- backend's (bot/store/migrations), plus the claim of a delivery by one
-- replica. Times are BIGINT Unix nanoseconds (UTC); NULL is the zero time.

CREATE TABLE feeds (
	name          TEXT    NOT NULL PRIMARY KEY,
	etag          TEXT    NOT NULL DEFAULT '',
	last_modified TEXT    NOT NULL DEFAULT '',
	body          BYTEA,            -- last calendar body; NULL for news feeds
	fetched       BIGINT,
	known         BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE seen (
	feed    TEXT   NOT NULL REFERENCES feeds(name) ON DELETE CASCADE,
	item_id TEXT   NOT NULL,
	seen_at BIGINT NOT NULL,
	PRIMARY KEY (feed, item_id)
);

CREATE TABLE outbox (
	key          TEXT    NOT NULL,
	target       TEXT    NOT NULL,
	kind         TEXT    NOT NULL,
	due          BIGINT,
	text         TEXT    NOT NULL,
	link         TEXT    NOT NULL DEFAULT '',
	lang         TEXT    NOT NULL DEFAULT '',
	expires      BIGINT,
	ord          BIGINT,
	status       TEXT    NOT NULL DEFAULT 'pending'
	             CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt BIGINT,
	first_try    BIGINT,
	reason       TEXT    NOT NULL DEFAULT '',
	remote_id    TEXT    NOT NULL DEFAULT '',
	remote_url   TEXT    NOT NULL DEFAULT '',
	created      BIGINT  NOT NULL,
	updated      BIGINT  NOT NULL, -- for a sent row: when the platform accepted it
	-- The replica whose attempt is under way, and until when its claim
	-- holds (a sending row only; another replica may claim it after).
	owner        TEXT    NOT NULL DEFAULT '',
	lease_until  BIGINT,
	PRIMARY KEY (key, target)
);

-- Open: only the open rows, in the order Open returns them.
CREATE INDEX outbox_open ON outbox (target, due, key) WHERE status IN ('pending', 'sending');
-- SentTimes: the sent rows by target and time, ties by key.
CREATE INDEX outbox_sent ON outbox (target, updated, key) WHERE status = 'sent';
-- Recent: ended deliveries, newest first.
CREATE INDEX outbox_ended ON outbox (updated) WHERE status IN ('sent', 'failed', 'skipped');

-- sealed: value is sealed with AES-256-GCM (nonce || ciphertext, the key as
-- additional data), as in the SQLite backend.
CREATE TABLE kv (
	key     TEXT    NOT NULL PRIMARY KEY,
	value   BYTEA   NOT NULL,
	updated BIGINT  NOT NULL,
	sealed  BOOLEAN NOT NULL DEFAULT false
);

-- meta keeps the store's own facts: 'key_check' (a value sealed with the KV
-- key, to tell a wrong key at Open) and 'probe' (CanRecord's test write).
CREATE TABLE meta (
	key   TEXT  NOT NULL PRIMARY KEY,
	value BYTEA NOT NULL
);
