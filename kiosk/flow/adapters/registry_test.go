package adapters

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallkiosk/kiosk/credential"
	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/registry"
)

// TestScanLicenceAgainstDemoRegistry resolves a licence URL and a
// certificate number against a real registry database loaded from the demo
// CSV.
func TestScanLicenceAgainstDemoRegistry(t *testing.T) {
	ctx := context.Background()
	st, err := registry.Open(filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := os.Open("../../../assets/registry-demo.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := st.ImportCSV(ctx, f); err != nil {
		t.Fatal(err)
	}
	exp, err := st.Export(ctx)
	if err != nil || len(exp.Licences) == 0 || len(exp.Properties) == 0 {
		t.Fatalf("export: %v", err)
	}
	var withPermits registry.Licence
	for _, l := range exp.Licences {
		if len(l.Permits) > 0 {
			withPermits = l
		}
	}
	r := Resolver{Parser: &credential.Parser{}, Registry: RegistryLookup{Local: st}}
	url := "https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=" + withPermits.USCC + "-SAIC_SHOW_1&signData=x"
	d, err := r.Resolve(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != flow.DocLicence || d.Title != withPermits.Name || len(d.Permits) != len(withPermits.Permits) {
		t.Fatalf("licence %+v", d)
	}
	if !strings.Contains(d.Permits[0].Kind, "许可") && d.Permits[0].Kind == withPermits.Permits[0].Kind {
		t.Errorf("permit kind not named: %q", d.Permits[0].Kind)
	}
	d, err = r.Resolve(ctx, exp.Properties[0].Number)
	if err != nil || d.Kind != flow.DocProperty || len(d.Fields) == 0 {
		t.Fatalf("certificate %+v %v", d, err)
	}
	// A well-formed licence that is not registered.
	if _, err := r.Resolve(ctx, "https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?serial=91350100M000100Y43-SAIC"); !errors.Is(err, flow.ErrNotFound) && !errors.Is(err, flow.ErrUntrusted) {
		t.Errorf("unregistered licence: %v", err)
	}
}
