package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/hall"
	"hallkiosk/hall/uplink"
	"hallkiosk/internal/config"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/i18n"
	"hallkiosk/printer"
)

// Config is the kiosk's configuration file; every key is documented in
// deploy/kiosk.conf.example and docs/KIOSK.md. The defaults make the demo
// work: hall server on 127.0.0.1:8080, devices from devsim under var/dev.
type Config struct {
	Kiosk struct {
		DeviceID    string `ini:"device_id"`
		HallName    string `ini:"hall_name"`
		HallNameEN  string `ini:"hall_name_en"`
		Language    string `ini:"language"`
		Orientation string `ini:"orientation"`
		Fullscreen  bool   `ini:"fullscreen"`
		DataDir     string `ini:"data_dir"`
		LogLevel    string `ini:"log_level"`
		Catalogue   string `ini:"catalogue"`
		Standalone  bool   `ini:"standalone"`
		// PersonalDataDays: how long personal data is kept (1..3650).
		PersonalDataDays int    `ini:"personal_data_days"`
		SimDir           string `ini:"sim_dir"`
		Control          string `ini:"control"`
	} `ini:"kiosk"`
	Hall struct {
		URL            string        `ini:"url"`
		PublicURL      string        `ini:"public_url"`
		Key            string        `ini:"key"`
		Timeout        time.Duration `ini:"timeout"`
		StatusInterval time.Duration `ini:"status_interval"`
	} `ini:"hall"`
	Timeouts struct {
		Idle          time.Duration `ini:"idle"`
		ElderIdle     time.Duration `ini:"elder_idle"`
		Result        time.Duration `ini:"result"`
		ElderResult   time.Duration `ini:"elder_result"`
		CardWait      time.Duration `ini:"card_wait"`
		ElderCardWait time.Duration `ini:"elder_card_wait"`
		Print         time.Duration `ini:"print"`
	} `ini:"timeouts"`
	Maintenance struct {
		PIN     string        `ini:"pin"`
		Tries   int           `ini:"tries"`
		Lockout time.Duration `ini:"lockout"`
		Idle    time.Duration `ini:"idle"`
	} `ini:"maintenance"`
	Printer struct {
		Port    string `ini:"port"`
		Baud    int    `ini:"baud"`
		Profile string `ini:"profile"`
	} `ini:"printer"`
	IDCard struct {
		Port string `ini:"port"`
		Baud int    `ini:"baud"`
	} `ini:"idcard"`
	Scanner struct {
		Port string `ini:"port"`
		Baud int    `ini:"baud"`
	} `ini:"scanner"`
	Voice struct {
		// Enabled turns the elder-mode prompts on (prompts.go).
		Enabled bool `ini:"enabled"`
		// The call announcements of a standalone box, the hall's [voice]
		// keys (output, language, repeat, zones, backlog_limit, ...);
		// output is also where the prompts go.
		hall.VoiceConfig
	} `ini:"voice"`
	Registry struct {
		Import string `ini:"import"`
	} `ini:"registry"`
	Invoices struct {
		Enabled bool   `ini:"enabled"`
		Import  string `ini:"import"`
	} `ini:"invoices"`
	// Display: window strips and hall board of a standalone box, the
	// hall's [display] (callout.go).
	Display hall.DisplayConfig `ini:"display"`
	// Evaluator: the evaluator pads at a standalone box's windows, the
	// hall's [evaluator] (callout.go).
	Evaluator hall.EvaluatorConfig `ini:"evaluator"`
	// Standalone: the hall pages a standalone box serves (hallpages.go).
	Standalone StandaloneConfig `ini:"standalone"`
	// City: a standalone box's uplink to the city server (city.go).
	City uplink.Config `ini:"city"`
}

// defaults returns the configuration the demo runs with.
func defaults() *Config {
	c := &Config{}
	h := hall.DefaultConfig() // a standalone box's hall keys default as a hall's
	c.Kiosk.DeviceID = "kiosk-01"
	c.Kiosk.Language = "zh"
	c.Kiosk.Orientation = "portrait"
	c.Kiosk.Fullscreen = true
	c.Kiosk.DataDir = "var/kiosk"
	c.Kiosk.PersonalDataDays = h.Privacy.PersonalDataDays
	c.Kiosk.LogLevel = "info"
	c.Kiosk.SimDir = "var/dev"
	c.Hall.URL = "http://127.0.0.1:8080"
	c.Hall.Timeout = 3 * time.Second
	c.Hall.StatusInterval = 10 * time.Second
	f := flow.DefaultOptions // the flow's defaults, written once there
	c.Timeouts.Idle, c.Timeouts.ElderIdle = f.Idle, f.ElderIdle
	c.Timeouts.Result, c.Timeouts.ElderResult = f.Result, f.ElderResult
	c.Timeouts.CardWait, c.Timeouts.ElderCardWait = f.CardWait, f.ElderCardWait
	c.Timeouts.Print = f.PrintTimeout
	c.Maintenance.Tries, c.Maintenance.Lockout, c.Maintenance.Idle = f.PINTries, f.PINLockout, f.MaintIdle
	c.Printer.Port = "/dev/ttyUSB0"
	c.Printer.Baud = printer.DefaultBaud
	c.Printer.Profile = "80mm"
	c.IDCard.Port = "/dev/ttyUSB1"
	c.IDCard.Baud = idcard.DefaultOpts.Baud
	c.Scanner.Port = "/dev/ttyACM0"
	c.Scanner.Baud = 9600
	c.Voice.Enabled = true
	c.Voice.VoiceConfig, c.Display, c.Evaluator = h.Voice, h.Display, h.Evaluator
	c.Standalone.AuthConfig = h.Auth
	c.Invoices.Enabled = true
	return c
}

// Validate checks values and relations between keys.
func (c *Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &config.Error{Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if c.Kiosk.DeviceID == "" || strings.ContainsAny(c.Kiosk.DeviceID, " :/") {
		return bad("kiosk.device_id", "must be non-empty without spaces, ':' or '/'")
	}
	if _, err := i18n.ParseLang(c.Kiosk.Language); err != nil {
		return bad("kiosk.language", "must be zh or en, not %q", c.Kiosk.Language)
	}
	if c.Kiosk.Orientation != "portrait" && c.Kiosk.Orientation != "landscape" {
		return bad("kiosk.orientation", "must be portrait or landscape, not %q", c.Kiosk.Orientation)
	}
	if c.Kiosk.DataDir == "" {
		return bad("kiosk.data_dir", "must not be empty")
	}
	if c.Kiosk.PersonalDataDays < 1 || c.Kiosk.PersonalDataDays > 3650 {
		return bad("kiosk.personal_data_days", "must be 1..3650, not %d", c.Kiosk.PersonalDataDays)
	}
	switch strings.ToLower(c.Kiosk.LogLevel) {
	case "debug", "info", "warn", "warning", "error":
	default:
		return bad("kiosk.log_level", "must be debug, info, warn or error, not %q", c.Kiosk.LogLevel)
	}
	if !c.Kiosk.Standalone {
		u, err := url.Parse(c.Hall.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("hall.url", "must be an http:// or https:// URL, not %q", c.Hall.URL)
		}
	}
	if c.Hall.PublicURL != "" {
		u, err := url.Parse(c.Hall.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return bad("hall.public_url", "must be an http:// or https:// URL without query, not %q", c.Hall.PublicURL)
		}
	}
	if c.Kiosk.Control != "" {
		host, _, err := net.SplitHostPort(c.Kiosk.Control)
		if err != nil || !loopback(host) {
			return bad("kiosk.control", "must be a loopback address such as 127.0.0.1:7091, not %q", c.Kiosk.Control)
		}
	}
	if c.Hall.Timeout <= 0 {
		return bad("hall.timeout", "must be positive")
	}
	if c.Hall.StatusInterval < time.Second {
		return bad("hall.status_interval", "must be at least 1s")
	}
	for _, d := range []struct {
		key string
		v   time.Duration
		min time.Duration
	}{
		{"timeouts.idle", c.Timeouts.Idle, 10 * time.Second}, {"timeouts.elder_idle", c.Timeouts.ElderIdle, 10 * time.Second},
		{"timeouts.result", c.Timeouts.Result, 3 * time.Second}, {"timeouts.elder_result", c.Timeouts.ElderResult, 3 * time.Second},
		{"timeouts.card_wait", c.Timeouts.CardWait, 5 * time.Second}, {"timeouts.elder_card_wait", c.Timeouts.ElderCardWait, 5 * time.Second},
		{"timeouts.print", c.Timeouts.Print, 2 * time.Second}, {"maintenance.lockout", c.Maintenance.Lockout, time.Second},
		{"maintenance.idle", c.Maintenance.Idle, 30 * time.Second},
	} {
		if d.v < d.min {
			return bad(d.key, "must be at least %v", d.min)
		}
	}
	if c.Timeouts.ElderIdle < c.Timeouts.Idle {
		return bad("timeouts.elder_idle", "must not be shorter than timeouts.idle (%v)", c.Timeouts.Idle)
	}
	if c.Maintenance.PIN != "" {
		if len(c.Maintenance.PIN) < 4 || len(c.Maintenance.PIN) > 12 || strings.Trim(c.Maintenance.PIN, "0123456789") != "" {
			return bad("maintenance.pin", "must be 4 to 12 digits")
		}
	}
	if c.Maintenance.Tries < 1 || c.Maintenance.Tries > 10 {
		return bad("maintenance.tries", "must be between 1 and 10")
	}
	for _, b := range []struct {
		key string
		v   int
	}{{"printer.baud", c.Printer.Baud}, {"idcard.baud", c.IDCard.Baud}, {"scanner.baud", c.Scanner.Baud}} {
		switch b.v {
		case 9600, 19200, 38400, 57600, 115200:
		default:
			return bad(b.key, "must be one of 9600, 19200, 38400, 57600, 115200, not %d", b.v)
		}
	}
	if c.Printer.Profile == "" {
		return bad("printer.profile", "must not be empty")
	}
	if err := c.Standalone.validate(); err != nil {
		return err
	}
	if err := c.City.Validate("city"); err != nil {
		return err
	}
	return c.validateCallout()
}

// ProgressURL is the address printed in the ticket QR code, which the
// code is appended to: hall.public_url (what a phone can reach), or
// hall.url when it is empty, + "/q?c=".
func (c *Config) ProgressURL() string {
	base := c.Hall.PublicURL
	if base == "" {
		base = c.Hall.URL
	}
	return strings.TrimSuffix(base, "/") + "/q?c="
}

// Lines renders the configuration in effect for the maintenance screen,
// with secrets hidden.
func (c *Config) Lines() []string {
	hide := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return "(set)"
	}
	return []string{
		"kiosk.device_id = " + c.Kiosk.DeviceID,
		"kiosk.standalone = " + fmt.Sprint(c.Kiosk.Standalone),
		"kiosk.data_dir = " + c.Kiosk.DataDir,
		"kiosk.orientation = " + c.Kiosk.Orientation,
		"kiosk.control = " + c.Kiosk.Control,
		"hall.url = " + c.Hall.URL,
		"hall.public_url = " + c.Hall.PublicURL,
		"hall.key = " + hide(c.Hall.Key),
		"printer = " + c.Printer.Port + " @" + fmt.Sprint(c.Printer.Baud) + " " + c.Printer.Profile,
		"idcard = " + c.IDCard.Port + " @" + fmt.Sprint(c.IDCard.Baud),
		"scanner = " + c.Scanner.Port + " @" + fmt.Sprint(c.Scanner.Baud),
		"timeouts.idle = " + c.Timeouts.Idle.String() + " (elder " + c.Timeouts.ElderIdle.String() + ")",
		"maintenance.pin = " + hide(c.Maintenance.PIN),
		"voice.enabled = " + fmt.Sprint(c.Voice.Enabled),
		"registry.import = " + c.Registry.Import,
		"invoices = " + fmt.Sprint(c.Invoices.Enabled) + " import " + c.Invoices.Import,
	}
}
