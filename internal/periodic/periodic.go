// Package periodic runs housekeeping at once and then at a fixed interval
// until its context ends (personal-data purges and the like).
package periodic

import (
	"context"
	"time"
)

// Run calls fn now and then every d until ctx ends; it returns when ctx
// ends. Calls never overlap.
func Run(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
