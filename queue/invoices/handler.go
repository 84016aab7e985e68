package invoices

import (
	"encoding/json"
	"errors"
	"hallkiosk/internal/httpjson"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"hallkiosk/queue/engine"
)

// HandlerOpts configures Handler.
type HandlerOpts struct {
	// Prefix is where the routes are mounted, e.g. "/api/v1/invoices/".
	Prefix string
	// AllowKiosk reports whether a request may list and collect (a kiosk's
	// device key, or any request in a demo hall). Nil refuses all.
	AllowKiosk func(r *http.Request) bool
	// AllowImport reports whether a request may import (technician or
	// admin). Nil refuses all.
	AllowImport func(r *http.Request) bool
	// Log receives storage failures (never ID numbers).
	Log *slog.Logger
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Detail  string `json:"detail,omitempty"`
	} `json:"error"`
}

// PendingReply answers POST {Prefix}pending: the holder's invoices ready
// for pickup, oldest first.
type PendingReply struct {
	Invoices []Invoice `json:"invoices"`
}

// CollectReply answers POST {Prefix}collect: the pickup code for the slip.
type CollectReply struct {
	Code string `json:"code"`
}

// Handler serves the desk: POST {Prefix}pending, {Prefix}collect and
// {Prefix}import. Errors use the hall API's form {"error":{"code","message"}};
// an invoice not waiting for the holder is 404 "not_found". The routes do
// not depend on opening hours.
func Handler(st *Store, opts HandlerOpts) http.Handler {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	allow := func(f func(*http.Request) bool, r *http.Request) bool { return f != nil && f(r) }
	fail := func(w http.ResponseWriter, status int, code, msg, detail string) {
		var b errorBody
		b.Error.Code, b.Error.Message, b.Error.Detail = code, msg, detail
		writeJSON(w, status, b)
	}
	internal := func(w http.ResponseWriter, what string, err error) {
		opts.Log.Error("invoices: "+what, "err", err)
		fail(w, http.StatusServiceUnavailable, "unavailable", "系统繁忙，请稍后再试", "")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+opts.Prefix+"pending", func(w http.ResponseWriter, r *http.Request) {
		if !allow(opts.AllowKiosk, r) {
			fail(w, http.StatusUnauthorized, "unauthorised", "设备未授权", "")
			return
		}
		var req struct {
			IDNumber string `json:"id_number"`
		}
		if err := decode(w, r, &req); err != nil || !plausibleID(req.IDNumber) {
			fail(w, http.StatusBadRequest, "invalid", "请求有误", "want {\"id_number\"}")
			return
		}
		list, err := st.Pending(r.Context(), req.IDNumber)
		if err != nil {
			internal(w, "pending", err)
			return
		}
		writeJSON(w, http.StatusOK, PendingReply{Invoices: list})
	})
	mux.HandleFunc("POST "+opts.Prefix+"collect", func(w http.ResponseWriter, r *http.Request) {
		if !allow(opts.AllowKiosk, r) {
			fail(w, http.StatusUnauthorized, "unauthorised", "设备未授权", "")
			return
		}
		var req struct {
			IDNumber string   `json:"id_number"`
			Numbers  []string `json:"numbers"`
		}
		if err := decode(w, r, &req); err != nil || !plausibleID(req.IDNumber) || len(req.Numbers) == 0 || len(req.Numbers) > 100 {
			fail(w, http.StatusBadRequest, "invalid", "请求有误", "want {\"id_number\",\"numbers\":[...]}")
			return
		}
		code, err := st.Collect(r.Context(), req.IDNumber, req.Numbers)
		switch {
		case errors.Is(err, ErrNotWaiting):
			fail(w, http.StatusNotFound, "not_found", "发票不在待领取之列", "")
		case errors.Is(err, ErrInvalid):
			fail(w, http.StatusBadRequest, "invalid", "请求有误", "")
		case err != nil:
			internal(w, "collect", err)
		default:
			writeJSON(w, http.StatusOK, CollectReply{Code: code})
		}
	})
	mux.HandleFunc("POST "+opts.Prefix+"import", func(w http.ResponseWriter, r *http.Request) {
		if !allow(opts.AllowImport, r) {
			fail(w, http.StatusForbidden, "forbidden", "没有权限", "")
			return
		}
		recs, err := ParseCSV(http.MaxBytesReader(w, r.Body, maxCSV))
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid", "请求有误", strings.TrimPrefix(err.Error(), "invoices: "))
			return
		}
		n, err := st.Import(r.Context(), recs)
		if err != nil {
			internal(w, "import", err)
			return
		}
		opts.Log.Info("invoices: imported", "new", n, "records", len(recs))
		writeJSON(w, http.StatusOK, map[string]int{"imported": n})
	})
	return mux
}

// plausibleID checks only the shape (15 to 18 characters); the hash
// treats anything else as an unknown holder anyway.
// plausibleID: a resident ID number that passes GB 11643 (length, region,
// birth date, check character), the check every route of the hall applies
// where an ID number enters.
func plausibleID(id string) bool {
	return engine.CheckIDNumber(id, time.Now()) == nil
}

func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invoices: trailing data")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.WriteJSON(w, status, v) }
