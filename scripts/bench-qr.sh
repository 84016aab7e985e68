#!/usr/bin/env bash
# Compare our QR decoder (drivers/qrdecode) with zbarimg on the same generated
# 1280x720 frames (eleven categories, scripts/qr-corpus.sh), in the same run,
# on one core. Prints read rate per category against zbarimg and our decode
# times per frame (median, p90; CPU time of the decoding thread and wall
# time), first in process, then through `kioskctl qr decode --json` on the
# PNG files (the code path of the command and of the camera loop, which both
# call qrdecode.New(nil).Decode), then the Go benchmarks of decode time.
# The machine may be shared: the CPU columns do not count time spent waiting
# for a core, the wall columns do.
# Usage: scripts/bench-qr.sh [-n PER_CATEGORY] [-seed N] [-out DIR] [-v]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v zbarimg >/dev/null || { echo "bench-qr: zbarimg missing (apt-get install zbar-tools)" >&2; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/kioskctl" ./cmd/kioskctl
go build -o "$bin/qrbench" ./drivers/qrdecode/internal/qrbench
one=(env GOMAXPROCS=1)
command -v taskset >/dev/null && one+=(taskset -c 0)
echo "== read rate: ours vs $(zbarimg --version 2>/dev/null | head -1 | sed 's/^/zbarimg /') (one core: ${one[*]})"
"${one[@]}" "$bin/qrbench" -kioskctl "$bin/kioskctl" "$@"
echo "== go benchmark (one core)"
"${one[@]}" go test -run '^$' -bench 'Decode' -benchtime "${BENCHTIME:-3x}" -cpu 1 ./drivers/qrdecode/
