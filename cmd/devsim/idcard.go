package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"

	"hallkiosk/drivers/idcard/idcardsim"
)

// The ID card reader simulator speaks the SAM protocol (drivers/idcard) and
// paces its answers at DEVSIM_IDCARD_BAUD (default 115200; 0 for no
// pacing). Control routes:
//
//	POST /idcard/card?name=resident1   lay a test card (GET /idcard/ lists them)
//	POST /idcard/remove                take the card away
//	POST /idcard/mode?m=noise          normal | slow | badsum | badsum-once | noise | silent
//	POST /idcard/baud?b=9600           pacing (0: none)
//	GET  /idcard/                      state, cards and modes as JSON
func init() {
	registerSim(&sim{name: "idcard", summary: "ID card reader (SAM protocol) with fictional cards of all four types", run: runIDCard})
}

func runIDCard(ctx context.Context, port io.ReadWriter, env *simEnv) error {
	baud := 115200
	if v := os.Getenv("DEVSIM_IDCARD_BAUD"); v != "" {
		if b, err := strconv.Atoi(v); err == nil && b >= 0 {
			baud = b
		}
	}
	s := idcardsim.New(baud)
	s.Log = env.Log
	addIDCardRoutes(env, s)
	return s.Run(ctx, port)
}

func addIDCardRoutes(env *simEnv, s *idcardsim.Sim) {
	state := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"state": s.State(), "cards": idcardsim.CardNames(), "modes": idcardsim.Modes})
	}
	env.Mux.HandleFunc("GET /idcard/{$}", func(w http.ResponseWriter, r *http.Request) { state(w) })
	env.Mux.HandleFunc("POST /idcard/card", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if err := s.Place(name); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		env.Log.Info("card laid on reader", "card", name)
		state(w)
	})
	env.Mux.HandleFunc("POST /idcard/remove", func(w http.ResponseWriter, r *http.Request) {
		s.Remove()
		env.Log.Info("card removed")
		state(w)
	})
	env.Mux.HandleFunc("POST /idcard/mode", func(w http.ResponseWriter, r *http.Request) {
		m := idcardsim.Mode(r.URL.Query().Get("m"))
		if err := s.SetMode(m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		env.Log.Info("reader mode", "mode", string(m))
		state(w)
	})
	env.Mux.HandleFunc("POST /idcard/baud", func(w http.ResponseWriter, r *http.Request) {
		b, err := strconv.Atoi(r.URL.Query().Get("b"))
		if err != nil || b < 0 {
			http.Error(w, "idcard: bad baud", http.StatusBadRequest)
			return
		}
		s.SetBaud(b)
		state(w)
	})
}
