// Package escpos encodes ESC/POS commands for Chinese thermal ticket
// printers (58 mm = 384 dots, 80 mm = 576 dots at 203 dpi): init, Chinese
// mode, GB18030 text, character sizes, alignment, bold, underline, feeds,
// cuts, native QR codes (GS ( k) and raster images (GS v 0). It also decodes
// the four real-time status bytes (DLE EOT n).
//
// The byte values follow the Epson ESC/POS reference as implemented by the
// common Chinese printer families (Xprinter, Gprinter, SPRT, Hprt); see
// PROTOCOLS.md section 4 of the project notes. Printer families differ in
// paper width, native QR support and cutter; a Profile records these.
//
// Text is encoded as GB18030. Characters a printer cannot print (control
// characters, invalid UTF-8, and characters outside the two-byte GBK area
// unless the profile says the printer handles four-byte GB18030) are replaced
// with '?' and counted, never dropped silently.
package escpos
