package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"hallkiosk/internal/version"
	"hallkiosk/kiosk/store"
	qsync "hallkiosk/queue/sync"
)

// syncFlags are the flags every sync subcommand shares.
type syncFlags struct {
	data    *string
	jsonOut *bool
}

func newSyncFlags(fs *flag.FlagSet) syncFlags {
	return syncFlags{
		data:    fs.String("data", "var/kiosk", "kiosk data directory (holds kiosk.db)"),
		jsonOut: fs.Bool("json", false, "print JSON"),
	}
}

func (f syncFlags) open() (*store.Store, error) {
	if err := os.MkdirAll(*f.data, 0o750); err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	return store.Open(filepath.Join(*f.data, "kiosk.db"), nil)
}

// syncReport is what sync status and sync once print.
type syncReport struct {
	Device    string         `json:"device"`
	Enrolled  bool           `json:"enrolled"`
	Index     int            `json:"index,omitempty"`
	Hall      string         `json:"hall,omitempty"`
	Pending   int            `json:"pending"`
	LastSeq   uint64         `json:"last_seq"`
	Acked     uint64         `json:"acked"`
	Clock     string         `json:"clock"`
	Day       string         `json:"day,omitempty"`
	Leases    map[string]int `json:"leases_left,omitempty"`
	Catalog   int64          `json:"catalog_version"`
	Online    *bool          `json:"online,omitempty"`
	LastError string         `json:"last_error,omitempty"`
}

func syncState(ctx context.Context, st *store.Store) (*syncReport, error) {
	id, err := st.Identity(ctx)
	if err != nil {
		return nil, err
	}
	r := &syncReport{Device: id.Device, Enrolled: id.Enrolled(), Index: id.Index, Hall: id.HallURL, Clock: "ok", Leases: map[string]int{}}
	if r.Pending, err = st.PendingCount(ctx); err != nil {
		return nil, err
	}
	if r.LastSeq, r.Acked, err = st.LastSeq(ctx); err != nil {
		return nil, err
	}
	now, err := st.Now(ctx)
	if err != nil {
		r.Clock = err.Error()
	} else {
		r.Day = qsync.Day(now, nil)
		wants, err := st.LeaseWants(ctx, r.Day)
		if err != nil {
			return nil, err
		}
		for _, w := range wants {
			r.Leases[w.Service] = w.Remaining
		}
	}
	v, err := st.Versions(ctx)
	if err != nil {
		return nil, err
	}
	r.Catalog = v.Catalog
	return r, nil
}

func printSync(w io.Writer, r *syncReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(w, "device:    %s (enrolled: %v, index %d)\n", r.Device, r.Enrolled, r.Index)
	fmt.Fprintf(w, "hall:      %s\n", r.Hall)
	if r.Online != nil {
		fmt.Fprintf(w, "online:    %v\n", *r.Online)
	}
	fmt.Fprintf(w, "pending:   %d events (last seq %d, acknowledged %d)\n", r.Pending, r.LastSeq, r.Acked)
	fmt.Fprintf(w, "clock:     %s\n", r.Clock)
	fmt.Fprintf(w, "catalogue: version %d\n", r.Catalog)
	for svc, n := range r.Leases {
		fmt.Fprintf(w, "low lease: %s %d numbers left on %s\n", svc, n, r.Day)
	}
	if r.LastError != "" {
		fmt.Fprintf(w, "error:     %s\n", r.LastError)
	}
	return nil
}

func init() {
	register("sync status", "kiosk sync state: device, enrolment, pending events, clock, leases", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags("sync status", stderr)
		f := newSyncFlags(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := f.open()
		if err != nil {
			return err
		}
		defer st.Close()
		r, err := syncState(ctx, st)
		if err != nil {
			return err
		}
		return printSync(stdout, r, *f.jsonOut)
	})
	register("sync enrol", "enrol this kiosk with the hall using a one-time code from the hall's admin", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags("sync enrol", stderr)
		f := newSyncFlags(fs)
		hall := fs.String("hall", "", "hall URL, https://host:port")
		code := fs.String("code", "", "one-time enrolment code (XXXX-XXXX-XXXX.<fingerprint>)")
		name := fs.String("name", "", "kiosk name shown in the hall's device list")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *hall == "" || *code == "" {
			return usageError("sync enrol needs --hall and --code")
		}
		st, err := f.open()
		if err != nil {
			return err
		}
		defer st.Close()
		c := qsync.NewClient(st, &qsync.ClientOptions{Software: version.String(), Timeout: 15 * time.Second})
		resp, err := c.Enrol(ctx, *hall, *code, *name)
		if err != nil {
			return err
		}
		if *f.jsonOut {
			return json.NewEncoder(stdout).Encode(resp)
		}
		_, err = fmt.Fprintf(stdout, "enrolled %s as kiosk %d of %s\n", resp.Device, resp.Index, *hall)
		return err
	})
	register("sync once", "make one sync attempt with the hall and print the result", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags("sync once", stderr)
		f := newSyncFlags(fs)
		timeout := fs.Duration("timeout", 15*time.Second, "per-request timeout")
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := f.open()
		if err != nil {
			return err
		}
		defer st.Close()
		c := qsync.NewClient(st, &qsync.ClientOptions{Software: version.String(), Timeout: *timeout})
		serr := c.SyncOnce(ctx)
		r, err := syncState(ctx, st)
		if err != nil {
			return err
		}
		online := serr == nil
		r.Online = &online
		if serr != nil {
			r.LastError = serr.Error()
		}
		if err := printSync(stdout, r, *f.jsonOut); err != nil {
			return err
		}
		return serr
	})
}
