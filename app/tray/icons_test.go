package tray

import (
	"bytes"
	"testing"

	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/assets"
)

// TestDefaultIcons checks the images the tray sets for each key the menu
// model uses: the badge while something needs the user, the plain llama
// otherwise, and never nothing. Without an attention entry the tray would
// fall back to the plain icon and hide that an instance has problems.
func TestDefaultIcons(t *testing.T) {
	normal := Icon{Template: assets.TemplateIcon2x, Regular: assets.TrayIcon}
	attention := Icon{Template: assets.TemplateAttentionIcon2x, Regular: assets.TrayAttentionIcon}
	same := func(a, b Icon) bool {
		return bytes.Equal(a.Template, b.Template) && bytes.Equal(a.Regular, b.Regular)
	}
	if same(normal, attention) {
		t.Fatal("the attention images are the normal ones")
	}
	for _, c := range []struct {
		name  string
		icons map[menu.IconKey]Icon
		key   menu.IconKey
		want  Icon
	}{
		{"attention", DefaultIcons(), menu.IconAttention, attention},
		{"normal", DefaultIcons(), menu.IconNormal, normal},
		{"a key with no image", DefaultIcons(), menu.IconBusy, normal},
		{"no images given", nil, menu.IconAttention, normal},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := pickIcon(c.icons, c.key); !same(got, c.want) {
				t.Errorf("pickIcon(%q) is not the expected image (template %d bytes, regular %d bytes)",
					c.key, len(got.Template), len(got.Regular))
			}
		})
	}
}
