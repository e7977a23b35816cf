-- Optimistic concurrency on the merchant's ACP carts: a replacement that read the cart before a
-- cancel (or another replacement) committed is refused, not written over it.
ALTER TABLE merchant_carts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
