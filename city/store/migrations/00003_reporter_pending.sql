-- A reporter fixes each batch before sending it (pending = its last
-- sequence), so a batch resent after a crash or a failure is the same
-- batch, with the same idempotency key.

-- +goose Up
ALTER TABLE reporter_checkpoints ADD COLUMN pending bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE reporter_checkpoints DROP COLUMN pending;
