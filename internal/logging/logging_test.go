package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONAndRedaction(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "debug")
	log.Info("card read", "name", "张三", "id_number", "620102199001011234", "port", "/dev/ttyUSB0")
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("not JSON: %q", buf.String())
	}
	if strings.Contains(buf.String(), "张三") || strings.Contains(buf.String(), "1234") {
		t.Fatalf("personal data leaked: %s", buf.String())
	}
	if m["port"] != "/dev/ttyUSB0" || m["name"] != "[redacted]" {
		t.Fatalf("unexpected record %v", m)
	}
}
