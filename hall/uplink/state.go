package uplink

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// State is what the uplink keeps on disk (one JSON file, replaced
// atomically and fsynced): the site's key, its enrolment (city URL, the
// pinned certificate fingerprint, the site id) and the checkpoint, the
// highest sequence the city acknowledged.
type State struct {
	Seed  []byte `json:"seed"` // ed25519 seed
	Site  string `json:"site,omitempty"`
	City  string `json:"city,omitempty"`
	Pin   string `json:"pin,omitempty"` // full SHA-256 of the city certificate
	Acked int64  `json:"acked"`
	// Catalog is the city catalogue version last applied ("" when none).
	Catalog string `json:"catalog,omitempty"`
}

// Enrolled reports whether the site has enrolled with a city.
func (s *State) Enrolled() bool { return s.Site != "" && s.City != "" && len(s.Pin) == 64 }

// Key returns the site's private key.
func (s *State) Key() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(s.Seed) }

// LoadState reads the state file, or makes a new key when there is none.
func LoadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		pub, key, err := ed25519.GenerateKey(nil)
		_ = pub
		if err != nil {
			return nil, fmt.Errorf("uplink: key: %w", err)
		}
		return &State{Seed: key.Seed()}, nil
	} else if err != nil {
		return nil, fmt.Errorf("uplink: state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil || len(s.Seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("uplink: state %s is damaged", path)
	}
	return &s, nil
}

// Save writes the state durably: temp file, fsync, rename, fsync dir.
func (s *State) Save(path string) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	f, err := os.CreateTemp(dir, ".uplink-*")
	if err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("uplink: save state: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o600); err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("uplink: save state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
