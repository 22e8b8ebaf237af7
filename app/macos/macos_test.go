package macos

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		in     string
		wantOK bool
	}{
		{"https://lima-vm.io/docs/installation/", true},
		{"file:///Users/a/.lima/default/ha.stderr.log", true},
		{"x-apple.systempreferences:com.apple.preference.security?Privacy_Automation", true},
		{"", false},
		{"lima-vm.io", false},
		{"/etc/passwd", false},
		{"http://[::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := checkURL(tt.in)
			if (err == nil) != tt.wantOK {
				t.Errorf("checkURL(%q) = %v, want ok=%v", tt.in, err, tt.wantOK)
			}
		})
	}
}

func TestCheckFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lima.yaml")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		wantOK     bool
	}{
		{"directory", dir, true},
		{"file", file, false},
		{"missing", filepath.Join(dir, "missing"), false},
		{"relative", "default", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFolder(tt.path)
			if (err == nil) != tt.wantOK {
				t.Errorf("checkFolder(%q) = %v, want ok=%v", tt.path, err, tt.wantOK)
			}
		})
	}
}
