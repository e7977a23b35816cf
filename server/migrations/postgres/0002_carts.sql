-- ACP carts of the reference merchant (one JSON document each).
CREATE TABLE merchant_carts (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at BIGINT NOT NULL);
-- The platform's carts: one per owner (a signed-in buyer), across merchants, versioned.
CREATE TABLE platform_carts (
    owner TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
