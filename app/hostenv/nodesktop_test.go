package hostenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
)

// TestNoDesktop: a Mac session without a desktop (a terminal over SSH, or
// neither) is one where launchd may have no gui/UID domain, and the engine
// is told so; a desktop session and Linux are not.
func TestNoDesktop(t *testing.T) {
	for _, tc := range []struct {
		platform autostart.Platform
		session  elevate.Session
		want     bool
	}{
		{autostart.Darwin, elevate.SessionGUI, false},
		{autostart.Darwin, elevate.SessionTTY, true},
		{autostart.Darwin, elevate.SessionNone, true},
		{autostart.Linux, elevate.SessionTTY, false},
	} {
		h, err := Detect(Options{
			Platform: tc.platform,
			Session:  tc.session,
			Getenv:   func(k string) string { return map[string]string{"HOME": t.TempDir()}[k] },
			LoginShell: func(context.Context, string) (string, string, error) {
				return "", "", errors.New("no login shell in this test")
			},
			LookPath: func(string) (string, error) { return "", errors.New("not found") },
		})
		if err != nil {
			t.Fatal(err)
		}
		env, err := h.Env(nil)
		if err != nil {
			t.Fatal(err)
		}
		if h.NoDesktop != tc.want || env.NoDesktop != tc.want {
			t.Errorf("%s, session %s: NoDesktop %v, engine told %v; want %v", tc.platform, tc.session, h.NoDesktop, env.NoDesktop, tc.want)
		}
	}
}

// TestOwnedByAnother is the Mac's desktop test on its console device
// (detectNoDesktop), here on a file this test owns.
func TestOwnedByAnother(t *testing.T) {
	f := filepath.Join(t.TempDir(), "console")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if ownedByAnother(f, os.Getuid()) {
		t.Error("a file of this user is taken for another's")
	}
	if !ownedByAnother(f, os.Getuid()+1) {
		t.Error("a file of this user is not taken for another's")
	}
	if ownedByAnother(filepath.Join(t.TempDir(), "missing"), os.Getuid()+1) {
		t.Error("a missing file is taken for another's")
	}
}
