-- 0002: the in-use mark, sealed KV values, indexes for the delivery loop.

-- meta keeps the store's own small facts: 'in_use' (1 while an exclusive
-- Open holds the state, checkpointed into the file: see ErrLostWAL), 'pid'
-- and 'opened' of that Open, 'probe' (CanRecord's test write) and
-- 'key_check' (a value sealed with the KV key, to tell a wrong key at Open).
CREATE TABLE meta (
	key   TEXT NOT NULL PRIMARY KEY,
	value ANY
) STRICT;

-- 1: value is sealed with AES-256-GCM (nonce || ciphertext, the key as
-- additional data).
ALTER TABLE kv ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;

-- Open (per post): only the open rows, in the order Open returns them.
CREATE INDEX outbox_open ON outbox (target, due, key) WHERE status IN ('pending', 'sending');
-- SentTimes (per post): the sent rows by target and time, ties by key.
CREATE INDEX outbox_sent ON outbox (target, updated, key) WHERE status = 'sent';
