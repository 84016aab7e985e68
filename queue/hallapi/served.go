package hallapi

import (
	"net/http"
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
	idNumber, err := s.decodeIDNumber(r)
	if err != nil {
		return err
	}
	t, err := s.e.ServedTicket(r.Context(), idNumber)
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
