package assets

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"testing"

	"github.com/limabar/limabar/assets/internal/art"
)

// TestCommittedIconsMatchSource redraws every icon and compares it with the
// committed file, so that a change to the drawing code cannot land without
// the PNGs it produces, nor a PNG be edited by hand. The generator runs as
// its own process: drawing under the race detector would take ten times as
// long and test nothing more.
func TestCommittedIconsMatchSource(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command(goTool(t), "run", "./gen", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, b)
	}
	drawn := map[string]bool{}
	err := fs.WalkDir(os.DirFS(out), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		drawn[name] = true
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.FromSlash(name))
			if err != nil {
				t.Fatalf("%v (run `go generate ./assets`)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("committed %s differs from what internal/art draws; run `go generate ./assets`", name)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(drawn) == 0 {
		t.Fatal("the generator wrote nothing")
	}
	err = fs.WalkDir(os.DirFS("."), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path.Ext(name) == ".png" && !drawn[name] {
			t.Errorf("%s is not drawn by internal/art; remove it or add it to the generator", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// goTool is the go command; `go test` puts its own first on PATH.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run the icon generator: %v", err)
	}
	return p
}

func decode(t *testing.T, data []byte) *image.NRGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	n, ok := img.(*image.NRGBA)
	if !ok {
		t.Fatalf("got %T, want a non-premultiplied RGBA PNG", img)
	}
	return n
}

func TestIconSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		px   int
	}{
		{"TemplateIcon", TemplateIcon, 18},
		{"TemplateIcon2x", TemplateIcon2x, 36},
		{"TrayIcon", TrayIcon, 64},
		{"TemplateAttentionIcon", TemplateAttentionIcon, 18},
		{"TemplateAttentionIcon2x", TemplateAttentionIcon2x, 36},
		{"TrayAttentionIcon", TrayAttentionIcon, 64},
		{"AppIconPNG", AppIconPNG, 1024},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := decode(t, c.data)
			if b := img.Bounds(); b.Dx() != c.px || b.Dy() != c.px {
				t.Errorf("got %dx%d, want %dx%d", b.Dx(), b.Dy(), c.px, c.px)
			}
			if a := img.NRGBAAt(0, 0).A; a != 0 {
				t.Errorf("top-left corner has alpha %d, want transparent", a)
			}
		})
	}
}

// TestTemplateIconsAreBlackWithAlpha checks what macOS expects of a template
// image: it uses only the alpha channel, so every pixel is black and the
// glyph is in the alpha.
func TestTemplateIconsAreBlackWithAlpha(t *testing.T) {
	for name, data := range map[string][]byte{
		"TemplateIcon": TemplateIcon, "TemplateIcon2x": TemplateIcon2x,
		"TemplateAttentionIcon": TemplateAttentionIcon, "TemplateAttentionIcon2x": TemplateAttentionIcon2x,
	} {
		t.Run(name, func(t *testing.T) {
			img := decode(t, data)
			var opaque, clear int
			for i := 0; i < len(img.Pix); i += 4 {
				r, g, b, a := img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3]
				if a != 0 && (r != 0 || g != 0 || b != 0) {
					t.Fatalf("pixel %d is rgb(%d,%d,%d), want black", i/4, r, g, b)
				}
				switch a {
				case 255:
					opaque++
				case 0:
					clear++
				}
			}
			total := len(img.Pix) / 4
			if opaque < total/5 || clear < total/5 {
				t.Errorf("got %d opaque and %d transparent pixels of %d, want a solid glyph on a clear ground", opaque, clear, total)
			}
		})
	}
}

func TestColourIconsHaveColour(t *testing.T) {
	for name, data := range map[string][]byte{"TrayIcon": TrayIcon, "TrayAttentionIcon": TrayAttentionIcon, "AppIconPNG": AppIconPNG} {
		t.Run(name, func(t *testing.T) {
			img := decode(t, data)
			b := img.Bounds()
			c := img.NRGBAAt(b.Dx()/4, b.Dy()*3/4)
			if c.A != 255 || (c.R == c.G && c.G == c.B) {
				t.Errorf("the ground at (%d,%d) is %v, want an opaque colour", b.Dx()/4, b.Dy()*3/4, c)
			}
		})
	}
}

func TestAppIcon(t *testing.T) {
	if !slices.Equal(AppIconSizes, art.AppIconSizes) {
		t.Fatalf("AppIconSizes = %v, but internal/art draws %v", AppIconSizes, art.AppIconSizes)
	}
	for _, px := range AppIconSizes {
		data, err := AppIcon(px)
		if err != nil {
			t.Fatal(err)
		}
		img := decode(t, data)
		if b := img.Bounds(); b.Dx() != px || b.Dy() != px {
			t.Errorf("AppIcon(%d) is %dx%d", px, b.Dx(), b.Dy())
		}
		// The rounded square leaves the corners clear and fills the middle.
		if c := img.NRGBAAt(px/2, px/2); c.A != 255 {
			t.Errorf("AppIcon(%d) centre has alpha %d, want opaque", px, c.A)
		}
	}
	if _, err := AppIcon(17); err == nil {
		t.Error("AppIcon(17): got no error, want one for a size that is not drawn")
	}
}

// TestAttentionIconsHaveABadge checks that each attention icon is its
// normal icon plus a badge in the bottom-right corner: the llama is where
// it was, and the corner, clear or teal in the normal icon, holds the badge.
// A badge drawn somewhere else, or not at all, leaves the tray showing the
// normal icon when an instance has problems.
func TestAttentionIconsHaveABadge(t *testing.T) {
	for _, c := range []struct {
		name              string
		normal, attention []byte
		// badge is a point (in 1024ths of the side) inside the badge but
		// off its exclamation mark; llama is one inside the llama, away
		// from the badge.
		badge, llama image.Point
		isBadge      func(color.NRGBA) bool
	}{
		{"TemplateAttentionIcon", TemplateIcon, TemplateAttentionIcon, image.Pt(700, 900), image.Pt(300, 700),
			func(c color.NRGBA) bool { return c.A == 255 }},
		{"TemplateAttentionIcon2x", TemplateIcon2x, TemplateAttentionIcon2x, image.Pt(700, 900), image.Pt(300, 700),
			func(c color.NRGBA) bool { return c.A == 255 }},
		// Orange: red high, blue low, which neither teal nor cream is.
		{"TrayAttentionIcon", TrayIcon, TrayAttentionIcon, image.Pt(680, 840), image.Pt(300, 700),
			func(c color.NRGBA) bool { return c.A == 255 && c.R > 200 && c.B < 80 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			normal, attention := decode(t, c.normal), decode(t, c.attention)
			at := func(img *image.NRGBA, p image.Point) color.NRGBA {
				side := img.Bounds().Dx()
				return img.NRGBAAt(p.X*side/1024, p.Y*side/1024)
			}
			if got := at(attention, c.badge); !c.isBadge(got) {
				t.Errorf("the badge at %v is %v", c.badge, got)
			}
			if got := at(normal, c.badge); c.isBadge(got) {
				t.Errorf("the normal icon already has %v at %v, so the badge does not stand out", got, c.badge)
			}
			if n, a := at(normal, c.llama), at(attention, c.llama); n != a {
				t.Errorf("the llama at %v changed from %v to %v", c.llama, n, a)
			}
			if bytes.Equal(normal.Pix, attention.Pix) {
				t.Error("the attention icon is the normal one")
			}
		})
	}
}
