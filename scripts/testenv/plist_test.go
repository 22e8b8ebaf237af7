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
	// The converter itself must be there, or the refusal below would be
	// that of a missing program.
	Tool(t, plistConverter())
	r := &recorder{TB: t}
	out := filepath.Join(dir, "out.plist")
	ConvertPlist(r, in, out, true)
	if r.fatal == "" || r.skip != "" {
		t.Errorf("a malformed plist was converted: fatal %q, skip %q", r.fatal, r.skip)
	}
	if !strings.Contains(r.fatal, in) {
		t.Errorf("the failure %q does not name the converter's command on %s", r.fatal, in)
	}
}
