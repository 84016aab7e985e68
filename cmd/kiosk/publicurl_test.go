package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallkiosk/internal/config"
)

// TestPublicURL: the ticket QR opens hall.public_url + "/q?c=" (what a
// phone reaches), hall.url when it is empty; a bad value names its key.
func TestPublicURL(t *testing.T) {
	c := defaults()
	if got := c.ProgressURL(); got != "http://127.0.0.1:8080/q?c=" {
		t.Errorf("default: %q", got)
	}
	c.Hall.PublicURL = "https://zwfw.example.gov.cn/"
	if got := c.ProgressURL(); got != "https://zwfw.example.gov.cn/q?c=" {
		t.Errorf("public_url: %q", got)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid public_url refused: %v", err)
	}
	for _, bad := range []string{"zwfw.example.gov.cn", "ftp://x", "https://x/?a=1"} {
		p := filepath.Join(t.TempDir(), "k.conf")
		os.WriteFile(p, []byte("[hall]\npublic_url = "+bad+"\n"), 0o644)
		c := defaults()
		err := config.Load(p, c, false)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), "hall.public_url") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
