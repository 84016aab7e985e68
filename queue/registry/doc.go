// Package registry is the hall's registry of 一照通 business licences with
// the permits loaded onto them (food sale, catering, drug retail, ...) and of
// real-estate certificates, so that a scanned licence or certificate can be
// shown with what it covers.
//
// Store keeps the registry in SQLite (WAL, synchronous=FULL). Records come
// in from CSV (ImportCSV; see assets/registry-demo.csv for the columns) or
// as JSON through the HTTP API. Handler serves import, lookup and export
// under a prefix (the hall server mounts it at /api/v1/registry/).
//
// On the kiosk, Client looks records up at the hall and keeps every answer
// in a Cache (its own SQLite file); when the hall cannot be reached the
// cached answer is returned, marked stale, so lookups work offline. Preload
// fills the cache with the whole registry ahead of need.
//
// No personal data is stored: licences name businesses; certificates are
// kept without their owners.
package registry
