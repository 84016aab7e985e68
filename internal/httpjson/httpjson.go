// Package httpjson writes the JSON replies and the one error format every
// /api/v1 route of the hall and the city uses:
//
//	{"error": {"code": "...", "message": "中文说明", "detail": "english detail"}}
//
// Screens show message; programs branch on code (docs/API.md lists them).
// Every reply carries Cache-Control: no-store, since queue state, tickets
// and sessions must never be served from a cache.
package httpjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// Error is the body of an error reply.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`          // Chinese, for screens
	Detail  string `json:"detail,omitempty"` // English, for technicians
}

// ErrorBody is the whole error reply: {"error": {...}}.
type ErrorBody struct {
	Error Error `json:"error"`
}

// WriteJSON writes v as a JSON reply with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes the error reply.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, ErrorBody{Error: Error{Code: code, Message: message}})
}

// WriteErrorDetail writes the error reply with an English detail.
func WriteErrorDetail(w http.ResponseWriter, status int, code, message, detail string) {
	WriteJSON(w, status, ErrorBody{Error: Error{Code: code, Message: message, Detail: detail}})
}

// Codes shared by every route.
const (
	CodeInvalid   = "invalid"
	CodeMediaType = "media_type"
	CodeTooLarge  = "too_large"
)

// ErrMediaType is returned by Decode for a body that is not JSON.
var ErrMediaType = errors.New("body is not application/json")

// Decode reads one JSON object of at most limit bytes into v, refusing
// unknown fields, trailing data and a Content-Type other than
// application/json (an empty Content-Type is refused too).
func Decode(r *http.Request, limit int64, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return ErrMediaType
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, limit+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	if dec.More() {
		return errors.New("body: trailing data after the JSON object")
	}
	if n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 1)); n > 0 || dec.InputOffset() > limit {
		return fmt.Errorf("body: larger than %d bytes", limit)
	}
	return nil
}

// WriteDecodeError answers a Decode failure: 415 media_type or 400 invalid.
func WriteDecodeError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrMediaType) {
		WriteErrorDetail(w, http.StatusUnsupportedMediaType, CodeMediaType, "请求格式错误", err.Error())
		return
	}
	WriteErrorDetail(w, http.StatusBadRequest, CodeInvalid, "请求内容有误", err.Error())
}
