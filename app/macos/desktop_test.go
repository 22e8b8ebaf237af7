package macos

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/autostart/runner"
)

// A test binary runs outside an app bundle, on a Mac too: the Desktop must
// leave the notification center alone there and use osascript.
func TestDesktopOutsideABundleNotifiesWithOsascript(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "argv")
	osascript := filepath.Join(dir, "osascript")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + out + "'\n"
	if err := os.WriteFile(osascript, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	d := NewDesktop(&tray.MacCommands{Osascript: osascript}, runner.Exec{}, nil)
	if err := d.NotifyAction("default: did not start", "Open LimaBar's menu.", "Show Log", func() { t.Error("clicked") }); err != nil {
		t.Fatal(err)
	}
	d.Close()
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "-e\ndisplay notification \"Open LimaBar's menu.\" with title \"default: did not start\"\n"
	if string(got) != want {
		t.Errorf("osascript argv:\n got %q\nwant %q", got, want)
	}
}

func TestDesktopLogsAFailedOsascript(t *testing.T) {
	dir := t.TempDir()
	osascript := filepath.Join(dir, "osascript")
	if err := os.WriteFile(osascript, []byte("#!/bin/sh\necho 'osascript: no user interaction allowed' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	d := NewDesktop(&tray.MacCommands{Osascript: osascript}, runner.Exec{}, slog.New(slog.NewTextHandler(&log, nil)))
	if err := d.Notify("t", "b"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "no user interaction allowed") {
		t.Errorf("log: got %q, want a warning with osascript's message", log.String())
	}
}
