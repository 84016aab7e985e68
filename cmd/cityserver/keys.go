package main

import (
	"crypto/tls"

	"hallkiosk/internal/keyfile"
)

func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

// loadSecret reads a key file of exactly n bytes, making it (crypto/rand,
// mode 0600) on first start: internal/keyfile, the one loader of the hall,
// the kiosk and the city.
var loadSecret = keyfile.Load
