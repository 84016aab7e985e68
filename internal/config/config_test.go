package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type testConf struct {
	Name   string `ini:"name"`
	Server struct {
		Listen  string        `ini:"listen"`
		Timeout time.Duration `ini:"timeout"`
		Workers int           `ini:"workers"`
		TLS     bool          `ini:"tls"`
		Hosts   []string      `ini:"hosts"`
	} `ini:"server"`
}

func (c *testConf) Validate() error {
	if c.Server.Workers < 0 {
		return &Error{Key: "server.workers", Msg: "must be >= 0"}
	}
	return nil
}

func TestParseGood(t *testing.T) {
	var c testConf
	c.Server.Listen = ":1"
	src := "\ufeff# c\nname = \"玉门\"\n[server]\ntimeout = 5s\nworkers=3\ntls = true\nhosts = a, b ,c\n"
	if err := Parse(strings.NewReader(src), "x.conf", &c); err != nil {
		t.Fatal(err)
	}
	if c.Name != "玉门" || c.Server.Listen != ":1" || c.Server.Timeout != 5*time.Second || c.Server.Workers != 3 || !c.Server.TLS || strings.Join(c.Server.Hosts, "|") != "a|b|c" {
		t.Fatalf("bad parse: %+v", c)
	}
}

func TestParseErrorsNameKeyAndLine(t *testing.T) {
	cases := []struct{ src, want string }{
		{"[server]\nlisten = x\nworkrs = 2\n", `x.conf:3: key "server.workrs": unknown key`},
		{"[server]\nworkers = two\n", `x.conf:2: key "server.workers": not an integer`},
		{"[server]\ntimeout = 5 seconds\n", `x.conf:2: key "server.timeout": not a duration`},
		{"[servr]\n", `x.conf:1: unknown section [servr]`},
		{"[server]\nlisten\n", `x.conf:2: expected key = value`},
		{"[server]\nworkers = 1\nworkers = 2\n", `x.conf:3: key "server.workers": set twice (first on line 2)`},
		{"\n\n[server]\nworkers = -1\n", `x.conf:4: key "server.workers": must be >= 0`},
		{"[server]\ntls = yes\n", `key "server.tls": not true or false`},
	}
	for _, tc := range cases {
		var c testConf
		err := Parse(strings.NewReader(tc.src), "x.conf", &c)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("%q: want *Error, got %v", tc.src, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %q, want it to contain %q", tc.src, err, tc.want)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	var c testConf
	p := filepath.Join(t.TempDir(), "none.conf")
	if err := Load(p, &c, true); err != nil {
		t.Fatal(err)
	}
	if err := Load(p, &c, false); err == nil {
		t.Fatal("missing file accepted")
	}
	if err := os.WriteFile(p, []byte("[server]\nworkers = 9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Load(p, &c, false); err != nil || c.Server.Workers != 9 {
		t.Fatal(err, c.Server.Workers)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("[server]\nlisten = :8080\n")
	f.Add("name = x\n[server]\nhosts = a,b\n")
	f.Fuzz(func(t *testing.T, s string) {
		var c testConf
		_ = Parse(strings.NewReader(s), "f", &c)
	})
}

// Voice and Site are sections shared by two programs' files, embedded by
// the structs below.
type Voice struct {
	Output string `ini:"output"`
	Repeat int    `ini:"repeat"`
}

type Site struct {
	Name string `ini:"name"`
}

type embedConf struct {
	Voice struct {
		Enabled bool `ini:"enabled"`
		Voice
	} `ini:"voice"`
	Shared struct {
		Site
	} `ini:"site"`
}

func (c *embedConf) Validate() error {
	if c.Voice.Repeat > 5 {
		return &Error{Key: "voice.repeat", Msg: "want 1..5"}
	}
	return nil
}

// TestEmbedded: an embedded struct's keys belong to the section that
// embeds it; errors still name the file, line and key.
func TestEmbedded(t *testing.T) {
	var c embedConf
	c.Voice.Repeat = 2
	src := "[voice]\nenabled = true\noutput = wav:/tmp/v\n[site]\nname = 玉门\n"
	if err := Parse(strings.NewReader(src), "k.conf", &c); err != nil {
		t.Fatal(err)
	}
	if !c.Voice.Enabled || c.Voice.Output != "wav:/tmp/v" || c.Voice.Repeat != 2 || c.Shared.Name != "玉门" {
		t.Fatalf("bad parse: %+v", c)
	}
	for src, want := range map[string]string{
		"[voice]\nrepeat = x\n":             `k.conf:2: key "voice.repeat": not an integer`,
		"[voice]\n\nrepeat = 9\n":           `k.conf:3: key "voice.repeat": want 1..5`,
		"[voice]\nvoice = x\n":              `k.conf:2: key "voice.voice": unknown key`,
		"[voice]\noutput = a\noutput = b\n": `k.conf:3: key "voice.output": set twice`,
		"[site]\nrepeat = 1\n":              `k.conf:2: key "site.repeat": unknown key`,
	} {
		var c embedConf
		err := Parse(strings.NewReader(src), "k.conf", &c)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %s", src, err, want)
		}
	}
	got := strings.Join(Keys(&c), " ")
	if want := "voice.enabled voice.output voice.repeat site.name"; got != want {
		t.Errorf("keys %q, want %q", got, want)
	}
}
