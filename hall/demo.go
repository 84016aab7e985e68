package hall

import (
	"context"
	"fmt"
	"io"

	"hallkiosk/queue/hallapi"
)

// demoAccounts are created in a demo hall (server.demo, never in
// production).
var demoAccounts = []struct {
	u  hallapi.User
	pw string
}{
	{hallapi.User{Name: "staff1", Display: "王芳", Role: hallapi.RoleStaff, Window: 19}, "staff1-demo"},
	{hallapi.User{Name: "staff2", Display: "李强", Role: hallapi.RoleStaff, Window: 20}, "staff2-demo"},
	{hallapi.User{Name: "staff3", Display: "赵敏", Role: hallapi.RoleStaff, Window: 105}, "staff3-demo"},
	{hallapi.User{Name: "super1", Display: "刘主任", Role: hallapi.RoleSupervisor}, "super1-demo"},
	{hallapi.User{Name: "tech1", Display: "技术员", Role: hallapi.RoleTechnician}, "tech1-demo"},
	{hallapi.User{Name: "demoadmin", Display: "演示管理员", Role: hallapi.RoleAdmin}, "admin-demo"},
}

func seedDemo(ctx context.Context, srv *hallapi.Server, w io.Writer) error {
	fmt.Fprintln(w, "Demo mode: kiosks may issue without a key; opening hours are not enforced. Demo accounts (user / password / window):")
	users, err := srv.Users(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, u := range users {
		have[u.Name] = true
	}
	for _, a := range demoAccounts {
		// An account already there is left as it is: replacing it would end
		// its sessions, and a restarted demo hall keeps its clerks signed in.
		if !have[a.u.Name] {
			if err := srv.AddUser(ctx, a.u, a.pw); err != nil {
				return err
			}
		}
		win := ""
		if a.u.Window > 0 {
			win = fmt.Sprint(a.u.Window)
		}
		fmt.Fprintf(w, "  %-10s %-12s %-10s %s %s\n", a.u.Name, a.pw, a.u.Role, win, a.u.Display)
	}
	return nil
}
