package engine

import (
	"testing"
	"time"
)

// TestLeaseAheadAndRelease: a block leased ahead of the hall's counter
// leaves the numbers below it to the hall; the hall steps over a block it
// reaches; numbers handed back are the hall's again; all of it survives a
// restart.
func TestLeaseAheadAndRelease(t *testing.T) {
	f := newFixture(t, nil)
	day := f.e.Today()
	svc := "tax-invoice"
	for i := 1; i <= 3; i++ {
		f.issue(t, IssueRequest{Service: svc})
	}
	a, err := f.e.LeaseAhead(ctx, "k1", svc, day, 5, 4)
	if err != nil || a.First != 8 || a.Last != 12 {
		t.Fatalf("lease ahead %+v %v, want 8..12", a, err)
	}
	var got []int
	for range 5 {
		got = append(got, f.issue(t, IssueRequest{Service: svc}).Number)
	}
	if want := []int{4, 5, 6, 7, 13}; !equalInts(got, want) {
		t.Fatalf("hall numbers %v, want %v (the held block stepped over)", got, want)
	}
	if n := f.e.LastNumber(svc, day); n != 13 {
		t.Errorf("last number %d, want 13", n)
	}
	b, err := f.e.LeaseAhead(ctx, "k2", svc, day, 5, 4)
	if err != nil || b.First != 18 || b.Last != 22 {
		t.Fatalf("second lease %+v %v, want 18..22", b, err)
	}
	// k2 used 18 and 19 offline, then hands back the rest.
	for i, n := range []int{18, 19} {
		if _, err := f.e.Import(ctx, ImportRequest{DeviceID: "k2", DeviceSeq: int64(i + 1), Service: svc, Number: n, IssuedAt: f.clk.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.e.Release(ctx, "k2", svc, day, 18, 20); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Release(ctx, "k2", svc, day, 18, 21); err != nil { // later from: no change
		t.Fatal(err)
	}
	if err := f.e.Release(ctx, "k1", svc, day, 18, 20); CodeOf(err) != CodeNotLeased {
		t.Fatalf("release of another device's block: %v", err)
	}
	_, err = f.e.Import(ctx, ImportRequest{DeviceID: "k2", DeviceSeq: 3, Service: svc, Number: 21, IssuedAt: f.clk.Now()})
	wantCode(t, err, CodeNotLeased)
	f.reopen(t)
	got = nil
	for range 7 {
		got = append(got, f.issue(t, IssueRequest{Service: svc}).Number)
	}
	if want := []int{14, 15, 16, 17, 20, 21, 22}; !equalInts(got, want) {
		t.Fatalf("after release and restart %v, want %v", got, want)
	}
	// The next day starts afresh.
	f.clk.Advance(24 * time.Hour)
	if n := f.issue(t, IssueRequest{Service: svc}).Number; n != 1 {
		t.Errorf("next day's first number %d", n)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReleasedNumbersLeasedAgain: a block handed back before the hall got
// there is leased again, so a device's next block stays close to the
// hall's numbers instead of drifting ahead.
func TestReleasedNumbersLeasedAgain(t *testing.T) {
	f := newFixture(t, nil)
	day := f.e.Today()
	svc := "tax-invoice"
	a, _ := f.e.LeaseAhead(ctx, "k1", svc, day, 10, 5) // 6..15
	f.issue(t, IssueRequest{Service: svc})
	f.issue(t, IssueRequest{Service: svc})
	if err := f.e.Release(ctx, "k1", svc, day, a.First, a.First); err != nil {
		t.Fatal(err)
	}
	b, err := f.e.LeaseAhead(ctx, "k1", svc, day, 10, 5)
	if err != nil || b.First != 8 || b.Last != 17 {
		t.Fatalf("lease after release %+v %v, want 8..17", b, err)
	}
	if _, err := f.e.Import(ctx, ImportRequest{DeviceID: "k1", DeviceSeq: 1, Service: svc, Number: 8, IssuedAt: f.clk.Now()}); err != nil {
		t.Fatalf("import from the new block: %v", err)
	}
	var got []int
	for range 6 {
		got = append(got, f.issue(t, IssueRequest{Service: svc}).Number)
	}
	if want := []int{3, 4, 5, 6, 7, 18}; !equalInts(got, want) {
		t.Fatalf("hall numbers %v, want %v", got, want)
	}
}
