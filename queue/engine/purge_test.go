package engine

import (
	"database/sql"
	"testing"
	"time"
)

// TestPurgePersonal: personal data of earlier days goes, today's stays
// (the per-person limit needs it), and statistics do not change.
func TestPurgePersonal(t *testing.T) {
	f := newFixture(t, nil)
	day1 := f.e.Today()
	old := f.issue(t, IssueRequest{Service: "estate-transfer", IDNumber: "620102199001011234", Name: "张小三"})
	slots, err := f.e.Slots(ctx, "estate-transfer", day1)
	if err != nil {
		t.Fatal(err)
	}
	var sl Slot
	for _, s := range slots {
		if s.Open && s.Start.After(f.clk.Now().Add(time.Hour)) {
			sl = s
			break
		}
	}
	appt, err := f.e.Book(ctx, BookRequest{Service: "estate-transfer", SlotStart: sl.Start, IDNumber: "620102199001015678", Name: "李四", Phone: "13800001234"})
	if err != nil {
		t.Fatal(err)
	}
	statsBefore, err := f.e.Stats(ctx, day1, day1)
	if err != nil {
		t.Fatal(err)
	}

	f.clk.Advance(48 * time.Hour)
	today := f.e.Today()
	fresh := f.issue(t, IssueRequest{Service: "estate-transfer", IDNumber: "620102199001011234", Name: "张小三"})

	if _, err := f.e.PurgePersonal(ctx, "2099-01-01"); CodeOf(err) != CodeInvalid {
		t.Fatalf("purge of the future: %v", err)
	}
	n, err := f.e.PurgePersonal(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("purged %d rows, want 2 (one ticket, one appointment)", n)
	}
	db, err := sql.Open("sqlite3", DSN(f.path)+"&mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	personal := func(table, id string) string {
		var ph, name, phone, code sql.NullString
		if err := db.QueryRow(`SELECT person_hash, json_extract(data,'$.name_masked'), json_extract(data,'$.phone_tail'), json_extract(data,'$.code') FROM `+table+` WHERE id=?`, id).Scan(&ph, &name, &phone, &code); err != nil {
			t.Fatal(err)
		}
		return ph.String + name.String + phone.String + code.String
	}
	if p := personal("tickets", old.ID); p != "" {
		t.Errorf("old ticket keeps personal data %q", p)
	}
	if p := personal("appointments", appt.ID); p != "" {
		t.Errorf("old appointment keeps personal data %q", p)
	}
	if p := personal("tickets", fresh.ID); p == "" {
		t.Error("today's ticket lost its hash and name")
	}
	statsAfter, err := f.e.Stats(ctx, day1, day1)
	if err != nil {
		t.Fatal(err)
	}
	if len(statsAfter) != len(statsBefore) {
		t.Fatalf("stats rows %d → %d", len(statsBefore), len(statsAfter))
	}
	for i := range statsBefore {
		if statsBefore[i].Issued != statsAfter[i].Issued {
			t.Errorf("stats changed: %+v → %+v", statsBefore[i], statsAfter[i])
		}
	}
	// A second run finds nothing.
	if n, err := f.e.PurgePersonal(ctx, today); err != nil || n != 0 {
		t.Errorf("second purge: %d, %v", n, err)
	}
}
