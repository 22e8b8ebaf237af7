package tools

import (
	"slices"
	"testing"
)

// TestLinuxOnly: the programs the macOS runner image lacks, by its
// published software list (see the package comment).
func TestLinuxOnly(t *testing.T) {
	want := []string{
		"Xvfb", "apt-get", "dbus-daemon", "dbus-launch", "desktop-file-validate", "dpkg", "dpkg-deb",
		"loginctl", "plistutil", "ruby", "setpriv", "setsid", "shellcheck", "systemctl", "systemd-analyze",
	}
	if got := LinuxOnly(); !slices.Equal(got, want) {
		t.Errorf("LinuxOnly() = %q, want %q", got, want)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name       string
		linux, mac bool
		wantListed bool
		wantTool   string
	}{
		{name: "systemd-analyze", linux: true, wantListed: true, wantTool: "systemd-analyze"},
		{name: "/usr/bin/plutil", mac: true, wantListed: true, wantTool: "plutil"},
		{name: "/bin/sh", linux: true, mac: true, wantListed: true, wantTool: "sh"},
		{name: "pkg-config", linux: true, mac: true, wantListed: true, wantTool: "pkg-config"},
		{name: "frobnicate"},
	}
	for _, tt := range tests {
		got, ok := Lookup(tt.name)
		if ok != tt.wantListed || got.Name != tt.wantTool {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.name, got.Name, ok, tt.wantTool, tt.wantListed)
		}
		if got.On("linux") != tt.linux || got.On("darwin") != tt.mac {
			t.Errorf("%s: on linux %v, on darwin %v; want %v, %v", tt.name, got.On("linux"), got.On("darwin"), tt.linux, tt.mac)
		}
	}
}

// TestEveryToolIsSomewhere: an entry on no platform would skip its tests
// everywhere.
func TestEveryToolIsSomewhere(t *testing.T) {
	seen := map[string]bool{}
	for _, tool := range table {
		if !tool.On("linux") && !tool.On("darwin") {
			t.Errorf("%s is on no platform", tool.Name)
		}
		if seen[tool.Name] {
			t.Errorf("%s is listed twice", tool.Name)
		}
		seen[tool.Name] = true
	}
}
