package sessionbus

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// TestNothingElseDialsTheSessionBus: every connection to the session bus
// goes through Connect. godbus's ConnectSessionBus, SessionBus and
// SessionBusPrivate, and go-systemd's NewUserConnection*, start a
// dbus-daemon when no bus is named (a command run over SSH, the command
// line in a test), and each of those daemons outlives LimaBar. For
// systemd's user manager use
// sdbus.NewConnection(func() (*dbus.Conn, error) { return sessionbus.Connect(ctx) }).
func TestNothingElseDialsTheSessionBus(t *testing.T) {
	banned := []string{"ConnectSessionBus(", "dbus.SessionBus(", "SessionBusPrivate(", "NewUserConnection"}
	for _, top := range []string{"../../app", "../../autostart"} {
		err := filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, "sessionbus.go") {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, b := range banned {
				if strings.Contains(string(data), b) {
					t.Errorf("%s calls %s; connect through sessionbus.Connect, which never starts a bus", p, strings.TrimSuffix(b, "("))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
