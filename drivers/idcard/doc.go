// Package idcard drives resident identity card readers that speak the SAM
// protocol of GA 467 (the "二代证" reader module found in kiosks), over a
// UART or a USB CDC serial port, 115200 8N1 by default.
//
// # Protocol
//
// Every frame starts with the preamble AA AA AA 96 69 and a big-endian
// 2-byte length. A request carries CMD PARA [DATA] CHK, a response
// SW1 SW2 SW3 [DATA] CHK; the length counts those bytes, and CHK is the XOR of
// every byte after the preamble (the length included) up to CHK. SW3 is the
// status: 90 OK, 9F card found, 80 no card, 81 select failed, and so on (see
// Status). The reader may emit noise before the preamble, so the frame reader
// resynchronises on the preamble and never trusts a length above MaxFrame.
//
// A card read is find (20 01), select (20 02) and read (30 01). The read
// response holds a 2-byte text length (256), a 2-byte photo length (1024),
// the 256-byte text block (UCS-2 little-endian, padded with spaces) and the
// 1024-byte WLT photo; the whole frame is 1295 bytes, about 112 ms on the
// wire at 115200 baud. Byte 248 of the text block tells the card type: J is
// the Hong Kong/Macao/Taiwan residents' residence permit, I the foreigner's
// permanent residence card of 2017, Y the one of 2023; anything else is a
// resident card. The field layouts are in DecodeText.
//
// Sources: GA 467-2013 as summarised by reader vendors' manuals and
// open-source reader code, and the notes in the project's PROTOCOLS.md §1–2.
//
// # Use
//
// The caller opens the port (drivers/serialport) and hands it to New. Poll
// only while a screen asks for a card: WaitCard loops find/select/read until
// a card is read or the context ends; nothing talks to the reader otherwise.
//
// # Personal data
//
// A Card holds personal data. Its String, GoString and LogValue mask the
// name and the ID number and leave out the address and the photo; the photo
// is opaque WLT bytes (decodable only by the vendor's licensed library) and is
// never logged. Package idcardsim simulates a reader with fictional cards.
package idcard
