-- Accounts can be disabled (their sessions refused at once); a session
-- remembers when it was last used (idle expiry); account changes are
-- audited (who, what, whose, from where: never a password).

-- +goose Up
ALTER TABLE accounts ADD COLUMN disabled boolean NOT NULL DEFAULT false;
ALTER TABLE sessions ADD COLUMN last_seen timestamptz NOT NULL DEFAULT now();
CREATE TABLE account_audit (
	id     bigserial PRIMARY KEY,
	at     timestamptz NOT NULL DEFAULT now(),
	actor  text NOT NULL,
	kind   text NOT NULL,
	target text NOT NULL,
	remote text NOT NULL,
	detail text NOT NULL
);

-- +goose Down
DROP TABLE account_audit;
ALTER TABLE sessions DROP COLUMN last_seen;
ALTER TABLE accounts DROP COLUMN disabled;
