package hall

import (
	"encoding/json"
	"net/http"
	"time"

	"hallkiosk/hall/uplink"
	"hallkiosk/internal/httpjson"
	"hallkiosk/queue/hallapi"
	"hallkiosk/queue/registry"
	qsync "hallkiosk/queue/sync"
)

// Who may use the hall's own routes (admins always may).
var (
	technicians = []hallapi.Role{hallapi.RoleTechnician}
	diagnosis   = []hallapi.Role{hallapi.RoleTechnician, hallapi.RoleSupervisor}
)

// allowed reports whether r carries a session of one of roles (or an
// admin's).
func (h *Hall) allowed(r *http.Request, roles []hallapi.Role) bool { return h.srv.HasRole(r, roles...) }

// guard is the one permission wrapper of the routes this package mounts:
// a request that allow refuses gets 403 forbidden in the documented error
// format.
func guard(allow func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allow(r) {
			httpjson.WriteError(w, http.StatusForbidden, "forbidden", "没有权限")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// roles allows sessions of the given roles (and admins).
func (h *Hall) roles(roles []hallapi.Role) func(*http.Request) bool {
	return func(r *http.Request) bool { return h.allowed(r, roles) }
}

// routes mounts the handlers of the parts the hall owns on its hallapi
// server:
//
//   - queue/sync (kiosk ↔ hall sync) under /api/v1/sync/; enrolment codes
//     POST /api/v1/devices/enrol {"name","ttl"}; devices GET
//     /api/v1/devices; device list, enrolment codes, revocation and
//     security events under /api/v1/admin/sync/ (technicians, admins).
//   - queue/registry (licences, permits, property certificates) under
//     /api/v1/registry/: lookups open to the hall's kiosks and pages, the
//     export for kiosks and technicians, imports for technicians.
//   - queue/invoices under /api/v1/invoices/ (invoices.go).
//   - GET /api/v1/callout and GET /api/v1/evaluator (technicians,
//     supervisors, admins): the display buses and the pads, for field
//     diagnosis.
func (h *Hall) routes() {
	srv := h.srv
	regH := registry.Handler(h.reg, registry.HandlerOpts{
		Prefix:     "/api/v1/registry/",
		AllowWrite: h.roles(technicians),
		Log:        h.log,
	})
	// The whole registry (export: every licence and certificate) and its
	// imports are for technicians and admins (and kiosks, whose caches
	// fetch the export with their device key); lookups of one record stay
	// open to the hall's kiosks and pages.
	srv.Handle("/api/v1/registry/", guard(func(r *http.Request) bool {
		switch r.URL.Path {
		case "/api/v1/registry/export":
			return srv.DeviceOf(r) != "" || h.allowed(r, technicians)
		case "/api/v1/registry/import":
			return h.allowed(r, technicians)
		}
		return true
	}, regH))

	// Enrolment with the city and the uplink's state (admins): the page
	// /admin/city, its script and its API, served by hall/uplink.
	city := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uplink.AdminHandler(h.up.Load(), h.roles(nil)).ServeHTTP(w, r)
	})
	for _, p := range []string{uplink.AdminPagePath, uplink.AdminScriptPath, uplink.AdminStatusPath, uplink.AdminEnrolPath} {
		srv.Handle(p, city)
	}
	srv.Handle(qsync.Prefix, qsync.NewHallHandler(h.sync))
	srv.Handle("/api/v1/admin/sync/", guard(h.roles(technicians), qsync.NewAdminHandler(h.sync)))
	srv.Handle("POST /api/v1/devices/enrol", guard(h.roles(technicians), http.HandlerFunc(h.enrol)))
	srv.Handle("GET /api/v1/devices", guard(h.roles(technicians), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ds, err := h.sync.Devices(r.Context())
		if err != nil {
			httpjson.WriteError(w, http.StatusInternalServerError, "unavailable", "系统繁忙，请稍后再试")
			return
		}
		httpjson.WriteJSON(w, http.StatusOK, ds)
	})))
	h.deskRoutes()
	srv.Handle("GET /api/v1/callout", guard(h.roles(diagnosis), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.WriteJSON(w, http.StatusOK, h.calloutStatus())
	})))
	srv.Handle("GET /api/v1/evaluator", guard(h.roles(diagnosis), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.WriteJSON(w, http.StatusOK, h.pads.status())
	})))
}

// enrol answers POST /api/v1/devices/enrol: an enrolment code for a
// kiosk, valid for ttl (default 1h, at most 7 days).
func (h *Hall) enrol(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
		TTL  string `json:"ttl"`
	}
	// Scripts post this without a Content-Type (scripts/demo.sh), so the
	// body is read as JSON whatever the header says.
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.Name == "" {
		httpjson.WriteError(w, http.StatusBadRequest, httpjson.CodeInvalid, "请求有误")
		return
	}
	ttl := time.Hour
	if req.TTL != "" {
		if d, err := time.ParseDuration(req.TTL); err == nil && d > 0 && d <= 7*24*time.Hour {
			ttl = d
		}
	}
	code, err := h.sync.IssueEnrolmentCode(r.Context(), req.Name, ttl)
	if err != nil {
		h.log.Error("hall: enrolment code", "err", err)
		httpjson.WriteError(w, http.StatusInternalServerError, "unavailable", "系统繁忙，请稍后再试")
		return
	}
	httpjson.WriteJSON(w, http.StatusCreated, map[string]any{"code": code, "expires_in": ttl.String(), "fingerprint": h.fingerprint})
}
