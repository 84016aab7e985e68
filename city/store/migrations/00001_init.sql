-- The city schema. Every key leads with site_id, so on Citus each table
-- distributes by site unchanged (docs/CITY.md, "Citus").

-- +goose Up
CREATE TABLE sites (
	site_id     text PRIMARY KEY,
	name        text NOT NULL,
	kind        text NOT NULL CHECK (kind IN ('hall', 'township')),
	region_code text NOT NULL DEFAULT '',
	public_key  bytea,
	software    text NOT NULL DEFAULT '',
	enrolled_at timestamptz,
	revoked_at  timestamptz,
	last_seq    bigint NOT NULL DEFAULT 0,
	last_heard  timestamptz,
	last_sent   timestamptz,
	skew_ms     bigint NOT NULL DEFAULT 0,
	status      jsonb NOT NULL DEFAULT '{}',
	created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE enrol_codes (
	site_id    text NOT NULL REFERENCES sites (site_id),
	code_hash  bytea NOT NULL,
	expires_at timestamptz NOT NULL,
	used_key   bytea,
	PRIMARY KEY (site_id, code_hash)
);
CREATE INDEX enrol_codes_hash ON enrol_codes (code_hash);

-- events holds every site's committed event log, partitioned by month of
-- the site-local day; partitions are made on demand by the ingest.
CREATE TABLE events (
	site_id     text NOT NULL,
	day         date NOT NULL,
	seq         bigint NOT NULL,
	at          timestamptz NOT NULL,
	received_at timestamptz NOT NULL,
	kind        text NOT NULL,
	ticket      text NOT NULL DEFAULT '',
	label       text NOT NULL DEFAULT '',
	service     text NOT NULL DEFAULT '',
	win         integer NOT NULL DEFAULT 0,
	actor       text NOT NULL DEFAULT '',
	state       text NOT NULL DEFAULT '',
	detail      text NOT NULL DEFAULT '',
	PRIMARY KEY (site_id, day, seq)
) PARTITION BY RANGE (day);
CREATE INDEX events_site_seq ON events (site_id, seq);
CREATE INDEX events_site_day_kind ON events (site_id, day, kind);

-- kiosks is the fleet: the latest state of each kiosk of each site.
CREATE TABLE kiosks (
	site_id    text NOT NULL,
	device     text NOT NULL,
	data       jsonb NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (site_id, device)
);

-- items maps a site's service ids to the catalogue's 事项 codes.
CREATE TABLE items (
	site_id    text NOT NULL,
	service    text NOT NULL,
	basic_code text NOT NULL CHECK (length(basic_code) <= 10),
	impl_code  text NOT NULL DEFAULT '' CHECK (length(impl_code) <= 24),
	name       text NOT NULL DEFAULT '',
	PRIMARY KEY (site_id, service)
);

-- reporter_checkpoints: per reporter and site, the last rating sequence
-- the province acknowledged.
CREATE TABLE reporter_checkpoints (
	site_id  text NOT NULL,
	reporter text NOT NULL,
	seq      bigint NOT NULL,
	PRIMARY KEY (site_id, reporter)
);

-- +goose Down
DROP TABLE reporter_checkpoints;
DROP TABLE items;
DROP TABLE kiosks;
DROP TABLE events;
DROP TABLE enrol_codes;
DROP TABLE sites;
