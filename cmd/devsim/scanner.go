package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"

	"hallkiosk/drivers/scanner"
	"hallkiosk/drivers/scanner/scannersim"
)

// The scanner simulator is a serial QR module: it types the codes it is
// given followed by a suffix, paced at DEVSIM_SCANNER_BAUD (default 9600),
// and records Honeywell and Newland trigger commands. Control routes:
//
//	POST /scanner/scan[?suffix=crlf|cr|lf|none&enc=utf-8|gb18030]  body: the code text
//	GET  /scanner/                                                  state as JSON
func init() {
	registerSim(&sim{name: "scanner", summary: "serial QR scanner module: types the codes it is given", run: runScanner})
}

func runScanner(ctx context.Context, port io.ReadWriter, env *simEnv) error {
	baud := 9600
	if v := os.Getenv("DEVSIM_SCANNER_BAUD"); v != "" {
		if b, err := strconv.Atoi(v); err == nil && b >= 0 {
			baud = b
		}
	}
	s := scannersim.New(baud)
	env.Mux.HandleFunc("GET /scanner/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"scans": s.Scans(), "triggers": s.Triggers(), "baud": baud})
	})
	env.Mux.HandleFunc("POST /scanner/scan", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 16<<10))
		if err != nil || len(body) == 0 {
			http.Error(w, "scanner: empty code", http.StatusBadRequest)
			return
		}
		suffix := map[string]string{"": s.Suffix, "crlf": "\r\n", "cr": "\r", "lf": "\n", "none": ""}
		suf, ok := suffix[r.URL.Query().Get("suffix")]
		if !ok {
			http.Error(w, "scanner: suffix is crlf, cr, lf or none", http.StatusBadRequest)
			return
		}
		enc := scanner.UTF8
		switch r.URL.Query().Get("enc") {
		case "", "utf-8", "utf8":
		case "gb18030":
			enc = scanner.GB18030
		default:
			http.Error(w, "scanner: enc is utf-8 or gb18030", http.StatusBadRequest)
			return
		}
		if err := s.ScanWith(r.Context(), string(body), suf, enc); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		env.Log.Info("code scanned", "bytes", len(body))
		w.Write([]byte("ok\n"))
	})
	return s.Run(ctx, port)
}
