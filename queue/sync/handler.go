package sync

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hallkiosk/internal/httpjson"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Prefix is where the hall server mounts NewHallHandler.
const Prefix = "/api/v1/sync/"

// NewHallHandler returns the hall's sync API: GET time (read-only), POST
// enrol (one-time code), POST push and POST pull (device-signed). Mount it
// at Prefix; it also works with the prefix stripped.
func NewHallHandler(h *HallSync) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/"))
		route = strings.TrimPrefix(route, "/")
		switch {
		case route == "time" && r.Method == http.MethodGet:
			h.serveTime(w)
		case route == "enrol" && r.Method == http.MethodPost:
			h.serveEnrol(w, r)
		case route == "push" && r.Method == http.MethodPost:
			h.servePush(w, r)
		case route == "pull" && r.Method == http.MethodPost:
			h.servePull(w, r)
		default:
			writeError(w, http.StatusNotFound, CodeNotFound, "sync: no such endpoint "+r.Method+" "+r.URL.Path)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.WriteJSON(w, status, v) }

// writeError writes the one documented error format
// {"error":{"code","message"}} (docs/API.md "Errors").
func writeError(w http.ResponseWriter, status int, code, msg string) {
	httpjson.WriteError(w, status, code, msg)
}

func (h *HallSync) serveTime(w http.ResponseWriter) {
	now := h.now()
	writeJSON(w, http.StatusOK, TimeResponse{HallTime: now.UnixMilli(), Zone: h.zone.String(), Day: Day(now, h.zone)})
}

// authError maps a verification error to a response and a security event.
func (h *HallSync) authError(w http.ResponseWriter, r *http.Request, device string, err error) {
	status, code := http.StatusUnauthorized, CodeUnauthenticated
	switch {
	case errors.Is(err, ErrBadSignature):
		code = CodeBadSignature
	case errors.Is(err, ErrReplay):
		code = CodeReplay
	case errors.Is(err, ErrClockSkew):
		code = CodeClockSkew
	case errors.Is(err, ErrUnknownDevice):
		code = CodeUnknownDevice
	case errors.Is(err, ErrRevoked):
		status, code = http.StatusForbidden, CodeRevoked
	}
	h.security(r, code, device, err.Error())
	writeError(w, status, code, err.Error())
}

// authenticate reads the body and checks the device signature. On failure
// it has answered the request and returns nil.
func (h *HallSync) authenticate(w http.ResponseWriter, r *http.Request) (*device, []byte) {
	sh, err := parseSignedHeaders(r)
	if err != nil {
		h.authError(w, r, "", err)
		return nil, nil
	}
	body, err := readBody(r)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			h.security(r, CodeTooLarge, sh.device, err.Error())
			writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, err.Error())
		} else {
			writeError(w, http.StatusBadRequest, CodeMalformed, err.Error())
		}
		return nil, nil
	}
	d, err := h.loadDevice(r.Context(), sh.device)
	if err != nil {
		if !errors.Is(err, ErrUnknownDevice) {
			writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
			return nil, nil
		}
		h.authError(w, r, sh.device, err)
		return nil, nil
	}
	if err := h.verify(r, sh, body, d.pub); err != nil {
		h.authError(w, r, sh.device, err)
		return nil, nil
	}
	if d.revoked {
		h.authError(w, r, sh.device, ErrRevoked)
		return nil, nil
	}
	return d, body
}

// badRequest answers a request that failed decoding or validation after
// authentication; it is a security event too (a kiosk never sends one).
func (h *HallSync) badRequest(w http.ResponseWriter, r *http.Request, device string, err error) {
	code := CodeMalformed
	if errors.Is(err, errInvalid) {
		code = CodeInvalid
	}
	h.security(r, code, device, err.Error())
	writeError(w, http.StatusBadRequest, code, err.Error())
}

func (h *HallSync) serveEnrol(w http.ResponseWriter, r *http.Request) {
	sh, err := parseSignedHeaders(r)
	if err != nil {
		h.authError(w, r, "", err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		h.security(r, CodeTooLarge, sh.device, err.Error())
		writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, err.Error())
		return
	}
	req, err := DecodeEnrol(body)
	if err != nil {
		h.badRequest(w, r, sh.device, err)
		return
	}
	if req.Device != sh.device {
		h.security(r, CodeWrongDevice, sh.device, "enrolment body names device "+req.Device)
		writeError(w, http.StatusForbidden, CodeWrongDevice, "sync: signed as one device, enrolling another")
		return
	}
	if err := h.verify(r, sh, body, req.PublicKey); err != nil {
		h.authError(w, r, sh.device, err)
		return
	}
	resp, err := h.enrol(r.Context(), req, r.RemoteAddr)
	if err != nil {
		if errors.Is(err, errBadCode) {
			h.security(r, CodeBadCode, req.Device, err.Error())
			writeError(w, http.StatusForbidden, CodeBadCode, err.Error())
			return
		}
		writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
		return
	}
	h.log.Info("sync: device enrolled", "device", resp.Device, "index", resp.Index, "kiosk", req.Name)
	writeJSON(w, http.StatusOK, resp)
}

var errBadCode = errors.New("sync: enrolment code unknown, used or expired")

func (h *HallSync) enrol(ctx context.Context, req *EnrolRequest, remote string) (*EnrolResponse, error) {
	secret, _, ok := strings.Cut(req.Code, ".")
	if !ok {
		secret = req.Code
	}
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sync: enrol: %w", err)
	}
	defer tx.Rollback()
	now := h.now()
	var name, usedBy string
	var expires int64
	err = tx.QueryRowContext(ctx, `SELECT name, expires_ms, used_by FROM enrol_codes WHERE hash=?`, codeHash(secret)).Scan(&name, &expires, &usedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBadCode
	}
	if err != nil {
		return nil, fmt.Errorf("sync: enrol: %w", err)
	}
	resp := &EnrolResponse{Device: req.Device, HallTime: now.UnixMilli(), HallName: h.name}
	if usedBy == req.Device { // a retry after a lost response
		if err := tx.QueryRowContext(ctx, `SELECT idx FROM devices WHERE id=? AND revoked_ms=0`, req.Device).Scan(&resp.Index); err != nil {
			return nil, errBadCode
		}
		return resp, nil
	}
	if usedBy != "" || now.UnixMilli() > expires {
		return nil, errBadCode
	}
	var exists int
	_ = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM devices WHERE id=?`, req.Device).Scan(&exists)
	if exists > 0 {
		return nil, fmt.Errorf("%w: device already enrolled", errBadCode)
	}
	// Indexes are never reused, so a revoked device's overflow numbers
	// of today can never be issued by its successor.
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx),0)+1 FROM devices`).Scan(&resp.Index); err != nil {
		return nil, fmt.Errorf("sync: enrol: %w", err)
	}
	if resp.Index > MaxDevices {
		return nil, fmt.Errorf("sync: enrol: hall has enrolled %d kiosks, the most it can number", MaxDevices)
	}
	if req.Name != "" {
		name = req.Name
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO devices(id, idx, pubkey, name, enrolled_ms, software, remote, last_seen_ms) VALUES(?,?,?,?,?,?,?,?)`,
		req.Device, resp.Index, req.PublicKey, name, now.UnixMilli(), req.Software, remote, now.UnixMilli()); err != nil {
		return nil, fmt.Errorf("sync: enrol: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE enrol_codes SET used_by=? WHERE hash=?`, req.Device, codeHash(secret)); err != nil {
		return nil, fmt.Errorf("sync: enrol: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sync: enrol: %w", err)
	}
	return resp, nil
}

func (h *HallSync) servePush(w http.ResponseWriter, r *http.Request) {
	d, body := h.authenticate(w, r)
	if d == nil {
		return
	}
	req, err := DecodePush(body)
	if err != nil {
		h.badRequest(w, r, d.id, err)
		return
	}
	if req.Device != d.id {
		msg := fmt.Sprintf("sync: device %s pushed events as %s", d.id, req.Device)
		h.security(r, CodeWrongDevice, d.id, msg)
		writeError(w, http.StatusForbidden, CodeWrongDevice, msg)
		return
	}
	limit := h.now().Add(h.maxSkew).UnixMilli()
	for _, e := range req.Events {
		if e.HLC.Wall() > limit {
			msg := fmt.Sprintf("sync: event seq %d is stamped %s, ahead of the hall clock", e.Seq, e.HLC.Time().UTC().Format(time.RFC3339))
			h.security(r, CodeClockSkew, d.id, msg)
			writeError(w, http.StatusBadRequest, CodeClockSkew, msg)
			return
		}
	}
	lock := h.deviceLock(d.id)
	lock.Lock()
	defer lock.Unlock()
	// Re-read the acknowledged sequence under the lock.
	if err := h.db.QueryRowContext(r.Context(), `SELECT acked FROM devices WHERE id=?`, d.id).Scan(&d.acked); err != nil {
		writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
		return
	}
	resp := PushResponse{Acked: d.acked}
	var fresh []Event
	for _, e := range req.Events {
		switch {
		case e.Seq <= d.acked:
			resp.Duplicates++
		case e.Seq == d.acked+uint64(len(fresh))+1:
			fresh = append(fresh, e)
		default:
			resp.Gap = true
		}
		if resp.Gap {
			break
		}
	}
	if err := h.checkNumbers(r.Context(), d, fresh); err != nil {
		h.security(r, CodeWrongDevice, d.id, err.Error())
		writeError(w, http.StatusForbidden, CodeWrongDevice, err.Error())
		return
	}
	if len(fresh) > 0 {
		if err := h.hall.ImportEvents(r.Context(), d.id, fresh); err != nil {
			h.log.Error("sync: import events", "device", d.id, "err", err)
			writeError(w, http.StatusInternalServerError, CodeInternal, "sync: hall could not apply events: "+err.Error())
			return
		}
		resp.Acked = fresh[len(fresh)-1].Seq
		resp.Applied = len(fresh)
	}
	if err := h.commitPush(r.Context(), d.id, fresh, resp.Acked, r.RemoteAddr); err != nil {
		writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// checkNumbers refuses ticket events whose number lies outside the
// device's leases and its own overflow range: a device may not issue from
// another's range.
func (h *HallSync) checkNumbers(ctx context.Context, d *device, events []Event) error {
	type key struct{ service, day string }
	ranges := map[key][][2]int{}
	olo, ohi, err := OverflowRange(d.idx)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.Kind != KindTicketIssued {
			continue
		}
		var t TicketPayload
		if err := json.Unmarshal(e.Payload, &t); err != nil {
			return fmt.Errorf("sync: event seq %d: %w", e.Seq, err)
		}
		if t.Number >= olo && t.Number <= ohi {
			continue
		}
		k := key{t.Service, t.Day}
		rs, ok := ranges[k]
		if !ok {
			rows, err := h.db.QueryContext(ctx, `SELECT lo, hi FROM leases WHERE device=? AND service=? AND day=?`, d.id, t.Service, t.Day)
			if err != nil {
				return fmt.Errorf("sync: leases: %w", err)
			}
			for rows.Next() {
				var lo, hi int
				if err := rows.Scan(&lo, &hi); err != nil {
					rows.Close()
					return fmt.Errorf("sync: leases: %w", err)
				}
				rs = append(rs, [2]int{lo, hi})
			}
			rows.Close()
			ranges[k] = rs
		}
		in := false
		for _, r := range rs {
			if t.Number >= r[0] && t.Number <= r[1] {
				in = true
				break
			}
		}
		if !in {
			return fmt.Errorf("sync: event seq %d: number %s%04d on %s is not leased to device %s", e.Seq, t.Service, t.Number, t.Day, d.id)
		}
	}
	return nil
}

func (h *HallSync) servePull(w http.ResponseWriter, r *http.Request) {
	d, body := h.authenticate(w, r)
	if d == nil {
		return
	}
	req, err := DecodePull(body)
	if err != nil {
		h.badRequest(w, r, d.id, err)
		return
	}
	if req.Device != d.id {
		msg := fmt.Sprintf("sync: device %s pulled as %s", d.id, req.Device)
		h.security(r, CodeWrongDevice, d.id, msg)
		writeError(w, http.StatusForbidden, CodeWrongDevice, msg)
		return
	}
	ctx := r.Context()
	now := h.now()
	resp := PullResponse{HallTime: now.UnixMilli(), Day: Day(now, h.zone)}
	for _, doc := range []struct {
		name string
		have int64
		dst  **Versioned
	}{{"catalog", req.Have.Catalog, &resp.Catalog}, {"config", req.Have.Config, &resp.Config}, {"notices", req.Have.Notices, &resp.Notices}} {
		v, err := h.hall.Document(ctx, doc.name, doc.have)
		if err != nil {
			writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
			return
		}
		*doc.dst = v
	}
	lock := h.deviceLock(d.id)
	lock.Lock()
	for _, want := range req.Want {
		if want.Day != resp.Day {
			continue // leases are granted for the current hall day only
		}
		ls, err := h.grantLease(ctx, d.id, want, now)
		if err != nil && !errors.Is(err, ErrNoNumbers) {
			lock.Unlock()
			writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
			return
		}
		resp.Leases = append(resp.Leases, ls...)
	}
	if nr, ok := h.hall.(NumberReleaser); ok {
		if err := h.floatLeases(ctx, nr, d.id, req, &resp, now); err != nil {
			lock.Unlock()
			writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
			return
		}
	}
	lock.Unlock()
	if resp.Status, err = h.hall.QueueStatus(ctx); err != nil {
		h.log.Warn("sync: queue status", "err", err)
	}
	health := ""
	if len(req.Health) > 0 {
		health = string(req.Health)
	}
	if _, err := h.db.ExecContext(ctx, `UPDATE devices SET last_seen_ms=?, pending=?, software=?, health=?, remote=? WHERE id=?`,
		now.UnixMilli(), req.Pending, req.Software, health, r.RemoteAddr, d.id); err != nil {
		writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// floatLeases applies the kiosk's releases, asks back its blocks the
// hall's own numbers are about to reach, and grants (or resends) a block
// ahead for each service it asked back.
func (h *HallSync) floatLeases(ctx context.Context, nr NumberReleaser, device string, req *PullRequest, resp *PullResponse, now time.Time) error {
	released := map[string]bool{}
	for _, rel := range req.Released {
		if rel.Day != resp.Day {
			continue
		}
		var hi int
		err := h.db.QueryRowContext(ctx, `SELECT hi FROM leases WHERE device=? AND service=? AND day=? AND lo=?`, device, rel.Service, rel.Day, rel.Lo).Scan(&hi)
		if errors.Is(err, sql.ErrNoRows) {
			h.log.Warn("sync: release of a block not leased to the device", "device", device, "service", rel.Service, "lo", rel.Lo)
			continue
		}
		if err != nil {
			return fmt.Errorf("sync: leases: %w", err)
		}
		released[rel.Service+"|"+strconv.Itoa(rel.Lo)] = true
		if rel.From > hi {
			continue // it used the whole block
		}
		if err := nr.ReleaseNumbers(ctx, device, rel.Service, rel.Day, rel.Lo, rel.From); err != nil {
			h.log.Warn("sync: release numbers", "device", device, "service", rel.Service, "lo", rel.Lo, "err", err)
		}
	}
	rows, err := h.db.QueryContext(ctx, `SELECT service, lo, hi FROM leases WHERE device=? AND day=? ORDER BY service, lo`, device, resp.Day)
	if err != nil {
		return fmt.Errorf("sync: leases: %w", err)
	}
	staleLo := map[string]int{}
	reach := map[string]int{} // service → the number the hall's own will soon reach
	var services []string
	for rows.Next() {
		l := Lease{Day: resp.Day}
		if err := rows.Scan(&l.Service, &l.Lo, &l.Hi); err != nil {
			rows.Close()
			return fmt.Errorf("sync: leases: %w", err)
		}
		near, ok := reach[l.Service]
		if !ok { // once per service: Margin counts the hall's recent tickets
			near = nr.LastNumber(l.Service, resp.Day) + max(h.margin, nr.Margin(l.Service, resp.Day))
			reach[l.Service] = near
		}
		if released[l.Service+"|"+strconv.Itoa(l.Lo)] || l.Lo > near {
			continue
		}
		resp.Release = append(resp.Release, l)
		if _, ok := staleLo[l.Service]; !ok {
			services = append(services, l.Service)
		}
		staleLo[l.Service] = max(staleLo[l.Service], l.Lo)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sync: leases: %w", err)
	}
	have := map[string]bool{}
	for _, l := range resp.Leases {
		have[l.Service+"|"+strconv.Itoa(l.Lo)] = true
	}
	for _, svc := range services {
		ls, err := h.grantLease(ctx, device, LeaseWant{Service: svc, Day: resp.Day, HaveMaxLo: staleLo[svc]}, now)
		if err != nil && !errors.Is(err, ErrNoNumbers) {
			return err
		}
		for _, l := range ls {
			if !have[l.Service+"|"+strconv.Itoa(l.Lo)] {
				resp.Leases = append(resp.Leases, l)
			}
		}
	}
	return nil
}

// grantLease resends leases the kiosk has not seen yet, or grants a new
// block when it has seen them all.
func (h *HallSync) grantLease(ctx context.Context, device string, want LeaseWant, now time.Time) ([]Lease, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT lo, hi FROM leases WHERE device=? AND service=? AND day=? AND lo>? ORDER BY lo`,
		device, want.Service, want.Day, want.HaveMaxLo)
	if err != nil {
		return nil, fmt.Errorf("sync: leases: %w", err)
	}
	var out []Lease
	for rows.Next() {
		l := Lease{Service: want.Service, Day: want.Day}
		if err := rows.Scan(&l.Lo, &l.Hi); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sync: leases: %w", err)
		}
		out = append(out, l)
	}
	rows.Close()
	if len(out) > 0 {
		return out, nil
	}
	lo, hi, err := h.hall.ReserveNumbers(ctx, device, want.Service, want.Day, h.lease)
	if err != nil {
		return nil, err
	}
	if lo < 1 || hi > LeaseMax || hi < lo {
		return nil, fmt.Errorf("sync: hall reserved %d..%d outside 1..%d", lo, hi, LeaseMax)
	}
	if _, err := h.db.ExecContext(ctx, `INSERT INTO leases(service, day, lo, hi, device, granted_ms) VALUES(?,?,?,?,?,?)`,
		want.Service, want.Day, lo, hi, device, now.UnixMilli()); err != nil {
		return nil, fmt.Errorf("sync: record lease: %w", err)
	}
	return []Lease{{Service: want.Service, Day: want.Day, Lo: lo, Hi: hi}}, nil
}

// commitPush keeps the applied events in the hall's event log (every
// kind, so audit entries and health reports are kept whatever the Hall
// does with them) and stores the new acknowledged sequence, in one
// transaction after the Hall applied them.
func (h *HallSync) commitPush(ctx context.Context, device string, events []Event, acked uint64, remote string) error {
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sync: commit push: %w", err)
	}
	defer tx.Rollback()
	if len(events) > 0 {
		ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO kiosk_events(device, seq, kind, hlc, payload) VALUES(?,?,?,?,?)`)
		if err != nil {
			return fmt.Errorf("sync: commit push: %w", err)
		}
		defer ins.Close()
		for _, e := range events {
			if _, err := ins.ExecContext(ctx, device, e.Seq, e.Kind, int64(e.HLC), []byte(e.Payload)); err != nil {
				return fmt.Errorf("sync: commit push: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE devices SET acked=?, last_seen_ms=?, remote=? WHERE id=?`,
		acked, h.now().UnixMilli(), remote, device); err != nil {
		return fmt.Errorf("sync: commit push: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sync: commit push: %w", err)
	}
	return nil
}
