-- The ticket facts are folded from the events after the ingest, by the
-- rollup (and by a statistics query for what is still pending): its
-- checkpoint per site, kept apart from sites so that it never waits on
-- an ingest's row lock.

-- +goose Up
CREATE TABLE rollup_checkpoints (
	site_id text PRIMARY KEY,
	seq     bigint NOT NULL
);
INSERT INTO rollup_checkpoints SELECT site_id, last_seq FROM sites;

-- +goose Down
DROP TABLE rollup_checkpoints;
