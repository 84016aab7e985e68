package server

import (
	"net/http"
	"time"
)

// Case is a 整改 case: a poor rating (不满意 or 非常不满意) to be rectified
// and the citizen called back within 15 working days.
type Case struct {
	Site     string `json:"site"`
	Seq      int64  `json:"seq"`
	CaseID   string `json:"办件编号"`
	Rated    string `json:"rated"`    // hall-local RFC 3339
	Deadline string `json:"deadline"` // hall-local date YYYY-MM-DD
	Overdue  bool   `json:"overdue"`
	Score    int    `json:"score"`
	Level    string `json:"满意度"`
	ItemCode string `json:"事项编码"`
	Staff    string `json:"工作人员"`
}

// RectifyWorkingDays is the deadline of a 整改 case in working days.
const RectifyWorkingDays = 15

// addWorkingDays adds n working days (Monday to Friday; public holidays
// are not known here) to the day of t.
func addWorkingDays(t time.Time, n int) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

func (s *Server) handleRectify(w http.ResponseWriter, r *http.Request) {
	from, to, err := dayRange(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	rs, err := s.st.Ratings(r.Context(), from, to)
	if err != nil {
		s.log.Error("city: rectify", "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: rectify")
		return
	}
	now := s.opts.Now().In(s.opts.Zone)
	out := []Case{}
	for _, x := range rs {
		if x.Score > 2 {
			continue
		}
		e := s.ExportOf(x)
		at := x.At.In(s.opts.Zone)
		dl := addWorkingDays(at, RectifyWorkingDays)
		out = append(out, Case{Site: x.Site, Seq: x.Seq, CaseID: e.CaseID, Rated: at.Format(time.RFC3339), Deadline: dl.Format(time.DateOnly),
			Overdue: now.After(dl.AddDate(0, 0, 1)), Score: x.Score, Level: e.Satisfaction, ItemCode: e.ItemCode, Staff: e.Staff})
	}
	writeJSON(w, out)
}
