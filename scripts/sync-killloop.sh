#!/usr/bin/env bash
# Kill -9 loop for offline-first sync (issue 4): a kiosk process issues,
# prints and syncs tickets and is killed with SIGKILL at a random point,
# then restarted, ITER times (default 1000). Afterwards every printed
# ticket must be at the hall and no number may appear twice.
#
#   scripts/sync-killloop.sh [ITER] [WORKDIR]
set -euo pipefail
ITER=${1:-1000}
WORK=${2:-$(mktemp -d /tmp/sync-killloop.XXXXXX)}
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
mkdir -p "$WORK"
BIN=$WORK/killloop
go build -o "$BIN" ./tools/killloop
echo "sync-killloop: $ITER iterations in $WORK"

"$BIN" hall -dir "$WORK" 2>"$WORK/hall.log" &
HALL=$!
trap 'kill $HALL 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$WORK/hall.url" ] && break; sleep 0.05; done
[ -s "$WORK/hall.url" ] || { echo "hall did not start"; cat "$WORK/hall.log"; exit 1; }

kills=0
for i in $(seq "$ITER"); do
	"$BIN" kiosk -dir "$WORK" 2>>"$WORK/kiosk.log" &
	K=$!
	# Kill somewhere between 10 ms and 300 ms into the run.
	sleep "0.$(printf '%03d' $((RANDOM % 290 + 10)))"
	if kill -9 "$K" 2>/dev/null; then kills=$((kills + 1)); fi
	wait "$K" 2>/dev/null || true
	if (( i % 100 == 0 )); then echo "  $i iterations, $(wc -l <"$WORK/printed.log" 2>/dev/null || echo 0) tickets printed"; fi
done
echo "sync-killloop: $kills kills; checking"
"$BIN" check -dir "$WORK"
echo "sync-killloop: OK"
