package hallapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// userBody is the body of the account routes.
type userBody struct {
	Name     string `json:"name"`
	Display  string `json:"display"`
	Role     Role   `json:"role"`
	Window   int    `json:"window,omitempty"`
	Windows  []int  `json:"windows,omitempty"`
	Password string `json:"password,omitempty"`
}

func (s *Server) checkWindows(ws []int) error {
	cat := s.e.Catalog()
	for _, n := range ws {
		if _, ok := cat.Window(n); !ok {
			return &badRequest{fmt.Sprintf("no window %d", n)}
		}
	}
	return nil
}

// postUser creates an account (admin); an existing name is refused.
func (s *Server) postUser(w http.ResponseWriter, r *http.Request, id who) error {
	var req userBody
	if err := decode(r, &req); err != nil {
		return err
	}
	if u, _, err := s.user(r.Context(), req.Name); err != nil {
		return err
	} else if u != nil {
		return &forbidden{code: "exists", msg: "用户名已存在", st: http.StatusConflict}
	}
	if err := s.checkWindows(req.Windows); err != nil {
		return err
	}
	u := User{Name: req.Name, Display: req.Display, Role: req.Role, Window: req.Window, Windows: req.Windows}
	if err := s.AddUser(r.Context(), u, req.Password); err != nil {
		return &badRequest{err.Error()}
	}
	s.audit(r.Context(), "user_create", id.user.Name, u.Name, clientAddr(r), fmt.Sprintf("role %s windows %v", u.Role, u.Windows))
	nu, _, _ := s.user(r.Context(), u.Name)
	writeJSON(w, 201, nu)
	return nil
}

func (s *Server) target(r *http.Request) (*User, string, error) {
	u, hash, err := s.user(r.Context(), r.PathValue("name"))
	if err != nil {
		return nil, "", err
	}
	if u == nil {
		return nil, "", &forbidden{code: "not_found", msg: "没有该用户", st: http.StatusNotFound}
	}
	return u, hash, nil
}

// putUser changes an account's display name, role and windows (admin);
// a role change ends the account's sessions.
func (s *Server) putUser(w http.ResponseWriter, r *http.Request, id who) error {
	var req userBody
	if err := decode(r, &req); err != nil {
		return err
	}
	u, hash, err := s.target(r)
	if err != nil {
		return err
	}
	if req.Name != "" && req.Name != u.Name {
		return &badRequest{"the name cannot change"}
	}
	if !req.Role.Valid() {
		return &badRequest{"unknown role"}
	}
	if u.Name == id.user.Name && req.Role != u.Role {
		return &forbidden{code: "self", msg: "不能修改自己的角色"}
	}
	if err := s.checkWindows(req.Windows); err != nil {
		return err
	}
	nu := *u
	if req.Display != "" {
		nu.Display = req.Display
	}
	nu.Role, nu.Window, nu.Windows = req.Role, req.Window, req.Windows
	if err := s.addUserHash(r.Context(), nu, hash); err != nil {
		return err
	}
	s.audit(r.Context(), "user_update", id.user.Name, u.Name, clientAddr(r), fmt.Sprintf("role %s→%s windows %v→%v", u.Role, nu.Role, u.Windows, nu.Windows))
	writeJSON(w, 200, nu)
	return nil
}

// putUserWindows sets the windows a staff account may staff (supervisors
// and admins).
func (s *Server) putUserWindows(w http.ResponseWriter, r *http.Request, id who) error {
	var req struct {
		Windows []int `json:"windows"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	u, hash, err := s.target(r)
	if err != nil {
		return err
	}
	if u.Role != RoleStaff && id.user.Role != RoleAdmin {
		return &forbidden{code: "forbidden", msg: "没有权限"}
	}
	if err := s.checkWindows(req.Windows); err != nil {
		return err
	}
	slices.Sort(req.Windows)
	req.Windows = slices.Compact(req.Windows)
	nu := *u
	nu.Windows = req.Windows
	if err := s.addUserHash(r.Context(), nu, hash); err != nil {
		return err
	}
	s.audit(r.Context(), "user_windows", id.user.Name, u.Name, clientAddr(r), fmt.Sprintf("windows %v→%v", u.Windows, nu.Windows))
	writeJSON(w, 200, nu)
	return nil
}

// userAction serves POST /api/v1/users/{name}/reset {"password"},
// /disable and /enable (admin). Reset and disable end every session of
// the account at once.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request, id who) error {
	var req struct {
		Password string `json:"password"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	u, hash, err := s.target(r)
	if err != nil {
		return err
	}
	ctx, action := r.Context(), r.PathValue("action")
	nu := *u
	switch action {
	case "reset":
		if err := s.AddUser(ctx, nu, req.Password); err != nil {
			return &badRequest{err.Error()}
		}
	case "disable", "enable":
		if u.Name == id.user.Name {
			return &forbidden{code: "self", msg: "不能停用自己的账号"}
		}
		nu.Disabled = action == "disable"
		if err := s.addUserHash(ctx, nu, hash); err != nil {
			return err
		}
	default:
		writeErr(w, 404, "not_found", "没有该操作")
		return nil
	}
	if err := s.endSessions(ctx, u.Name, ""); err != nil {
		return err
	}
	s.audit(ctx, "user_"+action, id.user.Name, u.Name, clientAddr(r), "sessions ended")
	writeJSON(w, 200, nu)
	return nil
}

// deleteUser deletes an account and ends its sessions (admin).
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, id who) error {
	u, _, err := s.target(r)
	if err != nil {
		return err
	}
	if u.Name == id.user.Name {
		return &forbidden{code: "self", msg: "不能删除自己的账号"}
	}
	ctx := r.Context()
	if err := s.endSessions(ctx, u.Name, ""); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM users WHERE name=?`, u.Name); err != nil {
		return fmt.Errorf("hallapi: delete user: %w", err)
	}
	s.audit(ctx, "user_delete", id.user.Name, u.Name, clientAddr(r), strings.TrimSpace(string(u.Role)))
	writeJSON(w, 200, map[string]bool{"ok": true})
	return nil
}
