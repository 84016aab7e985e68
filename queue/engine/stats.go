package engine

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// StatRow is one line of statistics: a day and a group (service, window
// or staff member; "" for the whole hall).
type StatRow struct {
	Day       string  `json:"day"`
	Dimension string  `json:"dimension"` // "hall", "service", "window" or "staff"
	Key       string  `json:"key"`
	Issued    int     `json:"issued"`
	Served    int     `json:"served"` // hall: tickets done; service, window, staff: steps served there
	NoShow    int     `json:"no_show"`
	Cancelled int     `json:"cancelled"`
	Void      int     `json:"void"`
	WaitP50   float64 `json:"wait_p50_min"` // issue → first call, minutes
	WaitP90   float64 `json:"wait_p90_min"`
	ServeAvg  float64 `json:"serve_avg_min"` // call → end, minutes, served tickets
	Rated     int     `json:"rated"`
	RatingAvg float64 `json:"rating_avg"` // 1..5 (好差评)
	Satisfied float64 `json:"satisfied"`  // share of ratings ≥ 4
	// Name is the service's or window's name, 全大厅 for the hall (staff
	// names are filled in by the API from the accounts).
	Name string `json:"name"`
	// Levels counts the ratings per level: [0] 非常不满意 (1) … [4] 非常满意 (5);
	// a re-rated step counts with its re-rating.
	Levels [5]int `json:"levels"`
	// Per served step: walk (call → start), service (start, or call when
	// start was not pressed, → end) and, for staff rows, idle time (end
	// of one step → the next call by the same staff member; gaps over an
	// hour are breaks and not counted), minutes.
	WalkP50    float64 `json:"walk_p50_min"`
	WalkP90    float64 `json:"walk_p90_min"`
	ServiceP50 float64 `json:"service_p50_min"`
	ServiceP90 float64 `json:"service_p90_min"`
	IdleP50    float64 `json:"idle_p50_min"`
	IdleP90    float64 `json:"idle_p90_min"`
	// Rectification cases (整改) opened by poor ratings of the day, closed,
	// and overdue (open past the deadline or closed after it).
	Cases       int `json:"cases"`
	CasesClosed int `json:"cases_closed"`
	CasesLate   int `json:"cases_overdue"`
}

type acc struct {
	row    StatRow
	waits  []float64
	serves []float64
	walks  []float64
	svc    []float64
	idle   []float64
	rsum   int
	rgood  int
}

// Stats computes statistics for each hall-local day from..to (inclusive,
// YYYY-MM-DD), per hall, service, window and staff member. Issued, no-show,
// cancelled and void count by the issuing service; each served step counts
// for the service, window and staff member that served it (a multi-service
// ticket credits every window it passed); waits and call → end times go to
// the last service, window and staff of the ticket; ratings to the step
// rated.
func (e *Engine) Stats(ctx context.Context, from, to string) ([]StatRow, error) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || t.Before(f) || t.Sub(f) > 366*24*time.Hour {
		return nil, errf(CodeInvalid, "want from <= to, YYYY-MM-DD, at most a year")
	}
	cat := e.Catalog()
	ratings, err := e.Ratings(ctx, from, to)
	if err != nil {
		return nil, err
	}
	cases, err := e.Cases(ctx, false, from, to)
	if err != nil {
		return nil, err
	}
	out := []StatRow{}
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
				switch dim {
				case "hall":
					a.row.Name = "全大厅"
				case "service":
					if sv, ok := cat.Service(key); ok {
						a.row.Name = sv.Name
					}
				case "window":
					if n, err := strconv.Atoi(key); err == nil {
						if w, ok := cat.Window(n); ok {
							a.row.Name = w.Name
						}
					}
				}
				groups[k] = a
			}
			return a
		}
		where := func(service string, window int, staff string) []*acc {
			by := []*acc{get("hall", ""), get("service", service)}
			if window != 0 {
				by = append(by, get("window", strconv.Itoa(window)))
			}
			if staff != "" {
				by = append(by, get("staff", staff))
			}
			return by
		}
		staffSteps := map[string][]StepRecord{}
		rated := func(by []*acc, level int) {
			for _, a := range by {
				a.row.Rated++
				a.rsum += level
				a.row.Levels[level-1]++
				if level >= 4 {
					a.rgood++
				}
			}
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
			for _, st := range tk.Steps {
				by := where(st.Service, st.Window, st.Staff)[1:]
				for _, a := range by {
					a.row.Served++
				}
				end := st.CalledAt
				if !st.StartedAt.IsZero() {
					end = st.StartedAt
				}
				for _, a := range where(st.Service, st.Window, st.Staff) {
					if !st.StartedAt.IsZero() {
						a.walks = append(a.walks, st.StartedAt.Sub(st.CalledAt).Minutes())
					}
					if !end.IsZero() {
						a.svc = append(a.svc, st.EndedAt.Sub(end).Minutes())
					}
				}
				if st.Staff != "" {
					staffSteps[st.Staff] = append(staffSteps[st.Staff], st)
				}
			}
			if tk.Rating > 0 && len(tk.Marks) == 0 && tk.State == StateDone {
				rated(where(tk.Service, tk.Window, tk.Staff), tk.Rating) // stored before per-step ratings
			}
			if tk.State != StateDone {
				continue
			}
			by := where(tk.Service, tk.Window, tk.Staff)
			get("hall", "").row.Served++
			if len(tk.Steps) == 0 {
				for _, a := range by[1:] {
					a.row.Served++
				}
			}
			for _, a := range by {
				if !tk.FirstCalled.IsZero() {
					a.waits = append(a.waits, tk.FirstCalled.Sub(tk.IssuedAt).Minutes())
				}
				if !tk.CalledAt.IsZero() {
					a.serves = append(a.serves, tk.EndedAt.Sub(tk.CalledAt).Minutes())
				}
			}
		}
		// A re-rated step counts once, with its re-rating.
		final := map[string]Rating{}
		for _, r := range ratings {
			if r.Day != day {
				continue
			}
			k := fmt.Sprintf("%s/%d", r.Ticket, r.Step)
			if old, ok := final[k]; !ok || r.Count > old.Count {
				final[k] = r
			}
		}
		for _, r := range final {
			rated(where(r.Service, r.Window, r.Staff), r.Level)
		}
		for _, c := range cases {
			if c.Day != day {
				continue
			}
			for _, a := range where(c.Service, c.Window, c.Staff) {
				a.row.Cases++
				if c.State == CaseClosed {
					a.row.CasesClosed++
				}
				if c.Overdue {
					a.row.CasesLate++
				}
			}
		}
		for staff, steps := range staffSteps {
			slices.SortFunc(steps, func(a, b StepRecord) int { return a.CalledAt.Compare(b.CalledAt) })
			a := get("staff", staff)
			for i := 1; i < len(steps); i++ {
				gap := steps[i].CalledAt.Sub(steps[i-1].EndedAt)
				if gap >= 0 && gap <= time.Hour {
					a.idle = append(a.idle, gap.Minutes())
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
			a.row.WalkP50, a.row.WalkP90 = round1(Percentile(a.walks, 50)), round1(Percentile(a.walks, 90))
			a.row.ServiceP50, a.row.ServiceP90 = round1(Percentile(a.svc, 50)), round1(Percentile(a.svc, 90))
			a.row.IdleP50, a.row.IdleP90 = round1(Percentile(a.idle, 50)), round1(Percentile(a.idle, 90))
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

// CSVHeader is the header line of WriteCSV: the same columns as StatRow.
var CSVHeader = []string{"day", "dimension", "key", "issued", "served", "no_show", "cancelled", "void", "wait_p50_min", "wait_p90_min",
	"serve_avg_min", "rated", "rating_avg", "satisfied", "name", "level1", "level2", "level3", "level4", "level5",
	"walk_p50_min", "walk_p90_min", "service_p50_min", "service_p90_min", "idle_p50_min", "idle_p90_min", "cases", "cases_closed", "cases_overdue"}

// WriteCSV writes statistics rows as CSV with a header line.
func WriteCSV(w io.Writer, rows []StatRow) error {
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader)
	ff := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	it := strconv.Itoa
	for _, r := range rows {
		cw.Write([]string{r.Day, r.Dimension, r.Key, it(r.Issued), it(r.Served), it(r.NoShow),
			it(r.Cancelled), it(r.Void), ff(r.WaitP50), ff(r.WaitP90), ff(r.ServeAvg),
			it(r.Rated), ff(r.RatingAvg), ff(r.Satisfied), csvSafe(r.Name), it(r.Levels[0]), it(r.Levels[1]), it(r.Levels[2]), it(r.Levels[3]), it(r.Levels[4]),
			ff(r.WalkP50), ff(r.WalkP90), ff(r.ServiceP50), ff(r.ServiceP90), ff(r.IdleP50), ff(r.IdleP90), it(r.Cases), it(r.CasesClosed), it(r.CasesLate)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("engine: csv: %w", err)
	}
	return nil
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
