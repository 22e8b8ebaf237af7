//go:build darwin

package macos

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// A test binary is a process without an app bundle, like `limabar list`:
// +[UNUserNotificationCenter currentNotificationCenter] would raise there and
// end it (macnotify's testdata/bundleproxy-nil.txt). The guard must keep
// both frameworks out of reach; a wrong guard crashes this test.
func TestOutsideTheBundleNoFrameworkIsTouched(t *testing.T) {
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	if c := notificationCenter(logger); c != nil {
		t.Errorf("notificationCenter outside a bundle: got %T, want nil", c)
	}
	if !strings.Contains(log.String(), "notifications go through osascript") {
		t.Errorf("log: got %q, want that osascript is used", log.String())
	}
	if s := MainAppService(logger); s != nil {
		t.Errorf("MainAppService outside a bundle: got %T, want nil (the LaunchAgent is kept)", s)
	}
}
