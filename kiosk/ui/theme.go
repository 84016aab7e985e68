package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"hallkiosk/assets"
)

// fontResource is the bundled CJK font (the kiosk subset, assets.UIFontTTF),
// so Chinese renders on a machine without any system fonts.
//
// The font has a single weight, and Fyne draws every style with the glyphs
// the theme gives it (no synthetic bold or slant), yet it parses the theme
// font, the emoji font and a system fallback again for every text style it
// meets (6 MB and more each). The kiosk therefore shows only the regular
// style: its own Button instead of Fyne's (whose label is bold), no bold or
// monospace labels; every golden screen is checked (assertRegularText).
var fontResource = fyne.NewStaticResource(assets.UIFontName, assets.UIFontTTF)

// Palette: dark text on a light background (contrast well above WCAG AA's
// 4.5:1), a deep government red for primary actions with white text.
var (
	colBackground = color.NRGBA{R: 0xF4, G: 0xF1, B: 0xEA, A: 0xFF} // warm paper
	colForeground = color.NRGBA{R: 0x1A, G: 0x1A, B: 0x1A, A: 0xFF}
	colPrimary    = color.NRGBA{R: 0xB0, G: 0x1E, B: 0x23, A: 0xFF} // 中国红, 6.9:1 against white
	colButton     = color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
	colTile       = color.NRGBA{R: 0x0B, G: 0x4F, B: 0x8A, A: 0xFF} // deep blue tiles, 8.4:1 with white
	colMuted      = color.NRGBA{R: 0x4A, G: 0x4A, B: 0x4A, A: 0xFF} // 7.9:1 on the background
	colHeader     = color.NRGBA{R: 0xB0, G: 0x1E, B: 0x23, A: 0xFF}
	colOK         = color.NRGBA{R: 0x1B, G: 0x6E, B: 0x20, A: 0xFF}
	colWarn       = color.NRGBA{R: 0x9A, G: 0x3B, B: 0x00, A: 0xFF}
	colWhite      = color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
	colDisabled   = color.NRGBA{R: 0xDD, G: 0xDA, B: 0xD2, A: 0xFF}
	colBorder     = color.NRGBA{R: 0xC8, G: 0xC3, B: 0xB8, A: 0xFF}
)

// Theme is the kiosk's theme: the bundled font for every style, large text
// (larger still in elder mode) and a light, high-contrast palette.
type Theme struct {
	Elder bool
}

var _ fyne.Theme = (*Theme)(nil)

// Scale is the text scale of the theme: 1 normally, 1.4 in elder mode.
func (t *Theme) Scale() float32 {
	if t.Elder {
		return 1.4
	}
	return 1
}

// Color returns the palette colour for name (always the light variant).
func (t *Theme) Color(name fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch name {
	case theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground:
		return colBackground
	case theme.ColorNameForeground:
		return colForeground
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameSelection:
		return colPrimary
	case theme.ColorNameForegroundOnPrimary:
		return colWhite
	case theme.ColorNameButton, theme.ColorNameInputBackground:
		return colButton
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return colMuted
	case theme.ColorNameDisabledButton:
		return colDisabled
	case theme.ColorNameHover:
		return color.NRGBA{A: 0x10}
	case theme.ColorNamePressed:
		return color.NRGBA{A: 0x30}
	case theme.ColorNameSeparator, theme.ColorNameInputBorder:
		return colBorder
	case theme.ColorNameSuccess:
		return colOK
	case theme.ColorNameWarning, theme.ColorNameError:
		return colWarn
	case theme.ColorNameShadow:
		return color.NRGBA{A: 0x33}
	}
	return theme.DefaultTheme().Color(name, theme.VariantLight)
}

// Font returns the bundled CJK font for every text style (only the regular
// style is used, see fontResource).
func (t *Theme) Font(fyne.TextStyle) fyne.Resource { return fontResource }

// Icon returns the default icons.
func (t *Theme) Icon(name fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(name) }

// Size returns large text and padding for touch use.
func (t *Theme) Size(name fyne.ThemeSizeName) float32 {
	s := t.Scale()
	switch name {
	case theme.SizeNameText:
		return 30 * s
	case theme.SizeNameHeadingText:
		return 46 * s
	case theme.SizeNameSubHeadingText:
		return 36 * s
	case theme.SizeNameCaptionText:
		return 24 * s
	case theme.SizeNamePadding:
		return 10
	case theme.SizeNameInnerPadding:
		return 16
	case theme.SizeNameInlineIcon:
		return 36 * s
	case theme.SizeNameScrollBar:
		return 24
	case theme.SizeNameScrollBarSmall:
		return 12
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 10
	case theme.SizeNameInputBorder:
		return 3
	}
	return theme.DefaultTheme().Size(name)
}
