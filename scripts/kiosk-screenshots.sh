#!/usr/bin/env bash
# Screenshots of every kiosk screen from the real Fyne window under Xvfb:
# device simulators (devsim) on pseudo-terminals, the kiosk standalone with
# --sim, driven through its loopback control endpoint and devsim's control
# routes. Writes docs/screenshots/kiosk-*.png.
#
#   scripts/kiosk-screenshots.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/screenshots}
mkdir -p "$OUT"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -tags no_emoji -o "$tmp/" ./cmd/kiosk ./cmd/devsim # as scripts/kiosk-bench.sh
export LANG=zh_CN.UTF-8 # as deploy/kiosk.service

DISP=${KIOSK_SHOT_DISPLAY:-:97}
start_x() { # WIDTH HEIGHT
  Xvfb "$DISP" -screen 0 "$1x$2x24" -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
  xpid=$!
  pids+=($xpid)
  for _ in $(seq 50); do DISPLAY=$DISP xdpyinfo >/dev/null 2>&1 && return; sleep 0.1; done
  DISPLAY=$DISP import -window root /dev/null 2>/dev/null || { echo "Xvfb did not start" >&2; exit 1; }
}
stop_x() { kill "$xpid" 2>/dev/null || true; wait "$xpid" 2>/dev/null || true; }

DEV=${KIOSK_SHOT_DEV:-127.0.0.1:21290} CTL=${KIOSK_SHOT_CTL:-127.0.0.1:21291}
"$tmp/devsim" --dir "$tmp/dev" --control "$DEV" >"$tmp/devsim.out" 2>"$tmp/devsim.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/dev/devsim.json" ] && break; sleep 0.1; done

# The built-in catalogue with 户籍业务 (household) open only on Saturday
# 00:00-00:01, so that the closed-hours message can be shown at any time.
/usr/bin/python3 - queue/catalog/default.json "$tmp/catalogue.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1], encoding="utf-8"))
for z in c["zones"]:
    for s in z["services"]:
        if s["id"] == "household":
            s["hours"] = [{"days": [6], "open": "00:00", "close": "00:01"}]
json.dump(c, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY

conf() { # ORIENTATION
  cat >"$tmp/kiosk.conf" <<CONF
[kiosk]
catalogue = $tmp/catalogue.json
data_dir = $tmp/data
sim_dir = $tmp/dev
control = $CTL
standalone = true
orientation = $1
hall_name = 玉门市民中心
hall_name_en = Yumen Citizen Centre
[hall]
# the 10 s status refresh, sooner: paper refilled shows at once
status_interval = 1s
[maintenance]
pin = 2468
[registry]
import = assets/registry-demo.csv
[invoices]
import = demo
[voice]
# elder-mode prompts as WAV files, not on a sound card
output = wav:$tmp/voice
CONF
}
start_kiosk() {
  DISPLAY=$DISP "$tmp/kiosk" --sim --standalone --config "$tmp/kiosk.conf" >>"$tmp/kiosk.out" 2>>"$tmp/kiosk.log" &
  kpid=$!
  pids+=($kpid)
  for _ in $(seq 100); do grep -q "kiosk UI started" "$tmp/kiosk.log" 2>/dev/null && break; sleep 0.1; done
  sleep 1
}
stop_kiosk() { kill "$kpid" 2>/dev/null || true; wait "$kpid" 2>/dev/null || true; : >"$tmp/kiosk.log"; }

tap() { curl -fsS -X POST "http://$CTL/tap?target=$1" >/dev/null; }
screen() { curl -fsS "http://$CTL/state" | sed -n 's/.*"screen":"\([a-z]*\)".*/\1/p'; }
wait_screen() { # NAME...
  for _ in $(seq 100); do
    s=$(screen)
    for want in "$@"; do [ "$s" = "$want" ] && return 0; done
    sleep 0.1
  done
  echo "kiosk-screenshots: stuck on screen $(screen), wanted $*" >&2
  exit 1
}
shot() { sleep 0.6; DISPLAY=$DISP import -window root "$OUT/kiosk-$1.png"; echo "  $OUT/kiosk-$1.png"; }

# tour SUFFIX LANGTAPS: every screen once, in the language and mode the
# home switches give (LANGTAPS: "lang", "elder", "lang elder" or ""), as
# kiosk-<screen>SUFFIX.png. The session keeps them until maintenance exits.
tour() {
  local sfx=$1 sw=$2
  modes() { for m in $sw; do tap "$m"; done; sleep 2; } # a theme change repaints slowly
  # A few tickets first, so the home screen has people waiting.
  for _ in 1 2 3; do tap zone:tax; tap service:tax-invoice; wait_screen realname; tap skip; wait_screen ticket; tap home; done
  wait_screen home
  modes
  shot "home$sfx"
  tap zone:tax; wait_screen zone; shot "zone$sfx"
  tap service:tax-invoice; wait_screen realname; shot "realname$sfx"
  curl -fsS -X POST "http://$DEV/idcard/card?name=resident1" >/dev/null
  wait_screen ticket; shot "ticket$sfx"
  curl -fsS -X POST "http://$DEV/idcard/remove" >/dev/null
  tap home
  curl -fsS -X POST "http://$DEV/printer/paper?state=out" >/dev/null
  tap zone:tax; tap service:tax-invoice; wait_screen realname message; tap skip; wait_screen message; shot "paperout$sfx"
  tap home; wait_screen home; shot "home-paperout$sfx"
  curl -fsS -X POST "http://$DEV/printer/paper?state=ok" >/dev/null
  sleep 2.5 # the status refresh asks the printer again
  tap zone:police; tap service:household; wait_screen message; shot "message$sfx"
  tap home
  tap appointment; wait_screen appointment; shot "appointment$sfx"; tap home
  tap scan; wait_screen scan; shot "scan$sfx"
  curl -fsS -X POST "http://$DEV/scanner/scan" --data-binary 'https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=91620981MA72BC4D2N-SAIC_SHOW_1&signData=x' >/dev/null
  wait_screen document message; shot "document$sfx"; tap back; wait_screen scan
  curl -fsS -X POST "http://$DEV/scanner/scan" --data-binary 'https://evil.example.com/pay?x=1' >/dev/null
  wait_screen message; shot "scan-unknown$sfx"; tap home
  tap rate; wait_screen rating; tap rate:2; tap reason:reason.wait; shot "rating$sfx"
  tap submit; wait_screen rated message; shot "rated$sfx"; tap home
  if curl -fsS "http://$CTL/state" >/dev/null && tap invoice 2>/dev/null && [ "$(screen)" = invoiceid ]; then
    shot "invoice-id$sfx"
    curl -fsS -X POST "http://$DEV/idcard/card?name=resident1" >/dev/null
    wait_screen invoices message; shot "invoices$sfx"
    curl -fsS -X POST "http://$DEV/idcard/remove" >/dev/null
    tap invoice:1; tap collect; wait_screen invoicedone message; shot "invoice-done$sfx"
    tap home
  fi
  for _ in 1 2 3 4 5; do tap corner; done
  wait_screen pin
  for d in 2 4 6 8; do tap "pin:$d"; done
  shot "pin$sfx"
  tap pin:ok; wait_screen maintenance
  tap maint.config; sleep 1; shot "maintenance$sfx"
  tap exit; wait_screen home
}

echo "kiosk-screenshots: portrait 1080x1920 (Chinese, English, elder mode)"
start_x 1080 1920
conf portrait
start_kiosk
tour "" ""
tour "-en" "lang"
tour "-elder" "elder"
tap lang; tap elder; sleep 2; shot home-en-elder
for _ in $(seq 50); do ls "$tmp/voice"/*.wav >/dev/null 2>&1 && break; sleep 0.1; done
echo "  elder mode spoke $(ls "$tmp/voice"/*.wav 2>/dev/null | wc -l) prompt(s) (WAV files under voice.output)"
stop_kiosk
stop_x

echo "kiosk-screenshots: landscape 1920x1080 (Chinese; English elder home)"
start_x 1920 1080
conf landscape
start_kiosk
tour "-landscape" ""
tap lang; tap elder; sleep 2; shot home-en-elder-landscape
stop_kiosk
stop_x
