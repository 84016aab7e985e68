package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Cache is the kiosk's local copy of registry answers, in its own SQLite
// file, so lookups work while the hall is unreachable.
type Cache struct {
	db *sql.DB
}

// OpenCache opens (creating if needed) the cache database at path.
func OpenCache(path string) (*Cache, error) {
	db, err := openDB(path)
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS cache(key TEXT PRIMARY KEY, body BLOB NOT NULL, fetched INTEGER NOT NULL)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("registry: cache schema: %w", err)
	}
	return &Cache{db: db}, nil
}

// Close closes the cache database.
func (c *Cache) Close() error { return c.db.Close() }

func (c *Cache) put(ctx context.Context, key string, v any, at time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	_, err = c.db.ExecContext(ctx, `INSERT INTO cache(key, body, fetched) VALUES(?,?,?)
		ON CONFLICT(key) DO UPDATE SET body=excluded.body, fetched=excluded.fetched`, key, b, at.Unix())
	if err != nil {
		return fmt.Errorf("registry: cache: %w", err)
	}
	return nil
}

func (c *Cache) del(ctx context.Context, key string) error {
	if _, err := c.db.ExecContext(ctx, `DELETE FROM cache WHERE key=?`, key); err != nil {
		return fmt.Errorf("registry: cache: %w", err)
	}
	return nil
}

func (c *Cache) get(ctx context.Context, key string, v any) (time.Time, error) {
	var b []byte
	var at int64
	err := c.db.QueryRowContext(ctx, `SELECT body, fetched FROM cache WHERE key=?`, key).Scan(&b, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, ErrNotFound
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("registry: cache: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return time.Time{}, fmt.Errorf("registry: cache entry %s: %w", key, err)
	}
	return time.Unix(at, 0), nil
}

// Answer tells where a lookup's result came from.
type Answer struct {
	// Stale is true when the hall could not be asked and the result is
	// the cached copy fetched at Fetched.
	Stale   bool
	Fetched time.Time
}

// Client looks records up at the hall's registry API, through a Cache.
type Client struct {
	// Base is the registry API's URL with a trailing slash, e.g.
	// "http://hall.local:8080/api/v1/registry/".
	Base string
	// HTTP is the client used (it carries the kiosk's credentials); nil
	// means a client with a 3 s timeout.
	HTTP  *http.Client
	Cache *Cache
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 3 * time.Second}
}

// errRemote marks answers the hall gave (not found, invalid): those are not
// replaced by the cache.
type errRemote struct{ err error }

func (e errRemote) Error() string { return e.err.Error() }
func (e errRemote) Unwrap() error { return e.err }

// fetch GETs path into v. An error wrapping errRemote is the hall's answer;
// any other error means the hall could not be asked.
func (c *Client) fetch(ctx context.Context, path string, v any, limit int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	if err != nil {
		return errRemote{fmt.Errorf("registry: %w", err)}
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		if err := json.Unmarshal(body, v); err != nil {
			return fmt.Errorf("registry: bad answer from hall: %w", err)
		}
		return nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusBadRequest:
		msg := remoteError(body)
		base := ErrNotFound
		if resp.StatusCode == http.StatusBadRequest {
			base = ErrInvalid
		}
		return errRemote{fmt.Errorf("%w (hall: %s)", base, strings.TrimPrefix(msg, "registry: "))}
	default:
		return fmt.Errorf("registry: hall answered %s", resp.Status)
	}
}

// lookup asks the hall, falling back to the cache when it cannot be asked.
func (c *Client) lookup(ctx context.Context, key, path string, v any) (Answer, error) {
	err := c.fetch(ctx, path, v, 1<<20)
	if err == nil {
		now := c.now()
		if c.Cache != nil {
			if err := c.Cache.put(ctx, key, v, now); err != nil {
				return Answer{Fetched: now}, err
			}
		}
		return Answer{Fetched: now}, nil
	}
	var remote errRemote
	if errors.As(err, &remote) {
		if c.Cache != nil && errors.Is(err, ErrNotFound) {
			c.Cache.del(ctx, key) // withdrawn at the hall
		}
		return Answer{}, remote.err
	}
	if c.Cache == nil {
		return Answer{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	at, cerr := c.Cache.get(ctx, key, v)
	if errors.Is(cerr, ErrNotFound) {
		return Answer{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if cerr != nil {
		return Answer{}, cerr
	}
	return Answer{Stale: true, Fetched: at}, nil
}

// Licence looks up a licence by credit code.
func (c *Client) Licence(ctx context.Context, uscc string) (*Licence, Answer, error) {
	uscc = strings.ToUpper(strings.TrimSpace(uscc))
	if err := CheckUSCC(uscc); err != nil {
		return nil, Answer{}, err
	}
	var l Licence
	a, err := c.lookup(ctx, "licence:"+uscc, "licences/"+uscc, &l)
	if err != nil {
		return nil, a, err
	}
	return &l, a, nil
}

// Property looks up a certificate by number.
func (c *Client) Property(ctx context.Context, number string) (*Property, Answer, error) {
	number = NormalisePropertyNumber(number)
	if !propertyRe.MatchString(number) {
		return nil, Answer{}, fmt.Errorf("%w: not a real-estate certificate number", ErrInvalid)
	}
	var p Property
	a, err := c.lookup(ctx, "property:"+number, "properties/"+url.PathEscape(number), &p)
	if err != nil {
		return nil, a, err
	}
	return &p, a, nil
}

// Preload fetches the whole registry and caches every record, so that
// lookups of records never asked before also work offline. It returns the
// number of records cached.
func (c *Client) Preload(ctx context.Context) (int, error) {
	if c.Cache == nil {
		return 0, errors.New("registry: preload without a cache")
	}
	var e Export
	if err := c.fetch(ctx, "export", &e, 256<<20); err != nil {
		return 0, err
	}
	now := c.now()
	tx, err := c.Cache.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("registry: cache: %w", err)
	}
	defer tx.Rollback()
	n := 0
	put := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("registry: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cache(key, body, fetched) VALUES(?,?,?)
			ON CONFLICT(key) DO UPDATE SET body=excluded.body, fetched=excluded.fetched`, key, b, now.Unix()); err != nil {
			return fmt.Errorf("registry: cache: %w", err)
		}
		n++
		return nil
	}
	for _, l := range e.Licences {
		if err := put("licence:"+strings.ToUpper(l.USCC), l); err != nil {
			return 0, err
		}
	}
	for _, p := range e.Properties {
		if err := put("property:"+NormalisePropertyNumber(p.Number), p); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("registry: cache: %w", err)
	}
	return n, nil
}

// remoteError reads a hall's error reply: the documented
// {"error":{"code","message","detail"}} (detail is the registry's own
// English error), or the {"error":"..."} of an older hall.
func remoteError(body []byte) string {
	var doc struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	var e struct{ Code, Message, Detail string }
	if json.Unmarshal(doc.Error, &e) == nil && e.Code != "" {
		if e.Detail != "" {
			return e.Detail
		}
		return e.Message
	}
	var old string
	json.Unmarshal(doc.Error, &old)
	return old
}
