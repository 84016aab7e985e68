-- Statistics of a day across every site filter by day alone.

-- +goose Up
CREATE INDEX events_day_site ON events (day, site_id);

-- +goose Down
DROP INDEX events_day_site;
