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
# flow passes to the voice driver (voice.Announcer.Prompt). A prompt says the
# words the screen shows for that key, no more and no fewer (a time or a
# ticket number the screen adds on a second line is not spoken). Every clip
# is 16 kHz mono 16-bit PCM, level-matched like scripts/voice-clips.sh does.
# Elder-mode pace (工信部 适老化): each Mandarin syllable takes a slot of at
# least SLOT seconds (0.36 s: at most 2.8 syllables a second), padded with
# silence after the syllable, never cut; 350 ms at a comma (,). Syllables
# are trimmed of silence only below 0.3 % and faded over 8 ms, so soft
# onsets and tails stay whole. English is espeak-ng at 105 words a minute
# with longer gaps between words (under 3 syllables a second), faded out
# at the end.
# kiosk/flow/adapters/promptpace_test.go measures both.
# Needs: ffmpeg, sox, gcin-voice, espeak-ng (apt-get install ffmpeg sox gcin-voice espeak-ng).
# Usage: scripts/voice-prompts.sh [OUTDIR]   (default assets/voice)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-assets/voice}/prompt
src=${GCIN_VOICE_DIR:-/usr/share/gcin-voice/ogg}
TARGET_DB=${TARGET_DB:--20}
SLOT=${SLOT:-0.36}
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
    silence 1 0.005 0.3% reverse silence 1 0.005 0.3% reverse
  rms=$(sox "$tmp/t.wav" -n stats 2>&1 | awk '/^RMS lev dB/ {print $4}')
  gain=$(awk -v t="$TARGET_DB" -v r="$rms" 'BEGIN {printf "%.2f", t - r}')
  sox -D "$tmp/t.wav" -b 16 -e signed-integer "$dst" gain -l "$gain" fade q 0.008 -0 0.008
}
# slot IN OUT: IN padded with silence at its end to at least SLOT seconds
# (and 40 ms more in any case, so syllables never run into each other).
slot() {
  local d pad
  d=$(soxi -D "$1")
  pad=$(awk -v d="$d" -v s="$SLOT" 'BEGIN {p = s - d; if (p < 0.04) p = 0.04; printf "%.3f", p}')
  sox -D "$1" -b 16 -e signed-integer "$2" pad 0 "$pad"
}
sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$tmp/comma.wav" trim 0 0.35

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
  key=$(echo "$key" | sed 's/^ *//;s/ *$//'); en=$(echo "$en" | sed 's/^ *//;s/ *$//')
  parts=()
  for s in $zh; do
    if [ "$s" = "," ]; then parts+=("$tmp/comma.wav"); continue; fi
    dir="$src/$(zhuyin "$s")"
    ogg="$dir/5.ogg"
    if [ ! -f "$ogg" ]; then # a few syllables have another speaker's take only
      ogg=$(ls "$dir"/*.ogg 2>/dev/null | head -1 || true)
      [ -n "$ogg" ] || { echo "voice-prompts: no recording for $s ($dir)" >&2; exit 1; }
      echo "voice-prompts: $key: $s from $(basename "$ogg")" >&2
    fi
    ffmpeg -nostdin -v error -y -i "$ogg" "$tmp/in.wav"
    n=${#parts[@]}
    level "$tmp/in.wav" "$tmp/l$n.wav"
    slot "$tmp/l$n.wav" "$tmp/s$n.wav"
    parts+=("$tmp/s$n.wav")
  done
  sox -D "${parts[@]}" -b 16 -e signed-integer "$out/zh/$key.wav"
  espeak-ng -v en-us -s 105 -g 6 -w "$tmp/en.wav" "$en"
  level "$tmp/en.wav" "$tmp/en2.wav"
  # espeak's last sound ends abruptly: fade it out and end in silence.
  sox -D "$tmp/en2.wav" -b 16 -e signed-integer "$out/en/$key.wav" fade q 0 -0 0.03 pad 0.01 0.05
done <<'PROMPTS'
home.touch         | qing2 dian3 ji1 yao4 ban4 li3 de5 ye4 wu4                          | Tap the service you need
zone.pick          | qing2 xuan3 ze2 ye4 wu4                                            | Choose a service
realname.lay       | qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 gan3 ying4 qu1           | Please lay your ID card on the reader
ticket.take        | qing2 qu2 zou3 nin2 de5 hao4 piao4                                 | Please take your ticket
print.failed.title | da2 yin4 shi1 bai4                                                 | Printing failed
appt.how           | qing2 sao3 miao2 yu4 yue1 er4 wei2 ma3 , huo4 fang4 zhi4 shen1 fen4 zheng4 | Scan your appointment QR code or lay your ID card
scan.how           | qing3 jiang1 ying2 ye4 zhi2 zhao4 huo4 bu2 dong4 chan3 quan2 zheng4 shu1 shang4 de5 er4 wei2 ma3 dui4 zhun3 sao3 miao2 kou3 | Hold the QR code of your business licence or property certificate to the scanner
rate.thanks        | gan3 xie4 nin2 de5 ping2 jia4                                      | Thank you for your rating!
invoice.lay        | qing3 fang4 zhi4 shen1 fen4 zheng4 yi3 cha2 xun2 dai4 ling2 qu3 de5 fa1 piao4 | Lay your ID card to find invoices ready for pickup
invoice.pick       | qing2 xuan3 ze2 yao4 ling2 qu3 de5 fa1 piao4                       | Choose the invoices to collect
invoice.done       | qing2 qu2 zou3 ling2 qu3 dan1 , ping2 dan1 dao4 fa1 piao4 gui4 ling2 qu3 | Take the slip and collect your invoices at the invoice locker
invoice.none       | mei2 you3 dai4 ling2 qu3 de5 fa1 piao4                             | No invoices are ready for pickup
invoice.unavailable | fa1 piao4 ling2 qu3 zan4 shi2 wu2 fa3 shi3 yong4 , qing3 shao1 hou4 zai4 shi4 huo4 dao4 shui4 wu4 chuang1 kou3 zi1 xun2 | Invoice pickup is not available right now. Please try again later or ask at a tax window
msg.closed         | gai1 ye4 wu4 dang1 qian2 bu2 zai4 ban4 li3 shi2 jian1 , qing3 zai4 ban4 li3 shi2 jian1 nei4 qu3 hao4 | This service is outside its hours; please come back during opening hours.
msg.lunch          | wu3 xiu1 shi2 jian1 , gai1 ye4 wu4 zan4 ting2 ban4 li3            | Lunch break: this service is paused.
msg.cap            | gai1 ye4 wu4 jin1 ri4 hao4 yuan2 yi2 qu3 wan2 , qing3 ming2 ri4 zai4 lai2 huo4 zai4 xian4 yu4 yue1 | Today's tickets for this service are all taken; please come tomorrow or book online.
msg.error          | zan4 shi2 wu2 fa3 ban4 li3 , qing3 dao4 zi1 xun2 tai2 xun2 qiu2 bang1 zhu4 | This cannot be done right now; please ask at the information desk.
msg.paperout       | da3 yin4 ji1 que1 zhi3 , zan4 ting2 qu3 hao4 , yi3 tong1 zhi1 wei2 hu4 ren2 yuan2 , qing3 shao1 hou4 zai4 lai2 , huo4 shi3 yong4 bu4 xu1 yao4 da3 yin4 de5 zi4 zhu4 ye4 wu4 | The printer is out of paper: no tickets for now. Maintenance has been called; please come back later or use a self-service that needs no printing.
msg.printerfault   | da3 yin4 ji1 gu4 zhang4 , zan4 ting2 qu3 hao4 , yi3 tong1 zhi1 wei2 hu4 ren2 yuan2 , qing3 shao1 hou4 zai4 lai2 , huo4 shi3 yong4 bu4 xu1 yao4 da3 yin4 de5 zi4 zhu4 ye4 wu4 | The printer has a fault: no tickets for now. Maintenance has been called; please come back later or use a self-service that needs no printing.
msg.readerfault    | du2 ka3 qi4 gu4 zhang4 , zan4 shi2 wu2 fa3 du2 qu3 shen1 fen4 zheng4 , yi3 tong1 zhi1 wei2 hu4 ren2 yuan2 , qing3 shao1 hou4 zai4 lai2 | The ID card reader has a fault and cannot read cards now. Maintenance has been called; please come back later.
invoice.gone       | suo3 xuan3 fa1 piao4 yi3 bei4 ling2 qu3 , qing3 chong2 xin1 cha2 xun2 | These invoices have already been collected. Please look them up again
realname.timeout   | wei4 jian3 ce4 dao4 shen1 fen4 zheng4                              | No ID card was detected
card.take          | qing2 qu3 hui2 shen1 fen4 zheng4                                   | Please take your ID card
scan.unknown       | wu2 fa3 shi2 bie2 ci3 er4 wei2 ma3 , ta1 bu2 shi4 ben3 ting1 zhi1 chi2 de5 zheng4 zhao4 | This QR code is not a document this hall can read.
scan.untrusted     | ci3 er4 wei2 ma3 wei4 tong1 guo4 yan4 zheng4 , ke3 neng2 shi4 wei3 zao4 de5 , qing3 dao4 chuang1 kou3 he2 shi2 | This QR code failed verification and may be forged; please check at a window.
scan.notfound      | zheng4 zhao4 ku4 zhong1 mei2 you3 zhao3 dao4 ci3 zheng4 zhao4      | This document is not in the registry.
scan.offline       | zan4 shi2 wu2 fa3 cha2 xun2 zheng4 zhao4 ku4 , qing3 shao1 hou4 zai4 shi4 | The registry cannot be reached; please try again later.
appt.none          | mei2 you2 zhao3 dao4 jin1 tian1 de5 yu4 yue1                       | No appointment found for today
appt.invalid       | yu4 yue1 ma3 wu2 xiao4 huo4 yi3 guo4 qi1                           | The appointment code is invalid or expired
rate.notrateable   | zhe4 zhang1 hao4 piao4 shang4 wei4 ban4 jie2 huo4 yi3 jing1 ping2 jia4 guo4 , bu4 neng2 zai4 ci3 ping2 jia4 | This ticket is not served yet or already rated; it cannot be rated here.
realname.expired   | ci3 shen1 fen4 zheng4 yi3 guo4 you3 xiao4 qi1 , bu4 neng2 yong4 yu2 shi2 ming2 qu3 hao4 , qing2 shi3 yong4 you3 xiao4 zheng4 jian4 , huo4 dao4 fu2 wu4 tai2 ban4 li3 | This ID card has expired and cannot be used for a ticket by ID card. Please use a valid card or ask at the service desk.
realname.invalid   | ci3 shen1 fen4 zheng4 hao4 ma3 wei4 tong1 guo4 jiao4 yan4 , bu4 neng2 yong4 yu2 shi2 ming2 qu3 hao4 , qing3 dao4 fu2 wu4 tai2 he2 shi2 | This ID card's number failed its check and cannot be used for a ticket by ID card. Please ask at the service desk.
appt.early         | yu4 yue1 qian1 dao4 shang4 wei4 kai1 shi3 , qing3 shao1 hou4 zai4 lai2 qian1 dao4 | Check-in for your appointment has not opened yet; please come back a little later
appt.early.notime  | yu4 yue1 qian1 dao4 shang4 wei4 kai1 shi3 , qing3 zai4 yu4 yue1 shi2 duan4 qian2 hou4 qian1 dao4 | Check-in for your appointment has not opened yet
appt.late          | yu4 yue1 qian1 dao4 yi3 jie2 zhi3 , qing3 xian4 chang2 qu3 hao4 huo4 chong2 xin1 yu4 yue1 | Check-in for your appointment has closed; please take a ticket or book again
appt.late.notime   | yu4 yue1 qian1 dao4 yi3 jie2 zhi3 , qing3 xian4 chang2 qu3 hao4 huo4 chong2 xin1 yu4 yue1 | Check-in for your appointment has closed; please take a ticket or book again
PROMPTS
echo "voice-prompts: wrote $(find "$out" -name '*.wav' | wc -l) prompts under $out"
