// Package packaging holds the tests of LimaBar's Linux packages
// (nfpm.yaml, built by scripts/package.sh) and of the Homebrew cask
// template.
package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

// stubExe is a stand-in for limabar: the goldens check what the packages
// hold and declare, not the program, which the end-to-end install test runs.
func stubExe(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "limabar")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\necho limabar stub\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}

// packageAll runs scripts/package.sh for arch with a stub binary and
// returns the build folder.
func packageAll(t *testing.T, arch string) string {
	t.Helper()
	testenv.Tool(t, "tar")
	out := t.TempDir()
	cmd := exec.Command("bash", "../scripts/package.sh", "--arch", arch, "--version", "1.2.3", "--exe", stubExe(t), "--build-dir", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("package.sh --arch %s: %v\n%s", arch, err, stderr.String())
	}
	return out
}

var (
	// The sizes dpkg-deb --info prints change with every build of the
	// binary and icons; the fields stay.
	debSize       = regexp.MustCompile(`(?m)^ size \d+ bytes: control archive=\d+ bytes\.$`)
	controlFile   = regexp.MustCompile(`(?m)^ +\d+ bytes, +\d+ lines +(\*? *\S+) *$`)
	installedSize = regexp.MustCompile(`(?m)^ Installed-Size: \d+$`)
)

// normalInfo is dpkg-deb --info with its sizes replaced by N.
func normalInfo(s string) string {
	s = debSize.ReplaceAllString(s, " size N bytes: control archive=N bytes.")
	s = controlFile.ReplaceAllString(s, " N bytes, N lines $1")
	return installedSize.ReplaceAllString(s, " Installed-Size: N")
}

// normalContents is dpkg-deb --contents as mode, owner and path: sizes and
// times change with every build.
func normalContents(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		if len(f) != 6 {
			b.WriteString("UNEXPECTED " + line + "\n")
			continue
		}
		b.WriteString(f[0] + " " + f[1] + " " + f[5] + "\n")
	}
	return b.String()
}

func golden(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestPackages builds the .deb and .rpm for amd64 and arm64 and compares
// dpkg-deb --info and --contents of each .deb with the literal text in
// testdata: /usr/bin/limabar, the desktop entry and the hicolor icons, the
// tray library as the one dependency, and no maintainer script (the
// control archive holds control and md5sums only).
func TestPackages(t *testing.T) {
	dpkgDeb := testenv.Tool(t, "dpkg-deb")
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			out := packageAll(t, arch)
			deb := filepath.Join(out, "limabar_1.2.3_"+arch+".deb")
			info, err := exec.Command(dpkgDeb, "--info", deb).Output()
			if err != nil {
				t.Fatalf("dpkg-deb --info: %v", err)
			}
			if got, want := normalInfo(string(info)), golden(t, "deb-info-"+arch+".txt"); got != want {
				t.Errorf("dpkg-deb --info differs from testdata/deb-info-%s.txt:\n%s", arch, got)
			}
			contents, err := exec.Command(dpkgDeb, "--contents", deb).Output()
			if err != nil {
				t.Fatalf("dpkg-deb --contents: %v", err)
			}
			if got, want := normalContents(string(contents)), golden(t, "deb-contents.txt"); got != want {
				t.Errorf("dpkg-deb --contents differs from testdata/deb-contents.txt:\n%s", got)
			}

			rpmArch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch]
			rpm, err := os.ReadFile(filepath.Join(out, "limabar-1.2.3-1."+rpmArch+".rpm"))
			if err != nil {
				t.Fatalf("no rpm: %v", err)
			}
			// The lead of an rpm file: its magic, and the name-version-release
			// at byte 10.
			if !bytes.HasPrefix(rpm, []byte{0xed, 0xab, 0xee, 0xdb}) {
				t.Errorf("the rpm starts with % x, not rpm's magic", rpm[:4])
			}
			if name := string(bytes.TrimRight(rpm[10:76], "\x00")); name != "limabar-1.2.3-1" {
				t.Errorf("the rpm lead names %q, want limabar-1.2.3-1", name)
			}
			for _, want := range []string{"libayatana-appindicator-gtk3", "/usr/share/icons/hicolor/512x512/apps", "io.github.limabar.desktop"} {
				if !bytes.Contains(rpm, []byte(want)) {
					t.Errorf("the rpm's header does not hold %q", want)
				}
			}
		})
	}
}
