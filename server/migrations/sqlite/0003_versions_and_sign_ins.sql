-- Optimistic concurrency on sessions: every write bumps the version it was read at.
ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- Wallet sign-ins, which lived in one process's memory.
CREATE TABLE wallet_sign_ins (token TEXT PRIMARY KEY, buyer_id TEXT NOT NULL,
                              created_at INTEGER NOT NULL);
