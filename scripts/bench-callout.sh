#!/usr/bin/env bash
# Call-out latency: from a call event published to drivers/callout's Hub to
# (write) the window strip's bytes written to the serial port (a real pty),
# (shown) the display simulator decoding them, (audio) the announcement's
# first sample handed to the sink, and (e2e) the later of shown and audio.
# p50/p99/max in milliseconds. The display bus is paced at the real 300 ms.
# Target: e2e p99 <= 200 ms (the part of the staff-click budget that the
# hall server's HTTP handling does not use).
# BenchmarkCalloutBurst shows four windows calling at the same instant on one
# bus: the 4th strip waits for three bus gaps.
# Usage: scripts/bench-callout.sh [COUNT]   (events per benchmark, default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
n=${1:-100}
go test -run '^$' -bench 'BenchmarkCallout' -benchtime "${n}x" ./drivers/callout |
  awk '/^Benchmark/ {
    printf "%s (%s events)\n", $1, $2
    for (i = 5; i < NF; i += 2) printf "  %-18s %s\n", $(i+1), $i
    next } { print }'
