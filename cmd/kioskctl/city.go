package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"hallkiosk/hall/uplink"
	"hallkiosk/internal/version"
)

// The city commands act on a site's uplink state (hall server data
// directory, or kiosk.data_dir of a township box): DATA/city-uplink.json.
func init() {
	register("city enrol", "enrol this site (hall server or township box) with the city using a one-time code", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags("city enrol", stderr)
		city := fs.String("city", "", "city server URL, https://host:port")
		code := fs.String("code", "", "one-time enrolment code from the city (SECRET.<fingerprint>)")
		data := fs.String("data", "/var/lib/hallserver", "site data directory (hall server: server.data; township box: kiosk.data_dir)")
		jsonOut := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usageError("city enrol takes flags only (--city URL --code CODE), not %q", fs.Arg(0))
		}
		if *city == "" || *code == "" {
			return usageError("city enrol needs --city and --code")
		}
		u, err := uplink.New(nil, &uplink.Options{StatePath: uplink.StatePath(*data), Software: version.String(), Timeout: 15 * time.Second})
		if err != nil {
			return err
		}
		rep, err := u.Enrol(ctx, *city, *code)
		if err != nil {
			return err
		}
		if *jsonOut {
			return json.NewEncoder(stdout).Encode(rep)
		}
		_, err = fmt.Fprintf(stdout, "enrolled as site %s (%s, %s) with %s\n", rep.Site, rep.Name, rep.Kind, *city)
		return err
	})
	register("city status", "this site's uplink to the city: enrolment and the acknowledged sequence", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags("city status", stderr)
		data := fs.String("data", "/var/lib/hallserver", "site data directory")
		jsonOut := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := uplink.LoadState(uplink.StatePath(*data))
		if err != nil {
			return err
		}
		s := uplink.Status{Enrolled: st.Enrolled(), Site: st.Site, City: st.City, Acked: st.Acked}
		if *jsonOut {
			return json.NewEncoder(stdout).Encode(s)
		}
		_, err = fmt.Fprintf(stdout, "enrolled: %v\nsite:     %s\ncity:     %s\nacked:    %d\n", s.Enrolled, s.Site, s.City, s.Acked)
		return err
	})
}
