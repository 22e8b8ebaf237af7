package sessionbus

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestConnectNeverStartsABus: with no bus in the environment, Connect
// fails and runs no dbus-launch (a stand-in on PATH records any call).
func TestConnectNeverStartsABus(t *testing.T) {
	bin := t.TempDir()
	record := filepath.Join(t.TempDir(), "launched")
	script := "#!/bin/sh\necho \"$@\" >> " + record + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if p, err := exec.LookPath("dbus-launch"); err != nil || p != filepath.Join(bin, "dbus-launch") {
		t.Fatalf("the stand-in is not first on PATH: %q %v", p, err)
	}
	if conn, err := Connect(context.Background()); err == nil {
		conn.Close()
		t.Fatal("Connect succeeded without a session bus")
	}
	if data, err := os.ReadFile(record); err == nil {
		t.Errorf("dbus-launch was run: %q", data)
	}
}
