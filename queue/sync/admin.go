package sync

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// NewAdminHandler returns the hall admin's sync endpoints. It does no
// authentication of its own: mount it behind the hall server's admin role
// (for example at /api/v1/admin/sync/).
//
//	GET  devices            the device list (last seen, pending, software, health)
//	POST codes {"kiosk":..} a one-time enrolment code → {"code":..,"expires":..}
//	POST revoke {"device":..}
//	GET  security           the latest 200 security events
func NewAdminHandler(h *HallSync) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		ctx := r.Context()
		switch {
		case route == "devices" && r.Method == http.MethodGet:
			d, err := h.Devices(ctx)
			if err != nil {
				writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"devices": d})
		case route == "security" && r.Method == http.MethodGet:
			ev, err := h.SecurityEvents(ctx, 200)
			if err != nil {
				writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"events": ev})
		case route == "codes" && r.Method == http.MethodPost:
			var req struct {
				Kiosk string `json:"kiosk"`
				Hours int    `json:"hours"`
			}
			if err := decodeStrict(mustRead(r), &req); err != nil || len(req.Kiosk) > 64 || req.Hours < 0 || req.Hours > 24*14 {
				writeError(w, http.StatusBadRequest, CodeMalformed, "sync: want {\"kiosk\": name, \"hours\": validity up to 336}")
				return
			}
			ttl := time.Duration(req.Hours) * time.Hour
			code, err := h.IssueEnrolmentCode(ctx, req.Kiosk, ttl)
			if err != nil {
				writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
				return
			}
			if ttl == 0 {
				ttl = 24 * time.Hour
			}
			writeJSON(w, http.StatusOK, map[string]any{"code": code, "expires": h.now().Add(ttl)})
		case route == "revoke" && r.Method == http.MethodPost:
			var req struct {
				Device string `json:"device"`
			}
			if err := decodeStrict(mustRead(r), &req); err != nil || !deviceIDRe.MatchString(req.Device) {
				writeError(w, http.StatusBadRequest, CodeMalformed, "sync: want {\"device\": \"k-...\"}")
				return
			}
			if err := h.Revoke(ctx, req.Device); err != nil {
				status := http.StatusInternalServerError
				if errors.Is(err, ErrUnknownDevice) {
					status = http.StatusNotFound
				}
				writeError(w, status, CodeUnknownDevice, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"revoked": req.Device})
		default:
			writeError(w, http.StatusNotFound, CodeNotFound, "sync: no such admin endpoint "+r.Method+" "+r.URL.Path)
		}
	})
}

func mustRead(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	return b
}
