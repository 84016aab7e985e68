package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestCredentialParseStrictUSCC: a credit code with a wrong check character
// is invalid (GB 32100), and the error names the character.
func TestCredentialParseStrictUSCC(t *testing.T) {
	for _, c := range []struct {
		code  string
		valid bool
		msg   string
	}{
		{"91620981MA72XXKL4N", false, "character 18 is 'N'"},
		{"91620981MA72XXKL4F", true, ""},
		{"https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=91620981MA72XXKL4N-SAIC_SHOW_1", false, "character 18"},
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"credential", "parse", "--json", c.code}, &out, &errb); err != nil {
			t.Fatalf("%s: %v %s", c.code, err, errb.String())
		}
		var r struct {
			Kind   string            `json:"kind"`
			Valid  bool              `json:"valid"`
			Fields map[string]string `json:"fields"`
			Error  string            `json:"error"`
		}
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v: %s", c.code, err, out.String())
		}
		if r.Kind != "business_licence" || r.Valid != c.valid || !strings.Contains(r.Error, c.msg) || (c.valid && r.Error != "") {
			t.Errorf("%s: %s", c.code, out.String())
		}
	}
}
