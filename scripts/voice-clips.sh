#!/usr/bin/env bash
# Prepare the voice-announcement clips committed under assets/voice/.
#
# Sources (see assets/voice/ATTRIBUTION.md):
#   zh/      Mandarin syllables from Debian's gcin-voice package, files */5.ogg
#            (CC-BY-3.0, voice: ChionMeilin with the vocal source from Chu Lo).
#   letter/  the letters A-Z, and en/ the English words, synthesised with
#            espeak-ng (voice en-us). espeak-ng is GPL-3; its generated audio is
#            not covered by the program's licence and is shipped as is.
#   chime.wav  a two-tone chime synthesised by sox here.
#
# Every clip becomes 16 kHz mono 16-bit PCM WAV, trimmed of leading and
# trailing silence and level-matched (RMS to TARGET_DB, peak-limited), without
# dither so that reruns give identical files.
#
# Needs: ffmpeg, sox, gcin-voice, espeak-ng (apt-get install ffmpeg sox gcin-voice espeak-ng).
# Usage: scripts/voice-clips.sh [OUTDIR]   (default assets/voice)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-assets/voice}
src=${GCIN_VOICE_DIR:-/usr/share/gcin-voice/ogg}
TARGET_DB=${TARGET_DB:--20}
for tool in ffmpeg sox espeak-ng; do
  command -v "$tool" >/dev/null || { echo "voice-clips: $tool not found (apt-get install $tool)" >&2; exit 1; }
done
[ -d "$src" ] || { echo "voice-clips: $src missing (apt-get install gcin-voice)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out/zh" "$out/en" "$out/letter"

# finish IN OUT: 16 kHz mono s16, trim silence at both ends, match RMS level.
finish() {
  local in=$1 dst=$2
  sox -D "$in" -r 16000 -c 1 -b 16 -e signed-integer "$tmp/t.wav" \
    silence 1 0.005 1% reverse silence 1 0.005 1% reverse
  local rms gain
  rms=$(sox "$tmp/t.wav" -n stats 2>&1 | awk '/^RMS lev dB/ {print $4}')
  gain=$(awk -v t="$TARGET_DB" -v r="$rms" 'BEGIN {printf "%.2f", t - r}')
  sox -D "$tmp/t.wav" -b 16 -e signed-integer "$dst" gain -l "$gain"
}

# Mandarin syllables: clip name (pinyin + tone) -> gcin-voice folder (zhuyin + tone).
while read -r name folder; do
  ffmpeg -nostdin -v error -y -i "$src/$folder/5.ogg" "$tmp/in.wav"
  finish "$tmp/in.wav" "$out/zh/$name.wav"
done <<'MAP'
qing3 ㄑㄧㄥ3
hao4 ㄏㄠ4
dao4 ㄉㄠ4
chuang1 ㄔㄨㄤ
kou3 ㄎㄡ3
ban4 ㄅㄢ4
li3 ㄌㄧ3
ling2 ㄌㄧㄥ2
yi1 ㄧ
er4 ㄦ4
san1 ㄙㄢ
si4 ㄙ4
wu3 ㄨ3
liu4 ㄌㄧㄡ4
qi1 ㄑㄧ
ba1 ㄅㄚ
jiu3 ㄐㄧㄡ3
shi2 ㄕ2
bai3 ㄅㄞ3
MAP

# Letters, read as English letter names (as Chinese halls do for ticket prefixes).
for l in A B C D E F G H I J K L M N O P Q R S T U V W X Y Z; do
  espeak-ng -v en-us -s 150 -m -w "$tmp/in.wav" "<speak><say-as interpret-as=\"characters\">$l</say-as></speak>"
  finish "$tmp/in.wav" "$out/letter/$l.wav"
done

# English words: digits, cardinals for window numbers, and the phrases.
for w in zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen \
  fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred; do
  espeak-ng -v en-us -s 150 -w "$tmp/in.wav" "$w"
  finish "$tmp/in.wav" "$out/en/$w.wav"
done
espeak-ng -v en-us -s 150 -w "$tmp/in.wav" "number"; finish "$tmp/in.wav" "$out/en/number.wav"
espeak-ng -v en-us -s 150 -w "$tmp/in.wav" "please go to window"; finish "$tmp/in.wav" "$out/en/please_go_to_window.wav"

# Chime: a soft two-tone "ding-dong" (E6 then C6), 0.75 s.
sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$tmp/d1.wav" synth 0.35 sine 1318.5 fade q 0.005 0.35 0.3 vol 0.2
sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$tmp/d2.wav" synth 0.4 sine 1046.5 fade q 0.005 0.4 0.38 vol 0.2
sox -D "$tmp/d1.wav" "$tmp/d2.wav" "$out/chime.wav"

echo "voice-clips: wrote $(find "$out" -name '*.wav' | wc -l) clips under $out"
