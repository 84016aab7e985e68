package hallapi

import (
	"embed"
	"io/fs"
	"net/http"

	qrcode "github.com/skip2/go-qrcode"
)

//go:embed web
var webFS embed.FS

func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := webFS.ReadFile("web/" + name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(data)
	}
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	sub, _ := fs.Sub(webFS, "web")
	http.StripPrefix("/static/", http.FileServerFS(sub)).ServeHTTP(w, r)
}

// qrPNG serves GET /api/v1/qr?c=TEXT: a QR code image of a signed code (for
// the booking page).
func (s *Server) qrPNG(w http.ResponseWriter, r *http.Request) {
	c := r.URL.Query().Get("c")
	if c == "" || len(c) > 2048 {
		http.Error(w, "hallapi: bad code", http.StatusBadRequest)
		return
	}
	png, err := qrcode.Encode(c, qrcode.Medium, 320)
	if err != nil {
		http.Error(w, "hallapi: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}
