package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"

	"golang.org/x/crypto/bcrypt"

	"hallkiosk/city/store"
)

// accountJSON is an account as the admin API shows it (never its hash).
type accountJSON struct {
	User     string `json:"user"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
	Created  string `json:"created_at"`
}

// audit records an account change: who, what, whose, from where (never a
// password).
func (s *Server) audit(r *http.Request, actor, kind, target, detail string) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if err := s.st.AddAudit(r.Context(), store.AuditEntry{At: s.opts.Now(), Actor: actor, Kind: kind, Target: target, Remote: host, Detail: detail}); err != nil {
		s.log.Error("city: audit", "err", err)
	}
}

// accountError answers a refused account change.
func accountError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		apiError(w, http.StatusNotFound, "not_found", "city: no such account")
	case errors.Is(err, store.ErrLastAdmin):
		apiError(w, http.StatusConflict, "last_admin", "city: the last enabled admin cannot be removed, demoted or disabled")
	default:
		apiError(w, http.StatusInternalServerError, "internal", "city: account change failed")
	}
}

// handleAccount serves POST /api/v1/admin/accounts {"user","role","password"}:
// creates or replaces an account.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User     string `json:"user"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if err := decodeStrict(r, 4096, &req); err != nil {
		apiError(w, http.StatusBadRequest, "malformed", "city: "+err.Error())
		return
	}
	me := s.account(r)
	old, _ := s.st.Account(r.Context(), req.User)
	if err := s.SetPassword(r.Context(), req.User, req.Role, req.Password); errors.Is(err, store.ErrLastAdmin) {
		accountError(w, err)
		return
	} else if err != nil {
		apiError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	if old == nil {
		s.audit(r, me.Name, "account_create", req.User, "role "+req.Role)
	} else {
		s.audit(r, me.Name, "account_replace", req.User, fmt.Sprintf("role %s→%s, password set, sessions ended", old.Role, req.Role))
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleAccounts serves GET /api/v1/admin/accounts.
func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request) {
	as, err := s.st.AccountList(r.Context())
	if err != nil {
		s.log.Error("city: accounts", "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: accounts")
		return
	}
	out := make([]accountJSON, len(as))
	for i, a := range as {
		out[i] = accountJSON{User: a.Name, Role: a.Role, Disabled: a.Disabled, Created: a.Created.In(s.opts.Zone).Format("2006-01-02T15:04:05-07:00")}
	}
	writeJSON(w, out)
}

// handleAccountAction serves POST /api/v1/admin/accounts/{user}/role
// {"role"}, /password {"password"}, /disable {} and /enable {}. Every
// change ends the account's sessions; an admin cannot change their own
// role or disable themselves, and the last enabled admin stays.
func (s *Server) handleAccountAction(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Role     string `json:"role,omitempty"`
		Password string `json:"password,omitempty"`
	}
	if err := decodeStrict(r, 4096, &req); err != nil {
		apiError(w, http.StatusBadRequest, "malformed", "city: "+err.Error())
		return
	}
	me, name, action := s.account(r), r.PathValue("user"), r.PathValue("action")
	old, err := s.st.Account(r.Context(), name)
	if err != nil {
		accountError(w, err)
		return
	}
	ctx := r.Context()
	var detail string
	switch action {
	case "role":
		if !slices.Contains(Roles, req.Role) {
			apiError(w, http.StatusBadRequest, "invalid", "city: role is admin, supervisor or technician")
			return
		}
		if name == me.Name && req.Role != old.Role {
			apiError(w, http.StatusForbidden, "self", "city: you cannot change your own role")
			return
		}
		err, detail = s.st.SetRole(ctx, name, req.Role), fmt.Sprintf("role %s→%s", old.Role, req.Role)
	case "password":
		if len(req.Password) < 10 || len(req.Password) > 72 {
			apiError(w, http.StatusBadRequest, "invalid", "city: a password of 10..72 bytes")
			return
		}
		h, herr := bcrypt.GenerateFromPassword([]byte(req.Password), BcryptCost)
		if herr != nil {
			accountError(w, herr)
			return
		}
		err, detail = s.st.SetHash(ctx, name, string(h)), "password set"
	case "disable", "enable":
		if name == me.Name {
			apiError(w, http.StatusForbidden, "self", "city: you cannot disable your own account")
			return
		}
		err, detail = s.st.SetDisabled(ctx, name, action == "disable"), action+"d"
	default:
		apiError(w, http.StatusNotFound, "not_found", "city: no such account action")
		return
	}
	if err != nil {
		accountError(w, err)
		return
	}
	s.audit(r, me.Name, "account_"+action, name, detail+", sessions ended")
	a, _ := s.st.Account(ctx, name)
	writeJSON(w, accountJSON{User: a.Name, Role: a.Role, Disabled: a.Disabled, Created: a.Created.In(s.opts.Zone).Format("2006-01-02T15:04:05-07:00")})
}

// handleAccountDelete serves DELETE /api/v1/admin/accounts/{user}.
func (s *Server) handleAccountDelete(w http.ResponseWriter, r *http.Request) {
	me, name := s.account(r), r.PathValue("user")
	if name == me.Name {
		apiError(w, http.StatusForbidden, "self", "city: you cannot delete your own account")
		return
	}
	old, err := s.st.Account(r.Context(), name)
	if err == nil {
		err = s.st.DeleteAccount(r.Context(), name)
	}
	if err != nil {
		accountError(w, err)
		return
	}
	s.audit(r, me.Name, "account_delete", name, "role "+old.Role)
	w.WriteHeader(http.StatusNoContent)
}

// handleAudit serves GET /api/v1/admin/audit: the newest 200 account changes.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	es, err := s.st.Audit(r.Context(), 200)
	if err != nil {
		s.log.Error("city: audit", "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: audit")
		return
	}
	writeJSON(w, es)
}
