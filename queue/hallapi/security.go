package hallapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
)

// CSRFHeader carries the session's CSRF token on every state-changing
// browser request (a cross-site form cannot set a header).
const CSRFHeader = "X-CSRF-Token"

// csrfToken derives the CSRF token of a session from its token hash.
func csrfToken(th string) string {
	m := hmac.New(sha256.New, []byte("hallkiosk csrf"))
	m.Write([]byte(th))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// sameOrigin reports whether the request's Origin (or, without one, its
// Referer) names this server. present is false when the request has neither.
func sameOrigin(r *http.Request) (ok, present bool) {
	src := r.Header.Get("Origin")
	if src == "" || src == "null" {
		if src == "null" {
			return false, true
		}
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return false, false
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return false, true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return strings.EqualFold(u.Host, r.Host) && u.Scheme == scheme, true
}

// csrfOK checks a state-changing request made with a cookie session: its
// Origin (or Referer) must be this server and it must carry the session's
// CSRF token. It returns "" when the request passes, else the reason.
// Requests with a bearer token or a device key carry no ambient
// credential and need neither.
func (s *Server) csrfOK(r *http.Request, ss *session) string {
	if !unsafeMethod(r.Method) || ss == nil || !ss.cookie {
		return ""
	}
	if ok, _ := sameOrigin(r); !ok {
		return "origin"
	}
	if !hmac.Equal([]byte(r.Header.Get(CSRFHeader)), []byte(csrfToken(ss.th))) {
		return "token"
	}
	return ""
}

// errMediaType is a JSON body sent as another media type.
type errMediaType struct{ got string }

func (e *errMediaType) Error() string { return "hallapi: body must be application/json, not " + e.got }

// errText is an entered text with invisible direction or control characters.
type errText struct{ r rune }

func (e *errText) Error() string {
	return fmt.Sprintf("hallapi: text holds the invisible or control character U+%04X", e.r)
}

// readJSON reads a JSON body: application/json, exactly one value and
// nothing after it but white space, no invisible direction or control
// characters in any string. An empty body gives nil data.
func readJSON(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, &badRequest{"body: " + err.Error()}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return nil, &errMediaType{ct}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &badRequest{"body: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &badRequest{"body: data after the JSON value"}
	}
	if err := checkValue(v); err != nil {
		return nil, err
	}
	return data, nil
}

func checkValue(v any) error {
	switch x := v.(type) {
	case string:
		return checkText(x)
	case []any:
		for _, e := range x {
			if err := checkValue(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			if err := checkText(k); err != nil {
				return err
			}
			if err := checkValue(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkText refuses control characters (other than line feed), format
// characters (the bidi overrides and isolates U+202A..U+202E,
// U+2066..U+2069, zero-width U+200B..U+200F, U+2060.., U+FEFF, soft
// hyphen), line and paragraph separators and private-use characters.
func checkText(s string) error {
	for _, r := range s {
		switch {
		case r == '\n':
		case r == unicode.ReplacementChar:
			return &errText{r}
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r),
			unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
			return &errText{r}
		}
	}
	return nil
}

func decode(r *http.Request, v any) error {
	data, err := readJSON(r)
	if err != nil || data == nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &badRequest{"body: " + err.Error()}
	}
	return nil
}

// clientAddr is the request's client address (the TCP peer; the hall
// server sits on the hall LAN without a proxy).
func clientAddr(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

// throttle slows password guessing with growing delays, never a lock
// that a third party could renew against the right password:
//
//   - per user and client address: the first 3 failures are free, then
//     each failure makes the pair wait 2^(n-3) s (at most 15 min) before
//     its next attempt;
//   - per client address (any user names): the first 10 failures are
//     free, then 2^(n-10) s (at most 15 min);
//   - per user from every address: past 20 failures in 15 minutes, an
//     address that has never signed this user in waits 30 s between
//     attempts; addresses that signed the user in before are exempt, so
//     a clerk at their own terminal gets in while others guess.
//
// Attempts refused while waiting are not counted. Success clears the
// pair's count and remembers the address for the user.
type throttle struct {
	mu    sync.Mutex
	pairs map[string]*tcount // user|addr
	addrs map[string]*tcount
	users map[string]*tcount
	known map[string]bool // user|addr that signed in
}

type tcount struct {
	n    int
	last time.Time
}

const (
	pairFree   = 3
	addrFree   = 10
	userFree   = 20
	maxDelay   = 15 * time.Minute
	userDelay  = 30 * time.Second
	forgetSpan = 15 * time.Minute
)

func backoff(n, free int) time.Duration {
	if n < free {
		return 0
	}
	d := time.Second << min(n-free, 20)
	return min(d, maxDelay)
}

func (c *tcount) age(now time.Time) {
	if c.n > 0 && now.Sub(c.last) > forgetSpan+backoff(c.n, 0) {
		c.n = 0
	}
}

func newThrottle() *throttle {
	return &throttle{pairs: map[string]*tcount{}, addrs: map[string]*tcount{}, users: map[string]*tcount{}, known: map[string]bool{}}
}

func get(m map[string]*tcount, k string) *tcount {
	c := m[k]
	if c == nil {
		if len(m) > 20000 {
			clear(m)
		}
		c = &tcount{}
		m[k] = c
	}
	return c
}

// wait returns how long user at addr must still wait before an attempt.
func (t *throttle) wait(user, addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var w time.Duration
	for _, x := range []struct {
		c    *tcount
		free int
	}{{get(t.pairs, user+"|"+addr), pairFree}, {get(t.addrs, addr), addrFree}} {
		x.c.age(now)
		if d := x.c.last.Add(backoff(x.c.n, x.free)).Sub(now); x.c.n >= x.free && d > w {
			w = d
		}
	}
	u := get(t.users, user)
	u.age(now)
	if u.n >= userFree && !t.known[user+"|"+addr] {
		if d := u.last.Add(userDelay).Sub(now); d > w {
			w = d
		}
	}
	return w
}

func (t *throttle) failed(user, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range []*tcount{get(t.pairs, user+"|"+addr), get(t.addrs, addr), get(t.users, user)} {
		c.n++
		c.last = now
	}
}

func (t *throttle) succeeded(user, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pairs, user+"|"+addr)
	if len(t.known) > 20000 {
		clear(t.known)
	}
	t.known[user+"|"+addr] = true
}

// rateLimit allows n events per span per key (sliding window).
type rateLimit struct {
	mu   sync.Mutex
	n    int
	span time.Duration
	hits map[string][]time.Time
}

func (l *rateLimit) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hits == nil || len(l.hits) > 20000 {
		l.hits = map[string][]time.Time{}
	}
	var keep []time.Time
	for _, t := range l.hits[key] {
		if now.Sub(t) < l.span {
			keep = append(keep, t)
		}
	}
	if len(keep) >= l.n {
		l.hits[key] = keep
		return false
	}
	l.hits[key] = append(keep, now)
	return true
}
