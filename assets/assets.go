// Package assets holds LimaBar's icons as PNG files embedded in the binary.
// They are drawn by code (internal/art) rather than by hand so that anyone
// can change them in review and regenerate them with `go generate ./assets`;
// a test checks that the committed files are what the code draws.
package assets

//go:generate go run ./gen -o .

import (
	"embed"
	"fmt"
)

// TemplateIcon is the macOS menu-bar icon at 1× (18×18 px): black on
// transparent, for an image marked as a template so that macOS tints it for
// light and dark menu bars.
//
//go:embed template.png
var TemplateIcon []byte

// TemplateIcon2x is TemplateIcon at 2× (36×36 px). getlantern/systray shows
// a single image at 16 pt, so this is the one to give it on Retina screens.
//
//go:embed template@2x.png
var TemplateIcon2x []byte

// TrayIcon is the colour icon for Linux panels (64×64 px), which may be
// light or dark; the panel scales it to its own size.
//
//go:embed tray.png
var TrayIcon []byte

// TemplateAttentionIcon and TemplateAttentionIcon2x are TemplateIcon with a
// badge in the bottom-right corner (the 2× one has an exclamation mark cut
// into it), shown in the macOS menu bar while something needs the user: an
// instance with problems, a failed action, limactl missing. A template
// image has no colour, so the badge is set off by a clear gap.
var (
	//go:embed template-attention.png
	TemplateAttentionIcon []byte
	//go:embed template-attention@2x.png
	TemplateAttentionIcon2x []byte
)

// TrayAttentionIcon is TrayIcon with an orange warning badge, the Linux
// counterpart of TemplateAttentionIcon (64×64 px).
//
//go:embed tray-attention.png
var TrayAttentionIcon []byte

// AppIconPNG is the app icon at 1024×1024 px, the source size of the macOS
// icon.
//
//go:embed appicon/1024.png
var AppIconPNG []byte

//go:embed appicon/*.png
var appIcons embed.FS

// AppIconSizes are the sizes, in pixels, the app icon is drawn at: the
// hicolor sizes of a Linux icon theme and those an .icns file holds. Each is
// drawn for its size rather than scaled from the large one, and the small
// ones leave out the power badge, which would be a smudge.
var AppIconSizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512, 1024}

// AppIcon returns the app icon drawn at px×px pixels (PNG), or an error for
// a size that is not in AppIconSizes.
func AppIcon(px int) ([]byte, error) {
	data, err := appIcons.ReadFile(fmt.Sprintf("appicon/%d.png", px))
	if err != nil {
		return nil, fmt.Errorf("no app icon of %d px: %w", px, err)
	}
	return data, nil
}
