-- Accounts of the city's people (supervisors, admins, technicians) and
-- their sessions. Not site data: on Citus these stay on the coordinator
-- (local tables) or become reference tables.

-- +goose Up
CREATE TABLE accounts (
	name       text PRIMARY KEY,
	role       text NOT NULL CHECK (role IN ('admin', 'supervisor', 'technician')),
	hash       text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sessions (
	token_hash bytea PRIMARY KEY,
	name       text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
	expires_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE sessions;
DROP TABLE accounts;
