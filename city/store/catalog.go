package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"hallkiosk/city/wire"
	"hallkiosk/queue/catalog"
)

// PublishCatalog stores a new catalogue version (validated) and returns it.
func (s *Store) PublishCatalog(ctx context.Context, c *catalog.Catalog) (int64, error) {
	if err := c.Validate(); err != nil {
		return 0, err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	var v int64
	if err := s.pool.QueryRow(ctx, `INSERT INTO catalogs (data) VALUES ($1) RETURNING version`, data).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: publish catalogue: %w", err)
	}
	return v, nil
}

// SetOverride stores a site's override (checked against the latest
// catalogue when there is one) and returns its revision.
func (s *Store) SetOverride(ctx context.Context, site string, o *wire.Override) (int, error) {
	if base, _, err := s.latestCatalog(ctx); err != nil {
		return 0, err
	} else if base != nil {
		if _, err := o.Apply(base); err != nil {
			return 0, err
		}
	}
	data, err := json.Marshal(o)
	if err != nil {
		return 0, err
	}
	var rev int
	err = s.pool.QueryRow(ctx, `INSERT INTO overrides (site_id, rev, data) SELECT site_id, 1, $2 FROM sites WHERE site_id=$1
ON CONFLICT (site_id) DO UPDATE SET rev=overrides.rev+1, data=excluded.data, updated_at=now() RETURNING rev`, site, data).Scan(&rev)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("%w: site %s", ErrNotFound, site)
	} else if err != nil {
		return 0, fmt.Errorf("store: override: %w", err)
	}
	return rev, nil
}

func (s *Store) latestCatalog(ctx context.Context) (*catalog.Catalog, int64, error) {
	var data []byte
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT version, data::text FROM catalogs ORDER BY version DESC LIMIT 1`).Scan(&v, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, fmt.Errorf("store: catalogue: %w", err)
	}
	c, err := catalog.Parse(data)
	if err != nil {
		return nil, 0, err
	}
	return c, v, nil
}

// CatalogFor returns the catalogue site should run and its version:
// "v<N>" for catalogue version N, "v<N>+<site>.<rev>" with the site's
// override applied; nil and "" when none is published.
func (s *Store) CatalogFor(ctx context.Context, site string) (*catalog.Catalog, string, error) {
	base, v, err := s.latestCatalog(ctx)
	if err != nil || base == nil {
		return nil, "", err
	}
	version := fmt.Sprintf("v%d", v)
	var data []byte
	var rev int
	err = s.pool.QueryRow(ctx, `SELECT rev, data::text FROM overrides WHERE site_id=$1`, site).Scan(&rev, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return base, version, nil
	} else if err != nil {
		return nil, "", fmt.Errorf("store: override: %w", err)
	}
	var o wire.Override
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, "", fmt.Errorf("store: override of %s: %w", site, err)
	}
	c, err := o.Apply(base)
	if err != nil {
		return nil, "", err
	}
	return c, fmt.Sprintf("%s+%s.%d", version, site, rev), nil
}
