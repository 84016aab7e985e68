package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestPorts(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"ports", "--json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var ports []map[string]any
	if err := json.Unmarshal(out.Bytes(), &ports); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"ports"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "PATH") {
		t.Fatal(err, out.String())
	}
	if err := run(context.Background(), []string{"ports", "extra"}, &out, &errb); !errors.Is(err, errUsage) {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"idcard", "read", "--port", "usb:zz"}, &out, &errb); !errors.Is(err, errUsage) {
		t.Fatal(err)
	}
}
