-- The whole schema as SQLite has it after its migration 3, in PostgreSQL's types.
-- Documents stay TEXT (not JSONB): they are read back byte for byte and never queried inside.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    session_id TEXT UNIQUE
);
CREATE TABLE stock (
    variant_id TEXT PRIMARY KEY,
    available BIGINT NOT NULL CHECK (available >= 0)
);
CREATE TABLE psp_tokens (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    spent_at BIGINT
);
CREATE TABLE psp_payment_methods (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE wallet_buyers (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE wallet_sign_ins (
    token TEXT PRIMARY KEY,
    buyer_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE gateway_sessions (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    status INTEGER,
    body BYTEA,
    created_at BIGINT NOT NULL,
    locked_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
