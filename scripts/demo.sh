#!/usr/bin/env bash
# Run a whole hall on this machine: device simulators on pseudo-terminals, the
# hall server on SQLite under ./var, and the kiosk with simulated devices.
# With a display the kiosk window opens; without one it runs headless.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
VAR=${VAR:-var}
LISTEN=${HALL_LISTEN:-127.0.0.1:8080}
mkdir -p "$VAR/dev" "$VAR/hall" "$VAR/kiosk"

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "demo: stopping..."
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  echo "demo: stopped"
  exit 0
}
trap stop INT TERM EXIT

rm -f "$VAR/dev/devsim.json"
"$BIN/devsim" --dir "$VAR/dev" >"$VAR/devsim.out" 2>"$VAR/devsim.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$VAR/dev/devsim.json" ] && break; sleep 0.1; done
[ -s "$VAR/dev/devsim.json" ] || { echo "demo: device simulators did not start, see $VAR/devsim.log" >&2; exit 1; }

# The hall drives the simulated display bus (window strips and the hall board
# on devsim's display pty) and writes each announcement to $VAR/voice/*.wav.
cat >"$VAR/hallserver.conf" <<CONF
[display]
board_port = $VAR/dev/display
board_protocol = framed
strip_port = $VAR/dev/display
strip_protocol = framed
[voice]
output = wav:$VAR/voice
CONF
# Evaluator pads of windows 19, 20 and 105: devsim's pads 1, 2 and 3 (press a
# key: curl -X POST "http://127.0.0.1:7090/evaluator/press?addr=1&key=2").
if [ -e "$VAR/dev/evaluator" ]; then printf '[evaluator]\nport = %s\nwindows = 19:1, 20:2, 105:3\n' "$VAR/dev/evaluator" >>"$VAR/hallserver.conf"; fi
# The hall reports to the demo city server (started at the end, scripts/demo-city.sh).
CITY_LISTEN=${CITY_LISTEN:-127.0.0.1:8643}
printf '[city]\nurl = https://%s\ninterval = 5s\n' "$CITY_LISTEN" >>"$VAR/hallserver.conf"
"$BIN/hallserver" --config "$VAR/hallserver.conf" --data "$VAR/hall" --listen "$LISTEN" --demo >"$VAR/hallserver.out" 2>"$VAR/hallserver.log" &
pids+=($!)
for _ in $(seq 100); do curl -fsS "http://$LISTEN/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://$LISTEN/healthz" >/dev/null 2>&1 || { echo "demo: hall server did not start, see $VAR/hallserver.log" >&2; exit 1; }

kargs=(--sim --config deploy/kiosk.conf.example)
if [ -z "${DISPLAY:-}" ]; then kargs+=(--headless); fi
"$BIN/kiosk" "${kargs[@]}" >"$VAR/kiosk.out" 2>"$VAR/kiosk.log" &
pids+=($!)

# The city tier: a private PostgreSQL cluster under $VAR/city, the city
# server, and a township box (kiosk --standalone) beside the hall; both
# sites enrolled and reporting (scripts/demo-city.sh).
. scripts/demo-city.sh

cat <<MSG

  Hall demo is running (logs in $VAR/*.log).

  Device simulators:  $(tr -d '\n ' <"$VAR/dev/devsim.json")
  Staff caller page:  http://$LISTEN/caller
  Display page:       http://$LISTEN/display
  Booking page:       http://$LISTEN/booking
  Display bus (sim):  $(jq -r .control "$VAR/dev/devsim.json" 2>/dev/null || echo http://127.0.0.1:7090)/display/state
  Announcements:      $VAR/voice/*.wav
  Demo accounts:      see $VAR/hallserver.out
  Kiosk:              $( [ -n "${DISPLAY:-}" ] && echo "window on $DISPLAY" || echo "headless (no DISPLAY)" )

  City dashboard:     $CITY_PAGES/  (admin password: see $VAR/city/cityserver.out)
  City API (TLS):     https://$CITY_LISTEN/api/v1/sites
  Township box pages: http://$TOWNSHIP_LISTEN/caller

  Press Ctrl-C to stop everything.
MSG
cat "$VAR/hallserver.out" 2>/dev/null | sed 's/^/  /' || true
wait -n "${pids[@]}" || true
echo "demo: a component exited; see $VAR/*.log" >&2
