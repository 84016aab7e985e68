// Package flow is the kiosk's session state machine, free of any UI toolkit:
// the home screen (zones, services, live waiting counts, notices, language
// and elder-mode switches), taking a ticket (optional or required real-name
// step, issue from the lease, print, confirm; print failure with reprint or
// void), appointment check-in, document scan (一照通 licences and property
// certificates), 好差评 rating, 24-hour tax invoice pickup, and the
// maintenance mode behind a corner gesture and a PIN with lockout.
//
// The flow declares the small interfaces it needs (TicketIssuer,
// TicketPrinter, CardReader, CodeSource, CodeResolver, Rater, InvoiceDesk,
// Announcer, HealthSource, Clock, ...); package flow/adapters wires them to
// the queue, printer and driver packages. Screens (package kiosk/ui) pass
// taps to Do as actions of the one vocabulary (ActionKind, ParseAction; the
// kiosk control endpoint uses the same names) and redraw from State when a
// listener fires. Which screen allows which action is one table (rules.go).
//
// flow.go is the session machinery; each journey has its own file and its
// own part of State: ticket.go (TicketState), appointment.go, scan.go
// (ScanState), rating.go (RatingState), invoices.go (InvoiceState) and
// maintenance.go (MaintState).
//
// Personal data (the card holder's name and ID number) lives only in the
// session: the State exposes a masked name, and returning home — by a tap or
// the idle timeout — wipes the session.
package flow
