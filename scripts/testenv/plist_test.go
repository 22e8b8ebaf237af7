package testenv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const samplePlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>io.github.limabar.sample</string>
</dict>
</plist>
`

// TestConvertPlist converts a plist to binary and back with the platform's
// converter.
func TestConvertPlist(t *testing.T) {
	dir := t.TempDir()
	in, bin, back := filepath.Join(dir, "in.plist"), filepath.Join(dir, "bin.plist"), filepath.Join(dir, "back.plist")
	if err := os.WriteFile(in, []byte(samplePlist), 0o644); err != nil {
		t.Fatal(err)
	}
	ConvertPlist(t, in, bin, true)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("bplist00")) {
		t.Errorf("binary plist starts %q, want bplist00", data[:min(len(data), 8)])
	}
	ConvertPlist(t, bin, back, false)
	data, err = os.ReadFile(back)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "<string>io.github.limabar.sample</string>") {
		t.Errorf("back to XML:\n%s\nwant it to hold the label", data)
	}
}

// TestConvertPlistRefusesGarbage: a file that is no plist fails the test.
func TestConvertPlistRefusesGarbage(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.plist")
	if err := os.WriteFile(in, []byte("<plist><dict><key>x</dict>"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	ConvertPlist(r, in, filepath.Join(dir, "out.plist"), true)
	if r.skip != "" {
		t.Skip(r.skip)
	}
	if r.fatal == "" {
		t.Error("a malformed plist was converted without an error")
	}
}
