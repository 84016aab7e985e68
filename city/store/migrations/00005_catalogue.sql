-- The city's catalogue of 事项, published as versions, and each site's
-- overrides (windows, opening hours, daily caps). Catalogue versions are
-- city-wide (a reference table on Citus); overrides lead with site_id.

-- +goose Up
CREATE TABLE catalogs (
	version    bigserial PRIMARY KEY,
	data       jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE overrides (
	site_id    text PRIMARY KEY,
	rev        integer NOT NULL,
	data       jsonb NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE overrides;
DROP TABLE catalogs;
