#!/usr/bin/env bash
# Prepare the kiosk's spoken prompts (elder mode) under assets/voice/prompt/.
#
#   prompt/zh/<key>.wav  Mandarin, joined from the human-recorded syllables of
#                        Debian's gcin-voice package (files */5.ogg, CC-BY-3.0,
#                        voice: ChionMeilin with the vocal source from Chu Lo),
#                        one syllable per character, tones as spoken (third-tone
#                        and 不 sandhi applied by hand below; 的 in the light
#                        tone). espeak-ng's Mandarin voice is not used: its
#                        tones are wrong (docs: PROTOCOLS.md, voice calling).
#   prompt/en/<key>.wav  English, synthesised with espeak-ng (voice en-us), as
#                        the English call-announcement words are.
#
# <key> is the kiosk's i18n key of the prompt (kiosk/i18n), which the kiosk
# flow passes to the voice driver (voice.Announcer.Prompt). Every clip is
# 16 kHz mono 16-bit PCM, level-matched like scripts/voice-clips.sh does;
# syllables are joined with 30 ms gaps, 250 ms at a comma (|).
#
# Needs: ffmpeg, sox, gcin-voice, espeak-ng (apt-get install ffmpeg sox gcin-voice espeak-ng).
# Usage: scripts/voice-prompts.sh [OUTDIR]   (default assets/voice)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-assets/voice}/prompt
src=${GCIN_VOICE_DIR:-/usr/share/gcin-voice/ogg}
TARGET_DB=${TARGET_DB:--20}
for tool in ffmpeg sox espeak-ng; do
  command -v "$tool" >/dev/null || { echo "voice-prompts: $tool not found (apt-get install $tool)" >&2; exit 1; }
done
[ -d "$src" ] || { echo "voice-prompts: $src missing (apt-get install gcin-voice)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out/zh" "$out/en"

# level IN OUT: 16 kHz mono s16, trim silence at both ends, match RMS level.
level() {
  local in=$1 dst=$2 rms gain
  sox -D "$in" -r 16000 -c 1 -b 16 -e signed-integer "$tmp/t.wav" \
    silence 1 0.005 1% reverse silence 1 0.005 1% reverse
  rms=$(sox "$tmp/t.wav" -n stats 2>&1 | awk '/^RMS lev dB/ {print $4}')
  gain=$(awk -v t="$TARGET_DB" -v r="$rms" 'BEGIN {printf "%.2f", t - r}')
  sox -D "$tmp/t.wav" -b 16 -e signed-integer "$dst" gain -l "$gain" fade q 0.005 -0 0.01
}
sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$tmp/gap.wav" trim 0 0.03
sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$tmp/comma.wav" trim 0 0.25

# zhuyin PINYIN: the gcin-voice folder of a toned pinyin syllable (tone 1: no
# digit; 2-4: the digit; 5, the light tone: "1").
zhuyin() {
  /usr/bin/python3 - "$1" <<'PY'
import sys
s = sys.argv[1]
syl, tone = s[:-1], s[-1]
ini = {"zh": "ㄓ", "ch": "ㄔ", "sh": "ㄕ", "b": "ㄅ", "p": "ㄆ", "m": "ㄇ", "f": "ㄈ", "d": "ㄉ", "t": "ㄊ",
       "n": "ㄋ", "l": "ㄌ", "g": "ㄍ", "k": "ㄎ", "h": "ㄏ", "j": "ㄐ", "q": "ㄑ", "x": "ㄒ", "r": "ㄖ",
       "z": "ㄗ", "c": "ㄘ", "s": "ㄙ"}
fin = {"a": "ㄚ", "o": "ㄛ", "e": "ㄜ", "ai": "ㄞ", "ei": "ㄟ", "ao": "ㄠ", "ou": "ㄡ", "an": "ㄢ", "en": "ㄣ",
       "ang": "ㄤ", "eng": "ㄥ", "er": "ㄦ", "i": "ㄧ", "ia": "ㄧㄚ", "ie": "ㄧㄝ", "iao": "ㄧㄠ", "iu": "ㄧㄡ",
       "ian": "ㄧㄢ", "in": "ㄧㄣ", "iang": "ㄧㄤ", "ing": "ㄧㄥ", "iong": "ㄩㄥ", "u": "ㄨ", "ua": "ㄨㄚ",
       "uo": "ㄨㄛ", "uai": "ㄨㄞ", "ui": "ㄨㄟ", "uan": "ㄨㄢ", "un": "ㄨㄣ", "uang": "ㄨㄤ", "ong": "ㄨㄥ",
       "v": "ㄩ", "ve": "ㄩㄝ", "van": "ㄩㄢ", "vn": "ㄩㄣ", "": ""}
yw = {"yi": "i", "ya": "ia", "ye": "ie", "yao": "iao", "you": "iu", "yan": "ian", "yin": "in", "yang": "iang",
      "ying": "ing", "yong": "iong", "yu": "v", "yue": "ve", "yuan": "van", "yun": "vn", "wu": "u", "wa": "ua",
      "wo": "uo", "wai": "uai", "wei": "ui", "wan": "uan", "wen": "un", "wang": "uang", "weng": "ong"}
i, f = "", yw.get(syl, syl)
if syl not in yw:
    for k in ("zh", "ch", "sh") + tuple("bpmfdtnlgkhjqxrzcs"):
        if syl.startswith(k):
            i, f = ini[k], syl[len(k):]
            break
    if i in ("ㄐ", "ㄑ", "ㄒ") and f.startswith("u"):
        f = "v" + f[1:]
    if i in ("ㄓ", "ㄔ", "ㄕ", "ㄖ", "ㄗ", "ㄘ", "ㄙ") and f == "i":
        f = ""
print(i + fin[f] + {"1": "", "2": "2", "3": "3", "4": "4", "5": "1"}[tone])
PY
}

# key | Mandarin syllables as spoken | English text
while IFS='|' read -r key zh en; do
  key=$(echo "$key" | xargs); en=$(echo "$en" | xargs)
  parts=()
  for s in $zh; do
    if [ "$s" = "," ]; then parts+=("$tmp/comma.wav"); continue; fi
    dir="$src/$(zhuyin "$s")"
    [ -f "$dir/5.ogg" ] || { echo "voice-prompts: no recording for $s ($dir)" >&2; exit 1; }
    [ ${#parts[@]} -gt 0 ] && [ "${parts[-1]}" != "$tmp/comma.wav" ] && parts+=("$tmp/gap.wav")
    ffmpeg -nostdin -v error -y -i "$dir/5.ogg" "$tmp/in.wav"
    level "$tmp/in.wav" "$tmp/s$((${#parts[@]})).wav"
    parts+=("$tmp/s$((${#parts[@]})).wav")
  done
  sox -D "${parts[@]}" -b 16 -e signed-integer "$out/zh/$key.wav"
  espeak-ng -v en-us -s 145 -w "$tmp/en.wav" "$en"
  level "$tmp/en.wav" "$out/en/$key.wav"
done <<'PROMPTS'
home.touch         | qing3 dian3 ji1 yao4 ban4 li3 de5 ye4 wu4                          | Tap the service you need
zone.pick          | qing3 tiao1 xuan3 ye4 wu4                                          | Choose a service
realname.lay       | qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 gan3 ying4 qu1           | Please lay your ID card on the reader
ticket.take        | qing2 qu2 zou3 nin2 de5 hao4 piao4                                 | Please take your ticket
print.failed.title | da2 yin4 shi1 bai4                                                 | Printing failed
appt.how           | qing2 sao3 miao2 yu4 yue1 er4 wei2 ma3 , huo4 fang4 zhi4 shen1 fen4 zheng4 | Scan your appointment QR code or lay your ID card
scan.how           | qing3 jiang1 er4 wei2 ma3 dui4 zhun3 sao3 miao2 kou3               | Hold the QR code to the scanner
rate.thanks        | gan3 xie4 nin2 de5 ping2 jia4                                      | Thank you for your rating
invoice.lay        | qing3 fang4 zhi4 shen1 fen4 zheng4                                 | Please lay your ID card
invoice.pick       | qing3 tiao1 xuan3 yao4 ling2 qu3 de5 fa1 piao4                     | Choose the invoices to collect
invoice.done       | qing2 qu2 zou3 ling2 qu3 dan1 , ping2 dan1 dao4 fa1 piao4 gui4 ling2 qu3 | Take the slip and collect your invoices at the invoice locker
invoice.none       | mei2 you3 dai4 ling2 qu3 de5 fa1 piao4                             | No invoices are ready for pickup
invoice.unavailable | fa1 piao4 ling2 qu3 zan4 shi2 wu2 fa2 shi3 yong4                  | Invoice pickup is not available right now
msg.closed         | gai1 ye4 wu4 xian4 zai4 bu2 zai4 ban4 li3 shi2 jian1               | This service is closed now
msg.cap            | jin1 tian1 de5 hao4 yi3 jing1 qu3 wan2 le5                          | All tickets for this service are taken today
msg.error          | qing3 dao4 zi1 xun2 tai2 xun2 qiu2 bang1 zhu4                       | Please ask at the information desk
invoice.gone       | fa1 piao4 yi3 bei4 ling2 qu3                                       | These invoices have already been collected
realname.timeout   | wei4 jian3 ce4 dao4 shen1 fen4 zheng4                              | No ID card was detected
scan.unknown       | wu2 fa3 shi2 bie2 ci3 er4 wei2 ma3                                 | This QR code cannot be read here
scan.untrusted     | ci3 er4 wei2 ma3 wei4 tong1 guo4 yan4 zheng4                       | This QR code failed verification
scan.notfound      | zheng4 zhao4 ku4 zhong1 mei2 you2 zhao3 dao4 ci3 zheng4 zhao4      | This document is not in the registry
scan.offline       | zan4 shi2 wu2 fa3 cha2 xun2 zheng4 zhao4 ku4                       | The registry cannot be reached right now
PROMPTS
echo "voice-prompts: wrote $(find "$out" -name '*.wav' | wc -l) prompts under $out"
