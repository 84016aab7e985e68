-- A rating's reasons and words travel with its rate event (GB/T 39046
-- 评价原因 and 文字评价).

-- +goose Up
ALTER TABLE events ADD COLUMN reasons text[] NOT NULL DEFAULT '{}';
ALTER TABLE events ADD COLUMN rating_text text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE events DROP COLUMN rating_text;
ALTER TABLE events DROP COLUMN reasons;
