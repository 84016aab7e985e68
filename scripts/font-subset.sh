#!/usr/bin/env bash
# Make assets/fonts/wqy-microhei-ui.ttf, the kiosk screen's font: WenQuanYi
# Micro Hei (assets/fonts/wqy-microhei.ttf, Apache-2.0) cut down to the
# characters of everyday Chinese text. Fyne's text stack (go-text) parses every
# glyph of its theme font, so each glyph dropped here is heap the idle kiosk no
# longer holds (docs/KIOSK.md, "Numbers").
#
# Kept, CJK: GB 2312 (6,763 hanzi) and the Table of General Standard Chinese
# Characters (通用规范汉字表, 2013: 8,105 characters, the set new names are
# registered in), 8,230 together, of which the font draws 7,957. The lists come
# from the Unicode Han database (Unihan kGB0 and kTGH) in Debian's unicode-data
# package. Non-CJK: Latin with pinyin tone marks, Greek, Cyrillic, general
# punctuation, symbols (℃ № Ⅰ ① ■ ★ ✓), CJK symbols and punctuation, kana,
# bopomofo, enclosed and compatibility CJK forms, full-/half-width forms.
# Dropped: the other ~13,000 ideographs, Hangul, TrueType hinting (go-text does
# not hint), glyph names.
#
# Text with a character outside this set (an old name such as 王頔, a rare
# character in a company name) is drawn by the kiosk UI from the full font,
# assets.FontTTF, which also stays the ticket renderer's font (kiosk/ui:
# richText; TestRareCharacterIsDrawn).
#
#   scripts/font-subset.sh        needs pyftsubset (Debian python3-fonttools)
#                                 and unicode-data (Unihan)
set -euo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3
unihan=/usr/share/unicode/Unihan_OtherMappings.txt.bz2
need=()
$py -c 'import fontTools' 2>/dev/null || need+=(python3-fonttools)
[ -r "$unihan" ] || need+=(unicode-data)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y "${need[@]}"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# GB 2312 and 通用规范汉字表 from Unihan: lines "U+4E00<TAB>kGB0<TAB>5027".
$py - "$unihan" "$tmp/hanzi.txt" <<'PY'
import bz2, sys
chars = set()
for line in bz2.open(sys.argv[1], "rt", encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    if len(f) == 3 and f[1] in ("kGB0", "kTGH"):
        chars.add(int(f[0][2:], 16))
assert len(chars) > 8000, len(chars)
open(sys.argv[2], "w", encoding="utf-8").write("".join(chr(c) for c in sorted(chars)))
print("font-subset: %d hanzi from GB 2312 and the general standard table" % len(chars))
PY
ranges=(
  U+0020-007E U+00A0-024F U+0250-036F U+0370-03FF U+0400-04FF U+1E00-1EFF # Latin (pinyin), IPA, Greek, Cyrillic
  U+2000-206F U+2070-209F U+20A0-20CF U+2100-214F U+2150-218F U+2190-21FF # punctuation, letterlike (℃ №), Ⅰ, arrows
  U+2200-22FF U+2300-23FF U+2460-24FF U+2500-259F U+25A0-25FF U+2600-26FF U+2700-27BF # maths, ①, box, ■●, ★, ✓
  U+2E80-2FDF U+3000-303F U+3040-30FF U+3100-312F U+31A0-31EF U+3200-32FF U+3300-33FF # radicals, 、。, kana, ㄅ, ㈠, ㎡
  U+FE10-FE1F U+FE30-FE4F U+FE50-FE6F U+FF00-FFEF U+FFFD # vertical, compatibility and small forms, full-width, replacement
)
unicodes=$(IFS=,; echo "${ranges[*]}")
$py -m fontTools.subset assets/fonts/wqy-microhei.ttf \
  --unicodes="$unicodes" --text-file="$tmp/hanzi.txt" \
  --output-file=assets/fonts/wqy-microhei-ui.ttf \
  --layout-features='*' --no-hinting --no-glyph-names --notdef-outline \
  --name-IDs='*' --name-languages='*' --name-legacy 2>&1 | grep -v 'FFTM NOT subset' || true
ls -l assets/fonts/wqy-microhei.ttf assets/fonts/wqy-microhei-ui.ttf
