package sync

import (
	"database/sql"
	"fmt"

	_ "github.com/mattn/go-sqlite3" // SQLite driver
)

// openSQLite opens a SQLite file with the appliance settings: WAL,
// synchronous=FULL (each commit durable), busy timeout, immediate
// transactions, one connection.
func openSQLite(path, schema string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_txlock=immediate&_foreign_keys=on")
	if err != nil {
		return nil, fmt.Errorf("sync: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sync: schema of %s: %w", path, err)
	}
	return db, nil
}
