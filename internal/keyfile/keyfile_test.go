package keyfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadMakesOnceThenReadsTheSameKey(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hash.key")
	a, err := Load(p, 32)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || bytes.Equal(a, make([]byte, 32)) {
		t.Fatalf("key %x", a)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	b, err := Load(p, 32)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("second load %x %v", b, err)
	}
	if c, err := Read(p, 32); err != nil || !bytes.Equal(a, c) {
		t.Fatalf("read %x %v", c, err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".hash.key.*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestWrongLengthIsRefusedWithThePath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "short.key")
	if err := os.WriteFile(p, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(string, int) ([]byte, error){Load, Read} {
		_, err := f(p, 32)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "found 3") {
			t.Fatalf("err %v", err)
		}
	}
	if _, err := Read(filepath.Join(t.TempDir(), "none.key"), 32); err == nil {
		t.Fatal("missing file read without error")
	}
}

// Two starts racing for the same new key file both end with the key that
// is on disk.
func TestRacingStartsShareOneKey(t *testing.T) {
	for i := 0; i < 20; i++ {
		p := filepath.Join(t.TempDir(), "race.key")
		keys := make(chan []byte, 4)
		for range 4 {
			go func() {
				k, err := Load(p, 32)
				if err != nil {
					t.Error(err)
				}
				keys <- k
			}()
		}
		disk, _ := os.ReadFile(p)
		for range 4 {
			k := <-keys
			if disk == nil {
				disk, _ = os.ReadFile(p)
			}
			if !bytes.Equal(k, disk) {
				t.Fatalf("a start got %x, the file holds %x", k, disk)
			}
		}
	}
}
