package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// 好差评 (GB/T 39734-2020 一事一评, GB/T 39735-2020 five levels): only the
// citizen's channels rate, one rating per served step plus at most one
// re-rating (评价次数 2) within Options.ReRateWindow, both kept; each rating
// records the staff member and window that served the step. A poor rating
// (不满意 or 非常不满意) opens a rectification case (整改) that supervisors
// assign and close with a callback note before a deadline of
// Options.RectifyWorkingDays working days.

// Channel is the citizen's channel a rating came through (GB/T 39046 评价渠道).
type Channel string

// Rating channels. Staff, supervisor and admin sessions are none of them.
const (
	ChannelKiosk    Channel = "kiosk"    // the hall's kiosk, ticket identified by its code or ID card (政务大厅其他终端)
	ChannelPad      Channel = "pad"      // the window's evaluator pad (政务大厅平板电脑)
	ChannelProgress Channel = "progress" // the ticket's progress page, by its signed code (二维码)
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	return c == ChannelKiosk || c == ChannelPad || c == ChannelProgress
}

// LevelNames are the GB/T 39735 names of the five levels, 5 best.
var LevelNames = map[int]string{5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}

// Poor reports whether level opens a rectification case (不满意, 非常不满意).
func Poor(level int) bool { return level >= 1 && level <= 2 }

// StepRecord is one served step of a ticket.
type StepRecord struct {
	Step     int       `json:"step"`
	Service  string    `json:"service"`
	Window   int       `json:"window"`
	Staff    string    `json:"staff,omitempty"`
	CalledAt time.Time `json:"called_at,omitzero"`
	// StartedAt is when the citizen arrived (start pressed); zero if the
	// window finished without it.
	StartedAt time.Time `json:"started_at,omitzero"`
	EndedAt   time.Time `json:"ended_at"`
}

// RatingMark is a rating given to a step, kept on the ticket.
type RatingMark struct {
	Step  int       `json:"step"`
	Count int       `json:"count"` // 1 first rating, 2 re-rating
	Level int       `json:"level"`
	At    time.Time `json:"at"`
}

// RateRequest is a citizen's rating of a served step.
type RateRequest struct {
	Ticket  string   `json:"ticket"`
	Step    *int     `json:"step,omitempty"` // nil: the latest served step
	Level   int      `json:"level"`          // 1..5, 5 非常满意
	Reasons []string `json:"reasons,omitempty"`
	Text    string   `json:"text,omitempty"`
	Channel Channel  `json:"channel"`
	Device  string   `json:"device,omitempty"` // kiosk id, "evaluator", page
	// Window, when not 0, is the window of the rating device (a pad): the
	// step rated must have been served there.
	Window int `json:"window,omitempty"`
}

// Rating is one stored rating.
type Rating struct {
	ID      string    `json:"id"`
	Ticket  string    `json:"ticket"`
	Label   string    `json:"label"`
	Day     string    `json:"day"`
	Step    int       `json:"step"`
	Service string    `json:"service"`
	Window  int       `json:"window"`
	Staff   string    `json:"staff,omitempty"`
	Level   int       `json:"level"`
	Count   int       `json:"count"`
	Channel Channel   `json:"channel"`
	Device  string    `json:"device,omitempty"`
	Reasons []string  `json:"reasons,omitempty"`
	Text    string    `json:"text,omitempty"`
	At      time.Time `json:"at"`
	Case    string    `json:"case,omitempty"` // rectification case opened by this rating
}

// CaseState is a rectification case's state.
type CaseState string

// Case states.
const (
	CaseOpen     CaseState = "open"
	CaseAssigned CaseState = "assigned"
	CaseClosed   CaseState = "closed"
)

// Case is a rectification case (整改) opened by a poor rating.
type Case struct {
	ID       string    `json:"id"`
	Rating   string    `json:"rating"`
	Ticket   string    `json:"ticket"`
	Label    string    `json:"label"`
	Day      string    `json:"day"`
	Service  string    `json:"service"`
	Window   int       `json:"window"`
	Staff    string    `json:"staff,omitempty"`
	Level    int       `json:"level"`
	Reasons  []string  `json:"reasons,omitempty"`
	Text     string    `json:"text,omitempty"`
	Opened   time.Time `json:"opened"`
	Deadline time.Time `json:"deadline"`
	State    CaseState `json:"state"`
	Assignee string    `json:"assignee,omitempty"`
	Callback string    `json:"callback,omitempty"` // 回访 note, required to close
	ClosedAt time.Time `json:"closed_at,omitzero"`
	ClosedBy string    `json:"closed_by,omitempty"`
	Overdue  bool      `json:"overdue"` // open past the deadline, or closed after it
}

const ratingsSchema = `
CREATE TABLE IF NOT EXISTS ratings (
	id TEXT PRIMARY KEY, ticket TEXT NOT NULL, day TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ratings_day ON ratings(day);
CREATE TABLE IF NOT EXISTS rectify_cases (
	id TEXT PRIMARY KEY, day TEXT NOT NULL, state TEXT NOT NULL, deadline INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rectify_state ON rectify_cases(state, deadline);
`

// EvRectify is the event kind of rectification case changes.
const EvRectify EventKind = "rectify"

// recordStepLocked appends the step window n is finishing to t.Steps.
func (e *Engine) recordStepLocked(t *Ticket, n int, staff string, now time.Time) {
	st := StepRecord{Step: t.Step, Service: t.Service, Window: n, Staff: t.Staff, CalledAt: t.CalledAt, EndedAt: now}
	if st.Staff == "" {
		st.Staff = staff
	}
	if !t.ServedAt.IsZero() && !t.CalledAt.IsZero() && !t.ServedAt.Before(t.CalledAt) {
		st.StartedAt = t.ServedAt
	}
	t.Steps = append(t.Steps, st)
}

// addWorkingDays returns the end (23:59:59, hall-local) of the n-th working
// day (Monday..Friday) after t's day.
func addWorkingDays(t time.Time, n int, loc *time.Location) time.Time {
	d := t.In(loc)
	d = time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

// RateStep records a citizen's rating of a served step. A step takes one
// rating, and one re-rating within Options.ReRateWindow of the first;
// anything more is CodeBadState. An unserved step is CodeBadState too.
func (e *Engine) RateStep(ctx context.Context, req RateRequest) (*Rating, error) {
	if req.Level < 1 || req.Level > 5 {
		return nil, errf(CodeInvalid, "rating %d: want 1..5", req.Level)
	}
	if !req.Channel.Valid() {
		return nil, errf(CodeInvalid, "rating channel %q", req.Channel)
	}
	if len(req.Reasons) > 10 || len(req.Text) > 1000 {
		return nil, errf(CodeInvalid, "rating text too long")
	}
	for _, r := range req.Reasons {
		if len(r) > 100 {
			return nil, errf(CodeInvalid, "rating reason too long")
		}
	}
	var out *Rating
	err := e.do(ctx, func(now time.Time, o *op) error {
		t := e.tickets[req.Ticket]
		if t == nil {
			return errf(CodeNotFound, "no ticket %q of today", req.Ticket)
		}
		if len(t.Steps) == 0 {
			return errf(CodeBadState, "ticket %s has no served step to rate", t.Label)
		}
		st := t.Steps[len(t.Steps)-1]
		if req.Step != nil {
			i := slices.IndexFunc(t.Steps, func(s StepRecord) bool { return s.Step == *req.Step })
			if i < 0 {
				return errf(CodeBadState, "step %d of ticket %s was not served", *req.Step, t.Label)
			}
			st = t.Steps[i]
		}
		if req.Window != 0 && st.Window != req.Window {
			return errf(CodeBadState, "ticket %s step %d was served at window %d, not %d", t.Label, st.Step, st.Window, req.Window)
		}
		var first *RatingMark
		count := 0
		for i := range t.Marks {
			if t.Marks[i].Step == st.Step {
				count++
				if t.Marks[i].Count == 1 {
					first = &t.Marks[i]
				}
			}
		}
		switch {
		case count >= 2:
			return errf(CodeBadState, "ticket %s step %d was rated and re-rated", t.Label, st.Step)
		case count == 1 && first != nil && now.Sub(first.At) > e.opts.ReRateWindow:
			return errf(CodeBadState, "ticket %s step %d: the re-rating window has closed", t.Label, st.Step)
		}
		r := &Rating{ID: fmt.Sprintf("%s.%d.%d", t.ID, st.Step, count+1), Ticket: t.ID, Label: t.Label, Day: t.Day, Step: st.Step,
			Service: st.Service, Window: st.Window, Staff: st.Staff, Level: req.Level, Count: count + 1, Channel: req.Channel,
			Device: req.Device, Reasons: req.Reasons, Text: strings.TrimSpace(req.Text), At: now}
		t.Marks = append(t.Marks, RatingMark{Step: st.Step, Count: r.Count, Level: r.Level, At: now})
		t.Rating = req.Level
		if Poor(req.Level) {
			c := &Case{ID: "ZG-" + r.ID, Rating: r.ID, Ticket: t.ID, Label: t.Label, Day: t.Day, Service: r.Service, Window: r.Window,
				Staff: r.Staff, Level: r.Level, Reasons: r.Reasons, Text: r.Text, Opened: now,
				Deadline: addWorkingDays(now, e.opts.RectifyWorkingDays, e.loc), State: CaseOpen}
			r.Case = c.ID
			e.saveCase(o, c)
			e.event(o, now, EvRectify, t, Actor{Name: "system", Window: r.Window}, "open "+c.ID)
		}
		data, _ := json.Marshal(r)
		o.stmts = append(o.stmts, stmt{`INSERT INTO ratings(id, ticket, day, at, data) VALUES (?,?,?,?,?)`, []any{r.ID, r.Ticket, r.Day, now.UnixMilli(), string(data)}})
		e.saveTicket(o, t)
		e.event(o, now, EvRate, t, Actor{Name: string(req.Channel) + ":" + req.Device, Window: r.Window}, fmt.Sprintf("step %d level %d count %d", r.Step, r.Level, r.Count))
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Rate records a citizen's rating (1..5, 好差评) of a ticket's latest
// served step through a kiosk or pad (actor "evaluator" or "pad": the pad
// channel; otherwise the kiosk channel), under RateStep's rules.
func (e *Engine) Rate(ctx context.Context, id string, score int, a Actor) (*Ticket, error) {
	ch := ChannelKiosk
	if a.Name == "evaluator" || a.Name == "pad" {
		ch = ChannelPad
	}
	if _, err := e.RateStep(ctx, RateRequest{Ticket: id, Level: score, Channel: ch, Device: a.Name, Window: a.Window}); err != nil {
		return nil, err
	}
	return e.Ticket(ctx, id)
}

// Rateable reports whether ticket id (of today) has a served step that can
// take a first rating or a re-rating now.
func (e *Engine) Rateable(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tickets[id]
	if t == nil || len(t.Steps) == 0 {
		return false
	}
	st := t.Steps[len(t.Steps)-1].Step
	n := 0
	for _, m := range t.Marks {
		if m.Step == st {
			n++
			if m.Count == 1 && e.opts.Now().Sub(m.At) > e.opts.ReRateWindow {
				return false
			}
		}
	}
	return n < 2
}

// Ratings returns the ratings of days from..to (YYYY-MM-DD), oldest first.
func (e *Engine) Ratings(ctx context.Context, from, to string) ([]Rating, error) {
	rows, err := e.rdb.QueryContext(ctx, `SELECT data FROM ratings WHERE day>=? AND day<=? ORDER BY at, id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("engine: ratings: %w", err)
	}
	defer rows.Close()
	var out []Rating
	for rows.Next() {
		var data string
		var r Rating
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("engine: ratings: %w", err)
		}
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return nil, fmt.Errorf("engine: ratings: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (e *Engine) saveCase(o *op, c *Case) {
	c.Overdue = false
	data, _ := json.Marshal(c)
	o.stmts = append(o.stmts, stmt{`INSERT INTO rectify_cases(id, day, state, deadline, data) VALUES (?,?,?,?,?)
ON CONFLICT(id) DO UPDATE SET state=excluded.state, data=excluded.data`, []any{c.ID, c.Day, string(c.State), c.Deadline.Unix(), string(data)}})
}

// Cases returns rectification cases: with open, every case not closed;
// otherwise the cases of days from..to. Overdue is computed now.
func (e *Engine) Cases(ctx context.Context, open bool, from, to string) ([]Case, error) {
	q, args := `SELECT data FROM rectify_cases WHERE state != 'closed' ORDER BY deadline, id`, []any(nil)
	if !open {
		q, args = `SELECT data FROM rectify_cases WHERE day>=? AND day<=? ORDER BY deadline, id`, []any{from, to}
	}
	rows, err := e.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("engine: cases: %w", err)
	}
	defer rows.Close()
	now := e.opts.Now()
	out := []Case{}
	for rows.Next() {
		var data string
		var c Case
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("engine: cases: %w", err)
		}
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return nil, fmt.Errorf("engine: cases: %w", err)
		}
		c.Overdue = c.State != CaseClosed && now.After(c.Deadline) || c.State == CaseClosed && c.ClosedAt.After(c.Deadline)
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateCase assigns a case (assignee set) or closes it (callback note
// set, required); a closed case cannot change again.
func (e *Engine) UpdateCase(ctx context.Context, id, assignee, callback string, a Actor) (*Case, error) {
	assignee, callback = strings.TrimSpace(assignee), strings.TrimSpace(callback)
	if assignee == "" && callback == "" {
		return nil, errf(CodeInvalid, "assign needs an assignee, close needs the callback note")
	}
	if len(callback) > 2000 || len(assignee) > 64 {
		return nil, errf(CodeInvalid, "note too long")
	}
	var out *Case
	err := e.do(ctx, func(now time.Time, o *op) error {
		var data string
		err := e.rdb.QueryRowContext(ctx, `SELECT data FROM rectify_cases WHERE id=?`, id).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return errf(CodeNotFound, "no case %q", id)
		}
		if err != nil {
			return &Error{Code: CodeUnavailable, Msg: "read case", Err: err}
		}
		c := &Case{}
		if err := json.Unmarshal([]byte(data), c); err != nil {
			return &Error{Code: CodeUnavailable, Msg: "decode case", Err: err}
		}
		if c.State == CaseClosed {
			return errf(CodeBadState, "case %s is closed", id)
		}
		detail := ""
		if assignee != "" {
			c.Assignee, c.State = assignee, CaseAssigned
			detail = "assign " + id + " to " + assignee
		}
		if callback != "" {
			c.Callback, c.State, c.ClosedAt, c.ClosedBy = callback, CaseClosed, now, a.Name
			detail = "close " + id
		}
		e.saveCase(o, c)
		o.events = append(o.events, &Event{Kind: EvRectify, At: now, Day: e.dayOf(now), Ticket: c.Ticket, Label: c.Label, Service: c.Service, Window: c.Window, Actor: a.Name, Detail: detail})
		c.Overdue = c.State != CaseClosed && now.After(c.Deadline) || c.State == CaseClosed && c.ClosedAt.After(c.Deadline)
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
