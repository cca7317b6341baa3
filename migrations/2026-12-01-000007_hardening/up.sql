-- Answers to creating requests sent with an Idempotency-Key, kept per caller so that a retry
-- gets the first answer instead of creating a second record. A row is written in the same
-- transaction as the record the request created, together with the answer, so a committed row
-- always carries its answer. Callers are accounts, not tenants (administrators have none), so
-- the key starts with the caller.
CREATE TABLE idempotency_keys (
    caller       text        NOT NULL,
    key          text        NOT NULL,
    -- SHA-256 of method, path, query, media type and body: the same key with another request is refused.
    fingerprint  bytea       NOT NULL,
    status       smallint,
    content_type text,
    location     text,
    etag         text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);

-- Password-login attempts per login name as typed (SHA-256 of its lower-cased form, so names
-- of accounts that do not exist are not kept readable), shared by every instance.
CREATE TABLE login_throttles (
    name_hash       bytea       NOT NULL CONSTRAINT login_throttles_pkey PRIMARY KEY,
    attempts        integer     NOT NULL CHECK (attempts >= 0),
    last_attempt_at timestamptz NOT NULL,
    blocked_until   timestamptz
);
CREATE INDEX login_throttles_last_attempt_at_idx ON login_throttles (last_attempt_at);
