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
# The hall's TLS listener, where the kiosk enrols and syncs (number leases,
# offline tickets); HALL_PUBLIC_URL is what a phone on the hall's Wi-Fi
# reaches (e.g. http://192.168.1.20:8080 with HALL_LISTEN=0.0.0.0:8080),
# printed in the ticket QR codes; empty: the hall's own address.
TLS_LISTEN=${HALL_TLS_LISTEN:-127.0.0.1:8443}
PUBLIC_URL=${HALL_PUBLIC_URL:-}
DEVSIM_CONTROL=${DEVSIM_CONTROL:-127.0.0.1:7090}
KIOSK_CONTROL=${KIOSK_CONTROL:-127.0.0.1:7091}
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
"$BIN/devsim" --dir "$VAR/dev" --control "$DEVSIM_CONTROL" >"$VAR/devsim.out" 2>"$VAR/devsim.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$VAR/dev/devsim.json" ] && break; sleep 0.1; done
[ -s "$VAR/dev/devsim.json" ] || { echo "demo: device simulators did not start, see $VAR/devsim.log" >&2; exit 1; }

# The hall drives the simulated display bus (window strips and the hall board
# on devsim's display pty) and writes each announcement to $VAR/voice/*.wav.
cat >"$VAR/hallserver.conf" <<CONF
[server]
tls_listen = $TLS_LISTEN
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
hall_pid=$!
for _ in $(seq 100); do curl -fsS "http://$LISTEN/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://$LISTEN/healthz" >/dev/null 2>&1 || { echo "demo: hall server did not start, see $VAR/hallserver.log" >&2; exit 1; }

# Enrol the kiosk with the demo hall (once per kiosk store), so that it
# holds number leases and keeps issuing when the hall server is stopped.
# A store enrolled with a hall that no longer knows it (var/hall removed)
# is moved aside and enrolled afresh.
json_field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n1; }
enrol_kiosk() {
  local tok code dev
  tok=$(curl -fsS -X POST -H 'Content-Type: application/json' -d '{"user":"tech1","password":"tech1-demo"}' \
    "http://$LISTEN/api/v1/login" | json_field token) || return 1
  dev=$("$BIN/kioskctl" sync status --data "$VAR/kiosk" --json 2>/dev/null | json_field device)
  if "$BIN/kioskctl" sync status --data "$VAR/kiosk" --json 2>/dev/null | grep -q '"enrolled": *true'; then
    if curl -fsS -H "Authorization: Bearer $tok" "http://$LISTEN/api/v1/devices" | grep -q "\"$dev\""; then
      return 0
    fi
    echo "demo: the kiosk store was enrolled with another hall; moving it aside" >&2
    for f in "$VAR/kiosk/kiosk.db" "$VAR/kiosk/kiosk.db-wal" "$VAR/kiosk/kiosk.db-shm"; do
      [ -e "$f" ] && mv "$f" "$f.old-$(date +%s)"
    done
  fi
  code=$(curl -fsS -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -d '{"name":"kiosk-01"}' \
    "http://$LISTEN/api/v1/devices/enrol" | json_field code) || return 1
  [ -n "$code" ] || return 1
  "$BIN/kioskctl" sync enrol --data "$VAR/kiosk" --hall "https://$TLS_LISTEN" --code "$code" --name kiosk-01 >"$VAR/enrol.out"
}
enrol_kiosk || { echo "demo: could not enrol the kiosk with the hall (see $VAR/hallserver.log); it runs without offline tickets" >&2; }

kconf=deploy/kiosk.conf.example
if [ -n "$PUBLIC_URL" ] || [ "$LISTEN" != 127.0.0.1:8080 ] || [ "$VAR" != var ] || [ "$KIOSK_CONTROL" != 127.0.0.1:7091 ]; then
  kconf="$VAR/kiosk.conf"
  sed -e "s#^url = .*#url = http://$LISTEN#" -e "s#^public_url =.*#public_url = $PUBLIC_URL#" \
    -e "s#^data_dir = .*#data_dir = $VAR/kiosk#" -e "s#^sim_dir = .*#sim_dir = $VAR/dev#" \
    -e "s#^control = .*#control = $KIOSK_CONTROL#" deploy/kiosk.conf.example >"$kconf"
fi
kargs=(--sim --config "$kconf")
if [ -z "${DISPLAY:-}" ]; then kargs+=(--headless); fi
"$BIN/kiosk" "${kargs[@]}" >"$VAR/kiosk.out" 2>"$VAR/kiosk.log" &
pids+=($!)
core=("${pids[0]}" "$!") # devsim and the kiosk; the hall may be stopped and started again

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
  Ticket progress:    the QR code on each ticket (http://$LISTEN/q?c=...; phones: HALL_PUBLIC_URL)
  Kiosk enrolment:    $(cat "$VAR/enrol.out" 2>/dev/null || echo "not enrolled")
  Display bus (sim):  $(jq -r .control "$VAR/dev/devsim.json" 2>/dev/null || echo http://127.0.0.1:7090)/display/state
  Announcements:      $VAR/voice/*.wav
  Demo accounts:      see $VAR/hallserver.out
  Kiosk:              $( [ -n "${DISPLAY:-}" ] && echo "window on $DISPLAY" || echo "headless (no DISPLAY)" )

  Hall outage:        kill $hall_pid (the hall server): the kiosk goes on issuing
                      from its number leases; start the hall again with
                      $VAR/hall-start.sh and the tickets reach it.

  City dashboard:     $CITY_PAGES/  (admin password: see $VAR/city/cityserver.out)
  City API (TLS):     https://$CITY_LISTEN/api/v1/sites
  Township box pages: http://$TOWNSHIP_LISTEN/caller

  Press Ctrl-C to stop everything.
MSG
printf '#!/bin/sh\ncd %q && exec %q --config %q --data %q --listen %q --demo >>%q 2>>%q\n' "$PWD" "$BIN/hallserver" \
  "$VAR/hallserver.conf" "$VAR/hall" "$LISTEN" "$VAR/hallserver.out" "$VAR/hallserver.log" >"$VAR/hall-start.sh"
chmod +x "$VAR/hall-start.sh"
cat "$VAR/hallserver.out" 2>/dev/null | sed 's/^/  /' || true
wait -n "${core[@]}" || true
echo "demo: a component exited; see $VAR/*.log" >&2
