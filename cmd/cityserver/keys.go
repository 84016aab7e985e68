package main

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
)

func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

// loadSecret reads a key file, creating it with n random bytes (mode 0600)
// when it does not exist.
func loadSecret(path string, n int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < n {
			return nil, fmt.Errorf("key file %s: shorter than %d bytes", path, n)
		}
		return b[:n], nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("key file: %w", err)
	}
	b = make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return b, nil
}
