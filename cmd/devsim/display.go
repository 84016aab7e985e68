package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"

	"hallkiosk/drivers/display"
)

// The display simulator plays an RS-485 bus of queue displays (window LED
// strips and the hall board). It decodes both protocols of package display
// (the 01 addr text 07 line and the FF 68 ... 16 frame), logs every command
// and keeps what each address shows.
//
// Control route:
//
//	GET /display/state  {"3": {"text": "A001", "brightness": 15, "protocol": "line", ...}, ...}
func init() {
	registerSim(&sim{
		name:    "display",
		summary: "queue display bus: window strips and hall board (line and framed protocols)",
		run: func(ctx context.Context, port io.ReadWriter, env *simEnv) error {
			s := display.NewSim(display.GB18030)
			s.OnCommand = func(c display.Command, codec display.Codec) {
				env.Log.Info("display command", "protocol", codec.Name(), "addr", int(c.Addr), "op", c.Op.String(),
					"text", c.Text, "level", c.Level)
			}
			s.OnError = func(err error) { env.Log.Warn("display bad bytes", "err", err) }
			env.Mux.HandleFunc("GET /display/state", func(w http.ResponseWriter, _ *http.Request) {
				st := s.State()
				addrs := make([]int, 0, len(st))
				for a := range st {
					addrs = append(addrs, int(a))
				}
				sort.Ints(addrs)
				out := make(map[string]display.Shown, len(st))
				for _, a := range addrs {
					out[strconv.Itoa(a)] = st[byte(a)]
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(out)
			})
			return s.Run(ctx, port)
		},
	})
}
