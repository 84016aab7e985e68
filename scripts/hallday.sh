#!/usr/bin/env bash
# A compressed hall day under faults (issue 16), against the real hall
# server: its displays on the display simulator (two pseudo-terminals,
# 300 ms bus gap), its voice to WAV files, SIGKILLed and restarted KILLS
# times; KIOSKS kiosks (kiosk store, hall adapter, sync client) each
# behind a fault proxy whose link goes down for 3-8 s at random; WINDOWS
# windows pressing "call next" at the same instant in bursts. Checks at
# the end: every printed ticket at the hall exactly once and live, no
# unprinted ticket called, every call on its strip, on the board and
# announced; prints tickets, restarts, calls shown/announced and the
# offline import lag p50/p90/max. Takes DURATION plus about a minute.
#
# With HALLDAY_REAL_KIOSKS=1 the kiosks are real `kiosk --sim --headless`
# processes instead, each with its own devsim (its own printer) and fault
# proxy, driven through the kiosk's control endpoint (the kiosk is a cgo
# Fyne build: slow the first time). Ports: HALLDAY_PORT and the next one for
# the hall, HALLDAY_PORT+10*i .. +10*i+2 for kiosk i.
#
#   scripts/hallday.sh [DURATION] [KIOSKS] [WINDOWS] [KILLS] [WORKDIR]
set -euo pipefail
DURATION=${1:-90s}
KIOSKS=${2:-4}
WINDOWS=${3:-15}
KILLS=${4:-3}
WORK=${5:-$(mktemp -d /tmp/hallday.XXXXXX)}
PORT=${HALLDAY_PORT:-21610}
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
export GOFLAGS=${GOFLAGS:--tags=no_emoji} CGO_ENABLED=1
mkdir -p "$WORK"
go build -o "$WORK/hallserver" ./cmd/hallserver
go build -o "$WORK/hallday" ./tools/hallday
REAL=()
if [ "${HALLDAY_REAL_KIOSKS:-0}" = 1 ]; then
	go build -o "$WORK/" ./cmd/kiosk ./cmd/devsim
	REAL=(-kiosk-bin "$WORK/kiosk" -devsim-bin "$WORK/devsim")
	echo "hallday: real kiosks (kiosk --sim --headless, one devsim each)"
fi
echo "hallday: $DURATION, $KIOSKS kiosks, $WINDOWS windows, $KILLS hall kills in $WORK"
"$WORK/hallday" -hallserver "$WORK/hallserver" -dir "$WORK/run" -duration "$DURATION" \
	-kiosks "$KIOSKS" -windows "$WINDOWS" -kills "$KILLS" -port "$PORT" "${REAL[@]}"
echo "hallday: OK"
