#!/usr/bin/env bash
# Re-takes the screenshots of the hall's web pages (caller, display, booking,
# admin) in headless Chromium and writes them to docs/screenshots/. The same
# tests run in `make test` but keep their screenshots in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
HALLKIOSK_SCREENSHOTS=1 go test -count=1 -run 'InChromium' ./queue/hallapi
ls -l docs/screenshots/caller*.png docs/screenshots/display*.png 2>/dev/null || true
