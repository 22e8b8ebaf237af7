//go:build testhooks

package hostenv

import (
	"fmt"
	"path/filepath"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
)

// Test-only variables, compiled only into a binary built with
// `-tags testhooks` (the tests, the end-to-end harness, make bench). They let
// the real binary behave as on macOS on a Linux machine, call launchctl,
// plutil, osascript and sudo by name so that fakes on PATH stand in, and move
// every system-wide path under one folder.
const (
	TestPlatformVar = "LIMABAR_TEST_PLATFORM" // darwin or linux
	TestRootVar     = "LIMABAR_TEST_ROOT"     // prefix for /Library/LaunchDaemons, /var/lib/systemd/linger
	TestSessionVar  = "LIMABAR_TEST_SESSION"  // gui, tty or none (macOS mode only)
)

// testHooks says that this binary reads the test-only variables.
const testHooks = true

// fromTestEnv applies the test-only variables to o and reports whether any
// was set.
func fromTestEnv(o *Options) (bool, error) {
	on := false
	switch p := o.Getenv(TestPlatformVar); p {
	case "":
	case "darwin", "linux":
		o.Platform, on = autostart.Platform(p), true
	default:
		return false, fmt.Errorf("%s=%q: want darwin or linux", TestPlatformVar, p)
	}
	if r := o.Getenv(TestRootVar); r != "" {
		if !filepath.IsAbs(r) {
			return false, fmt.Errorf("%s=%q: want an absolute path", TestRootVar, r)
		}
		o.Root, on = r, true
	}
	if on {
		o.Session = elevate.SessionGUI
		switch s := elevate.Session(o.Getenv(TestSessionVar)); s {
		case elevate.SessionGUI, elevate.SessionTTY, elevate.SessionNone:
			o.Session = s
		}
	}
	return on, nil
}
