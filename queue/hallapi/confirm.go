package hallapi

import (
	"net/http"
)

// postConfirm is POST /api/v1/tickets/{id}/confirm {"printed": true|false}
// (an empty body means printed): the kiosk that asked for a reserved
// ticket (engine.IssueRequest.Reserve) says whether its printer printed
// it. Printed, the ticket waits in its queue; not printed, the
// reservation lapses. {id} is the ticket id or the idempotency
// key. Repeats answer the ticket as it is now.
func (s *Server) postConfirm(w http.ResponseWriter, r *http.Request, id who) error {
	req := struct {
		Printed *bool `json:"printed"`
	}{}
	if r.ContentLength != 0 {
		if err := decode(r, &req); err != nil {
			return err
		}
	}
	printed := req.Printed == nil || *req.Printed
	t, err := s.e.ConfirmPrinted(r.Context(), r.PathValue("id"), printed, id.actor(0))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}
