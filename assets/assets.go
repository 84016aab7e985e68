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
