package hallapi

import (
	"net/http"
	"strconv"
	"time"

	"hallkiosk/internal/pii"
	"hallkiosk/queue/engine"
)

// RateRequest is the body of the citizen's rating routes
// (POST /api/v1/tickets/{id}/rate, /api/v1/public/rate). Level (or the
// kiosk's older Score) is 1..5, 5 非常满意.
type RateRequest struct {
	Code     string   `json:"code,omitempty"`
	IDNumber string   `json:"id_number,omitempty"`
	Level    int      `json:"level,omitempty"`
	Score    int      `json:"score,omitempty"`
	Step     *int     `json:"step,omitempty"`
	Reasons  []string `json:"reasons,omitempty"`
	Text     string   `json:"text,omitempty"`
}

func (b *RateRequest) level() int {
	if b.Level != 0 {
		return b.Level
	}
	return b.Score
}

// RateReply answers a rating: what was recorded, without staff names.
type RateReply struct {
	Ticket string `json:"ticket"`
	Label  string `json:"label"`
	Step   int    `json:"step"`
	Level  int    `json:"level"`
	Count  int    `json:"count"` // 1 first rating, 2 re-rating
	Window int    `json:"window"`
}

var (
	errStaffRates    = &forbidden{code: "not_citizen_channel", msg: "工作人员账号不能评价"}
	errNotIdentified = &forbidden{code: "not_identified", msg: "请扫描本人票据二维码或放置身份证后评价"}
	errBadTicketCode = &forbidden{code: "bad_code", msg: "票据二维码无效或已过期", st: http.StatusBadRequest}
)

func rateReply(r *engine.Rating) RateReply {
	return RateReply{Ticket: r.Ticket, Label: r.Label, Step: r.Step, Level: r.Level, Count: r.Count, Window: r.Window}
}

// postKioskRate serves POST /api/v1/tickets/{id}/rate for kiosks: the
// ticket must be the one the citizen identified at the kiosk, by its
// signed code ("code") or, for a real-name ticket, the ID card
// ("id_number"). Staff sessions never rate.
func (s *Server) postKioskRate(w http.ResponseWriter, r *http.Request, id who) error {
	if id.device == "" && (id.user != nil || !s.cfg.Demo) {
		return errStaffRates
	}
	var req RateRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	tid := r.PathValue("id")
	switch {
	case req.Code != "":
		got, err := s.cfg.TicketCodes(req.Code)
		if err != nil {
			return errBadTicketCode
		}
		if got != tid {
			return errNotIdentified
		}
	case req.IDNumber != "":
		if engine.CheckIDNumber(req.IDNumber, s.now()) != nil {
			return &forbidden{code: "invalid_id", msg: "身份证号码有误", st: 400}
		}
		t, err := s.e.Ticket(r.Context(), tid)
		if err != nil {
			return err
		}
		if t.PersonHash == "" || t.PersonHash != s.e.HashID(req.IDNumber) {
			return errNotIdentified
		}
	default:
		return errNotIdentified
	}
	dev := id.device
	if dev == "" {
		dev = "demo"
	}
	rt, err := s.e.RateStep(r.Context(), engine.RateRequest{Ticket: tid, Step: req.Step, Level: req.level(), Reasons: req.Reasons, Text: req.Text,
		Channel: engine.ChannelKiosk, Device: dev})
	if err != nil {
		return err
	}
	writeJSON(w, 200, rateReply(rt))
	return nil
}

// postPublicRate serves POST /api/v1/public/rate {"code","level",
// "reasons","text"} for the ticket's progress page: no session, the
// ticket's signed code is the credential.
func (s *Server) postPublicRate(w http.ResponseWriter, r *http.Request, id who) error {
	if id.user != nil {
		return errStaffRates
	}
	var req RateRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.IDNumber != "" || req.Score != 0 {
		return &badRequest{"want code, level, reasons, text"}
	}
	tid, err := s.cfg.TicketCodes(req.Code)
	if err != nil {
		return errBadTicketCode
	}
	rt, err := s.e.RateStep(r.Context(), engine.RateRequest{Ticket: tid, Step: req.Step, Level: req.Level, Reasons: req.Reasons, Text: req.Text,
		Channel: engine.ChannelProgress, Device: "progress"})
	if err != nil {
		return err
	}
	writeJSON(w, 200, rateReply(rt))
	return nil
}

// PublicTicket is what anyone holding a ticket's signed code sees: no
// staff names, the name masked at a fixed width.
type PublicTicket struct {
	Label       string       `json:"label"`
	Service     string       `json:"service"`
	ServiceName string       `json:"service_name"`
	State       engine.State `json:"state"`
	Ahead       int          `json:"ahead"`
	WaitMin     int          `json:"est_wait_min"`
	Window      int          `json:"window,omitempty"`
	WindowName  string       `json:"window_name,omitempty"`
	IssuedAt    time.Time    `json:"issued_at"`
	CalledAt    time.Time    `json:"called_at,omitzero"`
	NameMasked  string       `json:"name_masked,omitempty"`
	Rateable    bool         `json:"rateable"`
	Rating      int          `json:"rating,omitempty"`
}

// getPublicTicket serves GET /api/v1/public/ticket?c=CODE.
func (s *Server) getPublicTicket(w http.ResponseWriter, r *http.Request, _ who) error {
	tid, err := s.cfg.TicketCodes(r.URL.Query().Get("c"))
	if err != nil {
		return errBadTicketCode
	}
	t, err := s.e.Ticket(r.Context(), tid)
	if err != nil {
		return err
	}
	cat := s.e.Catalog()
	p := PublicTicket{Label: t.Label, Service: t.Service, State: t.State, Ahead: t.Ahead, WaitMin: t.WaitMin, IssuedAt: t.IssuedAt,
		NameMasked: pii.MaskName(t.NameMasked), Rateable: s.e.Rateable(t.ID), Rating: t.Rating}
	if sv, ok := cat.Service(t.Service); ok {
		p.ServiceName = sv.Name
	}
	if t.State == engine.StateCalled || t.State == engine.StateServing {
		p.Window, p.CalledAt = t.Window, t.CalledAt
		if wn, ok := cat.Window(t.Window); ok {
			p.WindowName = wn.Name
		}
	}
	writeJSON(w, 200, p)
	return nil
}

func (s *Server) dayRange(r *http.Request) (string, string) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" {
		from = s.e.Today()
	}
	if to == "" {
		to = from
	}
	return from, to
}

func (s *Server) getRatings(w http.ResponseWriter, r *http.Request, _ who) error {
	from, to := s.dayRange(r)
	rs, err := s.e.Ratings(r.Context(), from, to)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []engine.Rating{}
	}
	writeJSON(w, 200, rs)
	return nil
}

// getCases serves GET /api/v1/cases: every case not closed, or with
// from/to the cases of those days.
func (s *Server) getCases(w http.ResponseWriter, r *http.Request, _ who) error {
	q := r.URL.Query()
	from, to := s.dayRange(r)
	cs, err := s.e.Cases(r.Context(), q.Get("from") == "" && q.Get("to") == "", from, to)
	if err != nil {
		return err
	}
	writeJSON(w, 200, cs)
	return nil
}

// postCase serves POST /api/v1/cases/{id}/assign {"assignee"} and
// /close {"callback"} (supervisors).
func (s *Server) postCase(w http.ResponseWriter, r *http.Request, id who) error {
	var req struct {
		Assignee string `json:"assignee"`
		Callback string `json:"callback"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var c *engine.Case
	var err error
	switch r.PathValue("action") {
	case "assign":
		if req.Assignee == "" {
			return &badRequest{"assign needs an assignee"}
		}
		c, err = s.e.UpdateCase(r.Context(), r.PathValue("id"), req.Assignee, "", id.actor(0))
	case "close":
		if req.Callback == "" {
			return &badRequest{"close needs the callback note"}
		}
		c, err = s.e.UpdateCase(r.Context(), r.PathValue("id"), "", req.Callback, id.actor(0))
	default:
		writeErr(w, 404, "not_found", "没有该操作")
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, 200, c)
	return nil
}

func (s *Server) getAudit(w http.ResponseWriter, r *http.Request, _ who) error {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	as, err := s.Audit(r.Context(), after)
	if err != nil {
		return err
	}
	writeJSON(w, 200, as)
	return nil
}
