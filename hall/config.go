package hall

import (
	"net"
	"strings"
	"time"

	"hallkiosk/hall/uplink"
	"hallkiosk/internal/config"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
)

// Config is a hall's configuration: the sections of hallserver.conf
// (deploy/hallserver.conf.example documents every key). A township box
// (kiosk --standalone) fills the same types from its own file, whose
// sections embed them.
type Config struct {
	Server  ServerConfig  `ini:"server"`
	Sync    SyncConfig    `ini:"sync"`
	Hall    SiteConfig    `ini:"hall"`
	Auth    AuthConfig    `ini:"auth"`
	Kiosks  KiosksConfig  `ini:"kiosks"`
	Queue   QueueConfig   `ini:"queue"`
	Ratings RatingsConfig `ini:"ratings"`
	Keys    KeysConfig    `ini:"keys"`
	// Display and Voice: window strips, hall board, announcements (callout.go).
	Display DisplayConfig `ini:"display"`
	Voice   VoiceConfig   `ini:"voice"`
	// Evaluator: the evaluator pads at the windows (evaluator.go).
	Evaluator EvaluatorConfig `ini:"evaluator"`
	// Privacy: how long personal data is kept.
	Privacy PrivacyConfig `ini:"privacy"`
	// Invoices: the tax-invoice pickup desk (invoices.go).
	Invoices InvoicesConfig `ini:"invoices"`
	// City: the uplink to the city server (docs/CITY.md).
	City uplink.Config `ini:"city"`
}

// ServerConfig is the [server] section.
type ServerConfig struct {
	// Listen is the HTTP address; empty: the hall serves no HTTP (a
	// township box without standalone.listen).
	Listen   string `ini:"listen"`
	Data     string `ini:"data"`
	LogLevel string `ini:"log_level"`
	Demo     bool   `ini:"demo"`
	// TLSListen serves the same API over TLS with the hall certificate
	// (kiosks pin it at enrolment); empty: no TLS listener.
	TLSListen string   `ini:"tls_listen"`
	TLSHosts  []string `ini:"tls_hosts"`
}

// SyncConfig is the [sync] section.
type SyncConfig struct {
	// Lease is the size of the number blocks leased to kiosks (0: the
	// sync default).
	Lease int `ini:"lease"`
}

// SiteConfig is the [hall] section.
type SiteConfig struct {
	// Catalog is a catalogue file that wins over the stored one; empty:
	// the stored (or default) catalogue.
	Catalog string `ini:"catalog"`
}

// AuthConfig is the [auth] section: staff sessions and the first
// administrator.
type AuthConfig struct {
	SessionTTL          time.Duration `ini:"session_ttl"`
	AdminUser           string        `ini:"admin_user"`
	AdminPasswordBcrypt string        `ini:"admin_password_bcrypt"`
}

// KiosksConfig is the [kiosks] section: shared kiosk keys (id:secret).
type KiosksConfig struct {
	Keys []string `ini:"keys"`
}

// QueueConfig is the [queue] section: the engine's policy.
type QueueConfig struct {
	MaxRecalls       int           `ini:"max_recalls"`
	StarvationK      int           `ini:"starvation_k"`
	AppointmentEarly time.Duration `ini:"appointment_early"`
	AppointmentLate  time.Duration `ini:"appointment_late"`
	LeaseMax         int           `ini:"lease_max"`
	// PersonBookingsPerDay and BookingsPerAddress bound bookings (per
	// person and day, per client address and hour).
	PersonBookingsPerDay int `ini:"person_bookings_per_day"`
	BookingsPerAddress   int `ini:"bookings_per_address"`
}

// RatingsConfig is the [ratings] section: 好差评 re-rating window and 整改
// deadline.
type RatingsConfig struct {
	RerateWindow       time.Duration `ini:"rerate_window"`
	RectifyWorkingDays int           `ini:"rectify_working_days"`
}

// KeysConfig is the [keys] section: key files; empty: in the data
// directory (appointment-signing.key, pii-hash.key).
type KeysConfig struct {
	SigningKeyFile string `ini:"signing_key_file"`
	PIIKeyFile     string `ini:"pii_key_file"`
}

// PrivacyConfig is the [privacy] section.
type PrivacyConfig struct {
	// PersonalDataDays is how long personal data is kept (1..3650): the
	// engine's ID-number hashes and masked names, and who collected a tax
	// invoice.
	PersonalDataDays int `ini:"personal_data_days"`
}

// DefaultConfig returns the defaults, the values
// deploy/hallserver.conf.example shows.
func DefaultConfig() *Config {
	c := &Config{}
	c.Server.Listen = "127.0.0.1:8080"
	c.Server.Data = "/var/lib/hallserver"
	c.Server.LogLevel = "info"
	c.Auth.SessionTTL = 12 * time.Hour
	c.Auth.AdminUser = "admin"
	e := engine.DefaultOptions // the engine's defaults, written once
	c.Queue.MaxRecalls, c.Queue.StarvationK = e.MaxRecalls, e.StarvationK
	c.Queue.AppointmentEarly, c.Queue.AppointmentLate = e.AppointmentEarly, e.AppointmentLate
	c.Queue.LeaseMax, c.Queue.PersonBookingsPerDay = e.LeaseMax, e.PersonBookingsPerDay
	c.Queue.BookingsPerAddress = hallapi.DefaultBookingsPerAddress
	c.Ratings.RerateWindow, c.Ratings.RectifyWorkingDays = e.ReRateWindow, e.RectifyWorkingDays
	c.Privacy.PersonalDataDays = 30
	c.Display, c.Voice = DefaultDisplayConfig(), DefaultVoiceConfig()
	c.Evaluator = DefaultEvaluatorConfig()
	c.Invoices = DefaultInvoicesConfig()
	return c
}

// Validate checks values and relations between keys; errors are
// *config.Error naming section.key.
func (c *Config) Validate() error {
	if c.Server.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
			return &config.Error{Key: "server.listen", Msg: "want host:port"}
		}
	}
	if c.Auth.SessionTTL < time.Minute {
		return &config.Error{Key: "auth.session_ttl", Msg: "at least 1m"}
	}
	for _, k := range c.Kiosks.Keys {
		id, secret, ok := strings.Cut(k, ":")
		if !ok || id == "" || len(secret) < 16 {
			return &config.Error{Key: "kiosks.keys", Msg: "want id:secret pairs, secrets at least 16 characters"}
		}
	}
	if c.Server.TLSListen != "" {
		if _, _, err := net.SplitHostPort(c.Server.TLSListen); err != nil {
			return &config.Error{Key: "server.tls_listen", Msg: "want host:port"}
		}
	}
	if c.Sync.Lease < 0 || c.Sync.Lease > c.Queue.LeaseMax {
		return &config.Error{Key: "sync.lease", Msg: "want 0..queue.lease_max"}
	}
	if c.Queue.MaxRecalls < 1 || c.Queue.StarvationK < 1 || c.Queue.LeaseMax < 1 {
		return &config.Error{Key: "queue", Msg: "max_recalls, starvation_k and lease_max must be at least 1"}
	}
	if c.Queue.PersonBookingsPerDay < 1 || c.Queue.BookingsPerAddress < 1 {
		return &config.Error{Key: "queue", Msg: "person_bookings_per_day and bookings_per_address must be at least 1"}
	}
	if c.Ratings.RerateWindow < time.Minute || c.Ratings.RectifyWorkingDays < 1 || c.Ratings.RectifyWorkingDays > 60 {
		return &config.Error{Key: "ratings", Msg: "rerate_window at least 1m, rectify_working_days 1..60"}
	}
	if c.Privacy.PersonalDataDays < 1 || c.Privacy.PersonalDataDays > 3650 {
		return &config.Error{Key: "privacy.personal_data_days", Msg: "want 1..3650"}
	}
	if err := c.Display.Validate("display"); err != nil {
		return err
	}
	if err := c.Evaluator.Validate("evaluator"); err != nil {
		return err
	}
	if err := c.Invoices.Validate("invoices"); err != nil {
		return err
	}
	if err := c.City.Validate("city"); err != nil {
		return err
	}
	return c.Voice.Validate("voice")
}
