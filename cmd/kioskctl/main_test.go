package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestDispatch(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &errb); err != nil || out.Len() == 0 {
		t.Fatal(err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), nil, &out, &errb); err != nil || !strings.Contains(out.String(), "version") {
		t.Fatal(err, out.String())
	}
	err := run(context.Background(), []string{"frobnicate"}, &out, &errb)
	if !errors.Is(err, errUsage) {
		t.Fatalf("unknown command: %v", err)
	}
}
