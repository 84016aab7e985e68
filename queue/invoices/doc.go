// Package invoices is the hall's tax-invoice pickup desk (7×24 self-service
// pickup): invoices the tax system has ready for pickup, filed in SQLite
// under the keyed hash of the holder's ID number (the number itself is
// never stored), listed to the holder at a kiosk and marked collected with
// a pickup code that the kiosk prints on the pickup slip.
//
// # The tax-system adapter
//
// Invoices reach the desk through a Feed, the one interface towards the
// tax system:
//
//	type Feed interface {
//		Fetch(ctx context.Context) ([]Record, error)
//	}
//
// Fetch returns what the tax system has ready for pickup now (all of it,
// or only what is new: Store.Import is idempotent by invoice number, so a
// feed may repeat itself freely). It returns (nil, nil) when nothing
// changed. Sync calls Fetch on a timer and imports the result; a failed
// fetch is logged and retried at the next tick, so a tax system that is
// down never stops pickup of what the desk already holds.
//
// Adapters here: CSVFeed re-reads the tax system's export file (header
// id_number,number,seller,amount,issued) whenever it changes, and
// DemoFeed serves the embedded fictional invoices of the simulated ID cards
// (DemoCSV). Another tax system is one new file with a type that has a
// Fetch method returning Records; Record.Validate states what a record
// must hold.
//
// # HTTP
//
// Handler serves the desk to kiosks (docs/API.md):
// POST {prefix}pending {"id_number"} → {"invoices":[...]},
// POST {prefix}collect {"id_number","numbers"} → {"code":"P123456"},
// POST {prefix}import (CSV body) → {"imported":N}. ID numbers travel only in
// POST bodies and are never logged.
package invoices
