// Package assets embeds what every node ships with: the CJK font used by the
// kiosk UI and the ticket renderer, and default data files. Other packages
// (voice clips, catalogue, web templates) embed their own files next to
// their code or under assets/ subpackages.
package assets

import (
	_ "embed"
	"sync"

	"golang.org/x/image/font/opentype"
)

// FontTTF is WenQuanYi Micro Hei (Apache-2.0), covering Latin and GB 18030
// level 1.
//
//go:embed fonts/wqy-microhei.ttf
var FontTTF []byte

// FontName is the embedded font's file name, for Fyne resources.
const FontName = "wqy-microhei.ttf"

// UIFontTTF is the kiosk screen's font: WenQuanYi Micro Hei cut down by
// scripts/font-subset.sh to GB 2312 and the 2013 Table of General Standard
// Chinese Characters (8,230 hanzi, the set names are registered in), Latin
// with pinyin, Greek, Cyrillic, punctuation, symbols and full-width forms,
// without hinting and glyph names. Fyne's text stack parses its theme font
// whole, once per text style; this font costs the kiosk 6 MB of heap where
// the full one cost 16 MB. Text with a character outside it (a rare name
// character) is drawn from FontTTF, the full font.
//
//go:embed fonts/wqy-microhei-ui.ttf
var UIFontTTF []byte

// UIFontName is UIFontTTF's file name, for Fyne resources.
const UIFontName = "wqy-microhei-ui.ttf"

var (
	fontOnce sync.Once
	parsed   *opentype.Font
	fontErr  error
)

// Font returns the parsed embedded font (parsed once).
func Font() (*opentype.Font, error) {
	fontOnce.Do(func() { parsed, fontErr = opentype.Parse(FontTTF) })
	return parsed, fontErr
}
