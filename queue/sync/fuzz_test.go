package sync

import (
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzDecodePush: any bytes either decode into a request that passes
// validation (and re-encodes) or give an error; never a panic.
func FuzzDecodePush(f *testing.F) {
	f.Add([]byte(`{"device":"k-0123456789abcdef","events":[{"seq":1,"hlc":111669149696,"kind":"audit","payload":{}}]}`))
	f.Add([]byte(`{"device":"k-0123456789abcdef","events":[{"seq":1,"hlc":111669149696,"kind":"ticket.issued","payload":{"service":"A","day":"2026-11-26","number":5}}]}`))
	f.Add([]byte(`{"device":"x","events":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePush(b)
		if err != nil {
			return
		}
		if len(p.Events) > MaxBatchEvents || !deviceIDRe.MatchString(p.Device) {
			t.Fatalf("invalid request accepted: %+v", p)
		}
		for i, e := range p.Events {
			if e.Seq == 0 || !KnownKind(e.Kind) || (i > 0 && e.Seq <= p.Events[i-1].Seq) {
				t.Fatalf("invalid event accepted: %+v", e)
			}
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDecodePull checks the pull decoder the same way.
func FuzzDecodePull(f *testing.F) {
	f.Add([]byte(`{"device":"k-0123456789abcdef","have":{"catalog":1,"config":0,"notices":2},"want":[{"service":"A","day":"2026-11-26","have_max_lo":41,"remaining":3}],"pending":7,"health":{"printer":"ok"}}`))
	f.Add([]byte(`{"device":"k-0123456789abcdef","have":{},"pending":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePull(b)
		if err != nil {
			return
		}
		if p.Pending < 0 || len(p.Want) > 64 || (len(p.Health) > 0 && !json.Valid(p.Health)) {
			t.Fatalf("invalid request accepted: %+v", p)
		}
	})
}

// FuzzDecodeEnrol checks the enrolment decoder: an accepted request always
// names the device its key derives.
func FuzzDecodeEnrol(f *testing.F) {
	f.Add([]byte(`{"code":"ABCD-EFGH-JKMN.0011223344556677","device":"k-1b3e5f7a9c0d2e4f","public_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","name":"k1"}`))
	f.Add([]byte(`{"code":"","public_key":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeEnrol(b)
		if err != nil {
			return
		}
		if p.Device != DeviceID(p.PublicKey) || len(p.PublicKey) != 32 {
			t.Fatalf("invalid enrolment accepted: %+v", p)
		}
	})
}

// FuzzSignedHeaders feeds arbitrary header values to the signature header
// parser.
func FuzzSignedHeaders(f *testing.F) {
	f.Add("k-0123456789abcdef", "1764115200000", "00112233445566778899aabbccddeeff", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")
	f.Add("", "", "", "")
	f.Add("k-0123456789abcdef", "-1", "zz", "!!")
	f.Fuzz(func(t *testing.T, dev, ts, nonce, sig string) {
		r, _ := http.NewRequest(http.MethodPost, "https://hall/api/v1/sync/push", nil)
		r.Header.Set(HeaderDevice, dev)
		r.Header.Set(HeaderTime, ts)
		r.Header.Set(HeaderNonce, nonce)
		r.Header.Set(HeaderSignature, sig)
		h, err := parseSignedHeaders(r)
		if err != nil {
			return
		}
		if len(h.sig) != 64 || len(h.nonce) != 32 || !deviceIDRe.MatchString(h.device) {
			t.Fatalf("bad headers accepted: %+v", h)
		}
	})
}
