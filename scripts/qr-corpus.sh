#!/usr/bin/env bash
# Write the generated QR test corpus (PNG frames + manifest.json) to DIR.
# Usage: scripts/qr-corpus.sh DIR [-n PER_CATEGORY] [-seed N]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/qr-corpus.sh DIR [-n N] [-seed N]}
shift
go run ./drivers/qrdecode/internal/qrbench -gen-only -out "$dir" "$@"
echo "corpus in $dir"
