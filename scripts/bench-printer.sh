#!/usr/bin/env bash
# Ticket printer numbers (issue 5):
#  - a ticket with native QR is <= 600 bytes (TestTicketNativeQRSize logs the sizes);
#  - sending a ticket adds <= 5 ms to the wire time at 115200 baud:
#    BenchmarkTicketWire115200 prints the sample ticket, print-confirmed, over a
#    pseudo-terminal to the printer simulator, which consumes bytes no faster than a
#    115200 baud line; it reports wire-ms (the ticket's computed wire time,
#    10 bits per byte) and overhead-ms (job time beyond it: status polls, drain,
#    confirmation), for the 80mm profile (confirmed by a status poll) and
#    kiosk-80 (also waits for the printer's GS r 1 answer);
#  - rendering cost per ticket and per fuzz seed (time per input byte).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-3}
go test -count=1 -run 'TestTicketNativeQRSize' -v ./printer/ticket/ | grep -E 'bytes|ok|FAIL'
go test -run '^$' -bench 'BenchmarkTicketWire115200' -benchtime "${BENCHTIME:-200x}" -count "$count" ./printer/
go test -run '^$' -bench 'BenchmarkRender' -benchtime 50x ./printer/render/
