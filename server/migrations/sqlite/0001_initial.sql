-- Everything the reference merchant, PSP and wallet keep: one JSON document per row.
CREATE TABLE sessions (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE orders (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL,
                     session_id TEXT UNIQUE);
CREATE TABLE stock (variant_id TEXT PRIMARY KEY, available INTEGER NOT NULL CHECK (available >= 0));
CREATE TABLE psp_tokens (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL,
                         spent_at INTEGER);
CREATE TABLE psp_payment_methods (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE wallet_buyers (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE idempotency (scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
                          state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
                          status INTEGER, body BLOB, created_at INTEGER NOT NULL,
                          locked_at INTEGER NOT NULL, PRIMARY KEY (scope, key));
