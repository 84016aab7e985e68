// Package hallapi serves a hall's queue engine over HTTP: the JSON API
// under /api/v1 (documented in docs/API.md), staff accounts with roles and
// expiring sessions (bcrypt password hashes), the staff caller page, the
// hall display page (live over server-sent events), a booking page, a
// Prometheus /metrics endpoint and /healthz. Pages are plain HTML and
// JavaScript embedded in the binary.
//
// Use: s, err := hallapi.New(ctx, eng, cfg); go s.Run(ctx); serve s (an
// http.Handler). Extra handlers (sync, registry) mount with s.Handle.
//
// Client is the kiosk's side of the kiosk routes (tickets, confirmation,
// status, check-in, rating, the invoice desk), decoding the server's own
// reply types and its one error format into *HTTPError.
package hallapi
