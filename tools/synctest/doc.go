// Package synctest holds the sync tests that need both sides of the link: a
// real kiosk (kiosk/store on SQLite, sync.Client) against a real hall
// (sync.Handler over the engine). They live above kiosk/ and queue/ so that
// queue/sync imports nothing from the kiosk layer, not even in its tests.
// The package has no code of its own.
package synctest
