package main

import (
	"context"
	"log/slog"
	"time"

	"hallkiosk/queue/engine"
)

// purgeBefore returns the first day whose personal data is kept when it is
// kept for days days (today counts as one).
func purgeBefore(eng *engine.Engine, now time.Time, days int) string {
	return now.In(eng.Location()).AddDate(0, 0, -(days - 1)).Format(time.DateOnly)
}

// purgeLoop removes personal data older than days days (privacy.personal_data_days)
// at start and then every hour, until ctx ends: ID-number hashes, masked
// names, phone digits and appointment codes of earlier days
// (engine.PurgePersonal). Counts are logged, never the data.
func purgeLoop(ctx context.Context, eng *engine.Engine, days int, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		before := purgeBefore(eng, time.Now(), days)
		n, err := eng.PurgePersonal(ctx, before)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("hallserver: purge personal data", "before", before, "err", err)
		case n > 0:
			log.Info("hallserver: personal data purged", "before", before, "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
