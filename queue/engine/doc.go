// Package engine is the queue authority of a service hall: it issues
// numbered tickets, calls them to windows by a fair, explainable policy,
// keeps every transition as an event, books appointments and computes
// estimates and statistics. hallserver serves it over HTTP; the kiosk
// embeds it in --standalone mode.
//
// # Storage
//
// One SQLite file (WAL, synchronous=FULL, busy_timeout; see DSN). Today's
// live state is kept in memory and every change is written before the
// call returns: operations are group-committed, so concurrent callers
// share one fsync and each call is durable when it returns. Days are
// hall-local dates (Asia/Shanghai unless the catalogue says otherwise);
// at the day boundary live tickets expire (parked ones become no-shows)
// and numbering restarts.
//
// # Lifecycle
//
//	waiting → called (Recall ≤ MaxRecalls) → serving → done
//	called → parked (NoShow, 过号) → waiting (Requeue, 过号重排) | no_show at day end
//	called/serving → parked (Park) → waiting (Requeue, same window, original place)
//	called/serving → waiting (Transfer: other service and/or window, original issue time)
//	serving → waiting at the next service (Finish of a multi-service ticket)
//	waiting/parked → cancelled (Cancel) · waiting, never called → void (Void)
//	live at day end → expired
//
// Every ticket ends in exactly one terminal state: done, cancelled, void,
// no_show or expired. See Policy for the call order.
//
// # For other packages
//
// queue/sync (kiosk ↔ hall) uses:
//
//   - Lease(ctx, deviceID, serviceID, day, size) (Lease, error): a block of
//     numbers for a device, from the same per-day series as the hall's own
//     numbers, durable before it returns; never handed out twice.
//   - Import(ctx, ImportRequest) (*Ticket, error): a ticket a kiosk issued
//     (offline) from its lease, idempotent by (DeviceID, DeviceSeq) —
//     ImportKey — and queued by its own IssuedAt. A repeat returns the
//     original ticket with Duplicate set; a number outside the device's
//     leases fails with CodeNotLeased.
//   - Status() []ServiceStatus and Catalog() for live status and the catalogue.
//
// Displays and voice (drivers/callout) use Subscribe(buf) for committed
// events; the kinds of interest are call, recall, transfer, no_show and
// finish. Errors carry a Code (CodeOf(err)) with a Chinese Message for screens.
package engine
