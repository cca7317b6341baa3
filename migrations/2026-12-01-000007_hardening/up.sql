-- Answers to creating requests sent with an Idempotency-Key, kept per caller so that a retry
-- gets the first answer instead of creating a second record. A row is written in the same
-- transaction as the record the request created, together with the answer, so a committed row
-- always carries its answer. Callers are accounts, not tenants (administrators have none), so
-- the key starts with the caller.
CREATE TABLE idempotency_keys (
    caller       text        NOT NULL,
    key          text        NOT NULL,
    -- HMAC-SHA256 (with a key of the service, not stored here) of method, path, query, media type
    -- and body: the same key with another request is refused.
    fingerprint  bytea       NOT NULL,
    status       smallint,
    content_type text,
    location     text,
    etag         text,
    body         bytea,
    -- Set when the record the request created was erased: the answer is gone, and a retry is
    -- told so instead of creating the person again.
    forgotten_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);

-- Password-login attempts per login name as typed, shared by every instance. The name is kept
-- only as an HMAC-SHA256 of its lower-cased form with a key of the service, so that neither
-- the names of accounts that do not exist nor a password typed into the name field can be read
-- back from the table.
CREATE TABLE login_throttles (
    name_hash       bytea       NOT NULL CONSTRAINT login_throttles_pkey PRIMARY KEY,
    attempts        integer     NOT NULL CHECK (attempts >= 0),
    last_attempt_at timestamptz NOT NULL,
    blocked_until   timestamptz
);
CREATE INDEX login_throttles_last_attempt_at_idx ON login_throttles (last_attempt_at);
