// Package sync moves data between kiosks and the hall server, offline first.
//
// Kiosk side: a Client reads events from the kiosk's durable outbox (a
// KioskStore, implemented by kiosk/store), pushes them to the hall in
// batches, and pulls what the hall changed: catalogue, config, notices,
// number leases and live queue status. Client.SyncOnce makes one attempt;
// Client.Run loops with backoff and jitter and never blocks the caller's UI.
//
// Hall side: NewHallHandler serves the sync API (mounted at /api/v1/sync/)
// in front of a Hall, the small interface through which the queue engine
// imports kiosk events and hands out number blocks. HallSync keeps the
// sync state of the hall in SQLite: enrolled devices, one-time enrolment
// codes, granted leases, per-device acknowledged sequences and the
// security event log.
//
// Trust: a kiosk makes an ed25519 key pair on first boot and enrols once
// with a one-time code issued by an admin on the hall. The code carries a
// prefix of the hall's TLS certificate fingerprint, so the kiosk pins the
// hall's certificate before it sends the code. Afterwards every request is
// signed by the device over method, path, body hash, time and a nonce; the
// hall refuses unsigned, forged, replayed, stale or revoked requests and
// logs each refusal as a security event. Nothing unauthenticated is ever
// written.
//
// Exactly once: each event carries its idempotency key (device id, device
// sequence) and a hybrid logical clock timestamp. The hall applies a
// device's events strictly in sequence order, skips what it already has,
// and acknowledges the highest contiguous sequence; the kiosk forgets
// events only once acknowledged. Lost responses, duplicates and resets
// therefore cost a retry, never a lost or doubled event.
//
// Numbers: see NumberRule and docs/SYNC.md for leases and the offline
// overflow range.
package sync
