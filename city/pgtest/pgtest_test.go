package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestClusterServesSeparateDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := DB(t), DB(t)
	if a == b {
		t.Fatalf("two databases share a URL: %s", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, "CREATE TABLE x (v int); INSERT INTO x VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := ca.QueryRow(ctx, "SELECT v FROM x").Scan(&v); err != nil || v != 42 {
		t.Fatalf("read back %d, %v", v, err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	if _, err := cb.Exec(ctx, "SELECT v FROM x"); err == nil {
		t.Fatal("table of one database visible in another")
	}
	var ver string
	if err := cb.QueryRow(ctx, "SHOW server_version").Scan(&ver); err != nil || ver == "" {
		t.Fatalf("server version %q, %v", ver, err)
	}
}

func TestBinDirFindsInitdb(t *testing.T) {
	d, err := BinDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d + "/pg_ctl"); err != nil {
		t.Fatalf("no pg_ctl beside initdb in %s: %v", d, err)
	}
}
