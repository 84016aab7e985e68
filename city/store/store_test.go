package store

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"hallkiosk/city/pgtest"
	"hallkiosk/city/wire"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// open returns a migrated store on a fresh database.
func open(t testing.TB) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// enrolled adds and enrols a site, returning its key.
func enrolled(t testing.TB, s *Store, site, kind string) ed25519.PrivateKey {
	t.Helper()
	ctx := context.Background()
	if err := s.AddSite(ctx, site, "site "+site, kind, "620981"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCode(ctx, site, "secret-"+site, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	pub, key, _ := ed25519.GenerateKey(nil)
	if _, err := s.Enrol(ctx, "secret-"+site, pub, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	return key
}

// events makes n consecutive events from seq first, spread over days.
func events(first int64, n int, start time.Time) []wire.Event {
	out := make([]wire.Event, n)
	for i := range out {
		at := start.Add(time.Duration(i) * time.Minute)
		out[i] = wire.Event{Seq: first + int64(i), At: at.UnixMilli(), Day: at.Format(time.DateOnly), Kind: "issue",
			Ticket: fmt.Sprintf("t%d", first+int64(i)), Label: "A001", Service: "tax"}
	}
	return out
}

func count(t *testing.T, s *Store, site string) (n, distinct int64) {
	t.Helper()
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT seq) FROM events WHERE site_id=$1`, site).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	return
}

func TestIngestIdempotentBySiteAndSeq(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	enrolled(t, s, "hall-a", "hall")
	enrolled(t, s, "town-b", "township")
	start := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC) // crosses a month: two partitions
	all := events(1, 300, start)
	push := func(site string, evs []wire.Event) *wire.PushReply {
		t.Helper()
		r, err := s.Ingest(ctx, &wire.Push{Site: site, SentAt: time.Now().UnixMilli(), Events: evs}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := push("hall-a", all[:100]); r.Acked != 100 || r.Applied != 100 || r.Duplicates != 0 || r.Gap {
		t.Fatalf("first batch: %+v", r)
	}
	// The same batch again (a lost answer): nothing new.
	if r := push("hall-a", all[:100]); r.Acked != 100 || r.Applied != 0 || r.Duplicates != 100 {
		t.Fatalf("resent batch: %+v", r)
	}
	// A batch beyond a gap: refused as a whole, checkpoint unchanged.
	if r := push("hall-a", all[200:]); r.Acked != 100 || r.Applied != 0 || !r.Gap {
		t.Fatalf("gap batch: %+v", r)
	}
	// Overlapping batch: the new part only.
	if r := push("hall-a", all[50:200]); r.Acked != 200 || r.Applied != 100 || r.Duplicates != 50 {
		t.Fatalf("overlap batch: %+v", r)
	}
	if r := push("hall-a", all[200:]); r.Acked != 300 || r.Applied != 100 {
		t.Fatalf("rest: %+v", r)
	}
	// Another site's same sequence numbers are its own.
	if r := push("town-b", all[:10]); r.Acked != 10 || r.Applied != 10 {
		t.Fatalf("second site: %+v", r)
	}
	if n, d := count(t, s, "hall-a"); n != 300 || d != 300 {
		t.Fatalf("hall-a holds %d events (%d distinct), want 300", n, d)
	}
	var parts int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_inherits WHERE inhparent='events'::regclass`).Scan(&parts); err != nil || parts != 2 {
		t.Fatalf("partitions %d (%v), want 2 (November and December)", parts, err)
	}
	got, err := s.Events(ctx, "hall-a", 0, 1000)
	if err != nil || len(got) != 300 || got[0].Seq != 1 || got[299].Seq != 300 || !reflect.DeepEqual(got[10], all[10]) {
		t.Fatalf("read back %d events, first %+v, %v", len(got), got[0], err)
	}
	st, _ := s.Site(ctx, "hall-a")
	if st.LastSeq != 300 {
		t.Fatalf("checkpoint %d", st.LastSeq)
	}
}

func TestEnrolmentAndRevocation(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.AddSite(ctx, "hall-a", "玉门市民中心", "hall", "620981"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSite(ctx, "hall-a", "x", "hall", ""); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate site: %v", err)
	}
	if err := s.AddSite(ctx, "x", "x", "city", ""); err == nil {
		t.Fatal("kind city accepted")
	}
	now := time.Now()
	if err := s.AddCode(ctx, "hall-a", "s1", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCode(ctx, "hall-a", "old", now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	other, _, _ := ed25519.GenerateKey(nil)
	if _, err := s.Enrol(ctx, "nope", pub, "", now); !errors.Is(err, ErrBadCode) {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := s.Enrol(ctx, "old", pub, "", now); !errors.Is(err, ErrBadCode) {
		t.Fatalf("expired code: %v", err)
	}
	// Pushing before enrolment is refused.
	if _, err := s.Ingest(ctx, &wire.Push{Site: "hall-a", SentAt: 1, Events: events(1, 1, now)}, now); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("push before enrolment: %v", err)
	}
	st, err := s.Enrol(ctx, "s1", pub, "v1", now)
	if err != nil || st.ID != "hall-a" || string(st.PublicKey) != string(pub) {
		t.Fatalf("enrol: %+v %v", st, err)
	}
	if _, err := s.Enrol(ctx, "s1", pub, "v1", now); err != nil {
		t.Fatalf("retry by the same key: %v", err)
	}
	if _, err := s.Enrol(ctx, "s1", other, "v1", now); !errors.Is(err, ErrBadCode) {
		t.Fatalf("code reused by another key: %v", err)
	}
	if err := s.Revoke(ctx, "hall-a", now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, &wire.Push{Site: "hall-a", SentAt: 1, Events: events(1, 1, now)}, now); !errors.Is(err, ErrRevoked) {
		t.Fatalf("push after revocation: %v", err)
	}
	if _, err := s.Enrol(ctx, "s1", pub, "v1", now); !errors.Is(err, ErrRevoked) {
		t.Fatalf("enrol after revocation: %v", err)
	}
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	s := open(t)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}
