package hallapi

import (
	"net/http"

	"hallkiosk/queue/engine"
)

// ServedReply answers POST /api/v1/tickets/served: the card holder's served,
// unrated ticket of today and a signed code for it, which the kiosk sends
// with the rating (POST /api/v1/tickets/{id}/rate "code") as it would a
// code scanned from the ticket's QR. No personal data.
type ServedReply struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	Service string `json:"service"`
	Code    string `json:"code"`
}

// postServed serves POST /api/v1/tickets/served {"id_number"} for enrolled
// kiosks: 200 with the ticket, 404 not_found when the holder has no served,
// unrated ticket today, 400 invalid_id for a number failing GB 11643.
func (s *Server) postServed(w http.ResponseWriter, r *http.Request, id who) error {
	if id.device == "" && (id.user != nil || !s.cfg.Demo) {
		return errStaffRates
	}
	var req struct {
		IDNumber string `json:"id_number"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := engine.CheckIDNumber(req.IDNumber, s.now()); err != nil {
		return &forbidden{code: "invalid_id", msg: "身份证号码有误", st: 400}
	}
	t, err := s.e.ServedTicket(r.Context(), req.IDNumber)
	if err != nil {
		return err
	}
	code, err := s.e.TicketCode(r.Context(), t.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ServedReply{ID: t.ID, Label: t.Label, Service: t.Service, Code: code})
	return nil
}
