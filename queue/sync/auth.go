package sync

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	gosync "sync"
	"time"
)

// Request headers of a device-signed request.
const (
	HeaderDevice    = "X-HK-Device"
	HeaderTime      = "X-HK-Time"  // unix milliseconds, hall-corrected
	HeaderNonce     = "X-HK-Nonce" // 32 hex digits, never reused
	HeaderSignature = "X-HK-Signature"
)

// DeviceID derives a device id from its public key: "k-" and the first 16
// hex digits of the key's SHA-256. A device cannot choose another's id.
func DeviceID(pub []byte) string {
	h := sha256.Sum256(pub)
	return "k-" + hex.EncodeToString(h[:8])
}

// signingText is what a device signs: a domain tag, method, path, body
// hash, time, nonce and device id, one per line.
func signingText(method, path string, bodyHash [32]byte, timeMS int64, nonce, device string) []byte {
	return fmt.Appendf(nil, "HK-SYNC-1\n%s\n%s\n%x\n%d\n%s\n%s", method, path, bodyHash, timeMS, nonce, device)
}

// SignRequest adds the device signature headers to r for body, at hall
// time now.
func SignRequest(r *http.Request, body []byte, device string, key ed25519.PrivateKey, now time.Time) error {
	var nb [16]byte
	if _, err := rand.Read(nb[:]); err != nil {
		return fmt.Errorf("sync: nonce: %w", err)
	}
	nonce := hex.EncodeToString(nb[:])
	ms := now.UnixMilli()
	sig := ed25519.Sign(key, signingText(r.Method, r.URL.Path, sha256.Sum256(body), ms, nonce, device))
	r.Header.Set(HeaderDevice, device)
	r.Header.Set(HeaderTime, strconv.FormatInt(ms, 10))
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	return nil
}

// Errors of request verification; the hall maps them to error codes.
var (
	ErrUnauthenticated = errors.New("sync: request not signed")
	ErrBadSignature    = errors.New("sync: signature does not match (forged or altered)")
	ErrReplay          = errors.New("sync: request replayed (nonce seen)")
	ErrClockSkew       = errors.New("sync: request time too far from hall time")
	ErrUnknownDevice   = errors.New("sync: unknown device")
	ErrRevoked         = errors.New("sync: device revoked")
)

// signedHeaders are the parsed signature headers of a request.
type signedHeaders struct {
	device string
	timeMS int64
	nonce  string
	sig    []byte
}

func parseSignedHeaders(r *http.Request) (*signedHeaders, error) {
	h := &signedHeaders{device: r.Header.Get(HeaderDevice), nonce: r.Header.Get(HeaderNonce)}
	ts, sig := r.Header.Get(HeaderTime), r.Header.Get(HeaderSignature)
	if h.device == "" && ts == "" && h.nonce == "" && sig == "" {
		return nil, ErrUnauthenticated
	}
	if !deviceIDRe.MatchString(h.device) {
		return nil, fmt.Errorf("%w: bad device header", ErrUnauthenticated)
	}
	var err error
	if h.timeMS, err = strconv.ParseInt(ts, 10, 64); err != nil {
		return nil, fmt.Errorf("%w: bad time header", ErrUnauthenticated)
	}
	if len(h.nonce) != 32 {
		return nil, fmt.Errorf("%w: bad nonce header", ErrUnauthenticated)
	}
	if _, err := hex.DecodeString(h.nonce); err != nil {
		return nil, fmt.Errorf("%w: bad nonce header", ErrUnauthenticated)
	}
	if h.sig, err = base64.StdEncoding.DecodeString(sig); err != nil || len(h.sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: bad signature header", ErrUnauthenticated)
	}
	return h, nil
}

// nonceCache remembers nonces for the accepted time window, so a captured
// request cannot be sent again. Requests older than the cache's start (a
// hall restart) are refused as stale, so a restart opens no window.
type nonceCache struct {
	mu     gosync.Mutex
	window time.Duration
	start  int64 // unix ms: no request older than this is accepted
	seen   map[string]int64
	sweep  int64
}

func newNonceCache(now time.Time, window time.Duration) *nonceCache {
	return &nonceCache{window: window, start: now.UnixMilli(), seen: make(map[string]int64)}
}

// check records key (device+nonce) at request time ts; it reports a replay
// when key was seen.
func (c *nonceCache) check(key string, ts int64, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	nowMS := now.UnixMilli()
	if ts < c.start-1000 {
		return fmt.Errorf("%w: request older than the hall's start; retry", ErrClockSkew)
	}
	if nowMS-c.sweep > int64(c.window/time.Millisecond) {
		for k, t := range c.seen {
			if nowMS-t > 2*int64(c.window/time.Millisecond) {
				delete(c.seen, k)
			}
		}
		c.sweep = nowMS
	}
	if _, dup := c.seen[key]; dup {
		return ErrReplay
	}
	c.seen[key] = ts
	return nil
}
