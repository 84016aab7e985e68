package synctest_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"hallkiosk/internal/httpjson"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	qsync "hallkiosk/queue/sync"
)

// rawClient sends hand-made requests to the hall, as an attacker or a
// broken kiosk would.
type rawClient struct {
	t    *testing.T
	hc   *http.Client
	base string
}

func newRaw(t *testing.T, th *testHall) *rawClient {
	return &rawClient{t: t, base: th.url, hc: &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}}
}

// send posts body to route signed by (device, key) at time at; sign nil
// sends it unsigned; mutate may change the request after signing.
func (rc *rawClient) send(route string, body []byte, device string, key ed25519.PrivateKey, at time.Time, mutate func(*http.Request)) (int, qsync.ErrorResponse, []byte) {
	rc.t.Helper()
	req, err := http.NewRequest(http.MethodPost, rc.base+qsync.Prefix+route, bytes.NewReader(body))
	if err != nil {
		rc.t.Fatal(err)
	}
	if key != nil {
		if err := qsync.SignRequest(req, body, device, key, at); err != nil {
			rc.t.Fatal(err)
		}
	}
	if mutate != nil {
		mutate(req)
	}
	resp, err := rc.hc.Do(req)
	if err != nil {
		rc.t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	var er qsync.ErrorResponse
	if resp.StatusCode != http.StatusOK {
		// Every refusal is in the one documented format, never cached.
		var doc httpjson.ErrorBody
		if err := json.Unmarshal(rb, &doc); err != nil || doc.Error.Code == "" {
			rc.t.Errorf("%s: refusal %d not in the {\"error\":{...}} format: %s", route, resp.StatusCode, rb)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			rc.t.Errorf("%s: refusal %d has Cache-Control %q, want no-store", route, resp.StatusCode, cc)
		}
		er = qsync.ErrorResponse{Code: doc.Error.Code, Message: doc.Error.Message}
	}
	return resp.StatusCode, er, rb
}

func eventJSON(device string, seqs ...uint64) []byte {
	var evs []qsync.Event
	for _, s := range seqs {
		evs = append(evs, qsync.Event{Seq: s, HLC: qsync.NewHLC(time.Now().UnixMilli(), 0), Kind: qsync.KindAudit,
			Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, s))})
	}
	b, _ := json.Marshal(qsync.PushRequest{Device: device, Events: evs})
	return b
}

func TestBadInputRefusedAndLogged(t *testing.T) {
	ctx := context.Background()
	th := newTestHall(t, nil)
	stA, _ := newKiosk(t, th, th.url, nil)
	stB, _ := newKiosk(t, th, th.url, nil)
	a, _ := stA.Identity(ctx)
	b, _ := stB.Identity(ctx)
	rc := newRaw(t, th)
	now := time.Now()

	// A good push first, so that refusals below are checked against a
	// device with history.
	if code, er, _ := rc.send("push", eventJSON(a.Device, 1, 2), a.Device, a.Key, now, nil); code != 200 {
		t.Fatalf("good push: %d %+v", code, er)
	}
	_, otherKey, _ := ed25519.GenerateKey(nil)
	bigEvents := make([]uint64, qsync.MaxBatchEvents+1)
	for i := range bigEvents {
		bigEvents[i] = uint64(3 + i)
	}
	huge := append([]byte(`{"device":"`+a.Device+`","events":[],"pad":"`), bytes.Repeat([]byte("x"), qsync.MaxBodyBytes)...)
	ticketNotLeased, _ := json.Marshal(qsync.PushRequest{Device: a.Device, Events: []qsync.Event{{Seq: 3, HLC: qsync.NewHLC(now.UnixMilli(), 0),
		Kind: qsync.KindTicketIssued, Payload: json.RawMessage(`{"service":"A","day":"` + qsync.Day(now, nil) + `","number":7}`)}}})
	// B's overflow range is 5051..5100: A may not issue from it.
	ticketOthersOverflow, _ := json.Marshal(qsync.PushRequest{Device: a.Device, Events: []qsync.Event{{Seq: 3, HLC: qsync.NewHLC(now.UnixMilli(), 0),
		Kind: qsync.KindTicketIssued, Payload: json.RawMessage(`{"service":"A","day":"` + qsync.Day(now, nil) + `","number":5060}`)}}})
	futureEvent, _ := json.Marshal(qsync.PushRequest{Device: a.Device, Events: []qsync.Event{{Seq: 3, HLC: qsync.NewHLC(now.Add(3*time.Hour).UnixMilli(), 0),
		Kind: qsync.KindAudit, Payload: json.RawMessage(`{}`)}}})
	var replayed *http.Request
	cases := []struct {
		name   string
		route  string
		body   []byte
		device string
		key    ed25519.PrivateKey
		at     time.Time
		mutate func(*http.Request)
		status int
		code   string
	}{
		{"unsigned", "push", eventJSON(a.Device, 3), "", nil, now, nil, 401, qsync.CodeUnauthenticated},
		{"forged by another key", "push", eventJSON(a.Device, 3), a.Device, otherKey, now, nil, 401, qsync.CodeBadSignature},
		{"body altered after signing", "push", eventJSON(a.Device, 3), a.Device, a.Key, now, func(r *http.Request) {
			nb := eventJSON(a.Device, 3, 4)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(nb)), int64(len(nb))
		}, 401, qsync.CodeBadSignature},
		{"path altered after signing", "pull", []byte(`{"device":"` + a.Device + `","have":{"catalog":0,"config":0,"notices":0},"pending":0}`), a.Device, a.Key, now, func(r *http.Request) {
			r.URL.Path = qsync.Prefix + "push"
		}, 401, qsync.CodeBadSignature},
		{"device claims another's sequence range", "push", eventJSON(b.Device, 1, 2, 3), a.Device, a.Key, now, nil, 403, qsync.CodeWrongDevice},
		{"device signs as another", "push", eventJSON(b.Device, 1), b.Device, a.Key, now, nil, 401, qsync.CodeBadSignature},
		{"number not leased", "push", ticketNotLeased, a.Device, a.Key, now, nil, 403, qsync.CodeWrongDevice},
		{"number from another's overflow range", "push", ticketOthersOverflow, a.Device, a.Key, now, nil, 403, qsync.CodeWrongDevice},
		{"oversized batch", "push", eventJSON(a.Device, bigEvents...), a.Device, a.Key, now, nil, 400, qsync.CodeInvalid},
		{"oversized body", "push", huge, a.Device, a.Key, now, nil, 413, qsync.CodeTooLarge},
		{"malformed json", "push", []byte(`{"device":"` + a.Device + `","events":[{"seq":3,`), a.Device, a.Key, now, nil, 400, qsync.CodeMalformed},
		{"unknown field", "push", []byte(`{"device":"` + a.Device + `","events":[],"admin":true}`), a.Device, a.Key, now, nil, 400, qsync.CodeMalformed},
		{"unknown kind", "push", []byte(`{"device":"` + a.Device + `","events":[{"seq":3,"hlc":123456789,"kind":"ticket.delete","payload":{}}]}`), a.Device, a.Key, now, nil, 400, qsync.CodeInvalid},
		{"request clock skew", "push", eventJSON(a.Device, 3), a.Device, a.Key, now.Add(-2 * time.Hour), nil, 401, qsync.CodeClockSkew},
		{"event stamped hours ahead", "push", futureEvent, a.Device, a.Key, now, nil, 400, qsync.CodeClockSkew},
		{"unknown device", "push", eventJSON("k-0123456789abcdef", 1), "k-0123456789abcdef", otherKey, now, nil, 401, qsync.CodeUnknownDevice},
		{"replayed request", "push", eventJSON(a.Device, 3), a.Device, a.Key, now, func(r *http.Request) {
			if replayed == nil {
				replayed = r
				return
			}
			for _, h := range []string{qsync.HeaderTime, qsync.HeaderNonce, qsync.HeaderSignature} {
				r.Header.Set(h, replayed.Header.Get(h))
			}
		}, 401, qsync.CodeReplay},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := th.sync.SecurityEvents(ctx, 1000)
			if c.name == "replayed request" {
				// The original is accepted once (it applies seq 3)...
				if code, er, _ := rc.send(c.route, c.body, c.device, c.key, c.at, c.mutate); code != 200 {
					t.Fatalf("original: %d %+v", code, er)
				}
			}
			code, er, raw := rc.send(c.route, c.body, c.device, c.key, c.at, c.mutate)
			if code != c.status || er.Code != c.code {
				t.Fatalf("got %d %q (%s), want %d %q", code, er.Code, raw, c.status, c.code)
			}
			if er.Message == "" || !strings.HasPrefix(er.Message, "sync: ") {
				t.Errorf("message %q is not a clear sync error", er.Message)
			}
			after, _ := th.sync.SecurityEvents(ctx, 1000)
			if len(after) != len(before)+1 || after[0].Kind != c.code {
				t.Errorf("security events: %d before, %d after, latest %+v", len(before), len(after), after[0])
			}
		})
	}
	// Nothing was applied: A holds exactly 1..3 (3 from the accepted
	// original of the replay), B nothing.
	if n, max, _ := th.hall.EventCounts(ctx, a.Device); n != 3 || max != 3 {
		t.Fatalf("hall holds %d events of A up to %d, want 3 up to 3", n, max)
	}
	if n, _, _ := th.hall.EventCounts(ctx, b.Device); n != 0 {
		t.Fatalf("hall holds %d events of B, want 0", n)
	}
	if hs, _ := th.hall.Tickets(ctx, qsync.Day(now, nil)); len(hs) != 0 {
		t.Fatalf("hall holds tickets %+v", hs)
	}
	// Security events reach the log.
	logged := 0
	for _, r := range th.logs.records {
		if strings.Contains(r, `"msg":"sync: security event"`) {
			logged++
		}
	}
	if logged != len(cases) {
		t.Fatalf("%d security events logged, want %d", logged, len(cases))
	}
}

func TestPushIdempotentWithGapsAndDuplicates(t *testing.T) {
	ctx := context.Background()
	th := newTestHall(t, nil)
	st, _ := newKiosk(t, th, th.url, nil)
	a, _ := st.Identity(ctx)
	rc := newRaw(t, th)
	push := func(seqs ...uint64) qsync.PushResponse {
		t.Helper()
		code, er, raw := rc.send("push", eventJSON(a.Device, seqs...), a.Device, a.Key, time.Now(), nil)
		if code != 200 {
			t.Fatalf("push %v: %d %+v", seqs, code, er)
		}
		var r qsync.PushResponse
		json.Unmarshal(raw, &r)
		return r
	}
	if r := push(1, 2, 3); r.Acked != 3 || r.Applied != 3 {
		t.Fatalf("first: %+v", r)
	}
	if r := push(2, 3, 4, 5); r.Acked != 5 || r.Applied != 2 || r.Duplicates != 2 {
		t.Fatalf("overlap: %+v", r)
	}
	if r := push(7, 8); r.Acked != 5 || r.Applied != 0 || !r.Gap {
		t.Fatalf("gap: %+v", r)
	}
	if r := push(6, 7, 8); r.Acked != 8 || r.Applied != 3 {
		t.Fatalf("fill: %+v", r)
	}
	if n, max, _ := th.hall.EventCounts(ctx, a.Device); n != 8 || max != 8 {
		t.Fatalf("hall holds %d events up to %d", n, max)
	}
}
