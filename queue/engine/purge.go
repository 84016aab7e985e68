package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hallkiosk/internal/periodic"
)

// PurgePersonal removes the personal data of tickets and appointments of
// days before the given day (YYYY-MM-DD in the hall's zone): the keyed
// hash of the ID number, the masked name, the phone digits and the
// appointment code. Numbers, states, times, ratings and every event stay,
// so statistics are unchanged. It returns how many rows it cleared.
//
// The per-person daily limit only ever needs today's hashes, so before may
// be as late as today; RunPurge runs it hourly with the retention the
// node's configuration sets (privacy.personal_data_days on the hall).
func (e *Engine) PurgePersonal(ctx context.Context, before string) (int64, error) {
	if _, err := time.Parse(time.DateOnly, before); err != nil {
		return 0, errf(CodeInvalid, "day %q: want YYYY-MM-DD", before)
	}
	if before > e.Today() {
		return 0, errf(CodeInvalid, "day %s is after today", before)
	}
	var n int64
	for _, t := range []struct {
		table  string
		fields []string // personal fields of the row's JSON data
	}{
		{"tickets", []string{"name_masked"}},
		{"appointments", []string{"name_masked", "phone_tail", "code"}},
	} {
		personal, paths := []string{"person_hash IS NOT NULL"}, []string{}
		for _, f := range t.fields {
			personal = append(personal, `json_extract(data, '$.`+f+`') IS NOT NULL`)
			paths = append(paths, `'$.`+f+`'`)
		}
		where := `day < ? AND (` + strings.Join(personal, " OR ") + `)`
		set := `person_hash = NULL, data = json_remove(data, ` + strings.Join(paths, ", ") + `)`
		var c int64
		if err := e.rdb.QueryRowContext(ctx, `SELECT count(*) FROM `+t.table+` WHERE `+where, before).Scan(&c); err != nil {
			return n, &Error{Code: CodeUnavailable, Msg: "count personal data", Err: err}
		}
		if c == 0 {
			continue
		}
		// Through the committer, ordered with the engine's own writes.
		err := e.do(ctx, func(_ time.Time, o *op) error {
			o.stmts = append(o.stmts, stmt{`UPDATE ` + t.table + ` SET ` + set + ` WHERE ` + where, []any{before}})
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("engine: purge personal data: %w", err)
		}
		n += c
	}
	return n, nil
}

// KeepFrom returns the first day whose personal data is kept when it is
// kept for days days, today included (days ≥ 1), in the hall's zone.
func (e *Engine) KeepFrom(now time.Time, days int) string {
	return now.In(e.loc).AddDate(0, 0, -(max(days, 1) - 1)).Format(time.DateOnly)
}

// RunPurge removes personal data older than days days (today counts as
// one) at once and then every hour, until ctx ends. Counts are logged,
// never the data.
func (e *Engine) RunPurge(ctx context.Context, days int) {
	periodic.Run(ctx, time.Hour, func(ctx context.Context) {
		before := e.KeepFrom(e.opts.Now(), days)
		n, err := e.PurgePersonal(ctx, before)
		switch {
		case err != nil && ctx.Err() == nil:
			e.log.Error("engine: purge personal data", "before", before, "err", err)
		case n > 0:
			e.log.Info("engine: personal data purged", "before", before, "rows", n)
		}
	})
}
