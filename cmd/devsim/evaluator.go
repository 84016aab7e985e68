package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"hallkiosk/drivers/evaluator/evaluatorsim"
)

// The evaluator simulator is an RS-485 bus with pads at addresses 1..4
// (package evaluator's frame). Control routes:
//
//	POST /evaluator/press?key=1..5[&addr=1]   press a key (409 if the pad is not prompting)
//	GET  /evaluator/                          the pads' state as JSON
func init() {
	registerSim(&sim{name: "evaluator", summary: "RS-485 bus of five-key evaluator pads (addresses 1-4)", run: runEvaluator})
}

func runEvaluator(ctx context.Context, port io.ReadWriter, env *simEnv) error {
	s := evaluatorsim.New(1, 2, 3, 4)
	env.Mux.HandleFunc("GET /evaluator/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Pads())
	})
	env.Mux.HandleFunc("POST /evaluator/press", func(w http.ResponseWriter, r *http.Request) {
		key, err := strconv.Atoi(r.URL.Query().Get("key"))
		if err != nil {
			http.Error(w, "evaluator: key is 1..5", http.StatusBadRequest)
			return
		}
		addr := 1
		if a := r.URL.Query().Get("addr"); a != "" {
			if addr, err = strconv.Atoi(a); err != nil || addr < 1 || addr > 247 {
				http.Error(w, "evaluator: addr is 1..247", http.StatusBadRequest)
				return
			}
		}
		if err := s.Press(byte(addr), key); err != nil {
			code := http.StatusBadRequest
			if errors.Is(err, evaluatorsim.ErrNotPrompting) {
				code = http.StatusConflict
			}
			http.Error(w, err.Error(), code)
			return
		}
		env.Log.Info("evaluator key pressed", "addr", addr, "key", key)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Pads())
	})
	return s.Run(ctx, port)
}
