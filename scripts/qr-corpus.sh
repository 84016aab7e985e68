#!/usr/bin/env bash
# Write the generated QR test corpus to DIR: 1280x720 PNG frames of the
# eleven categories (nominal, rotation 0-45°, perspective, blur, noise,
# low_contrast, inverted, small_modules, glare, several: 2-4 codes of
# different sizes side by side or stacked, screen: a photographed phone
# screen), codes among printed text, and manifest.json (file, category,
# texts). The same seed always gives the same frames.
# Usage: scripts/qr-corpus.sh DIR [-n PER_CATEGORY] [-seed N]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/qr-corpus.sh DIR [-n N] [-seed N]}
shift
go run ./drivers/qrdecode/internal/qrbench -gen-only -out "$dir" "$@"
echo "corpus in $dir"
