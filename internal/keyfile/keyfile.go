// Package keyfile loads the secret keys a hall, a kiosk and the city keep
// on disk (ID-number hash keys, code-signing seeds, session keys). A key
// file holds exactly the key's bytes; on first start it is made from
// crypto/rand with mode 0600, written to a temporary file and renamed so a
// power cut never leaves a short key behind.
package keyfile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Load returns the n-byte key in path, making it when the file does not
// exist. A file of any other length is an error naming the path: a
// truncated or foreign key must not be used silently.
func Load(path string, n int) ([]byte, error) {
	if n <= 0 {
		return nil, fmt.Errorf("keyfile %s: key length %d", path, n)
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if len(b) != n {
			return nil, fmt.Errorf("keyfile %s: want %d bytes, found %d", path, n, len(b))
		}
		return b, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("keyfile: %w", err)
	}
	b = make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("keyfile %s: %w", path, err)
	}
	made, err := write(path, b)
	if err != nil {
		return nil, err
	}
	if !made {
		// Another process made the key first: use its key, not ours.
		return Read(path, n)
	}
	return b, nil
}

// Read returns the n-byte key in path; a missing file is an error.
func Read(path string, n int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyfile: %w", err)
	}
	if len(b) != n {
		return nil, fmt.Errorf("keyfile %s: want %d bytes, found %d", path, n, len(b))
	}
	return b, nil
}

// write puts b in path unless a file is already there; made reports
// whether b is now the key.
func write(path string, b []byte) (made bool, err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return false, fmt.Errorf("keyfile: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return false, fmt.Errorf("keyfile: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return false, fmt.Errorf("keyfile: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, fmt.Errorf("keyfile: %w", err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("keyfile: %w", err)
	}
	// A hard link never replaces a key another process made meanwhile.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		// A file system without hard links: a rename, then.
		if err := os.Rename(tmp, path); err != nil {
			return false, fmt.Errorf("keyfile: %w", err)
		}
	}
	return true, nil
}
