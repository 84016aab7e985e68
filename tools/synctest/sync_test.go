package synctest_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"hallkiosk/kiosk/store"
	qsync "hallkiosk/queue/sync"
)

func TestIssueOfflineThenSync(t *testing.T) {
	ctx := context.Background()
	th := newTestHall(t, nil)
	if _, err := th.hall.SetDocument(ctx, "catalog", json.RawMessage(`{"services":[{"id":"A","name":"税务"}]}`)); err != nil {
		t.Fatal(err)
	}
	st, c := newKiosk(t, th, th.url, nil)
	if err := st.SetServices(ctx, "A", "B"); err != nil {
		t.Fatal(err)
	}
	if err := c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	doc, ver, err := st.Document(ctx, "catalog")
	if err != nil || ver != 1 || string(doc) != `{"services":[{"id":"A","name":"税务"}]}` {
		t.Fatalf("catalog = %s v%d, %v", doc, ver, err)
	}
	day := qsync.Day(time.Now(), nil)
	if n, _ := st.Remaining(ctx, "A", day); n != 40 {
		t.Fatalf("remaining after first pull = %d, want 40", n)
	}
	// Issue more than the lease holds without syncing: the kiosk is
	// offline; after 40 it must switch to its overflow range.
	var got []*store.Ticket
	for i := 0; i < 45; i++ {
		tk, err := st.Issue(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.MarkPrinted(ctx, tk); err != nil {
			t.Fatal(err)
		}
		got = append(got, tk)
	}
	if got[0].Number != 1 || got[39].Number != 40 || !got[40].Overflow || got[40].Number != qsync.OverflowBase+1 {
		t.Fatalf("numbers: first %d, 40th %d, 41st %d (overflow %v)", got[0].Number, got[39].Number, got[40].Number, got[40].Overflow)
	}
	for i := 1; i < len(got); i++ {
		if got[i].HLC <= got[i-1].HLC {
			t.Fatalf("HLC not increasing at %d", i)
		}
	}
	if err := c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.PendingCount(ctx); n != 0 {
		t.Fatalf("pending after sync = %d", n)
	}
	hts, err := th.hall.Tickets(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(hts) != 45 {
		t.Fatalf("hall holds %d tickets, want 45", len(hts))
	}
	for _, ht := range hts {
		if ht.State != "live" {
			t.Fatalf("hall ticket %s%04d state %s, want live", ht.Service, ht.Number, ht.State)
		}
	}
	// The next lease continues after the first and the kiosk uses it
	// before its overflow range again.
	tk, err := st.Issue(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if tk.Number != 41 {
		t.Fatalf("after refill got %d, want 41", tk.Number)
	}
	devs, err := th.sync.Devices(ctx)
	if err != nil || len(devs) != 1 || devs[0].Acked != 90 || devs[0].LastSeen.IsZero() {
		t.Fatalf("devices = %+v, %v", devs, err)
	}
	s := c.Status(ctx)
	if !s.Online || !s.Enrolled || s.Pending != 1 || s.LastSync.IsZero() {
		t.Fatalf("status = %+v", s)
	}
}

func TestRevokedDeviceRefused(t *testing.T) {
	ctx := context.Background()
	th := newTestHall(t, nil)
	st, c := newKiosk(t, th, th.url, nil)
	if _, err := st.Append(ctx, qsync.KindAudit, map[string]string{"what": "door opened"}); err != nil {
		t.Fatal(err)
	}
	id, _ := st.Identity(ctx)
	if err := th.sync.Revoke(ctx, id.Device); err != nil {
		t.Fatal(err)
	}
	err := c.SyncOnce(ctx)
	var he *qsync.HTTPError
	if !errors.As(err, &he) || he.Code != qsync.CodeRevoked {
		t.Fatalf("sync after revoke: %v", err)
	}
	if n, _, _ := th.hall.EventCounts(ctx, id.Device); n != 0 {
		t.Fatalf("hall applied %d events of a revoked device", n)
	}
	if s := c.Status(ctx); s.Online || s.Pending != 1 {
		t.Fatalf("status = %+v", s)
	}
}

func TestEnrolmentCodeOnceAndPinned(t *testing.T) {
	ctx := context.Background()
	th := newTestHall(t, nil)
	code, err := th.sync.IssueEnrolmentCode(ctx, "k1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	open := func() *store.Store {
		st, err := store.Open(t.TempDir()+"/k.db", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	// A code whose fingerprint part does not match the hall: the kiosk
	// refuses before sending the secret.
	secret, _, _ := qsync.SplitEnrolmentCode(code)
	if _, err := qsync.NewClient(open(), nil).Enrol(ctx, th.url, secret+".00112233445566aa", "k1"); !errors.Is(err, qsync.ErrPin) {
		t.Fatalf("enrol with wrong pin: %v", err)
	}
	if _, err := qsync.NewClient(open(), nil).Enrol(ctx, th.url, code, "k1"); err != nil {
		t.Fatal(err)
	}
	_, err = qsync.NewClient(open(), nil).Enrol(ctx, th.url, code, "k2")
	var he *qsync.HTTPError
	if !errors.As(err, &he) || he.Code != qsync.CodeBadCode {
		t.Fatalf("second use of a code: %v", err)
	}
}
