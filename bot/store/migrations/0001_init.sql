-- 0001: the first schema of lumobot's state.
-- Times are INTEGER Unix nanoseconds (UTC); NULL is the zero time.

CREATE TABLE feeds (
	name          TEXT    NOT NULL PRIMARY KEY,
	etag          TEXT    NOT NULL DEFAULT '',
	last_modified TEXT    NOT NULL DEFAULT '',
	body          BLOB,             -- last calendar body; NULL for news feeds
	fetched       INTEGER,
	known         INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE seen (
	feed    TEXT    NOT NULL REFERENCES feeds(name) ON DELETE CASCADE,
	item_id TEXT    NOT NULL,
	seen_at INTEGER NOT NULL,
	PRIMARY KEY (feed, item_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE outbox (
	key          TEXT    NOT NULL,
	target       TEXT    NOT NULL,
	kind         TEXT    NOT NULL,
	due          INTEGER,
	text         TEXT    NOT NULL,
	link         TEXT    NOT NULL DEFAULT '',
	lang         TEXT    NOT NULL DEFAULT '',
	expires      INTEGER,
	ord          INTEGER,
	status       TEXT    NOT NULL DEFAULT 'pending'
	             CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER,
	first_try    INTEGER,
	reason       TEXT    NOT NULL DEFAULT '',
	remote_id    TEXT    NOT NULL DEFAULT '',
	remote_url   TEXT    NOT NULL DEFAULT '',
	created      INTEGER NOT NULL,
	updated      INTEGER NOT NULL, -- for a sent row: when the platform accepted it
	PRIMARY KEY (key, target)
) STRICT;

-- Open (target, status), SentTimes (target, 'sent', updated >= ?).
CREATE INDEX outbox_target_status ON outbox (target, status, updated);
-- Recent: ended deliveries, newest first.
CREATE INDEX outbox_ended ON outbox (updated) WHERE status IN ('sent', 'failed', 'skipped');

CREATE TABLE kv (
	key     TEXT    NOT NULL PRIMARY KEY,
	value   BLOB    NOT NULL,
	updated INTEGER NOT NULL
) STRICT;
