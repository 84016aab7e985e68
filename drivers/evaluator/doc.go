// Package evaluator drives the five-key evaluator pad (评价器) at a service
// window, on an RS-485 bus shared by the pads of several windows.
//
// Keys, left to right: 1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意.
//
// # Frame
//
// There is no common standard for these pads (each vendor has its own), so
// this package defines one (Std, in frame.go); another vendor's pad is
// another Codec in its own file, set in Opts.Codec. Every frame, both ways:
//
//	55 AA | ADDR | CMD | LEN | DATA (LEN bytes, ≤ 64) | CS
//
// ADDR is the pad's bus address, 1..247 (0 is a broadcast that nobody
// answers). CS makes the byte sum of ADDR..CS zero modulo 256. A pad
// answers a request with the same ADDR and CMD|0x80. The bus is half duplex
// and the host is the only master: a pad never speaks unasked, so key
// presses are collected by polling.
//
//	01 PROMPT  data: seconds (1 byte, 0 = until idle) + UTF-8 text, e.g. "请评价".
//	           The pad shows the text, lights its keys and forgets any
//	           earlier press. Answer 81 with data 00.
//	02 POLL    no data. Answer 82 with one byte: 0 no press yet, 1..5 the
//	           key pressed since the prompt (the first press counts; the pad
//	           goes dark after it).
//	03 IDLE    data: optional UTF-8 text (e.g. "谢谢"). The pad stops
//	           prompting. Answer 83 with data 00.
//	04 INFO    no data. Answer 84 with the pad's model/firmware text.
//
// Example: prompt pad 1 with 请评价 for 30 s:
// 55 AA 01 01 0A 1E E8 AF B7 E8 AF 84 E4 BB B7 17.
//
// # Use
//
// Dev.Evaluate(ctx, ticketID) prompts, polls until a key is pressed or ctx
// ends, sets the pad idle and returns a Result carrying the ticket id the
// caller passed (the window's current ticket), so a rating is never
// attached to the wrong ticket.
//
// A hall has one bus for many windows' pads: Bus owns the port and runs
// one goroutine (Bus.Run) that sends one request at a time, round-robin
// over the pads with work to do. Bus.Rate(addr, ticketID, timeout) asks a
// pad to rate a ticket (replacing what it asked before: a key pressed
// before the new prompt reached the pad counts for the earlier ticket);
// presses come out of Bus.Results as Results; the pad thanks and goes dark
// after a press or the timeout; Bus.Cancel makes it dark at once. A pad
// that does not answer is logged once and retried with backoff while the
// others go on; a failing port (a reconnecting serialport.Conn while its
// adapter is unplugged) pauses the bus, which keeps its prompts.
//
// Package evaluatorsim plays pads on a pseudo-terminal.
package evaluator
