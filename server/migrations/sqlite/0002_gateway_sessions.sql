-- The platform gateway's sessions (session id -> merchant, buyer).
CREATE TABLE gateway_sessions (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL);
