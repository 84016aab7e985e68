package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hallkiosk/city/store"
)

// SiteRow is one element of GET /api/v1/sites.
type SiteRow struct {
	Site           string  `json:"site"`
	Name           string  `json:"name"`
	Kind           string  `json:"kind"`
	LastSeq        int64   `json:"last_seq"`
	LastHeard      string  `json:"last_heard"` // RFC 3339, hall-local; "" when never heard
	Waiting        int     `json:"waiting"`
	OpenWindows    int     `json:"open_windows"`
	KiosksOnline   int     `json:"kiosks_online"`
	KiosksFaulty   int     `json:"kiosks_faulty"`
	CatalogVersion string  `json:"catalog_version"`
	LongestWaitMin float64 `json:"longest_wait_min"`
	// ClockSkewS is the site clock minus the city clock at the last push,
	// seconds; the dashboard marks a site whose clock is off (SkewMark).
	ClockSkewS int64 `json:"clock_skew_s"`
	Revoked    bool  `json:"revoked"`
}

// SkewMark is the clock offset from which the dashboard marks a site.
const SkewMark = 5 * time.Minute

func (s *Server) siteRows(r *http.Request) ([]SiteRow, error) {
	sites, err := s.st.Sites(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]SiteRow, 0, len(sites))
	for _, st := range sites {
		row := SiteRow{Site: st.ID, Name: st.Name, Kind: st.Kind, LastSeq: st.LastSeq,
			Waiting: st.Status.Waiting, OpenWindows: st.Status.OpenWindows, KiosksOnline: st.Status.KiosksOnline,
			KiosksFaulty: st.Status.KiosksFaulty, CatalogVersion: st.Status.CatalogVersion, LongestWaitMin: st.Status.LongestWaitMin,
			ClockSkewS: st.SkewMS / 1000, Revoked: st.Revoked}
		if st.LastHeard.Unix() > 0 {
			row.LastHeard = st.LastHeard.In(s.opts.Zone).Format(time.RFC3339)
		}
		out = append(out, row)
	}
	return out, nil
}

func (s *Server) handleSites(w http.ResponseWriter, r *http.Request) {
	rows, err := s.siteRows(r)
	if err != nil {
		s.log.Error("city: sites", "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: sites")
		return
	}
	writeJSON(w, rows)
}

func dayRange(r *http.Request) (from, to string, err error) {
	q := r.URL.Query()
	from, to = q.Get("from"), q.Get("to")
	f, e1 := time.Parse(time.DateOnly, from)
	t, e2 := time.Parse(time.DateOnly, to)
	if e1 != nil || e2 != nil || t.Before(f) || t.Sub(f) > 366*24*time.Hour {
		return "", "", errors.New("city: want from and to as YYYY-MM-DD, from <= to, at most a year")
	}
	return from, to, nil
}

// StatsColumns are the CSV columns of GET /api/v1/stats?format=csv: the
// hall's columns plus site and item_code.
var StatsColumns = []string{"site", "day", "dimension", "key", "item_code", "issued", "served", "no_show", "cancelled", "void",
	"wait_p50_min", "wait_p90_min", "serve_avg_min", "rated", "rating_avg", "satisfied"}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	from, to, err := dayRange(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	stats := s.st.Stats
	switch r.URL.Query().Get("per") {
	case "", "day":
	case "range":
		stats = s.st.StatsRange // one row per site, dimension and key over the range
	default:
		apiError(w, http.StatusBadRequest, "invalid", "city: per is day or range")
		return
	}
	rows, err := stats(r.Context(), from, to, r.URL.Query().Get("site"))
	if err != nil {
		s.log.Error("city: stats", "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: stats")
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, rows)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="city-stats-%s-%s.csv"`, from, to))
		cw := csv.NewWriter(w)
		cw.Write(StatsColumns)
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
		for _, x := range rows {
			cw.Write([]string{x.Site, x.Day, x.Dimension, x.Key, x.ItemCode, strconv.Itoa(x.Issued), strconv.Itoa(x.Served),
				strconv.Itoa(x.NoShow), strconv.Itoa(x.Cancelled), strconv.Itoa(x.Void), f(x.WaitP50), f(x.WaitP90), f(x.ServeAvg),
				strconv.Itoa(x.Rated), f(x.RatingAvg), f(x.Satisfied)})
		}
		cw.Flush()
	default:
		apiError(w, http.StatusBadRequest, "invalid", "city: format is json or csv")
	}
}

// Export is one rating in the fields of GB/T 39046-2020.
type Export struct {
	CaseID        string   `json:"办件编号"`
	Channel       string   `json:"评价渠道"` // code, see ChannelCode
	ChannelName   string   `json:"评价渠道名称"`
	Rater         string   `json:"评价人"`  // keyed hash: never a person's data
	Time          string   `json:"评价时间"` // YYYYMMDDThhmmss, hall-local
	Count         int      `json:"评价次数"` // 1 first rating, 2 re-rating
	Satisfaction  string   `json:"满意度"`
	SatisfactCode string   `json:"满意度代码"`
	Reasons       []string `json:"评价原因"`
	Text          string   `json:"文字评价"`
	Region        string   `json:"行政区划"`
	ItemCode      string   `json:"事项编码"`
	Staff         string   `json:"工作人员"`
	Site          string   `json:"site"`
	Seq           int64    `json:"seq"`
}

// Satisfaction levels of GB/T 39735-2020 by score 1..5, and their codes.
var satisfaction = [6]string{"", "非常不满意", "不满意", "基本满意", "满意", "非常满意"}

// ChannelCode maps who took a rating to the 评价渠道 of GB/T 39046-2020
// (1 PC, 2 移动服务端, 3 二维码, 4 政务大厅平板电脑, 5 政务大厅其他终端, 6 电话,
// 7 短信), from the hall's rate event actor "channel:device": the window's
// evaluator pad is 4, the ticket's progress page (its QR code) 3, a
// self-service kiosk and anything else in the hall 5.
func ChannelCode(actor string) (code, name string) {
	ch, _, _ := strings.Cut(actor, ":")
	switch ch {
	case "pad", "evaluator":
		return "4", "政务大厅平板电脑"
	case "progress", "qr":
		return "3", "二维码"
	}
	return "5", "政务大厅其他终端"
}

// ExportOf renders a stored rating for the province.
func (s *Server) ExportOf(x store.Rating) Export {
	// 评价人: the person (the hall's keyed hash of the ID number, keyed
	// again) where the hall knows it, else the ticket.
	mac := hmac.New(sha256.New, s.opts.RaterKey)
	if x.Rater != "" {
		mac.Write([]byte("person\x00" + x.Rater))
	} else {
		mac.Write([]byte(x.Site + "\x00" + x.Ticket))
	}
	code, name := ChannelCode(x.Actor)
	region := x.RegionCode
	if region == "" {
		region = s.opts.RegionCode
	}
	score := min(max(x.Score, 1), 5)
	e := Export{CaseID: x.Site + "-" + x.Ticket, Channel: code, ChannelName: name, Rater: hex.EncodeToString(mac.Sum(nil))[:32],
		Time: x.At.In(s.opts.Zone).Format("20060102T150405"), Count: max(x.Count, 1), Satisfaction: satisfaction[score],
		SatisfactCode: strconv.Itoa(score), Reasons: x.Reasons, Text: x.Text, Region: region, ItemCode: x.ItemCode, Staff: x.Staff, Site: x.Site, Seq: x.Seq}
	if e.Reasons == nil {
		e.Reasons = []string{}
	}
	if e.ItemCode == "" {
		e.ItemCode = x.Service
	}
	return e
}

func (s *Server) handleRatings(w http.ResponseWriter, r *http.Request) {
	from, to, err := dayRange(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	rs, err := s.st.Ratings(r.Context(), from, to)
	if err != nil {
		s.log.Error("city: ratings", "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: ratings")
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	enc := json.NewEncoder(w)
	for _, x := range rs {
		enc.Encode(s.ExportOf(x))
	}
}

func (s *Server) handleFleet(w http.ResponseWriter, r *http.Request) {
	ks, err := s.st.Fleet(r.Context())
	if err != nil {
		apiError(w, http.StatusInternalServerError, "internal", "city: fleet")
		return
	}
	type row struct {
		Site    string          `json:"site"`
		Kiosk   json.RawMessage `json:"kiosk"`
		Updated string          `json:"updated"`
	}
	out := make([]row, 0, len(ks))
	for _, k := range ks {
		out = append(out, row{k.Site, k.Data, k.UpdatedAt.In(s.opts.Zone).Format(time.RFC3339)})
	}
	writeJSON(w, out)
}

// handleStream sends the sites list as SSE at once and after every push
// (at most every second).
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		apiError(w, http.StatusInternalServerError, "internal", "city: no streaming")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	ch, cancel := s.subscribe()
	defer cancel()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		rows, err := s.siteRows(r)
		if err != nil {
			return
		}
		b, _ := json.Marshal(rows)
		if _, err := fmt.Fprintf(w, "event: sites\ndata: %s\n\n", b); err != nil {
			return
		}
		fl.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-ch:
			time.Sleep(time.Second / 4) // coalesce bursts of pushes
		case <-tick.C:
		}
	}
}

func (s *Server) handleAddSite(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Site       string `json:"site"`
		Name       string `json:"name"`
		Kind       string `json:"kind"`
		RegionCode string `json:"region_code"`
	}
	if err := decodeStrict(r, 4096, &req); err != nil {
		apiError(w, http.StatusBadRequest, "malformed", "city: "+err.Error())
		return
	}
	if err := s.st.AddSite(r.Context(), req.Site, req.Name, req.Kind, req.RegionCode); errors.Is(err, store.ErrExists) {
		apiError(w, http.StatusConflict, "exists", err.Error())
		return
	} else if err != nil {
		apiError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]string{"site": req.Site})
}

func (s *Server) handleCode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Site       string `json:"site"`
		ValidHours int    `json:"valid_hours"`
	}
	if err := decodeStrict(r, 4096, &req); err != nil {
		apiError(w, http.StatusBadRequest, "malformed", "city: "+err.Error())
		return
	}
	ttl := 24 * time.Hour
	if req.ValidHours > 0 && req.ValidHours <= 24*14 {
		ttl = time.Duration(req.ValidHours) * time.Hour
	}
	code, err := s.NewCode(r.Context(), req.Site, ttl)
	if errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "not_found", err.Error())
		return
	} else if err != nil {
		apiError(w, http.StatusInternalServerError, "internal", "city: code")
		return
	}
	writeJSON(w, map[string]string{"site": req.Site, "code": code})
}

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Site string `json:"site"`
	}
	if err := decodeStrict(r, 4096, &req); err != nil {
		apiError(w, http.StatusBadRequest, "malformed", "city: "+err.Error())
		return
	}
	if err := s.st.Revoke(r.Context(), req.Site, s.opts.Now()); errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "not_found", err.Error())
		return
	} else if err != nil {
		apiError(w, http.StatusInternalServerError, "internal", "city: revoke")
		return
	}
	s.log.Warn("city: site revoked", "site", req.Site)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Site      string `json:"site"`
		Service   string `json:"service"`
		BasicCode string `json:"basic_code"`
		ImplCode  string `json:"impl_code"`
		Name      string `json:"name"`
	}
	if err := decodeStrict(r, 4096, &req); err != nil {
		apiError(w, http.StatusBadRequest, "malformed", "city: "+err.Error())
		return
	}
	if err := s.st.SetItem(r.Context(), req.Site, req.Service, req.BasicCode, req.ImplCode, req.Name); err != nil {
		apiError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
