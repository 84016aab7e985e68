// Package scanner reads QR and barcode scanner modules: serial line
// scanners (USB CDC or RS-232) and USB keyboard-wedge scanners through Linux
// evdev.
//
// # Serial scanners
//
// A serial scanner sends each decoded code followed by a suffix, CR, LF or
// CRLF depending on its configuration; Dev accepts all three and also ends a
// code after an idle gap (Opts.Idle) for scanners configured without a
// suffix. Text is UTF-8 or GB18030 (Chinese modules default to the latter
// for 汉字); Opts.Encoding picks one or detects it per code (valid UTF-8 is
// taken as UTF-8, anything else is decoded as GB18030). Codes longer than
// Opts.MaxLen are dropped, not buffered without bound. The default link is
// 9600 8N1.
//
// Modules in manual-trigger mode need a command to start reading:
// Honeywell 16 54 0D (start) and 16 55 0D (stop); Newland's register
// protocol 7E 00 08 01 00 02 01 02 DA (write 01 to register 0002; the last
// two bytes are a CRC-16/XMODEM over 08..data), stop writes 00. A Newland
// module acknowledges with 02 00 00 01 00 33 31, which Dev drops.
//
// # Keyboard-wedge scanners
//
// A USB HID scanner in keyboard mode types the code and Enter. On Linux
// OpenKeyboard opens its /dev/input/by-id/*-event-kbd node and grabs it
// (EVIOCGRAB) so the keystrokes do not reach the kiosk UI; Keyboard decodes
// the input_event records with a US key map and Shift. Keyboard mode cannot
// carry Chinese text, so prefer a CDC or HID-POS mode for such codes.
//
// Both kinds are a Source: Codes returns the stream of codes, Close stops
// it and waits. Sources: the project's PROTOCOLS.md §6, Honeywell and
// Newland integration manuals, linux/input.h and input-event-codes.h.
package scanner
