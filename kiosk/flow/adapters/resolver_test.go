package adapters

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"hallkiosk/internal/codesign"
	"hallkiosk/kiosk/credential"
	"hallkiosk/kiosk/flow"
)

type mapRegistry map[string]flow.Document

func (m mapRegistry) Licence(_ context.Context, uscc string) (flow.Document, error) {
	if d, ok := m[uscc]; ok {
		return d, nil
	}
	return flow.Document{}, flow.ErrNotFound
}

func (m mapRegistry) Property(_ context.Context, n string) (flow.Document, error) {
	return m.Licence(context.Background(), n)
}

func TestResolver(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Now()
	signer := codesign.NewSigner(priv, "k1")
	good, err := signer.Sign("ticket", map[string]string{"n": "F0007", "id": "t-7"}, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := codesign.NewSigner(otherPriv, "k1").Sign("ticket", map[string]string{"n": "F0007", "id": "t-7"}, now, now.Add(time.Hour))
	parser := &credential.Parser{Verifier: codesign.NewVerifier(map[string]ed25519.PublicKey{"k1": pub})}
	reg := mapRegistry{"91620981MA74XXXX1K": {Kind: flow.DocLicence, Title: "玉门市好味道餐饮有限公司"},
		"甘(2023)玉门市不动产权第0001234号": {Kind: flow.DocProperty, Title: "甘(2023)玉门市不动产权第0001234号"}}
	r := Resolver{Parser: parser, Registry: reg}
	ctx := context.Background()

	d, err := r.Resolve(ctx, good)
	if err != nil || d.Kind != flow.DocTicket || d.Title != "F0007" || d.Ref != "t-7" {
		t.Fatalf("good ticket: %+v %v", d, err)
	}
	if d, err := r.Resolve(ctx, forged); !errors.Is(err, flow.ErrUntrusted) || d.Kind != flow.DocUntrusted {
		t.Fatalf("forged ticket: %+v %v", d, err)
	}
	if d, err := r.Resolve(ctx, "甘（2023）玉门市不动产权第0001234号"); err != nil || d.Kind != flow.DocProperty {
		t.Fatalf("certificate: %+v %v", d, err)
	}
	if d, err := r.Resolve(ctx, "hello world"); err != nil || d.Kind != flow.DocUnknown {
		t.Fatalf("text: %+v %v", d, err)
	}
	if _, err := (Resolver{Parser: parser}).Resolve(ctx, "甘(2023)玉门市不动产权第0001234号"); !errors.Is(err, flow.ErrUnavailable) {
		t.Fatalf("no registry: %v", err)
	}
	if d, err := r.Resolve(ctx, "javascript:alert(1)"); err == nil && d.Kind != flow.DocUnknown && d.Kind != flow.DocUntrusted {
		t.Fatalf("javascript url: %+v", d)
	}
}
