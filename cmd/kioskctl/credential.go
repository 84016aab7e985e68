package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"hallkiosk/internal/codesign"
	"hallkiosk/kiosk/credential"
)

func init() {
	register("credential parse", "parse and check a scanned payload: credential parse [--json] [--keys FILE] TEXT", credentialParse)
}

func credentialParse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("credential parse", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	keyFile := fs.String("keys", "", "file of trusted code-signing keys, one \"KEYID BASE64-PUBLIC-KEY\" a line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("credential parse: want one TEXT argument (quote it)")
	}
	var p credential.Parser
	if *keyFile != "" {
		keys, err := readKeys(*keyFile)
		if err != nil {
			return err
		}
		p.Verifier = newVerifier(keys)
	}
	r := p.Parse(fs.Arg(0))
	if *asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return nil
	}
	fmt.Fprintf(stdout, "kind: %s\nvalid: %v\n", r.Kind, r.Valid)
	keys := make([]string, 0, len(r.Fields))
	for k := range r.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "%s: %s\n", k, r.Fields[k])
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	if r.Error != "" {
		fmt.Fprintf(stdout, "error: %s\n", r.Error)
	}
	return nil
}

func newVerifier(keys map[string]ed25519.PublicKey) *codesign.Verifier {
	return codesign.NewVerifier(keys)
}

// readKeys reads "KEYID BASE64" lines (# comments allowed).
func readKeys(file string) (map[string]ed25519.PublicKey, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys := map[string]ed25519.PublicKey{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, b64, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want KEYID BASE64", file, n)
		}
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%s:%d: not a base64 ed25519 public key", file, n)
		}
		keys[id] = ed25519.PublicKey(k)
	}
	return keys, sc.Err()
}
