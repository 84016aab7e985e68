#!/usr/bin/env bash
# Device numbers from issue 6, measured on this machine:
#  - ID card read over a pty with the simulator pacing bytes at 115200 baud,
#    against the wire time of the 1295-byte read frame (target: wire + 10%);
#  - time from a device reappearing at its path to being back in service
#    (target: under 3 s);
#  - end to end: devsim + `kioskctl idcard read` as a technician runs it.
# BENCHTIME (default 20x) sets the iterations of the Go benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
n=${BENCHTIME:-20x}

echo "== ID card read at 115200 baud (pty, paced simulator)"
go test -run '^$' -bench 'BenchmarkCardRead|BenchmarkWaitCard' -benchtime "$n" ./drivers/idcard/ | grep '^Benchmark'

echo "== unplug/replug: back in service"
go test -run '^$' -bench 'BenchmarkReconnect' -benchtime 5x ./drivers/serialport/ | grep '^Benchmark'
go test -run '^$' -bench 'BenchmarkReplugToCard' -benchtime 5x ./drivers/idcard/ | grep '^Benchmark'

echo "== end to end: devsim + kioskctl idcard read"
tmp=$(mktemp -d)
simpid=
trap '[ -n "$simpid" ] && { kill "$simpid" 2>/dev/null; wait "$simpid" 2>/dev/null; }; rm -rf "$tmp"' EXIT
go build -o "$tmp/" ./cmd/devsim ./cmd/kioskctl
"$tmp/devsim" --dir "$tmp/dev" --only idcard --control 127.0.0.1:0 --log-level warn >"$tmp/devsim.out" 2>&1 &
simpid=$!
for _ in $(seq 50); do [ -s "$tmp/dev/devsim.json" ] && break; sleep 0.1; done
ctl=$(sed -n 's/.*"control": "\(.*\)".*/\1/p' "$tmp/dev/devsim.json")
for card in resident1 hkmotw1 foreign2017 foreign2023; do
  curl -fsS -X POST "$ctl/idcard/card?name=$card" >/dev/null
  t0=$(date +%s%N)
  out=$("$tmp/kioskctl" idcard read --port "$tmp/dev/idcard" --json)
  t1=$(date +%s%N)
  echo "$card: $(( (t1 - t0) / 1000000 )) ms (process start, open, find, select, read): $out"
done
