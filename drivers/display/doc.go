// Package display drives the queue displays of a service hall: the LED strip
// above each window (窗口屏) and the main hall board (综合屏), usually on one
// RS-485 bus with one address per device.
//
// There is no common standard; each vendor has its own protocol. Two known
// forms are implemented as codecs behind the Codec interface, so a new vendor
// is a new file:
//
//   - Line: 01 | addr | text | 07. One addressed text line, used by an
//     established open-source queue system. addr is one byte. The protocol
//     has only text; Clear sends an empty line, the idle clock sends the time
//     as text, brightness is not supported.
//   - Framed: FF 68 LEN LEN 68 ADDR CMD DATA CS 16, the form of Chinese
//     caller pads (unverified, see PROTOCOLS.md section 5). LEN counts ADDR,
//     CMD and DATA; CS is the byte sum of ADDR, CMD and DATA mod 256 (as in
//     the M-Bus long frame this form resembles). Commands: 01 text, 02 clear,
//     03 brightness (one byte 0-15), 04 clock (YY MM DD hh mm ss, binary).
//
// Text is ASCII or, for boards that take Chinese, GB2312 or GB18030
// (Encoding). Devices on one bus need a pause between commands (about 300 ms);
// Dev paces its writes with an injectable clock and sleep. Manager maps
// window numbers to devices and addresses and keeps the hall board's rows.
// Sim plays a bus of boards for tests and devsim: it decodes both forms and
// keeps what each address shows.
package display
