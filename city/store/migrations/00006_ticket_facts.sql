-- ticket_facts: one row per ticket, kept up to date by the ingest in the
-- same transaction as the events, so statistics read tickets, not events.

-- +goose Up
CREATE TABLE ticket_facts (
	site_id   text NOT NULL,
	ticket    text NOT NULL,
	day       date,
	issued_at timestamptz,
	called_at timestamptz,
	ended_at  timestamptz,
	state     text NOT NULL DEFAULT '',
	service   text NOT NULL DEFAULT '',
	win       integer,
	staff     text,
	rating    integer,
	PRIMARY KEY (site_id, ticket)
);
CREATE INDEX ticket_facts_day ON ticket_facts (day, site_id);
CREATE INDEX ticket_facts_site_day ON ticket_facts (site_id, day);
INSERT INTO ticket_facts
SELECT site_id, ticket,
	min(day) FILTER (WHERE kind IN ('issue', 'import')),
	min(at) FILTER (WHERE kind IN ('issue', 'import')),
	min(at) FILTER (WHERE kind = 'call'),
	max(at) FILTER (WHERE kind = 'finish'),
	COALESCE(substr(max((lpad(seq::text, 19, '0') || state) COLLATE "C") FILTER (WHERE state <> ''), 20), ''),
	COALESCE(substr(max((lpad(seq::text, 19, '0') || service) COLLATE "C") FILTER (WHERE service <> ''), 20), ''),
	substr(max((lpad(seq::text, 19, '0') || win::text) COLLATE "C") FILTER (WHERE kind IN ('call', 'finish') AND win > 0), 20)::int,
	substr(max((lpad(seq::text, 19, '0') || actor) COLLATE "C") FILTER (WHERE kind IN ('call', 'start', 'finish') AND actor <> ''), 20),
	substr(max((lpad(seq::text, 19, '0') || detail) COLLATE "C") FILTER (WHERE kind = 'rate' AND detail ~ '^[1-5]$'), 20)::int
FROM events WHERE ticket <> ''
GROUP BY site_id, ticket;

-- +goose Down
DROP TABLE ticket_facts;
