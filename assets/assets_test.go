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
		{"StatusRunning", StatusRunning, 16},
		{"StatusRunning2x", StatusRunning2x, 32},
		{"StatusStopped", StatusStopped, 16},
		{"StatusStopped2x", StatusStopped2x, 32},
		{"StatusProblem", StatusProblem, 16},
		{"StatusProblem2x", StatusProblem2x, 32},
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
	for name, data := range map[string][]byte{"TemplateIcon": TemplateIcon, "TemplateIcon2x": TemplateIcon2x} {
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
	for name, data := range map[string][]byte{"TrayIcon": TrayIcon, "AppIconPNG": AppIconPNG} {
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

func TestStatusMarksAreCentred(t *testing.T) {
	for name, data := range map[string][]byte{"StatusRunning2x": StatusRunning2x, "StatusProblem2x": StatusProblem2x} {
		img := decode(t, data)
		if c := img.NRGBAAt(16, 20); c.A == 0 || c == (color.NRGBA{}) {
			t.Errorf("%s: centre pixel is clear, want the mark", name)
		}
	}
}
