-- stat_spans: per site, dimension and key, the additive parts of the
-- statistics (counts, sums) and a histogram of the waits in whole seconds
-- for aligned blocks of 2^lvl days (lvl 0..7, aligned on 1970-01-01), kept
-- by the rollup beside stat_days, so that statistics over a long range
-- merge a few blocks instead of reading every day's rows.

-- +goose Up
CREATE TABLE stat_spans (
	site_id     text NOT NULL,
	lvl         smallint NOT NULL,
	start       date NOT NULL,
	dimension   text NOT NULL,
	key         text NOT NULL,
	issued      bigint NOT NULL,
	served      bigint NOT NULL,
	no_show     bigint NOT NULL,
	cancelled   bigint NOT NULL,
	void        bigint NOT NULL,
	serve_us    bigint NOT NULL,
	serve_n     bigint NOT NULL,
	rated       bigint NOT NULL,
	rating_sum  bigint NOT NULL,
	satisfied_n bigint NOT NULL,
	wait_s      integer[] NOT NULL,
	wait_n      integer[] NOT NULL,
	PRIMARY KEY (site_id, lvl, start, dimension, key)
);
CREATE INDEX stat_spans_lvl_start ON stat_spans (lvl, start);
INSERT INTO stat_spans 
WITH t AS (
	SELECT site_id, day, issued_at AS issued, NULLIF(state, '') AS state, NULLIF(service, '') AS service, win, staff, rating,
		round(extract(epoch FROM called_at - issued_at))::int AS wait_s,
		(extract(epoch FROM ended_at - called_at) * 1000000)::bigint AS serve_us
	FROM ticket_facts
	WHERE day IS NOT NULL 
), g AS (
	SELECT t.site_id, t.day,
		CASE WHEN GROUPING(t.service) = 0 THEN 'service' WHEN GROUPING(t.win) = 0 THEN 'window' WHEN GROUPING(t.staff) = 0 THEN 'staff' ELSE 'hall' END AS dimension,
		COALESCE(t.service, t.win::text, t.staff, '') AS key,
		t.wait_s,
		count(*) AS n,
		count(*) FILTER (WHERE t.issued IS NOT NULL) AS issued,
		count(*) FILTER (WHERE t.state = 'done') AS served,
		count(*) FILTER (WHERE t.state = 'no_show') AS no_show,
		count(*) FILTER (WHERE t.state = 'cancelled') AS cancelled,
		count(*) FILTER (WHERE t.state = 'void') AS void,
		COALESCE(sum(t.serve_us) FILTER (WHERE t.state = 'done'), 0) AS serve_us,
		count(t.serve_us) FILTER (WHERE t.state = 'done') AS serve_n,
		count(t.rating) AS rated,
		COALESCE(sum(t.rating), 0) AS rating_sum,
		count(*) FILTER (WHERE t.rating >= 4) AS satisfied_n
	FROM t
	GROUP BY t.site_id, t.day, GROUPING SETS ((t.wait_s), (t.service, t.wait_s), (t.win, t.wait_s), (t.staff, t.wait_s))
)
SELECT site_id, 0, day, dimension, key,
	sum(issued), sum(served), sum(no_show), sum(cancelled), sum(void), sum(serve_us), sum(serve_n),
	sum(rated), sum(rating_sum), sum(satisfied_n),
	COALESCE(array_agg(wait_s ORDER BY wait_s) FILTER (WHERE wait_s IS NOT NULL), '{}'),
	COALESCE(array_agg(n::int ORDER BY wait_s) FILTER (WHERE wait_s IS NOT NULL), '{}')
FROM g
GROUP BY site_id, day, dimension, key;
INSERT INTO stat_spans 
WITH c AS (SELECT * FROM stat_spans c WHERE c.lvl = 0 ), h AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 2) * 2) AS b, c.dimension, c.key, u.s, sum(u.n)::int AS n
	FROM c, unnest(c.wait_s, c.wait_n) AS u(s, n)
	GROUP BY 1, 2, 3, 4, 5
), hh AS (
	SELECT site_id, b, dimension, key, array_agg(s ORDER BY s) AS ws, array_agg(n ORDER BY s) AS wn
	FROM h GROUP BY 1, 2, 3, 4
), m AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 2) * 2) AS b, c.dimension, c.key,
		sum(c.issued)::bigint AS issued, sum(c.served)::bigint AS served, sum(c.no_show)::bigint AS no_show,
		sum(c.cancelled)::bigint AS cancelled, sum(c.void)::bigint AS void, sum(c.serve_us)::bigint AS serve_us,
		sum(c.serve_n)::bigint AS serve_n, sum(c.rated)::bigint AS rated, sum(c.rating_sum)::bigint AS rating_sum,
		sum(c.satisfied_n)::bigint AS satisfied_n
	FROM c GROUP BY 1, 2, 3, 4
)
SELECT m.site_id, 1, m.b, m.dimension, m.key, m.issued, m.served, m.no_show, m.cancelled, m.void,
	m.serve_us, m.serve_n, m.rated, m.rating_sum, m.satisfied_n, COALESCE(hh.ws, '{}'), COALESCE(hh.wn, '{}')
FROM m LEFT JOIN hh USING (site_id, b, dimension, key);
INSERT INTO stat_spans 
WITH c AS (SELECT * FROM stat_spans c WHERE c.lvl = 1 ), h AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 4) * 4) AS b, c.dimension, c.key, u.s, sum(u.n)::int AS n
	FROM c, unnest(c.wait_s, c.wait_n) AS u(s, n)
	GROUP BY 1, 2, 3, 4, 5
), hh AS (
	SELECT site_id, b, dimension, key, array_agg(s ORDER BY s) AS ws, array_agg(n ORDER BY s) AS wn
	FROM h GROUP BY 1, 2, 3, 4
), m AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 4) * 4) AS b, c.dimension, c.key,
		sum(c.issued)::bigint AS issued, sum(c.served)::bigint AS served, sum(c.no_show)::bigint AS no_show,
		sum(c.cancelled)::bigint AS cancelled, sum(c.void)::bigint AS void, sum(c.serve_us)::bigint AS serve_us,
		sum(c.serve_n)::bigint AS serve_n, sum(c.rated)::bigint AS rated, sum(c.rating_sum)::bigint AS rating_sum,
		sum(c.satisfied_n)::bigint AS satisfied_n
	FROM c GROUP BY 1, 2, 3, 4
)
SELECT m.site_id, 2, m.b, m.dimension, m.key, m.issued, m.served, m.no_show, m.cancelled, m.void,
	m.serve_us, m.serve_n, m.rated, m.rating_sum, m.satisfied_n, COALESCE(hh.ws, '{}'), COALESCE(hh.wn, '{}')
FROM m LEFT JOIN hh USING (site_id, b, dimension, key);
INSERT INTO stat_spans 
WITH c AS (SELECT * FROM stat_spans c WHERE c.lvl = 2 ), h AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 8) * 8) AS b, c.dimension, c.key, u.s, sum(u.n)::int AS n
	FROM c, unnest(c.wait_s, c.wait_n) AS u(s, n)
	GROUP BY 1, 2, 3, 4, 5
), hh AS (
	SELECT site_id, b, dimension, key, array_agg(s ORDER BY s) AS ws, array_agg(n ORDER BY s) AS wn
	FROM h GROUP BY 1, 2, 3, 4
), m AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 8) * 8) AS b, c.dimension, c.key,
		sum(c.issued)::bigint AS issued, sum(c.served)::bigint AS served, sum(c.no_show)::bigint AS no_show,
		sum(c.cancelled)::bigint AS cancelled, sum(c.void)::bigint AS void, sum(c.serve_us)::bigint AS serve_us,
		sum(c.serve_n)::bigint AS serve_n, sum(c.rated)::bigint AS rated, sum(c.rating_sum)::bigint AS rating_sum,
		sum(c.satisfied_n)::bigint AS satisfied_n
	FROM c GROUP BY 1, 2, 3, 4
)
SELECT m.site_id, 3, m.b, m.dimension, m.key, m.issued, m.served, m.no_show, m.cancelled, m.void,
	m.serve_us, m.serve_n, m.rated, m.rating_sum, m.satisfied_n, COALESCE(hh.ws, '{}'), COALESCE(hh.wn, '{}')
FROM m LEFT JOIN hh USING (site_id, b, dimension, key);
INSERT INTO stat_spans 
WITH c AS (SELECT * FROM stat_spans c WHERE c.lvl = 3 ), h AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 16) * 16) AS b, c.dimension, c.key, u.s, sum(u.n)::int AS n
	FROM c, unnest(c.wait_s, c.wait_n) AS u(s, n)
	GROUP BY 1, 2, 3, 4, 5
), hh AS (
	SELECT site_id, b, dimension, key, array_agg(s ORDER BY s) AS ws, array_agg(n ORDER BY s) AS wn
	FROM h GROUP BY 1, 2, 3, 4
), m AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 16) * 16) AS b, c.dimension, c.key,
		sum(c.issued)::bigint AS issued, sum(c.served)::bigint AS served, sum(c.no_show)::bigint AS no_show,
		sum(c.cancelled)::bigint AS cancelled, sum(c.void)::bigint AS void, sum(c.serve_us)::bigint AS serve_us,
		sum(c.serve_n)::bigint AS serve_n, sum(c.rated)::bigint AS rated, sum(c.rating_sum)::bigint AS rating_sum,
		sum(c.satisfied_n)::bigint AS satisfied_n
	FROM c GROUP BY 1, 2, 3, 4
)
SELECT m.site_id, 4, m.b, m.dimension, m.key, m.issued, m.served, m.no_show, m.cancelled, m.void,
	m.serve_us, m.serve_n, m.rated, m.rating_sum, m.satisfied_n, COALESCE(hh.ws, '{}'), COALESCE(hh.wn, '{}')
FROM m LEFT JOIN hh USING (site_id, b, dimension, key);
INSERT INTO stat_spans 
WITH c AS (SELECT * FROM stat_spans c WHERE c.lvl = 4 ), h AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 32) * 32) AS b, c.dimension, c.key, u.s, sum(u.n)::int AS n
	FROM c, unnest(c.wait_s, c.wait_n) AS u(s, n)
	GROUP BY 1, 2, 3, 4, 5
), hh AS (
	SELECT site_id, b, dimension, key, array_agg(s ORDER BY s) AS ws, array_agg(n ORDER BY s) AS wn
	FROM h GROUP BY 1, 2, 3, 4
), m AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 32) * 32) AS b, c.dimension, c.key,
		sum(c.issued)::bigint AS issued, sum(c.served)::bigint AS served, sum(c.no_show)::bigint AS no_show,
		sum(c.cancelled)::bigint AS cancelled, sum(c.void)::bigint AS void, sum(c.serve_us)::bigint AS serve_us,
		sum(c.serve_n)::bigint AS serve_n, sum(c.rated)::bigint AS rated, sum(c.rating_sum)::bigint AS rating_sum,
		sum(c.satisfied_n)::bigint AS satisfied_n
	FROM c GROUP BY 1, 2, 3, 4
)
SELECT m.site_id, 5, m.b, m.dimension, m.key, m.issued, m.served, m.no_show, m.cancelled, m.void,
	m.serve_us, m.serve_n, m.rated, m.rating_sum, m.satisfied_n, COALESCE(hh.ws, '{}'), COALESCE(hh.wn, '{}')
FROM m LEFT JOIN hh USING (site_id, b, dimension, key);
INSERT INTO stat_spans 
WITH c AS (SELECT * FROM stat_spans c WHERE c.lvl = 5 ), h AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 64) * 64) AS b, c.dimension, c.key, u.s, sum(u.n)::int AS n
	FROM c, unnest(c.wait_s, c.wait_n) AS u(s, n)
	GROUP BY 1, 2, 3, 4, 5
), hh AS (
	SELECT site_id, b, dimension, key, array_agg(s ORDER BY s) AS ws, array_agg(n ORDER BY s) AS wn
	FROM h GROUP BY 1, 2, 3, 4
), m AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 64) * 64) AS b, c.dimension, c.key,
		sum(c.issued)::bigint AS issued, sum(c.served)::bigint AS served, sum(c.no_show)::bigint AS no_show,
		sum(c.cancelled)::bigint AS cancelled, sum(c.void)::bigint AS void, sum(c.serve_us)::bigint AS serve_us,
		sum(c.serve_n)::bigint AS serve_n, sum(c.rated)::bigint AS rated, sum(c.rating_sum)::bigint AS rating_sum,
		sum(c.satisfied_n)::bigint AS satisfied_n
	FROM c GROUP BY 1, 2, 3, 4
)
SELECT m.site_id, 6, m.b, m.dimension, m.key, m.issued, m.served, m.no_show, m.cancelled, m.void,
	m.serve_us, m.serve_n, m.rated, m.rating_sum, m.satisfied_n, COALESCE(hh.ws, '{}'), COALESCE(hh.wn, '{}')
FROM m LEFT JOIN hh USING (site_id, b, dimension, key);
INSERT INTO stat_spans 
WITH c AS (SELECT * FROM stat_spans c WHERE c.lvl = 6 ), h AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 128) * 128) AS b, c.dimension, c.key, u.s, sum(u.n)::int AS n
	FROM c, unnest(c.wait_s, c.wait_n) AS u(s, n)
	GROUP BY 1, 2, 3, 4, 5
), hh AS (
	SELECT site_id, b, dimension, key, array_agg(s ORDER BY s) AS ws, array_agg(n ORDER BY s) AS wn
	FROM h GROUP BY 1, 2, 3, 4
), m AS (
	SELECT c.site_id, (date '1970-01-01' + ((c.start - date '1970-01-01') / 128) * 128) AS b, c.dimension, c.key,
		sum(c.issued)::bigint AS issued, sum(c.served)::bigint AS served, sum(c.no_show)::bigint AS no_show,
		sum(c.cancelled)::bigint AS cancelled, sum(c.void)::bigint AS void, sum(c.serve_us)::bigint AS serve_us,
		sum(c.serve_n)::bigint AS serve_n, sum(c.rated)::bigint AS rated, sum(c.rating_sum)::bigint AS rating_sum,
		sum(c.satisfied_n)::bigint AS satisfied_n
	FROM c GROUP BY 1, 2, 3, 4
)
SELECT m.site_id, 7, m.b, m.dimension, m.key, m.issued, m.served, m.no_show, m.cancelled, m.void,
	m.serve_us, m.serve_n, m.rated, m.rating_sum, m.satisfied_n, COALESCE(hh.ws, '{}'), COALESCE(hh.wn, '{}')
FROM m LEFT JOIN hh USING (site_id, b, dimension, key);

-- +goose Down
DROP TABLE stat_spans;
