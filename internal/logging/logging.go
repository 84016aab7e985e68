// Package logging builds the process logger: log/slog with JSON lines when
// the output is not a terminal (journald, files) and text on a terminal.
//
// Personal data never belongs in a log. As a second line of defence, values
// under attribute keys that name personal fields (name, id_number, address,
// photo, ...) are replaced with "[redacted]" whatever the caller passed.
package logging

import (
	"io"
	"log/slog"
	"os"
	"strings"
)

// sensitive lists attribute keys whose values are never written.
var sensitive = map[string]bool{
	"name": true, "name_en": true, "id_number": true, "idnumber": true, "id": false,
	"address": true, "photo": true, "fingerprint": true, "phone": true, "birth": true,
	"pass_number": true, "password": true, "pin": true, "secret": true, "token": true,
}

// Sensitive reports whether values logged under key are redacted.
func Sensitive(key string) bool { return sensitive[strings.ToLower(key)] }

// New returns a logger writing to w at the given level ("debug", "info",
// "warn", "error"; anything else means info).
func New(w io.Writer, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: ParseLevel(level), ReplaceAttr: redact}
	if IsTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// ParseLevel maps a level name to a slog.Level.
func ParseLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func redact(_ []string, a slog.Attr) slog.Attr {
	if Sensitive(a.Key) {
		return slog.String(a.Key, "[redacted]")
	}
	return a
}

// IsTerminal reports whether w is a character device such as a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
