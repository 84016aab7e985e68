package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"hallkiosk/internal/httpjson"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"unicode"
)

// DefaultMaxImportBytes bounds an import request body unless
// HandlerOpts.MaxImportBytes says otherwise.
const DefaultMaxImportBytes = 32 << 20

// HandlerOpts configures Handler.
type HandlerOpts struct {
	// Prefix is the path the handler is mounted at, with a trailing slash,
	// e.g. "/api/v1/registry/".
	Prefix string
	// AllowWrite decides whether a request may import; nil allows none.
	// The hall server passes its staff/technician authentication here.
	AllowWrite func(r *http.Request) bool
	// Log receives errors; nil discards them.
	Log *slog.Logger
	// MaxImportBytes bounds an import body (0: DefaultMaxImportBytes).
	MaxImportBytes int64
}

// Handler serves the registry API under opts.Prefix:
//
//	GET  {prefix}licences/{uscc}       → Licence
//	GET  {prefix}properties/{number}   → Property (number URL-escaped)
//	GET  {prefix}export                → Export (everything, for kiosk caches)
//	POST {prefix}import                → ImportResult; body text/csv (see
//	                                     CSVColumns) or application/json Export
//
// Errors are in the one documented format {"error":{"code","message","detail"}}
// (internal/httpjson; detail carries the registry's English error) with 400,
// 403, 404, 405, 413, 415 or 500. Client reads it and the older {"error":"..."}.
func Handler(s *Store, opts HandlerOpts) http.Handler {
	if opts.Prefix == "" {
		opts.Prefix = "/"
	}
	if !strings.HasSuffix(opts.Prefix, "/") {
		opts.Prefix += "/"
	}
	if opts.MaxImportBytes <= 0 {
		opts.MaxImportBytes = DefaultMaxImportBytes
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{s: s, opts: opts, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+opts.Prefix+"licences/{uscc}", h.licence)
	mux.HandleFunc("GET "+opts.Prefix+"properties/{number}", h.property)
	mux.HandleFunc("GET "+opts.Prefix+"export", h.export)
	mux.HandleFunc("POST "+opts.Prefix+"import", h.importRecords)
	return mux
}

// codeOf and messageOf give an error reply's code and Chinese message by status.
var codeOf = map[int]string{
	http.StatusBadRequest: httpjson.CodeInvalid, http.StatusNotFound: "not_found",
	http.StatusRequestEntityTooLarge: httpjson.CodeTooLarge, http.StatusInternalServerError: "internal",
}

var messageOf = map[int]string{
	http.StatusBadRequest: "请求有误", http.StatusNotFound: "未找到",
	http.StatusRequestEntityTooLarge: "导入内容过大", http.StatusInternalServerError: "服务暂时不可用",
}

type handler struct {
	s    *Store
	opts HandlerOpts
	log  *slog.Logger
}

func writeJSON(w http.ResponseWriter, code int, v any) { httpjson.WriteJSON(w, code, v) }

func (h *handler) fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, ErrInvalid):
		code = http.StatusBadRequest
	case errors.As(err, &mbe):
		code = http.StatusRequestEntityTooLarge
		err = fmt.Errorf("registry: import larger than %d bytes", mbe.Limit)
	default:
		h.log.Error("registry request failed", "err", err)
	}
	httpjson.WriteErrorDetail(w, code, codeOf[code], messageOf[code], err.Error())
}

func (h *handler) licence(w http.ResponseWriter, r *http.Request) {
	uscc := r.PathValue("uscc")
	if err := CheckUSCC(strings.ToUpper(uscc)); err != nil {
		h.fail(w, err)
		return
	}
	l, err := h.s.Licence(r.Context(), uscc)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (h *handler) property(w http.ResponseWriter, r *http.Request) {
	n := NormalisePropertyNumber(r.PathValue("number"))
	if !propertyRe.MatchString(n) {
		h.fail(w, fmt.Errorf("%w: not a real-estate certificate number", ErrInvalid))
		return
	}
	p, err := h.s.Property(r.Context(), n)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (h *handler) export(w http.ResponseWriter, r *http.Request) {
	e, err := h.s.Export(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (h *handler) importRecords(w http.ResponseWriter, r *http.Request) {
	if h.opts.AllowWrite == nil || !h.opts.AllowWrite(r) {
		httpjson.WriteErrorDetail(w, http.StatusForbidden, "forbidden", "无权导入", "registry: import not allowed for this caller")
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxImportBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var (
		res ImportResult
		err error
	)
	switch mt {
	case "text/csv":
		res, err = h.s.ImportCSVFile(r.Context(), uploadName(r), body)
	case "application/json":
		res, err = h.importJSON(r, body)
	default:
		httpjson.WriteErrorDetail(w, http.StatusUnsupportedMediaType, httpjson.CodeMediaType, "请求格式有误", "registry: import wants text/csv or application/json")
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	h.log.Info("registry import", "licences", res.Licences, "permits", res.Permits, "properties", res.Properties)
	writeJSON(w, http.StatusOK, res)
}

func (h *handler) importJSON(r *http.Request, body io.Reader) (ImportResult, error) {
	var e Export
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ImportResult{}, err
		}
		return ImportResult{}, fmt.Errorf("%w: json: %v", ErrInvalid, err)
	}
	return h.s.Import(r.Context(), &e)
}

// uploadName is the file name an import names itself by: the "file" query
// parameter or the Content-Disposition filename, else "upload". Errors
// about rows read "NAME line N: ...".
func uploadName(r *http.Request) string {
	name := r.URL.Query().Get("file")
	if name == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	name = strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || unicode.Is(unicode.Cf, c) {
			return -1
		}
		return c
	}, name)
	if name == "" || len(name) > 200 {
		return "upload"
	}
	return name
}
