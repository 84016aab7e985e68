-- A rating's reasons and words travel with its rate event (GB/T 39046
-- 评价原因 and 文字评价), and the hall's keyed hash of the person when the
-- hall knows one (评价人 is that keyed again by the city).

-- +goose Up
ALTER TABLE events ADD COLUMN reasons text[] NOT NULL DEFAULT '{}';
ALTER TABLE events ADD COLUMN rating_text text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN rater_hash text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE events DROP COLUMN rater_hash;
ALTER TABLE events DROP COLUMN rating_text;
ALTER TABLE events DROP COLUMN reasons;
