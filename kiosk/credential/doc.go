// Package credential parses and checks what a scanned code carries before the
// kiosk shows or uses it: unified social credit codes (GB 32100), business
// licence URLs (allow-listed hosts only; the USCC is extracted, the URL is
// never opened), real-estate certificate numbers, resident ID numbers
// (GB 11643) and our own signed ticket and appointment codes (package
// internal/codesign; forged or expired codes are refused).
//
// Everything a code carries is untrusted: payloads that are huge, not UTF-8,
// hold control or bidirectional-override characters, or are javascript:,
// file:, data: or vbscript: URLs are refused with a message saying why.
package credential
