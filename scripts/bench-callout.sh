#!/usr/bin/env bash
# Call-out latency, in milliseconds (p50/p99/max).
#
# 1. BenchmarkCalloutHall (cmd/hallserver): the issue's number, "from the
#    staff click to the board updated and the first audio sample queued,
#    p99 <= 200 ms". A real hall server (run() with a configuration file,
#    HTTP on loopback, SQLite in a temporary directory, demo accounts):
#    staff1 POSTs /api/v1/windows/19/next; display simulators on ptys decode
#    the real bytes. Columns: http (API reply), strip (window 19's strip
#    shows the number), board (the board's top row shows 请X号到19号窗口),
#    audio (first sample handed to the voice output, a WAV directory), e2e
#    (the latest of strip, board and audio). Buses paced at the real 300 ms.
#      bus=split           board and strips on two ports (the target setup)
#      bus=shared          one bus: the board row waits one gap after the strip
#      bus=split/clock=on  idle clock on: a click may wait for a clock write
# 2. BenchmarkCallout / BenchmarkCalloutBurst (drivers/callout): the hub
#    alone, from Publish to the pty simulator and the sink, and four windows
#    calling at the same instant on one bus.
#
# Usage: scripts/bench-callout.sh [COUNT]   (clicks per benchmark, default 100;
# about 1 s per click for the hall benchmark, 2 s with the clock on)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
n=${1:-100}
fmt() {
  awk '/^Benchmark/ {
    printf "%s (%s events)\n", $1, $2
    for (i = 5; i < NF; i += 2) printf "  %-18s %s\n", $(i+1), $i
    next } /^(ok|PASS|FAIL|---)/ { print }'
}
go test -run '^$' -bench 'BenchmarkCalloutHall' -benchtime "${n}x" -timeout 60m ./cmd/hallserver 2>/dev/null | fmt
go test -run '^$' -bench 'BenchmarkCallout' -benchtime "${n}x" ./drivers/callout | fmt
