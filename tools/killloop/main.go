// Command killloop is the helper of scripts/sync-killloop.sh: a hall and a
// kiosk that issues, "prints" and syncs tickets as fast as it can, to be
// killed with SIGKILL at random points and restarted.
//
//	killloop hall  -dir D            serve a reference hall; writes D/hall.url and D/code
//	killloop kiosk -dir D            issue + print + sync until killed (or -n tickets)
//	killloop check -dir D            sync the rest, then check the invariants
//
// Printing appends the ticket label to D/printed.log and fsyncs it before
// the kiosk records the printer's confirmation. check fails when a number
// was issued twice in a day or a printed ticket is missing at the hall.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"hallkiosk/kiosk/store"
	qsync "hallkiosk/queue/sync"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: killloop hall|kiosk|check -dir DIR")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("killloop "+os.Args[1], flag.ExitOnError)
	dir := fs.String("dir", "", "working directory shared by hall and kiosk")
	n := fs.Int("n", 0, "kiosk: stop after this many tickets (0: until killed)")
	fs.Parse(os.Args[2:])
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "killloop: -dir is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "hall":
		err = hall(ctx, *dir)
	case "kiosk":
		err = kiosk(ctx, *dir, *n)
	case "check":
		err = check(ctx, *dir)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "killloop:", err)
		os.Exit(1)
	}
}

func hall(ctx context.Context, dir string) error {
	cert, fp, err := qsync.LoadOrCreateCert(filepath.Join(dir, "hall"))
	if err != nil {
		return err
	}
	h, err := qsync.OpenSQLHall(filepath.Join(dir, "hall", "hall.db"))
	if err != nil {
		return err
	}
	defer h.Close()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hs, err := qsync.OpenHallSync(filepath.Join(dir, "hall", "sync.db"), h, fp, &qsync.HallOptions{Log: log, Lease: 20})
	if err != nil {
		return err
	}
	defer hs.Close()
	code, err := hs.IssueEnrolmentCode(ctx, "killloop", 0)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(qsync.Prefix, qsync.NewHallHandler(hs))
	srv := &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	if err := writeFileSync(filepath.Join(dir, "code"), code); err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(dir, "hall.url"), "https://"+ln.Addr().String()); err != nil {
		return err
	}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func writeFileSync(path, s string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(s), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// printed reads the labels in printed.log ("day/label" per line).
func printed(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, "printed.log"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

func openKiosk(ctx context.Context, dir string) (*store.Store, *qsync.Client, error) {
	st, err := store.Open(filepath.Join(dir, "kiosk.db"), nil)
	if err != nil {
		return nil, nil, err
	}
	c := qsync.NewClient(st, &qsync.ClientOptions{Timeout: 2 * time.Second, Interval: 30 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Batch: 200})
	id, err := st.Identity(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !id.Enrolled() {
		url, err1 := os.ReadFile(filepath.Join(dir, "hall.url"))
		code, err2 := os.ReadFile(filepath.Join(dir, "code"))
		if err := errors.Join(err1, err2); err != nil {
			return nil, nil, err
		}
		if _, err := c.Enrol(ctx, string(url), string(code), "killloop"); err != nil {
			return nil, nil, err
		}
	}
	if err := st.SetServices(ctx, services...); err != nil {
		return nil, nil, err
	}
	if err := recoverTickets(ctx, st, dir); err != nil {
		return nil, nil, err
	}
	return st, c, nil
}

// recoverTickets resolves tickets written but not confirmed when the last
// run died: one in printed.log was printed; any other was not and is
// voided (its number is burnt, never reused).
func recoverTickets(ctx context.Context, st *store.Store, dir string) error {
	done, err := printed(dir)
	if err != nil {
		return err
	}
	onPaper := map[string]bool{}
	for _, l := range done {
		onPaper[l] = true
	}
	unc, err := st.Unconfirmed(ctx)
	if err != nil {
		return err
	}
	for i := range unc {
		t := &unc[i]
		if onPaper[t.Day+"/"+t.Label()] {
			err = st.MarkPrinted(ctx, t)
		} else {
			err = st.Void(ctx, t)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// services the kiosk issues for; eight so that 1,000 runs stay within
// the 4,999 leasable numbers per service and day.
var services = []string{"A", "B", "C", "D", "E", "F", "G", "H"}

func kiosk(ctx context.Context, dir string, n int) error {
	st, c, err := openKiosk(ctx, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	f, err := os.OpenFile(filepath.Join(dir, "printed.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	// Sync runs beside issuing, as on the kiosk: a kill lands anywhere.
	go c.Run(ctx)
	for i := 0; n == 0 || i < n; i++ {
		if ctx.Err() != nil {
			return nil
		}
		t, err := st.Issue(ctx, services[rand.IntN(len(services))])
		if errors.Is(err, store.ErrNoNumbers) {
			c.Trigger()
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(f, "%s/%s\n", t.Day, t.Label()); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		if err := st.MarkPrinted(ctx, t); err != nil {
			return err
		}
		if i%10 == 0 {
			c.Trigger()
		}
		time.Sleep(2 * time.Millisecond) // a busy kiosk, not a tight loop: 1,000 runs stay within a day's numbers
	}
	return c.SyncOnce(ctx)
}

func check(ctx context.Context, dir string) error {
	st, c, err := openKiosk(ctx, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	var last error
	for i := 0; i < 100; i++ {
		if last = c.SyncOnce(ctx); last == nil {
			if n, _ := st.PendingCount(ctx); n == 0 {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if last != nil {
		return fmt.Errorf("final sync: %w", last)
	}
	h, err := qsync.OpenSQLHall(filepath.Join(dir, "hall", "hall.db"))
	if err != nil {
		return err
	}
	defer h.Close()
	paper, err := printed(dir)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	days := map[string]bool{}
	for _, l := range paper {
		if seen[l] {
			return fmt.Errorf("number %s printed twice", l)
		}
		seen[l] = true
		days[strings.SplitN(l, "/", 2)[0]] = true
	}
	atHall := map[string]string{}
	for day := range days {
		ts, err := h.Tickets(ctx, day)
		if err != nil {
			return err
		}
		for _, t := range ts {
			k := fmt.Sprintf("%s/%s%03d", t.Day, t.Service, t.Number)
			if _, dup := atHall[k]; dup {
				return fmt.Errorf("number %s twice at the hall", k)
			}
			atHall[k] = t.State
		}
	}
	missing, notLive := 0, 0
	for _, l := range paper {
		st, ok := atHall[l]
		if !ok {
			missing++
			fmt.Fprintf(os.Stderr, "killloop: printed ticket %s missing at the hall\n", l)
		} else if st != "live" {
			notLive++
		}
	}
	id, _ := st.Identity(ctx)
	nev, maxSeq, err := h.EventCounts(ctx, id.Device)
	if err != nil {
		return err
	}
	last1, acked, _ := st.LastSeq(ctx)
	fmt.Printf("printed=%d at_hall=%d voided_or_unprinted=%d events_at_hall=%d max_seq=%d kiosk_last_seq=%d acked=%d\n",
		len(paper), len(atHall), len(atHall)-len(paper), nev, maxSeq, last1, acked)
	if missing > 0 || notLive > 0 {
		return fmt.Errorf("%d printed tickets missing at the hall, %d not live", missing, notLive)
	}
	if uint64(nev) != maxSeq || maxSeq != last1 {
		return fmt.Errorf("hall holds %d events up to %d, kiosk wrote %d", nev, maxSeq, last1)
	}
	return nil
}
