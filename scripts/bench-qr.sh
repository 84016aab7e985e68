#!/usr/bin/env bash
# Compare our QR decoder (drivers/qrdecode) with zbarimg on the same generated
# 1280x720 frames, in the same run, on one core. Prints read rate per category
# and our decode times, then the Go benchmark of decode time.
# Usage: scripts/bench-qr.sh [-n PER_CATEGORY] [-seed N] [-out DIR] [-v]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v zbarimg >/dev/null || { echo "bench-qr: zbarimg missing (apt-get install zbar-tools)" >&2; exit 1; }
echo "== read rate: ours vs $(zbarimg --version 2>/dev/null | head -1 | sed 's/^/zbarimg /') (one core)"
GOMAXPROCS=1 go run ./drivers/qrdecode/internal/qrbench "$@"
echo "== go benchmark (one core)"
go test -run '^$' -bench 'Decode' -benchtime "${BENCHTIME:-60x}" -cpu 1 ./drivers/qrdecode/
