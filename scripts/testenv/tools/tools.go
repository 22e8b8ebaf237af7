// Package tools is the one list of the programs LimaBar's tests run, and of
// where each is found: on Linux, the Debian package that scripts/deps.sh
// installs; on macOS, macOS itself, Apple's Command Line Tools or the GitHub
// macOS runner image.
//
// testenv.Tool gates a test on it (a program the platform does not have
// skips the test there; one it should have and lacks fails it under CI), and
// scripts/darwincheck reads it to fail a test compiled for darwin that runs
// a program macOS lacks outside that gate.
//
// The macOS column is taken from the software lists GitHub publishes for the
// two images the CI workflow's macOS job runs on, actions/runner-images
// images/macos/macos-15-arm64-Readme.md (runs-on: macos-15, image
// 20260527.0100.1) and images/macos/macos-15-Readme.md (runs-on:
// macos-15-intel, image 20260609.0193.1),
// https://github.com/actions/runner-images/tree/main/images/macos. Both list
// Bash 3.2.57, bsdtar, pkgconf 2.5.1 and the Xcode Command Line Tools 16.4
// (make, lipo, codesign); neither lists systemd, libplist, desktop-file-utils,
// util-linux, Xvfb, D-Bus or ShellCheck. Go comes from actions/setup-go in
// the workflow. The rest (sh, dash, plutil, launchctl, osascript, ditto,
// sudo and the POSIX utilities) are part of macOS.
package tools

import (
	"path"
	"sort"
)

// Tool is one program and where it is found.
type Tool struct {
	Name string
	// Debian is the Debian package that provides the program on Linux
	// (scripts/deps.sh installs the test packages); empty when Linux does
	// not have it.
	Debian string
	// Mac says what provides the program on a Mac of the CI runner image;
	// empty when neither macOS nor the image has it.
	Mac string
}

// On reports whether the program is expected on goos ("linux", "darwin").
func (t Tool) On(goos string) bool {
	switch goos {
	case "linux":
		return t.Debian != ""
	case "darwin":
		return t.Mac != ""
	}
	return false
}

const (
	macOS   = "part of macOS"
	clt     = "Xcode Command Line Tools 16.4 (runner image)"
	setupGo = "actions/setup-go in the workflow"
)

var table = []Tool{
	// Linux only: none of these is on either macOS runner image.
	{Name: "systemd-analyze", Debian: "systemd"},
	{Name: "systemctl", Debian: "systemd"},
	{Name: "loginctl", Debian: "systemd"},
	{Name: "plistutil", Debian: "libplist-utils"},
	{Name: "desktop-file-validate", Debian: "desktop-file-utils"},
	{Name: "setsid", Debian: "util-linux"},
	{Name: "setpriv", Debian: "util-linux"},
	{Name: "Xvfb", Debian: "xvfb"},
	{Name: "dbus-daemon", Debian: "dbus"},
	{Name: "dbus-launch", Debian: "dbus-x11"},
	{Name: "shellcheck", Debian: "shellcheck"},
	{Name: "dpkg-deb", Debian: "dpkg"},
	{Name: "dpkg", Debian: "dpkg"},
	{Name: "apt-get", Debian: "apt"},
	{Name: "ruby", Debian: "ruby"},

	// Both.
	{Name: "pkg-config", Debian: "pkg-config", Mac: "pkgconf 2.5.1 (runner image)"},
	{Name: "make", Debian: "make", Mac: clt},
	{Name: "gcc", Debian: "gcc", Mac: "Apple clang as gcc, " + clt},
	{Name: "go", Debian: "the Go toolchain (actions/setup-go in the workflow)", Mac: setupGo},
	{Name: "bash", Debian: "bash", Mac: "Bash 3.2.57 (runner image)"},
	{Name: "sh", Debian: "dash", Mac: macOS},
	{Name: "dash", Debian: "dash", Mac: macOS},
	{Name: "tar", Debian: "tar", Mac: "bsdtar 3.5.3 (runner image)"},
	{Name: "grep", Debian: "grep", Mac: macOS},
	{Name: "sudo", Debian: "sudo", Mac: macOS},
	{Name: "basename", Debian: "coreutils", Mac: macOS},
	{Name: "cat", Debian: "coreutils", Mac: macOS},
	{Name: "base64", Debian: "coreutils", Mac: macOS},
	{Name: "chmod", Debian: "coreutils", Mac: macOS},
	{Name: "cp", Debian: "coreutils", Mac: macOS},
	{Name: "dirname", Debian: "coreutils", Mac: macOS},
	{Name: "env", Debian: "coreutils", Mac: macOS},
	{Name: "false", Debian: "coreutils", Mac: macOS},
	{Name: "id", Debian: "coreutils", Mac: macOS},
	{Name: "mkdir", Debian: "coreutils", Mac: macOS},
	{Name: "mktemp", Debian: "coreutils", Mac: macOS},
	{Name: "mv", Debian: "coreutils", Mac: macOS},
	{Name: "printf", Debian: "coreutils", Mac: macOS},
	{Name: "rm", Debian: "coreutils", Mac: macOS},
	{Name: "sleep", Debian: "coreutils", Mac: macOS},
	{Name: "true", Debian: "coreutils", Mac: macOS},
	{Name: "uname", Debian: "coreutils", Mac: macOS},

	// macOS only.
	{Name: "plutil", Mac: macOS},
	{Name: "launchctl", Mac: macOS},
	{Name: "osascript", Mac: macOS},
	{Name: "ditto", Mac: macOS},
	{Name: "lipo", Mac: clt},
	{Name: "codesign", Mac: clt},
}

// Lookup returns the entry of the program named name, or of the last
// element of a path to it (/bin/sh is sh).
func Lookup(name string) (Tool, bool) {
	base := path.Base(name)
	for _, t := range table {
		if t.Name == base {
			return t, true
		}
	}
	return Tool{}, false
}

// LinuxOnly returns the names of the programs Linux has and the macOS
// runner image does not, sorted.
func LinuxOnly() []string {
	var names []string
	for _, t := range table {
		if t.On("linux") && !t.On("darwin") {
			names = append(names, t.Name)
		}
	}
	sort.Strings(names)
	return names
}

// Where says what provides the program on each platform that has it, for
// messages.
func (t Tool) Where() string {
	switch {
	case t.Debian != "" && t.Mac != "":
		return "Linux: " + t.Debian + "; macOS: " + t.Mac
	case t.Debian != "":
		return "Linux only, Debian package " + t.Debian + "; the macOS runner image lacks it"
	case t.Mac != "":
		return "macOS only, " + t.Mac
	}
	return "on no platform"
}
