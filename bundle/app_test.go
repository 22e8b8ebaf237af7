package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackmordaunt/icns/v3"
	"howett.net/plist"

	"github.com/limabar/limabar/scripts/testenv"
	"github.com/limabar/limabar/scripts/testenv/tools"
)

// needTool returns the path of a program a test needs, through
// testenv.Tool: a program the platform lacks (a Linux tool on a Mac) skips
// the test there, and a missing one the platform has fails it under CI. pkg,
// the Debian package named for a reader, must be the one testenv's table
// names.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	if entry, ok := tools.Lookup(name); ok && entry.Debian != pkg {
		t.Fatalf("needTool(%s, %s): scripts/testenv/tools names Debian package %q", name, pkg, entry.Debian)
	}
	return testenv.Tool(t, name)
}

// stubExe writes a stand-in for the limabar binary: packaging copies it and
// must not care what it is.
func stubExe(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "limabar")
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho limabar stub \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// makeTestApp runs the command as `go run ./bundle -target darwin …` would.
func makeTestApp(t *testing.T) (app, exe string) {
	t.Helper()
	exe = stubExe(t)
	app = filepath.Join(t.TempDir(), "out", "LimaBar.app")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-target", "darwin", "-exe", exe, "-version", "v1.4.2-3-gdeadbee", "-o", app}, &stdout, &stderr); err != nil {
		t.Fatalf("bundle: %v\n%s", err, stderr.String())
	}
	return app, exe
}

// tree lists every file and folder under root with its permissions.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		got = append(got, fi.Mode().String()+" "+filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestAppLayout(t *testing.T) {
	t.Parallel()
	app, exe := makeTestApp(t)
	want := []string{
		"drwxr-xr-x Contents",
		"-rw-r--r-- Contents/Info.plist",
		"drwxr-xr-x Contents/MacOS",
		"-rwxr-xr-x Contents/MacOS/limabar",
		"-rw-r--r-- Contents/PkgInfo",
		"drwxr-xr-x Contents/Resources",
		"-rw-r--r-- Contents/Resources/AppIcon.icns",
	}
	if got := tree(t, app); !slices.Equal(got, want) {
		t.Errorf("LimaBar.app holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if fi, err := os.Stat(app); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("LimaBar.app: %v, mode %v; want a 0755 folder", err, fi.Mode())
	}
	got, _ := os.ReadFile(filepath.Join(app, "Contents", "MacOS", "limabar"))
	if wantExe, _ := os.ReadFile(exe); !bytes.Equal(got, wantExe) {
		t.Error("Contents/MacOS/limabar is not a copy of -exe")
	}
	if got, _ := os.ReadFile(filepath.Join(app, "Contents", "PkgInfo")); string(got) != "APPL????" {
		t.Errorf("PkgInfo = %q, want APPL????", got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(app), ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left beside the app: %q", leftovers)
	}
}

func TestInfoPlist(t *testing.T) {
	t.Parallel()
	app, _ := makeTestApp(t)
	path := filepath.Join(app, "Contents", "Info.plist")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := golden(t, "Info.plist"); !bytes.Equal(data, want) {
		t.Errorf("Info.plist is\n%s\nwant\n%s", data, want)
	}

	t.Run("decodes", func(t *testing.T) {
		var got map[string]any
		if _, err := plist.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]any{
			"CFBundleIdentifier":         "io.github.limabar",
			"CFBundleName":               "LimaBar",
			"CFBundleDisplayName":        "LimaBar",
			"CFBundleExecutable":         "limabar",
			"CFBundlePackageType":        "APPL",
			"CFBundleShortVersionString": "1.4.2",
			"CFBundleVersion":            "1.4.2",
			"CFBundleIconFile":           "AppIcon",
			"LSMinimumSystemVersion":     "12.0",
			"LSUIElement":                true,
			"NSHighResolutionCapable":    true,
		} {
			if got[key] != want {
				t.Errorf("%s = %#v, want %#v", key, got[key], want)
			}
		}
		if c, _ := got["NSHumanReadableCopyright"].(string); !strings.Contains(c, "LimaBar") {
			t.Errorf("NSHumanReadableCopyright = %q", c)
		}
		exe := filepath.Join(app, "Contents", "MacOS", got["CFBundleExecutable"].(string))
		if _, err := os.Stat(exe); err != nil {
			t.Errorf("CFBundleExecutable does not name the executable: %v", err)
		}
		icon := filepath.Join(app, "Contents", "Resources", got["CFBundleIconFile"].(string)+".icns")
		if _, err := os.Stat(icon); err != nil {
			t.Errorf("CFBundleIconFile does not name the icon: %v", err)
		}
	})

	// A converter other than the Go library that wrote the plist (plistutil
	// on Linux, plutil on macOS) turns it into a binary plist and back, and
	// every key survives.
	t.Run("binary and back", func(t *testing.T) {
		dir := t.TempDir()
		bin, xml := filepath.Join(dir, "Info.bplist"), filepath.Join(dir, "Info.xml")
		testenv.ConvertPlist(t, path, bin, true)
		testenv.ConvertPlist(t, bin, xml, false)
		back, err := os.ReadFile(xml)
		if err != nil {
			t.Fatal(err)
		}
		var fromXML, converted map[string]any
		if _, err := plist.Unmarshal(data, &fromXML); err != nil {
			t.Fatal(err)
		}
		if _, err := plist.Unmarshal(back, &converted); err != nil {
			t.Fatal(err)
		}
		for k, v := range fromXML {
			if converted[k] != v {
				t.Errorf("after conversion, %s = %#v, want %#v", k, converted[k], v)
			}
		}
		if len(converted) != len(fromXML) {
			t.Errorf("the converter read %d keys, want %d", len(converted), len(fromXML))
		}
	})
}

// icnsEntries reads the table of an .icns file: each entry is a four-byte
// type and a four-byte big-endian length that counts its own header.
func icnsEntries(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	if len(data) < 8 || string(data[:4]) != "icns" {
		t.Fatalf("not an icns file: starts with %q", data[:min(8, len(data))])
	}
	if n := binary.BigEndian.Uint32(data[4:8]); int(n) != len(data) {
		t.Fatalf("icns header says %d bytes, file has %d", n, len(data))
	}
	entries := map[string][]byte{}
	for rest := data[8:]; len(rest) > 0; {
		if len(rest) < 8 {
			t.Fatalf("truncated icns entry: %d bytes", len(rest))
		}
		n := int(binary.BigEndian.Uint32(rest[4:8]))
		if n < 8 || n > len(rest) {
			t.Fatalf("icns entry %q has length %d of %d left", rest[:4], n, len(rest))
		}
		entries[string(rest[:4])] = rest[8:n]
		rest = rest[n:]
	}
	return entries
}

func TestAppIcon(t *testing.T) {
	t.Parallel()
	app, _ := makeTestApp(t)
	data, err := os.ReadFile(filepath.Join(app, "Contents", "Resources", "AppIcon.icns"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"ic11": 32, "ic12": 64, "ic07": 128, "ic13": 256,
		"ic08": 256, "ic14": 512, "ic09": 512, "ic10": 1024,
	}
	entries := icnsEntries(t, data)
	if len(entries) != len(want) {
		t.Errorf("AppIcon.icns has types %v, want those of %v", keys(entries), want)
	}
	for typ, px := range want {
		t.Run(typ, func(t *testing.T) {
			e, ok := entries[typ]
			if !ok {
				t.Fatalf("no %s (%d px) image", typ, px)
			}
			img, err := png.Decode(bytes.NewReader(e))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != px || b.Dy() != px {
				t.Errorf("got %dx%d, want %dx%d", b.Dx(), b.Dy(), px, px)
			}
		})
	}

	images, err := icns.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("icns.DecodeAll: %v", err)
	}
	var sizes []int
	for _, img := range images {
		sizes = append(sizes, img.Bounds().Dx())
	}
	slices.Sort(sizes)
	if wantSizes := []int{32, 64, 128, 256, 256, 512, 512, 1024}; !slices.Equal(sizes, wantSizes) {
		t.Errorf("icns.DecodeAll sizes %v, want %v", sizes, wantSizes)
	}
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestAppReplacesThePreviousOne(t *testing.T) {
	t.Parallel()
	app, _ := makeTestApp(t)
	stale := filepath.Join(app, "Contents", "Resources", "old.icns")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := stubExe(t)
	if err := run([]string{"-target", "darwin", "-exe", exe, "-version", "v2.0.0", "-o", app}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a file of the previous app survived: %v", err)
	}
}

func TestBadInvocations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		args  []string
		usage bool
	}{
		{"no exe", []string{"-target", "darwin"}, true},
		{"unknown target", []string{"-target", "windows", "-exe", stubExe(t)}, true},
		{"stray argument", []string{"-exe", stubExe(t), "extra"}, true},
		{"missing exe", []string{"-target", "darwin", "-exe", filepath.Join(dir, "nope"), "-o", filepath.Join(dir, "A.app")}, false},
		{"exe is a folder", []string{"-target", "linux", "-exe", dir, "-o", filepath.Join(dir, "x.tar.gz")}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := run(c.args, io.Discard, io.Discard)
			if err == nil {
				t.Fatal("got no error")
			}
			var u usageError
			if isUsage := errors.As(err, &u); isUsage != c.usage {
				t.Errorf("usage error: got %v, want %v (%v)", isUsage, c.usage, err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "A.app")); !os.IsNotExist(err) {
		t.Errorf("a failed run left an app behind: %v", err)
	}
}

func TestBundleVersion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"v1.2.3", "1.2.3"},
		{"1.2.3", "1.2.3"},
		{"v1.2.3-4-gdeadbee-dirty", "1.2.3"},
		{"v0.10", "0.10"},
		{"v2", "2"},
		{"v1.02.3", "1.2.3"},
		{"v1.2.3.4", "1.2.3"},
		{"deadbee", "0.0.0"},
		{"1234567", "0.0.0"},
		{"1234567-dirty", "0.0.0"},
		{"1a2b3c4", "0.0.0"},
		{"v1.2.3+meta", "1.2.3"},
		{"deadbee-dirty", "0.0.0"},
		{"dev", "0.0.0"},
		{"", "0.0.0"},
	} {
		if got := bundleVersion(c.in); got != c.want {
			t.Errorf("bundleVersion(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
