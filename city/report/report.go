// Package report delivers every 好差评 rating the city holds to the
// provincial platform, in the fields of GB/T 39046-2020
// (city/server.Export), through a Reporter: a JSON-lines file drop or an
// HTTP POST with acknowledgement. Ratings go per site in sequence order;
// each batch is fixed in the database before it is sent (so a resend after
// a failure or a restart is the same batch under the same key) and the
// site's checkpoint advances only once the batch is acknowledged. A
// failing or slow endpoint makes the ratings wait, never skips them.
package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"hallkiosk/city/server"
	"hallkiosk/city/store"
)

// Batch is one site's consecutive ratings, keyed for idempotency.
type Batch struct {
	Site    string
	First   int64 // sequence of the first rating
	Last    int64 // sequence of the last rating
	Ratings []server.Export
}

// Key names the batch: the same ratings always carry the same key.
func (b *Batch) Key() string { return fmt.Sprintf("%s-%012d-%012d", b.Site, b.First, b.Last) }

// JSONLines renders the batch, one rating per line.
func (b *Batch) JSONLines() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range b.Ratings {
		enc.Encode(r)
	}
	return buf.Bytes()
}

// Reporter delivers a batch; it returns nil only once the batch is
// durably handed over (written, or acknowledged by the endpoint).
type Reporter interface {
	Name() string
	Report(ctx context.Context, b *Batch) error
}

// FileDrop writes each batch as <key>.jsonl into a directory that the
// provincial exchange picks up: written to a temporary name, fsynced,
// renamed, so a reader never sees half a file; a resent batch replaces
// its own file (same name, same content).
type FileDrop struct{ Dir string }

// Name implements Reporter.
func (f *FileDrop) Name() string { return "file" }

// Report implements Reporter.
func (f *FileDrop) Report(ctx context.Context, b *Batch) error {
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	tmp, err := os.CreateTemp(f.Dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(b.JSONLines()); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("report: write: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(f.Dir, b.Key()+".jsonl")); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if d, err := os.Open(f.Dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// HTTPPost sends each batch as application/x-ndjson to URL with the
// header Idempotency-Key: <key>; the endpoint acknowledges with 200 and
// {"accepted": N}, N the number of ratings. Anything else is a failure
// and the same batch is sent again later.
type HTTPPost struct {
	URL     string
	Client  *http.Client // default: 30 s timeout
	Headers map[string]string
}

// Name implements Reporter.
func (h *HTTPPost) Name() string { return "http" }

// Report implements Reporter.
func (h *HTTPPost) Report(ctx context.Context, b *Batch) error {
	hc := h.Client
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(b.JSONLines()))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson; charset=utf-8")
	req.Header.Set("Idempotency-Key", b.Key())
	for k, v := range h.Headers {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("report: post: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("report: endpoint answered %d", resp.StatusCode)
	}
	var ack struct {
		Accepted *int `json:"accepted"`
	}
	if err := json.Unmarshal(data, &ack); err != nil || ack.Accepted == nil || *ack.Accepted != len(b.Ratings) {
		return fmt.Errorf("report: no acknowledgement of %d ratings in the answer", len(b.Ratings))
	}
	return nil
}

// Loop feeds a Reporter from the store.
type Loop struct {
	St       *store.Store
	Srv      *server.Server // renders ratings (ExportOf)
	Rep      Reporter
	Log      *slog.Logger
	Batch    int           // ratings per batch (default 500)
	Interval time.Duration // between rounds (default 1 min)
}

// Once delivers what is pending, site by site; at a site's first failure
// it moves to the next site (that site's ratings wait, in order). It
// returns the ratings delivered and the first error.
func (l *Loop) Once(ctx context.Context) (int, error) {
	n := l.Batch
	if n <= 0 {
		n = 500
	}
	sites, err := l.St.Sites(ctx)
	if err != nil {
		return 0, err
	}
	name := l.Rep.Name()
	sent := 0
	var first error
	for _, s := range sites {
		for {
			cp, err := l.St.Checkpoint(ctx, name, s.ID)
			if err != nil {
				return sent, err
			}
			pend, err := l.St.Pending(ctx, name, s.ID)
			if err != nil {
				return sent, err
			}
			var rs []store.Rating
			if pend > cp {
				rs, err = l.St.RatingsBetween(ctx, s.ID, cp, pend)
			} else {
				rs, err = l.St.RatingsAfter(ctx, s.ID, cp, n)
				if err == nil && len(rs) > 0 {
					pend = rs[len(rs)-1].Seq
					err = l.St.SetPending(ctx, name, s.ID, pend)
				}
			}
			if err != nil {
				return sent, err
			}
			if len(rs) == 0 {
				break
			}
			b := &Batch{Site: s.ID, First: rs[0].Seq, Last: pend}
			for _, r := range rs {
				b.Ratings = append(b.Ratings, l.Srv.ExportOf(r))
			}
			if err := l.Rep.Report(ctx, b); err != nil {
				if first == nil {
					first = fmt.Errorf("site %s: %w", s.ID, err)
				}
				break
			}
			if err := l.St.SetCheckpoint(ctx, name, s.ID, pend); err != nil {
				return sent, err
			}
			sent += len(rs)
		}
	}
	return sent, first
}

// Run loops Once until ctx ends; failures are logged and retried.
func (l *Loop) Run(ctx context.Context) error {
	iv := l.Interval
	if iv <= 0 {
		iv = time.Minute
	}
	for {
		n, err := l.Once(ctx)
		if err != nil && ctx.Err() == nil && l.Log != nil {
			l.Log.Warn("report: delivery failed; ratings wait", "err", err)
		} else if n > 0 && l.Log != nil {
			l.Log.Info("report: ratings delivered", "n", n, "reporter", l.Rep.Name())
		}
		t := time.NewTimer(time.Duration(float64(iv) * (0.8 + 0.4*rand.Float64())))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}
