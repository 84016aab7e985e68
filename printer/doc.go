// Package printer drives ESC/POS ticket printers: it sends jobs over a
// serial port, a USB printer-class device (/dev/usb/lp*) or TCP port 9100,
// polls real-time status (DLE EOT) and confirms each job.
//
// A job succeeds only when every byte has been sent and drained and a
// status poll after sending shows the printer online, cover closed, with
// paper and no error. Otherwise the caller gets a *JobError saying at which
// stage it failed (before anything was printed, while sending, or after
// sending) and why (paper out, cover open, no reply...), so the kiosk can
// void or reprint the ticket. On printers whose profile has PrintedReply,
// the job is confirmed only once the printer answers "GS r 1", which it
// does after printing everything sent before it (real-time DLE EOT status
// is answered on receipt, possibly before the paper has moved). Jobs carry an idempotency key: a second job
// with the key of one that printed (a double tap) is not printed again.
//
// Status changes (paper near end, paper out, unreachable...) are reported
// through Opts.OnHealth so the hall can tell a technician before paper runs
// out; Run polls periodically while idle.
//
// Typical use:
//
//	conn, err := printer.Open(ctx, "/dev/ttyUSB0", 115200)
//	p := printer.New(conn, &printer.Opts{Profile: escpos.Profiles["80mm"], OnHealth: report})
//	defer p.Close()
//	err = p.PrintTicket(ctx, ticketKey, ticket.Ticket{Number: "A105", ...})
package printer
