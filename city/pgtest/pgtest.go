// Package pgtest starts a throwaway PostgreSQL cluster for tests: the
// Debian binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin) make a
// cluster in a temporary directory that listens only on a unix socket in
// that directory, and Stop removes it. When the test process runs as root
// (as in CI) the server runs as the unprivileged "postgres" user, which
// owns the directory. There is no mock and no skip: without PostgreSQL a
// test fails with a message saying what to install.
//
// Share one cluster per test binary:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and give each test its own database with pgtest.DB(t).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	Dir  string // temporary directory: data/, the socket, server.log
	bin  string
	cred *syscall.Credential
	n    atomic.Int64
}

// BinDir returns the directory of the newest installed PostgreSQL's
// binaries, or an error naming the package to install.
func BinDir() (string, error) {
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(m) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errors.New("pgtest: PostgreSQL not found (no /usr/lib/postgresql/*/bin/initdb): install it with `apt-get install postgresql` or run scripts/setup.sh")
	}
	sort.Slice(m, func(i, j int) bool { return version(m[i]) > version(m[j]) })
	return filepath.Dir(m[0]), nil
}

func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// Start makes and starts a cluster in a new temporary directory.
func Start() (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pg")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: running as root and there is no unprivileged \"postgres\" user to run the server (install the postgresql package): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100", dir)
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	return c, nil
}

func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(c.bin, prog), args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd.CombinedOutput()
}

// URL returns the connection URL of database name on the cluster.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres:///%s?host=%s&user=postgres&sslmode=disable", name, c.Dir)
}

// CreateDB creates a new empty database and returns its URL.
func (c *Cluster) CreateDB(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.n.Add(1))
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return c.URL(name), nil
}

// Stop stops the server and removes the directory.
func (c *Cluster) Stop() error {
	out, err := c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop")
	rmErr := os.RemoveAll(c.Dir)
	if err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %w\n%s", err, strings.TrimSpace(string(out)))
	}
	return rmErr
}

var (
	mu     gosync.Mutex
	shared *Cluster
)

// Main starts the shared cluster, runs the tests and stops it. It returns
// the exit code for os.Exit; a cluster that does not start fails the run.
func Main(m *testing.M) int {
	c, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mu.Lock()
	shared = c
	mu.Unlock()
	code := m.Run()
	if err := c.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return code
}

// Shared returns the cluster Main started.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if shared == nil {
		tb.Fatal("pgtest: no cluster: call pgtest.Main from TestMain")
	}
	return shared
}

// DB creates a fresh database on the shared cluster and returns its URL.
func DB(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, err := Shared(tb).CreateDB(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}
