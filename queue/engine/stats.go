package engine

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
)

// StatRow is one line of statistics: a day and a group (service, window
// or staff member; "" for the whole hall).
type StatRow struct {
	Day       string  `json:"day"`
	Dimension string  `json:"dimension"` // "hall", "service", "window" or "staff"
	Key       string  `json:"key"`
	Issued    int     `json:"issued"`
	Served    int     `json:"served"`
	NoShow    int     `json:"no_show"`
	Cancelled int     `json:"cancelled"`
	Void      int     `json:"void"`
	WaitP50   float64 `json:"wait_p50_min"` // issue → first call, minutes
	WaitP90   float64 `json:"wait_p90_min"`
	ServeAvg  float64 `json:"serve_avg_min"` // call → end, minutes, served tickets
	Rated     int     `json:"rated"`
	RatingAvg float64 `json:"rating_avg"` // 1..5 (好差评)
	Satisfied float64 `json:"satisfied"`  // share of ratings ≥ 4
}

type acc struct {
	row    StatRow
	waits  []float64
	serves []float64
	rsum   int
	rgood  int
}

// Stats computes statistics for each hall-local day from..to (inclusive,
// YYYY-MM-DD), per hall, service, window and staff member. Issued, no-show,
// cancelled and void count by the issuing service; served, waits and
// service times by the last service and window that handled the ticket.
func (e *Engine) Stats(ctx context.Context, from, to string) ([]StatRow, error) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || t.Before(f) || t.Sub(f) > 366*24*time.Hour {
		return nil, errf(CodeInvalid, "want from <= to, YYYY-MM-DD, at most a year")
	}
	var out []StatRow
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		tickets, err := e.Tickets(ctx, day)
		if err != nil {
			return nil, err
		}
		groups := map[string]*acc{}
		get := func(dim, key string) *acc {
			k := dim + "\x00" + key
			a := groups[k]
			if a == nil {
				a = &acc{row: StatRow{Day: day, Dimension: dim, Key: key}}
				groups[k] = a
			}
			return a
		}
		for _, tk := range tickets {
			byIssue := []*acc{get("hall", ""), get("service", tk.IssueService)}
			for _, a := range byIssue {
				a.row.Issued++
				switch tk.State {
				case StateNoShow:
					a.row.NoShow++
				case StateCancelled:
					a.row.Cancelled++
				case StateVoid:
					a.row.Void++
				}
			}
			if tk.State != StateDone {
				continue
			}
			by := []*acc{get("hall", ""), get("service", tk.Service)}
			if tk.Window != 0 {
				by = append(by, get("window", strconv.Itoa(tk.Window)))
			}
			if tk.Staff != "" {
				by = append(by, get("staff", tk.Staff))
			}
			for _, a := range by {
				a.row.Served++
				if !tk.FirstCalled.IsZero() {
					a.waits = append(a.waits, tk.FirstCalled.Sub(tk.IssuedAt).Minutes())
				}
				if !tk.CalledAt.IsZero() {
					a.serves = append(a.serves, tk.EndedAt.Sub(tk.CalledAt).Minutes())
				}
				if tk.Rating > 0 {
					a.row.Rated++
					a.rsum += tk.Rating
					if tk.Rating >= 4 {
						a.rgood++
					}
				}
			}
		}
		keys := make([]string, 0, len(groups))
		for k := range groups {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			a := groups[k]
			a.row.WaitP50 = round1(Percentile(a.waits, 50))
			a.row.WaitP90 = round1(Percentile(a.waits, 90))
			if len(a.serves) > 0 {
				var s float64
				for _, x := range a.serves {
					s += x
				}
				a.row.ServeAvg = round1(s / float64(len(a.serves)))
			}
			if a.row.Rated > 0 {
				a.row.RatingAvg = round1(float64(a.rsum) / float64(a.row.Rated))
				a.row.Satisfied = math.Round(float64(a.rgood)/float64(a.row.Rated)*1000) / 1000
			}
			out = append(out, a.row)
		}
	}
	return out, nil
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// Percentile returns the p-th percentile (nearest rank) of xs; 0 when empty.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// WriteCSV writes statistics rows as CSV with a header line.
func WriteCSV(w io.Writer, rows []StatRow) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"day", "dimension", "key", "issued", "served", "no_show", "cancelled", "void", "wait_p50_min", "wait_p90_min", "serve_avg_min", "rated", "rating_avg", "satisfied"})
	ff := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	for _, r := range rows {
		cw.Write([]string{r.Day, r.Dimension, r.Key, strconv.Itoa(r.Issued), strconv.Itoa(r.Served), strconv.Itoa(r.NoShow),
			strconv.Itoa(r.Cancelled), strconv.Itoa(r.Void), ff(r.WaitP50), ff(r.WaitP90), ff(r.ServeAvg),
			strconv.Itoa(r.Rated), ff(r.RatingAvg), ff(r.Satisfied)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("engine: csv: %w", err)
	}
	return nil
}
