-- stat_days: the statistics rows per site, day and dimension, kept by
-- the rollup for the days whose tickets it folded, so that statistics of
-- many days and sites read rows instead of aggregating tickets.

-- +goose Up
CREATE TABLE stat_days (
	site_id    text NOT NULL,
	day        date NOT NULL,
	dimension  text NOT NULL,
	key        text NOT NULL,
	issued     bigint NOT NULL,
	served     bigint NOT NULL,
	no_show    bigint NOT NULL,
	cancelled  bigint NOT NULL,
	void       bigint NOT NULL,
	wait_p50   double precision NOT NULL,
	wait_p90   double precision NOT NULL,
	serve_avg  double precision NOT NULL,
	rated      bigint NOT NULL,
	rating_avg double precision NOT NULL,
	satisfied  double precision NOT NULL
);
CREATE INDEX stat_days_site_day ON stat_days (site_id, day);
CREATE INDEX stat_days_day ON stat_days (day, site_id);
INSERT INTO stat_days
WITH t AS (
	SELECT site_id, ticket, day, issued_at AS issued, called_at AS called, ended_at AS ended,
		NULLIF(state, '') AS state, NULLIF(service, '') AS service, win, staff, rating
	FROM ticket_facts
	WHERE day IS NOT NULL
)
SELECT t.site_id, t.day,
	CASE WHEN GROUPING(t.service) = 0 THEN 'service' WHEN GROUPING(t.win) = 0 THEN 'window' WHEN GROUPING(t.staff) = 0 THEN 'staff' ELSE 'hall' END,
	COALESCE(t.service, t.win::text, t.staff, ''),
	count(*) FILTER (WHERE t.issued IS NOT NULL),
	count(*) FILTER (WHERE t.state = 'done'),
	count(*) FILTER (WHERE t.state = 'no_show'),
	count(*) FILTER (WHERE t.state = 'cancelled'),
	count(*) FILTER (WHERE t.state = 'void'),
	COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.called - t.issued) / 60), 0),
	COALESCE(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.called - t.issued) / 60), 0),
	COALESCE(avg(extract(epoch FROM t.ended - t.called) / 60) FILTER (WHERE t.state = 'done'), 0),
	count(t.rating),
	COALESCE(avg(t.rating), 0),
	COALESCE(avg((t.rating >= 4)::int) FILTER (WHERE t.rating IS NOT NULL), 0)
FROM t
GROUP BY t.site_id, t.day, GROUPING SETS ((), (t.service), (t.win), (t.staff));

-- +goose Down
DROP TABLE stat_days;
